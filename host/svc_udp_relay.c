// SPDX-License-Identifier: MIT
/*
 * UDP relays: datagrams to a --forward port of the virtual host go to a
 * real address through a connected socket of their own flow; datagrams to a
 * --reverse socket of the real host go to a virtual address from a virtual
 * socket of their own flow. A flow is its peer's address and port; at most
 * MAX_UDP_FLOWS exist. One the other side never answered (all a spoofed
 * source can make) ends after UDP_UNREPLIED_S and is the first to give way
 * when the table is full; one it answered after UDP_IDLE_S of silence.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "svc.h"

/* real UDP sockets: made and connected, their datagrams, their end */
const char *const twh_syscalls_svc_udp_relay[] = {
    "socket", "connect", "sendto", "recvfrom", "close", "epoll_ctl", NULL,
};

#define MAX_UDP_FLOWS	256
#define UDP_IDLE_S	60
#define UDP_UNREPLIED_S 10 /* a flow the real side never answered (spoofed?) */

struct udp_flow {
	enum svc_kind kind; /* SVC_UDP_FLOW */
	int fd; /* forward: connected to the target; reverse: the listening socket's peer */
	const struct svc_forward *f;
	struct tw_host_udp *u;	      /* forward: the service's socket; reverse: this flow's own */
	struct sockaddr_storage peer; /* forward: the virtual client; reverse: the real one */
	time_t last;
	bool replied; /* the other side answered: a flow, not a stray datagram */
	struct udp_flow *next;
};

struct udp_service {
	enum svc_kind kind; /* SVC_REV_UDP: the real socket of a reverse UDP relay */
	int fd;
	const struct svc_forward *f;
	struct tw_host_udp *u;
};

static struct udp_flow *flows;

static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return !memcmp(a, b, sizeof(struct sockaddr_in));
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port ==
		   ((const struct sockaddr_in6 *)b)->sin6_port;
}

static void flow_free(struct udp_flow *fl)
{
	struct udp_flow **pp;

	for (pp = &flows; *pp; pp = &(*pp)->next)
		if (*pp == fl) {
			*pp = fl->next;
			break;
		}
	if (fl->f->reverse)
		tw_host_udp_close(fl->u);
	else {
		epoll_ctl(svc_cfg->epfd, EPOLL_CTL_DEL, fl->fd, NULL);
		close(fl->fd);
	}
	svc_n_flows--;
	free(fl);
}

static void rev_flow_recv(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
			  const void *data, size_t len)
{
	struct udp_flow *fl = arg;

	fl->last = time(NULL);
	fl->replied = true;
	sendto(fl->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)&fl->peer,
	       fl->peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					      : sizeof(struct sockaddr_in));
}

static struct udp_flow *flow_new(const struct svc_forward *f, const struct sockaddr *peer, int fd,
				 struct tw_host_udp *u)
{
	struct udp_flow *fl;
	int err;

	if (svc_n_flows >= MAX_UDP_FLOWS) {
		/* full: a flow never answered goes first (datagrams from spoofed
		 * sources make only those), else the one idle longest */
		struct udp_flow *victim = NULL;

		for (fl = flows; fl; fl = fl->next)
			if (!victim || (victim->replied && !fl->replied) ||
			    (victim->replied == fl->replied && fl->last <= victim->last))
				victim = fl;
		flow_free(victim);
	}
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->kind = SVC_UDP_FLOW;
	fl->f = f;
	memcpy(&fl->peer, peer,
	       peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
	fl->last = time(NULL);
	if (f->reverse) {
		fl->fd = fd; /* the listening socket, shared */
		fl->u = tw_host_udp_open(svc_host, 0, rev_flow_recv, fl, &err);
		if (!fl->u) {
			free(fl);
			return NULL;
		}
	} else {
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = fl};

		fl->u = u;
		fl->fd = socket(f->to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fl->fd < 0 || connect(fl->fd, (const struct sockaddr *)&f->to, f->to_len) < 0 ||
		    epoll_ctl(svc_cfg->epfd, EPOLL_CTL_ADD, fl->fd, &e) < 0) {
			if (fl->fd >= 0)
				close(fl->fd);
			free(fl);
			return NULL;
		}
	}
	fl->next = flows;
	flows = fl;
	svc_n_flows++;
	return fl;
}

/* forward UDP: a datagram to the virtual host's port goes to the real target */
static void fwd_udp_recv(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
			 const void *data, size_t len)
{
	const struct svc_forward *f = arg;
	struct udp_flow *fl;

	for (fl = flows; fl; fl = fl->next)
		if (fl->f == f && same_peer(&fl->peer, from))
			break;
	if (!fl)
		fl = flow_new(f, from, -1, u);
	if (!fl)
		return; /* out of flows: dropped, as a full NAT table would */
	fl->last = time(NULL);
	send(fl->fd, data, len, MSG_DONTWAIT);
}

static void udp_flow_event(struct udp_flow *fl)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fl->fd, svc_iobuf, sizeof(svc_iobuf), MSG_DONTWAIT);

		if (n < 0)
			return;
		fl->last = time(NULL);
		fl->replied = true;
		tw_host_udp_sendto(fl->u, (const struct sockaddr *)&fl->peer, svc_iobuf, (size_t)n);
	}
}

/* reverse UDP: a datagram to the real socket goes to the virtual address */
static void rev_udp_event(struct udp_service *s)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t fl_len = sizeof(from);
		ssize_t n = recvfrom(s->fd, svc_iobuf, sizeof(svc_iobuf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl_len);
		struct udp_flow *fl;

		if (n < 0)
			return;
		for (fl = flows; fl; fl = fl->next)
			if (fl->f == s->f && same_peer(&fl->peer, (struct sockaddr *)&from))
				break;
		if (!fl)
			fl = flow_new(s->f, (struct sockaddr *)&from, s->fd, NULL);
		if (!fl)
			continue;
		fl->last = time(NULL);
		tw_host_udp_sendto(fl->u, (const struct sockaddr *)&s->f->to, svc_iobuf, (size_t)n);
	}
}
int svc_udp_relay_start(struct svc_forward *f)
{
	struct epoll_event e = {.events = EPOLLIN};
	struct udp_service *s;
	int err, fd;

	if (!f->reverse)
		return tw_host_udp_open(svc_host, f->port, fwd_udp_recv, f, &err) ? 0 : err;
	fd = svc_listen_real(f, SOCK_DGRAM);
	if (fd < 0)
		return fd;
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->kind = SVC_REV_UDP;
	s->fd = fd;
	s->f = f;
	e.data.ptr = s;
	return epoll_ctl(svc_cfg->epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

void svc_udp_relay_event(void *ptr, uint32_t events)
{
	if (*(enum svc_kind *)ptr == SVC_REV_UDP)
		rev_udp_event(ptr);
	else
		udp_flow_event(ptr);
}

void svc_udp_relay_tick(time_t now)
{
	struct udp_flow *fl, *next;

	for (fl = flows; fl; fl = next) {
		next = fl->next;
		if (now - fl->last > (fl->replied ? UDP_IDLE_S : UDP_UNREPLIED_S))
			flow_free(fl);
	}
}

void svc_udp_relay_stop(void)
{
	while (flows)
		flow_free(flows);
}
