// SPDX-License-Identifier: MIT
/*
 * TCP relays between the virtual host and the real host's sockets: a
 * connection to a --forward port of the virtual host is relayed to a real
 * address, a connection to a --reverse listener of the real host to an
 * address on the virtual network. Flow control is lwIP's and the kernel's:
 * a relay reads from one side only as much as the other has room for. A
 * relay waiting for room leaves epoll (a hung-up socket reports EPOLLHUP
 * whatever the mask); a listener out of descriptors sleeps a tick.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "svc.h"

/* real TCP sockets: made, connected or accepted, their data, their end */
const char *const twh_syscalls_svc_tcp_relay[] = {
    "socket",	"connect",    "accept4",    "read",  "sendto",	  "recvfrom",
    "shutdown", "setsockopt", "getsockopt", "close", "epoll_ctl", NULL,
};

#define MAX_RELAYS 1024

struct relay {
	enum svc_kind kind; /* SVC_RELAY: first, the epoll tag */
	struct svc_track t;
	int fd;
	struct tw_host_conn *c;
	bool fd_connecting, c_connecting, fd_eof, c_eof, dead;
	bool want_out; /* the real socket refused data: resume when writable */
	bool in_epoll; /* out of epoll while it waits for nothing (EPOLLHUP cannot be masked) */
	uint32_t events;
	struct relay *next_dead;
};

static struct relay *graveyard;

static void relay_watch(struct relay *r)
{
	uint32_t ev = 0;
	struct epoll_event e;

	if (r->dead || r->fd < 0)
		return;
	if (r->fd_connecting)
		ev |= EPOLLOUT;
	else if (!r->c_connecting && r->c) {
		if (!r->fd_eof && tw_host_conn_room(r->c))
			ev |= EPOLLIN;
		if (r->want_out)
			ev |= EPOLLOUT;
	}
	if (ev == r->events && (ev != 0) == r->in_epoll)
		return;
	e.events = ev;
	e.data.ptr = r;
	/* Waiting for nothing from the real socket (the virtual side has no room):
	 * out of epoll altogether, since a hung-up socket reports EPOLLHUP whatever
	 * the mask, and the loop would spin on it. Back in when there is room. */
	if (!ev) {
		if (r->in_epoll)
			epoll_ctl(svc_cfg->epfd, EPOLL_CTL_DEL, r->fd, NULL);
		r->in_epoll = false;
	} else if (!r->in_epoll) {
		if (epoll_ctl(svc_cfg->epfd, EPOLL_CTL_ADD, r->fd, &e) == 0)
			r->in_epoll = true;
	} else {
		epoll_ctl(svc_cfg->epfd, EPOLL_CTL_MOD, r->fd, &e);
	}
	r->events = ev;
}

static void relay_end(struct relay *r, bool reset)
{
	if (r->dead)
		return;
	r->dead = true;
	svc_track_del(&r->t);
	if (r->fd >= 0) {
		if (r->in_epoll)
			epoll_ctl(svc_cfg->epfd, EPOLL_CTL_DEL, r->fd, NULL);
		if (reset) {
			struct linger lg = {1, 0}; /* RST the real side too */

			setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(r->fd);
		r->fd = -1;
	}
	if (r->c) {
		struct tw_host_conn *c = r->c;

		r->c = NULL;
		if (reset)
			tw_host_conn_abort(c);
		else
			tw_host_conn_close(c);
	}
	svc_n_relays--;
	r->next_dead = graveyard;
	graveyard = r;
}

static void relay_maybe_done(struct relay *r)
{
	if (r->fd_eof && r->c_eof)
		relay_end(r, false); /* both sides sent FIN; queued data still goes out */
}

static size_t relay_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	struct relay *r = arg;
	ssize_t n;

	if (r->dead)
		return len;
	svc_track_touch(&r->t);
	if (!len) {
		r->c_eof = true;
		if (!r->fd_connecting)
			shutdown(r->fd, SHUT_WR);
		relay_maybe_done(r);
		return 0;
	}
	if (r->fd_connecting)
		return 0;
	n = send(r->fd, d, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			relay_end(r, true);
			return 0;
		}
		n = 0;
	}
	if ((size_t)n < len) {
		r->want_out = true;
		relay_watch(r);
	}
	return (size_t)n;
}

static void relay_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	struct relay *r = arg;

	svc_track_touch(&r->t);
	relay_watch(r);
}

static void relay_expire(struct svc_track *t)
{
	relay_end((struct relay *)((char *)t - offsetof(struct relay, t)), true);
}

static void relay_closed(void *arg, struct tw_host_conn *c, int err)
{
	struct relay *r = arg;

	r->c = NULL;
	relay_end(r, true);
}

static void relay_connected(void *arg, struct tw_host_conn *c)
{
	struct relay *r = arg;

	r->c_connecting = false;
	relay_watch(r);
}

static const struct tw_host_tcp_ops relay_ops = {
    .recv = relay_recv, .sent = relay_sent, .closed = relay_closed, .connected = relay_connected};

static struct relay *relay_new(int fd, uint32_t events)
{
	struct relay *r;
	struct epoll_event e = {.events = events};

	if (svc_n_relays >= MAX_RELAYS)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = SVC_RELAY;
	r->fd = fd;
	r->events = events;
	e.data.ptr = r;
	if (epoll_ctl(svc_cfg->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		free(r);
		return NULL;
	}
	r->in_epoll = true;
	svc_n_relays++;
	return r;
}

/* forward: a connection to a port of the virtual host goes to a real address */
static void fwd_accept(void *arg, struct tw_host_conn *c)
{
	const struct svc_forward *f = arg;
	struct relay *r;
	int fd;

	/* before a real socket is made for it (svc_track_add below no longer checks) */
	if (svc_source_full(c)) {
		svc_refuse_source(c);
		return;
	}
	fd = socket(f->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tw_host_conn_abort(c);
		return;
	}
	if (connect(fd, (const struct sockaddr *)&f->to, f->to_len) < 0 && errno != EINPROGRESS) {
		svc_log("forward %s: %s", f->spec, strerror(errno));
		close(fd);
		tw_host_conn_abort(c); /* RST, as a closed port would */
		return;
	}
	r = relay_new(fd, EPOLLOUT);
	if (!r) {
		close(fd);
		tw_host_conn_abort(c);
		return;
	}
	r->fd_connecting = true;
	r->c = c;
	svc_track_add(&r->t, c, relay_expire, false);
	tw_host_conn_set(c, &relay_ops, r);
}

static const struct tw_host_tcp_ops fwd_listen_ops = {.accept = fwd_accept};

struct rev_listener {
	enum svc_kind kind; /* SVC_REV_LISTEN */
	int fd;
	const struct svc_forward *f;
	bool paused;
	struct rev_listener *next;
};

static struct rev_listener *rev_listeners;

/* Out of descriptors: the pending connection cannot be taken, and a
 * level-triggered listener would wake the loop for it at once, for ever.
 * The listener sleeps until the next tick. */
static void rev_pause(struct rev_listener *l, bool pause)
{
	struct epoll_event e = {.events = pause ? 0 : EPOLLIN, .data.ptr = l};

	if (l->paused == pause)
		return;
	l->paused = pause;
	epoll_ctl(svc_cfg->epfd, EPOLL_CTL_MOD, l->fd, &e);
	if (pause)
		svc_log("reverse %s: %s: not accepting for a second", l->f->spec, strerror(errno));
}

static void rev_accept(struct rev_listener *l)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), err;
		struct relay *r;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				rev_pause(l, true);
			return;
		}
		r = relay_new(fd, 0);
		if (!r) {
			close(fd);
			continue;
		}
		r->c_connecting = true;
		r->c = tw_host_tcp_connect(svc_host, (const struct sockaddr *)&l->f->to, &relay_ops,
					   r, &err);
		if (!r->c) {
			svc_log("reverse %s: %s", l->f->spec, strerror(-err));
			relay_end(r, true);
		} else {
			svc_track_add(&r->t, r->c, relay_expire, false);
		}
	}
}

static void relay_event(struct relay *r, uint32_t events)
{
	if (r->dead)
		return;
	svc_track_touch(&r->t);
	if (r->fd_connecting) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err) {
			relay_end(r, true);
			return;
		}
		r->fd_connecting = false;
		if (r->c_eof)
			shutdown(r->fd, SHUT_WR);
		if (r->c)
			tw_host_conn_resume(r->c); /* what arrived meanwhile */
		if (!r->dead)
			relay_watch(r);
		return;
	}
	if (events & EPOLLOUT) {
		r->want_out = false;
		if (r->c)
			tw_host_conn_resume(r->c);
		if (r->dead)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		size_t room = r->c ? tw_host_conn_room(r->c) : 0;

		if (room && !r->fd_eof) {
			ssize_t n = read(r->fd, svc_iobuf,
					 room < sizeof(svc_iobuf) ? room : sizeof(svc_iobuf));

			if (n == 0) {
				r->fd_eof = true;
				tw_host_conn_shutdown(r->c);
				relay_maybe_done(r);
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				relay_end(r, true);
			} else if (n > 0 && tw_host_conn_write(r->c, svc_iobuf, (size_t)n) != n) {
				svc_log("relay: the virtual connection took less than its room");
				relay_end(r, true);
			}
		} else if (events & EPOLLERR) {
			relay_end(r, true);
		}
	}
	if (!r->dead)
		relay_watch(r);
}
int svc_tcp_relay_start(struct svc_forward *f)
{
	struct epoll_event e = {.events = EPOLLIN};
	struct rev_listener *rl;
	int err, fd;

	if (!f->reverse)
		return tw_host_tcp_listen(svc_host, f->port, &fwd_listen_ops, f, &err) ? 0 : err;
	fd = svc_listen_real(f, SOCK_STREAM);
	if (fd < 0)
		return fd;
	rl = calloc(1, sizeof(*rl));
	if (!rl) {
		close(fd);
		return -ENOMEM;
	}
	rl->kind = SVC_REV_LISTEN;
	rl->fd = fd;
	rl->f = f;
	rl->next = rev_listeners;
	rev_listeners = rl;
	e.data.ptr = rl;
	return epoll_ctl(svc_cfg->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

void svc_tcp_relay_event(void *ptr, uint32_t events)
{
	if (*(enum svc_kind *)ptr == SVC_REV_LISTEN)
		rev_accept(ptr);
	else
		relay_event(ptr, events);
}

void svc_tcp_relay_tick(time_t now)
{
	static time_t last;

	/* a listener paused for want of descriptors tries again once a second */
	if (now != last) {
		last = now;
		for (struct rev_listener *l = rev_listeners; l; l = l->next)
			rev_pause(l, false);
	}
	while (graveyard) {
		struct relay *r = graveyard;

		graveyard = r->next_dead;
		free(r);
	}
}
