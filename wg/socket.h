/* SPDX-License-Identifier: MIT */
/*
 * The UDP side: one IPv4 and one IPv6 (v6only) socket bound to the same
 * port, batched receive and send, and sticky source addresses — a reply
 * leaves from the local address the peer last reached us on (IP_PKTINFO,
 * IPV6_RECVPKTINFO), falling back to the routing table's choice when that
 * address is gone.
 */
#ifndef TWWG_SOCKET_H
#define TWWG_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* A remote address and the local address we use (or last were reached on) for it. */
struct wg_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr; /* sa_family 0: no endpoint */
	union {
		struct in_addr src4;
		struct in6_addr src6;
	};
	int src_ifindex;
	bool has_src;
};

struct wg_socket {
	int fd4, fd6; /* -1 when absent (e.g. no IPv6 in this namespace) */
	uint16_t port;
	uint32_t fwmark;
	/*
	 * UDP GSO (UDP_SEGMENT): equal-sized datagrams to one endpoint leave in
	 * one send. On unless switched off; dropped for good the first time the
	 * kernel refuses it.
	 */
	bool gso;
	/*
	 * Datagrams longer than this never go in a GSO send: the kernel refused
	 * such a run (its segments do not fit the path's MTU, as jumbo data
	 * messages over a 1500-byte underlay). Sent one by one, IP fragments them.
	 */
	size_t gso_seg_max;
	bool gro; /* UDP_GRO on the sockets: trains of datagrams in one receive */
};

/*
 * Receive batch: up to WG_RX_BATCH receive buffers, one flat allocation. A
 * buffer holds one datagram of at most WG_MAX_DATAGRAM bytes or, with UDP
 * GRO, a train of equal-sized datagrams from one sender (seg[i] bytes each,
 * the last maybe shorter).
 */
#define WG_RX_BATCH	64
#define WG_MAX_DATAGRAM 65535 /* as wireguard-go; IPv4 carries 65507 at most */
#define WG_RX_BUFSIZE	65536

struct wg_rx_batch {
	unsigned n;
	struct mmsghdr msgs[WG_RX_BATCH];
	struct iovec iov[WG_RX_BATCH];
	struct sockaddr_in6 from[WG_RX_BATCH]; /* large enough for either family */
	char ctrl[WG_RX_BATCH][96] __attribute__((aligned(8)));
	struct wg_endpoint ep[WG_RX_BATCH]; /* filled by wg_socket_recv_batch() */
	uint16_t seg[WG_RX_BATCH];	    /* UDP GRO segment size; 0: one datagram */
	uint8_t data[WG_RX_BATCH][WG_RX_BUFSIZE];
};

/* Marks both sockets absent; @gso: whether UDP GSO may be used. */
void wg_socket_init(struct wg_socket *s, bool gso);

/*
 * Opens and binds new sockets to @port (0: a random port free for both
 * families) with @fwmark, then replaces the old ones. On failure the old
 * sockets are kept and -errno returned (-EADDRINUSE if the port is taken).
 */
int wg_socket_bind(struct wg_socket *s, uint16_t port, uint32_t fwmark);

/* Turns UDP GRO on or off, on the sockets open now and on those bound later. */
void wg_socket_set_gro(struct wg_socket *s, bool on);

/* Applies SO_MARK to both sockets (0 clears it). */
int wg_socket_set_fwmark(struct wg_socket *s, uint32_t fwmark);

void wg_socket_close(struct wg_socket *s);

/*
 * Receives up to WG_RX_BATCH datagrams from @fd into @b (non-blocking).
 * Returns how many, 0 when none is waiting, or -errno.
 */
int wg_socket_recv_batch(int fd, struct wg_rx_batch *b);

/*
 * Sends @n datagrams (@iov[i] each) to @ep from its sticky source. If the
 * source address is no longer usable it is forgotten and the send retried.
 * Returns how many were sent or -errno.
 */
int wg_socket_send_batch(struct wg_socket *s, struct wg_endpoint *ep, struct iovec *iov,
			 unsigned n);

/*
 * Sends @n datagrams, @iov[i] to @eps[i] each (replies to many senders, e.g.
 * cookie replies under load), with as few system calls as possible. Returns
 * how many were sent.
 */
int wg_socket_send_many(struct wg_socket *s, struct wg_endpoint *const *eps, struct iovec *iov,
			unsigned n);

/*
 * Parses "a.b.c.d:port" or "[v6]:port" (numeric only); a v6 address may
 * carry a zone, "%ifname" (what wg(8) sends for a link-local one) or
 * "%index", looked up in the daemon's network namespace. Returns 0 or -EINVAL.
 */
int wg_endpoint_parse(struct wg_endpoint *ep, const char *s);

/*
 * Formats an endpoint the way `wg` expects it; returns @buf. A zone is the
 * interface's index ("[fe80::1%2]:51820"): wg(8) parses that in any network
 * namespace and shows the name where it is run in the daemon's.
 */
char *wg_endpoint_format(const struct wg_endpoint *ep, char *buf, size_t len);

#endif
