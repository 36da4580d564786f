// SPDX-License-Identifier: MIT
/*
 * tapwire-host's services, written against <tapwire/host.h> like any other
 * program would be, one file each behind the small tables below: echo and
 * discard (svc_simple.c), a small HTTP/1.1 server (svc_http.c), and relays
 * between the virtual host and the real host's sockets in both directions,
 * TCP (svc_tcp_relay.c) and UDP (svc_udp_relay.c). This file holds what
 * they share: the tracking of every TCP connection they hold (idle and
 * header timeouts, the per-source cap, room made at --max-conns), logging,
 * the start, the tick and the dispatch of epoll events to their owner.
 *
 * Memory is bounded per connection: a relay reads from its real socket only
 * as much as the virtual connection's send buffer has room for, and what the
 * real socket cannot take stays in lwIP (its receive window closes). Nothing
 * is buffered here but one shared read buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "sandbox.h"
#include "svc.h"

/* the tick's clock, the status of refused sources; reverse listeners' sockets */
const char *const twh_syscalls_services[] = {
    "clock_gettime", "time", "write", "socket", "setsockopt", "bind", "listen", "close", NULL,
};

/* who owns a socket registered in epoll, by the tag its pointer starts with */
static void (*const by_kind[])(void *ptr, uint32_t events) = {
    [SVC_RELAY] = svc_tcp_relay_event,
    [SVC_REV_LISTEN] = svc_tcp_relay_event,
    [SVC_UDP_FLOW] = svc_udp_relay_event,
    [SVC_REV_UDP] = svc_udp_relay_event,
};

/* what runs every tick and at the end */
static const struct {
	const char *name;
	void (*tick)(time_t now);
	void (*stop)(void);
} services[] = {
    {"tcp relays", svc_tcp_relay_tick, NULL},
    {"udp relays", svc_udp_relay_tick, svc_udp_relay_stop},
};

struct tw_host *svc_host;
struct svc_config *svc_cfg;

static struct svc_track *tracked;
unsigned svc_n_tracked;
uint64_t svc_n_evicted, svc_n_expired;

static void src_key(const struct sockaddr_storage *ss, uint8_t a[16])
{
	memset(a, 0, 16);
	if (ss->ss_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

/* Starts tracking @c; false (and nothing tracked) when its source has too many. */
/* The tracking key of @c's peer. */
static void peer_key(struct tw_host_conn *c, uint8_t a[16])
{
	struct sockaddr_storage ss = {0};

	tw_host_conn_peer(c, &ss);
	src_key(&ss, a);
}

static bool key_full(const uint8_t a[16])
{
	unsigned same = 0;

	for (struct svc_track *o = tracked; o; o = o->next)
		if (!memcmp(o->src, a, 16) && ++same >= svc_cfg->max_per_source)
			return true;
	return false;
}

bool svc_source_full(struct tw_host_conn *c)
{
	uint8_t a[16];

	peer_key(c, a);
	return key_full(a);
}

bool svc_track_add(struct svc_track *t, struct tw_host_conn *c, void (*expire)(struct svc_track *),
		   bool per_source)
{
	peer_key(c, t->src);
	if (per_source && key_full(t->src))
		return false;
	if (svc_n_tracked >= svc_cfg->max_conns) {
		/* full: the connection idle longest makes room, so that an idle
		 * crowd cannot lock newcomers out */
		struct svc_track *lru = tracked;

		for (struct svc_track *o = tracked; o; o = o->next)
			if (o->last <= lru->last)
				lru = o;
		if (lru) {
			svc_track_del(lru);
			lru->expire(lru);
			svc_n_evicted++;
		}
	}
	t->c = c;
	t->last = time(NULL);
	t->deadline = 0;
	t->expire = expire;
	t->linked = true;
	svc_n_tracked++;
	t->prev = NULL;
	t->next = tracked;
	if (tracked)
		tracked->prev = t;
	tracked = t;
	return true;
}

void svc_track_touch(struct svc_track *t)
{
	t->last = time(NULL);
}

void svc_track_del(struct svc_track *t)
{
	if (!t->linked)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else if (tracked == t)
		tracked = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->linked = false;
	svc_n_tracked--;
}

void svc_refuse_source(struct tw_host_conn *c)
{
	char peer[64];
	struct sockaddr_storage ss = {0};
	static time_t told;

	tw_host_conn_peer(c, &ss);
	if (time(NULL) != told) {
		told = time(NULL);
		fprintf(stderr, "tapwire-host: %s: too many connections (%u) from %s: reset\n",
			svc_cfg->ifname, svc_cfg->max_per_source,
			svc_addr_str((struct sockaddr *)&ss, peer, sizeof(peer)));
	}
	tw_host_conn_abort(c);
}
uint8_t svc_iobuf[65536];
time_t svc_started;
unsigned svc_n_relays, svc_n_flows;

void svc_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tapwire-host: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *svc_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}
void svc_tick(void)
{
	time_t now = time(NULL);
	static time_t last_tick;

	if (now != last_tick) {
		struct svc_track *t = tracked, *tn;

		last_tick = now;
		for (; t; t = tn) {
			tn = t->next;
			if ((t->deadline && now >= t->deadline) ||
			    (svc_cfg->idle_timeout &&
			     now - t->last >= (time_t)svc_cfg->idle_timeout)) {
				svc_track_del(t);
				t->expire(t); /* may free t, never another tracked entry */
				svc_n_expired++;
			}
		}
	}
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].tick)
			services[i].tick(now);
}

void svc_event(void *ptr, uint32_t events)
{
	enum svc_kind kind = *(enum svc_kind *)ptr;

	if (kind < sizeof(by_kind) / sizeof(by_kind[0]) && by_kind[kind])
		by_kind[kind](ptr, events);
}

int svc_listen_real(const struct svc_forward *f, int type)
{
	socklen_t len = f->bind.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						      : sizeof(struct sockaddr_in);
	int fd = socket(f->bind.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&f->bind, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int svc_start(struct tw_host *h, struct svc_config *cfg)
{
	int err;

	svc_host = h;
	svc_cfg = cfg;
	svc_started = time(NULL);
	if ((err = svc_simple_start()) || (err = svc_http_start()))
		return err;
	for (size_t i = 0; i < cfg->n_fwd; i++) {
		struct svc_forward *f = &cfg->fwd[i];

		err = f->udp ? svc_udp_relay_start(f) : svc_tcp_relay_start(f);
		if (err) {
			svc_log("%s %s: %s", f->reverse ? "--reverse" : "--forward", f->spec,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

void svc_stop(void)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i].stop)
			services[i].stop();
	svc_tick();
}
