/* SPDX-License-Identifier: MIT */
/*
 * What tapwire-host's services share (services.c): the host and the
 * configuration, one read buffer, logging, and the tracking of every TCP
 * connection a service holds. Each service is a file of its own: svc_simple.c
 * (echo, discard), svc_http.c, svc_tcp_relay.c, svc_udp_relay.c.
 */
#ifndef TWH_SVC_H
#define TWH_SVC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>

#include "services.h"

extern struct tw_host *svc_host;
extern struct svc_config *svc_cfg;
extern uint8_t svc_iobuf[65536]; /* what a relay or a file read passes through */
extern time_t svc_started;
extern unsigned svc_n_tracked, svc_n_relays, svc_n_flows;
extern uint64_t svc_n_evicted, svc_n_expired;

void svc_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *svc_addr_str(const struct sockaddr *sa, char *buf, size_t len);

/*
 * Every TCP connection a service holds is tracked: when it last moved (data
 * in, data acknowledged, data relayed), its peer's address, and how to end
 * it. svc_tick() resets the ones idle longer than --idle-timeout and those
 * past their deadline (an HTTP request header that did not come in time);
 * svc_track_add() counts the peer's connections against
 * --max-conns-per-source, and at --max-conns resets the one idle longest.
 */
struct svc_track {
	struct svc_track *prev, *next;
	struct tw_host_conn *c;
	time_t last, deadline;
	uint8_t src[16]; /* IPv4 as ::ffff:a.b.c.d */
	void (*expire)(struct svc_track *t);
	bool linked;
};

/* Starts tracking @c; false (nothing tracked) when its source has too many
 * and @per_source. @expire ends the connection and what holds it. */
bool svc_track_add(struct svc_track *t, struct tw_host_conn *c, void (*expire)(struct svc_track *),
		   bool per_source);
/* Whether @c's source already holds --max-conns-per-source connections. */
bool svc_source_full(struct tw_host_conn *c);
void svc_track_touch(struct svc_track *t);
void svc_track_del(struct svc_track *t);
/* Resets @c, whose source has too many connections (said once a second). */
void svc_refuse_source(struct tw_host_conn *c);
/* A real socket for a --reverse: bound to its BIND:PORT, listening if a stream. */
int svc_listen_real(const struct svc_forward *f, int type);

/* The services, one file each: start (0 or -errno, said), an epoll event
 * for one of their sockets, a tick at least once a second, a stop. */
int svc_simple_start(void);
int svc_http_start(void);
int svc_tcp_relay_start(struct svc_forward *f);
void svc_tcp_relay_event(void *ptr, uint32_t events);
void svc_tcp_relay_tick(time_t now);
int svc_udp_relay_start(struct svc_forward *f);
void svc_udp_relay_event(void *ptr, uint32_t events);
void svc_udp_relay_tick(time_t now);
void svc_udp_relay_stop(void);

#endif
