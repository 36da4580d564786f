// SPDX-License-Identifier: MIT
/*
 * Echo and discard, TCP and UDP ports 7 and 9 (RFC 862, RFC 863). Their
 * connections are tracked like every other (svc.h) and hold nothing else.
 * UDP echo answers no source port below 1024, so that two echo services (or
 * echo and chargen) cannot bounce a spoofed datagram between them for ever.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "sandbox.h"
#include "svc.h"

/* nothing but the library's and the loop's */
const char *const twh_syscalls_svc_simple[] = {NULL};

/* echo and discard hold nothing but their tracking */
static void simple_end(struct svc_track *t, bool abort)
{
	struct tw_host_conn *c = t->c;

	svc_track_del(t);
	free(t);
	if (abort)
		tw_host_conn_abort(c);
	else
		tw_host_conn_close(c); /* what is queued still goes out, then FIN */
}

static void simple_expire(struct svc_track *t)
{
	simple_end(t, true);
}

static void simple_closed(void *arg, struct tw_host_conn *c, int err)
{
	svc_track_del(arg);
	free(arg);
}

static size_t echo_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	ssize_t n;

	svc_track_touch(arg);
	if (!len) {
		simple_end(arg, false);
		return 0;
	}
	n = tw_host_conn_write(c, d, len);
	if (n < 0) {
		simple_end(arg, true);
		return 0;
	}
	return (size_t)n; /* less: paused until the peer acknowledges */
}

static void echo_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	svc_track_touch(arg);
	tw_host_conn_resume(c);
}

static size_t discard_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	svc_track_touch(arg);
	if (!len)
		simple_end(arg, false);
	return len;
}

static const struct tw_host_tcp_ops echo_conn_ops = {
    .recv = echo_recv, .sent = echo_sent, .closed = simple_closed};
static const struct tw_host_tcp_ops discard_conn_ops = {.recv = discard_recv,
							.closed = simple_closed};

static void simple_accept(void *arg, struct tw_host_conn *c)
{
	struct svc_track *t = calloc(1, sizeof(*t));

	if (!t) {
		tw_host_conn_abort(c);
		return;
	}
	if (!svc_track_add(t, c, simple_expire, true)) {
		free(t);
		svc_refuse_source(c);
		return;
	}
	tw_host_conn_set(c, arg, t);
}

static const struct tw_host_tcp_ops echo_ops = {.accept = simple_accept};
static const struct tw_host_tcp_ops discard_ops = {.accept = simple_accept};

/* No echo to a service port (below 1024): two echo services, or echo and
 * chargen, would bounce a spoofed datagram between them for ever. */
static void udp_echo(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
		     const void *data, size_t len)
{
	uint16_t port = from->sa_family == AF_INET6
			    ? ntohs(((const struct sockaddr_in6 *)from)->sin6_port)
			    : ntohs(((const struct sockaddr_in *)from)->sin_port);

	if (port >= 1024)
		tw_host_udp_sendto(u, from, data, len);
}

static void udp_discard(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
			const void *data, size_t len)
{
}
int svc_simple_start(void)
{
	int err;

	if (svc_cfg->echo &&
	    (!tw_host_tcp_listen(svc_host, 7, &echo_ops, (void *)&echo_conn_ops, &err) ||
	     !tw_host_udp_open(svc_host, 7, udp_echo, NULL, &err)))
		goto fail;
	if (svc_cfg->discard &&
	    (!tw_host_tcp_listen(svc_host, 9, &discard_ops, (void *)&discard_conn_ops, &err) ||
	     !tw_host_udp_open(svc_host, 9, udp_discard, NULL, &err)))
		goto fail;
	return 0;
fail:
	svc_log("cannot start %s: %s", svc_cfg->echo ? "echo" : "discard", strerror(-err));
	return err;
}
