// SPDX-License-Identifier: MIT
/*
 * UDP on the virtual host: lwIP's raw UDP API behind a small interface
 * without pbufs (a datagram in several pbufs is made one in a buffer of the
 * host's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"
#include "sandbox.h"

/* nothing but memory */
const char *const twh_syscalls_udp[] = {NULL};

struct tw_host_udp {
	struct tw_host *h;
	struct udp_pcb *pcb;
	tw_host_udp_recv_fn recv;
	void *arg;
	struct tw_host_udp *prev, *next;
};

static void on_udp(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
		   u16_t port)
{
	struct tw_host_udp *u = arg;
	struct sockaddr_storage ss;
	const void *data = p->payload;

	if (!u || !u->recv) {
		pbuf_free(p);
		return;
	}
	if (p->next) {
		pbuf_copy_partial(p, u->h->udpbuf, p->tot_len, 0);
		data = u->h->udpbuf;
	}
	twh_sockaddr_from_ip(&ss, addr, port);
	u->recv(u->arg, u, (struct sockaddr *)&ss, data, p->tot_len);
	pbuf_free(p);
}

struct tw_host_udp *tw_host_udp_open(struct tw_host *h, uint16_t port, tw_host_udp_recv_fn recv,
				     void *arg, int *err)
{
	struct tw_host_udp *u = calloc(1, sizeof(*u));
	err_t e;

	if (!u) {
		*err = -ENOMEM;
		return NULL;
	}
	u->pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
	if (!u->pcb) {
		free(u);
		*err = -ENOMEM;
		return NULL;
	}
	e = udp_bind(u->pcb, IP_ANY_TYPE, port);
	if (e != ERR_OK) {
		udp_remove(u->pcb);
		free(u);
		*err = twh_errno_of(e);
		return NULL;
	}
	u->h = h;
	u->recv = recv;
	u->arg = arg;
	udp_recv(u->pcb, on_udp, u);
	u->next = h->udps;
	if (h->udps)
		h->udps->prev = u;
	h->udps = u;
	return u;
}

int tw_host_udp_sendto(struct tw_host_udp *u, const struct sockaddr *to, const void *data,
		       size_t len)
{
	struct pbuf *p;
	ip_addr_t ip;
	uint16_t port;
	err_t e;
	int rc = twh_ip_from_sockaddr(&ip, &port, to);

	if (rc)
		return rc;
	if (!port || twh_is_own(u->h, &ip) || ip_addr_isany(&ip))
		return -EINVAL;
	if (len > 0xffff - 8 - 40)
		return -EMSGSIZE;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOMEM;
	memcpy(p->payload, data, len);
	e = udp_sendto(u->pcb, p, &ip, port);
	pbuf_free(p);
	return twh_errno_of(e);
}

void tw_host_udp_close(struct tw_host_udp *u)
{
	if (!u)
		return;
	if (u->prev)
		u->prev->next = u->next;
	else
		u->h->udps = u->next;
	if (u->next)
		u->next->prev = u->prev;
	udp_remove(u->pcb);
	free(u);
}

void twh_udp_close_all(struct tw_host *h)
{
	while (h->udps)
		tw_host_udp_close(h->udps);
}
