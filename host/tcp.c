// SPDX-License-Identifier: MIT
/*
 * TCP on the virtual host: lwIP's raw API behind a small interface
 * without pbufs. Flow control is lwIP's own: data the application does not
 * take stays with lwIP as "refused data" (its window closes) until
 * tw_host_conn_resume().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lwip/priv/tcp_priv.h>

#include "host_internal.h"

struct tw_host_conn {
	struct tw_host *h;
	struct tcp_pcb *pcb;
	const struct tw_host_tcp_ops *ops;
	void *arg;
	size_t skip; /* bytes of the refused pbuf already taken */
	bool paused, eof_told, resume_pending;
	int in_cb;	 /* inside one of its callbacks: closing only marks it */
	bool app_closed; /* closed or aborted by the application */
	bool aborted;	 /* its pcb was aborted (lwIP must hear ERR_ABRT) */
	size_t queued;	 /* written, not yet acknowledged (guard.c's count) */
	struct tw_host_conn *prev, *next;
};

struct tw_host_listener {
	struct tw_host *h;
	struct tcp_pcb *pcb;
	const struct tw_host_tcp_ops *ops;
	void *arg;
	struct tw_host_listener *next;
};

void twh_sockaddr_from_ip(struct sockaddr_storage *ss, const ip_addr_t *ip, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (IP_IS_V6(ip)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip_2_ip6(ip)->addr, 16);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = ip4_addr_get_u32(ip_2_ip4(ip));
	}
}

int twh_ip_from_sockaddr(ip_addr_t *ip, uint16_t *port, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		ip_addr_set_ip4_u32(ip, s4->sin_addr.s_addr);
		*port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		IP_SET_TYPE(ip, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(ip)->addr, &s6->sin6_addr, 16);
		ip6_addr_clear_zone(ip_2_ip6(ip));
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			ip_addr_set_ip4_u32(ip, ip_2_ip6(ip)->addr[3]);
		*port = ntohs(s6->sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* Our own address as a destination would go through lwIP's loopback queue,
 * which needs the tcpip thread this build does not run. */
bool twh_is_own(struct tw_host *h, const ip_addr_t *ip)
{
	if (!IP_IS_V6(ip))
		return ip4_addr_cmp(ip_2_ip4(ip), netif_ip4_addr(&h->netif)) ||
		       ip4_addr_isloopback(ip_2_ip4(ip));
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (ip6_addr_isvalid(netif_ip6_addr_state(&h->netif, i)) &&
		    ip6_addr_cmp_zoneless(netif_ip6_addr(&h->netif, i), ip_2_ip6(ip)))
			return true;
	return ip6_addr_isloopback(ip_2_ip6(ip));
}

int twh_errno_of(err_t e)
{
	switch (e) {
	case ERR_OK:
		return 0;
	case ERR_MEM:
	case ERR_BUF:
		return -ENOMEM;
	case ERR_TIMEOUT:
		return -ETIMEDOUT;
	case ERR_RTE:
		return -ENETUNREACH;
	case ERR_USE:
		return -EADDRINUSE;
	case ERR_ISCONN:
		return -EISCONN;
	case ERR_CONN:
		return -ENOTCONN;
	case ERR_ABRT:
		return -ECONNABORTED;
	case ERR_RST:
		return -ECONNRESET;
	case ERR_CLSD:
		return -EPIPE;
	case ERR_VAL:
	case ERR_ARG:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* ---- connections ---- */

static void conn_unlink(struct tw_host_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		c->h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->h->n_conns--;
	c->h->stats.conns_open = c->h->n_conns;
}

static void conn_free(struct tw_host_conn *c)
{
	conn_unlink(c);
	free(c);
}

/* Detaches @c from its pcb: no lwIP callback reaches it after. */
static void conn_detach(struct tw_host_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	if (!pcb)
		return;
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	c->pcb = NULL;
	if (pcb->refused_data) {
		pbuf_free(pcb->refused_data);
		pcb->refused_data = NULL;
	}
}

/* After a callback: the application may have closed @c inside it. Returns
 * true when it did (c is freed; *e is what lwIP must hear). */
static bool settle(struct tw_host_conn *c, err_t *e)
{
	if (!c->app_closed)
		return false;
	*e = c->aborted ? ERR_ABRT : ERR_OK;
	conn_free(c);
	return true;
}

static size_t deliver(struct tw_host_conn *c, const void *data, size_t len)
{
	size_t n;

	if (!c->ops->recv)
		return len;
	c->in_cb++;
	n = c->ops->recv(c->arg, c, data, len);
	c->in_cb--;
	return n > len ? len : n;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tw_host_conn *c = arg;
	size_t taken = 0, off = 0;
	struct pbuf *q;
	err_t e = ERR_OK;

	if (!c) {
		if (p) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p) {
		if (!c->eof_told) {
			c->eof_told = true;
			deliver(c, NULL, 0);
			if (settle(c, &e))
				return e;
		}
		return ERR_OK;
	}
	if (c->paused)
		return ERR_MEM;
	for (q = p; q; q = q->next) {
		size_t len = q->len, skip = 0, n;

		if (off + len <= c->skip) {
			off += len;
			continue;
		}
		if (c->skip > off)
			skip = c->skip - off;
		off += len;
		n = deliver(c, (uint8_t *)q->payload + skip, len - skip);
		if (c->app_closed) {
			pbuf_free(p);
			settle(c, &e);
			return e;
		}
		taken += n;
		if (n < len - skip) {
			c->skip += taken;
			c->paused = true;
			tcp_recved(pcb, (u16_t)taken);
			return ERR_MEM; /* lwIP keeps p as refused data */
		}
	}
	tcp_recved(pcb, (u16_t)taken);
	c->skip = 0;
	pbuf_free(p);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct tw_host_conn *c = arg;
	err_t e;

	if (c) {
		twh_tcp_acked(c->h, len);
		c->queued = c->queued > len ? c->queued - len : 0;
	}
	if (c && c->ops->sent) {
		c->in_cb++;
		c->ops->sent(c->arg, c, tw_host_conn_room(c));
		c->in_cb--;
		if (settle(c, &e))
			return e;
	}
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	struct tw_host_conn *c = arg;

	if (!c)
		return;
	c->pcb = NULL; /* lwIP freed it, and what it had queued */
	twh_tcp_acked(c->h, c->queued);
	if (c->ops->closed) {
		c->in_cb++;
		c->ops->closed(c->arg, c, twh_errno_of(err) ? twh_errno_of(err) : -ECONNRESET);
		c->in_cb--;
	}
	conn_free(c);
}

static struct tw_host_conn *conn_new(struct tw_host *h, struct tcp_pcb *pcb,
				     const struct tw_host_tcp_ops *ops, void *arg)
{
	struct tw_host_conn *c;

	if (h->n_conns >= h->max_conns)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->h = h;
	c->pcb = pcb;
	c->ops = ops;
	c->arg = arg;
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->n_conns++;
	h->stats.conns_open = h->n_conns;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_nagle_disable(pcb);
	twh_tcp_tune(pcb);
	return c;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tw_host_listener *l = arg;
	struct tw_host_conn *c;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	c = conn_new(l->h, pcb, l->ops, l->arg);
	if (!c) {
		l->h->stats.conns_refused++;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	if (l->ops->accept) {
		err_t e;

		c->in_cb++;
		l->ops->accept(l->arg, c);
		c->in_cb--;
		if (settle(c, &e))
			return e;
	}
	return ERR_OK;
}

struct tw_host_listener *tw_host_tcp_listen(struct tw_host *h, uint16_t port,
					    const struct tw_host_tcp_ops *ops, void *arg, int *err)
{
	struct tw_host_listener *l = calloc(1, sizeof(*l));
	struct tcp_pcb *pcb;
	err_t e;

	if (!l) {
		*err = -ENOMEM;
		return NULL;
	}
	pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (!pcb) {
		free(l);
		*err = -ENOMEM;
		return NULL;
	}
	e = tcp_bind(pcb, IP_ANY_TYPE, port);
	if (e != ERR_OK) {
		tcp_close(pcb);
		free(l);
		*err = twh_errno_of(e);
		return NULL;
	}
	l->pcb = tcp_listen_with_backlog_and_err(pcb, 64, &e);
	if (!l->pcb) {
		tcp_close(pcb);
		free(l);
		*err = twh_errno_of(e);
		return NULL;
	}
	l->h = h;
	l->ops = ops;
	l->arg = arg;
	tcp_arg(l->pcb, l);
	tcp_accept(l->pcb, on_accept);
	l->next = h->listeners;
	h->listeners = l;
	return l;
}

void tw_host_listener_close(struct tw_host_listener *l)
{
	struct tw_host_listener **pp;

	if (!l)
		return;
	for (pp = &l->h->listeners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	tcp_arg(l->pcb, NULL);
	tcp_accept(l->pcb, NULL);
	tcp_close(l->pcb);
	free(l);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tw_host_conn *c = arg;

	if (c && c->ops->connected) {
		err_t e;

		c->in_cb++;
		c->ops->connected(c->arg, c);
		c->in_cb--;
		if (settle(c, &e))
			return e;
	}
	return ERR_OK;
}

struct tw_host_conn *tw_host_tcp_connect(struct tw_host *h, const struct sockaddr *to,
					 const struct tw_host_tcp_ops *ops, void *arg, int *err)
{
	struct tw_host_conn *c;
	struct tcp_pcb *pcb;
	ip_addr_t ip;
	uint16_t port;
	err_t e;

	*err = twh_ip_from_sockaddr(&ip, &port, to);
	if (*err)
		return NULL;
	if (!port || twh_is_own(h, &ip) || ip_addr_ismulticast(&ip) || ip_addr_isany(&ip)) {
		*err = -EINVAL;
		return NULL;
	}
	if (!twh_tcp_admit(h)) {
		*err = -EMFILE;
		return NULL;
	}
	pcb = tcp_new_ip_type((u8_t)IP_GET_TYPE(&ip));
	if (!pcb) {
		*err = -ENOMEM;
		return NULL;
	}
	c = conn_new(h, pcb, ops, arg);
	if (!c) {
		tcp_abort(pcb);
		*err = -EMFILE;
		return NULL;
	}
	e = tcp_connect(pcb, &ip, port, on_connected);
	if (e != ERR_OK) {
		conn_detach(c);
		tcp_abort(pcb);
		conn_free(c);
		*err = twh_errno_of(e);
		return NULL;
	}
	return c;
}

void tw_host_conn_set(struct tw_host_conn *c, const struct tw_host_tcp_ops *ops, void *arg)
{
	c->ops = ops;
	c->arg = arg;
}

size_t tw_host_conn_room(const struct tw_host_conn *c)
{
	size_t free_segs, room;

	if (!c->pcb)
		return 0;
	/* lwIP also caps queued segments (TCP_SND_QUEUELEN): a write of n bytes
	 * takes at most n / MSS + 2 of them, so the room given always fits */
	free_segs = tcp_sndqueuelen(c->pcb) < TCP_SND_QUEUELEN
			? (size_t)(TCP_SND_QUEUELEN - tcp_sndqueuelen(c->pcb))
			: 0;
	if (free_segs < 3)
		return 0;
	room = tcp_sndbuf(c->pcb);
	if (room > (free_segs - 2) * TCP_MSS)
		room = (free_segs - 2) * TCP_MSS;
	return twh_tcp_budget(c->h, c->pcb, room);
}

size_t tw_host_conn_unacked(const struct tw_host_conn *c)
{
	return c->pcb ? (size_t)(TCP_SND_BUF - tcp_sndbuf(c->pcb)) : 0;
}

ssize_t tw_host_conn_write(struct tw_host_conn *c, const void *data, size_t len)
{
	size_t room = tw_host_conn_room(c);
	err_t e;

	if (!c->pcb)
		return -ENOTCONN;
	if (len > room)
		len = room;
	if (len > 0xffff)
		len = 0xffff;
	if (!len)
		return 0;
	e = tcp_write(c->pcb, data, (u16_t)len, TCP_WRITE_FLAG_COPY);
	if (e == ERR_MEM)
		return 0;
	if (e != ERR_OK)
		return twh_errno_of(e);
	twh_tcp_queued(c->h, len);
	c->queued += len;
	tcp_output(c->pcb);
	return (ssize_t)len;
}

void tw_host_conn_resume(struct tw_host_conn *c)
{
	if (!c->pcb || !c->paused)
		return;
	if (c->in_cb) {
		/* not from inside its own callback: tw_host_process() does it */
		c->resume_pending = true;
		c->h->resume_pending = true;
		return;
	}
	c->paused = false;
	if (c->pcb->refused_data && tcp_process_refused_data(c->pcb) == ERR_ABRT)
		return; /* on_recv freed c */
}

int tw_host_conn_shutdown(struct tw_host_conn *c)
{
	if (!c->pcb)
		return -ENOTCONN;
	return twh_errno_of(tcp_shutdown(c->pcb, 0, 1));
}

static void conn_end(struct tw_host_conn *c, bool abort)
{
	struct tcp_pcb *pcb = c->pcb;

	if (c->app_closed)
		return;
	conn_detach(c);
	/* What the application was given but had not yet been credited to the
	 * window (it closed from inside its recv callback) is taken: otherwise
	 * lwIP, like Linux on unread data, answers the close with a reset. */
	if (pcb && !abort && pcb->state >= ESTABLISHED && pcb->rcv_wnd < TCP_WND_MAX(pcb))
		tcp_recved(pcb, (u16_t)(TCP_WND_MAX(pcb) - pcb->rcv_wnd));
	/* closing into a shut window would hold the queued data for ever */
	if (pcb && !abort && twh_tcp_close_would_stall(pcb))
		abort = true;
	if (pcb && !abort && tcp_close(pcb) != ERR_OK)
		abort = true;
	if (pcb && !abort)
		twh_tcp_mark_closed(pcb); /* guard.c resets it if it lingers */
	if (pcb && abort) {
		twh_tcp_forget(c->h, pcb);
		tcp_abort(pcb);
		c->aborted = true;
	}
	c->app_closed = true;
	if (!c->in_cb)
		conn_free(c); /* else the callback's wrapper frees it */
}

void tw_host_conn_close(struct tw_host_conn *c)
{
	conn_end(c, false);
}

void tw_host_conn_abort(struct tw_host_conn *c)
{
	conn_end(c, true);
}

int tw_host_conn_peer(const struct tw_host_conn *c, struct sockaddr_storage *ss)
{
	if (!c->pcb)
		return -ENOTCONN;
	twh_sockaddr_from_ip(ss, &c->pcb->remote_ip, c->pcb->remote_port);
	return 0;
}

int tw_host_conn_local(const struct tw_host_conn *c, struct sockaddr_storage *ss)
{
	if (!c->pcb)
		return -ENOTCONN;
	twh_sockaddr_from_ip(ss, &c->pcb->local_ip, c->pcb->local_port);
	return 0;
}

void twh_tcp_resume_pending(struct tw_host *h)
{
	struct tw_host_conn *c;

	while (h->resume_pending) {
		h->resume_pending = false;
		for (c = h->conns; c; c = c->next)
			if (c->resume_pending) {
				c->resume_pending = false;
				h->resume_pending = true; /* look again: c may be gone */
				tw_host_conn_resume(c);
				break;
			}
	}
}

void twh_tcp_close_all(struct tw_host *h)
{
	while (h->listeners)
		tw_host_listener_close(h->listeners);
	while (h->conns)
		tw_host_conn_abort(h->conns);
}
