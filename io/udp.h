/* SPDX-License-Identifier: MIT */
/*
 * The batched UDP layer the daemons share (tapwire-wg today; an overlay or
 * tapwire-host next): one IPv4 and one IPv6 (v6only) socket bound to the
 * same port, receive and send in batches (recvmmsg/sendmmsg) with UDP GRO
 * trains and UDP GSO runs where the kernel takes them, and sticky source
 * addresses: a reply leaves from the local address the peer last reached us
 * on (IP_PKTINFO, IPV6_RECVPKTINFO), falling back to the routing table's
 * choice when that address is gone. It knows no protocol above UDP.
 *
 * Internal to the project (a static library, io/), not part of libtapwire's
 * ABI. Not thread-safe: one event loop owns a struct tw_udp.
 */
#ifndef TW_IO_UDP_H
#define TW_IO_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* A remote address and the local address we use (or last were reached on) for it. */
struct tw_endpoint {
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

struct tw_udp {
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
	/* Told when the kernel refuses an offload and the layer falls back (NULL: nobody). */
	void (*log)(bool error, const char *msg);
};

/*
 * Receive batch: up to TW_UDP_BATCH receive buffers, one flat allocation. A
 * buffer holds one datagram of at most TW_UDP_MAX_DATAGRAM bytes or, with UDP
 * GRO, a train of equal-sized datagrams from one sender (seg[i] bytes each,
 * the last maybe shorter).
 */
#define TW_UDP_BATCH	    64
#define TW_UDP_MAX_DATAGRAM 65535 /* IPv4 carries 65507 at most, IPv6 65527 */
#define TW_UDP_BUFSIZE	    65536

struct tw_udp_batch {
	unsigned n;
	struct mmsghdr msgs[TW_UDP_BATCH];
	struct iovec iov[TW_UDP_BATCH];
	struct sockaddr_in6 from[TW_UDP_BATCH]; /* large enough for either family */
	char ctrl[TW_UDP_BATCH][96] __attribute__((aligned(8)));
	struct tw_endpoint ep[TW_UDP_BATCH]; /* filled by tw_udp_recv_batch() */
	uint16_t seg[TW_UDP_BATCH];	     /* UDP GRO segment size; 0: one datagram */
	uint8_t data[TW_UDP_BATCH][TW_UDP_BUFSIZE];
};

/* Marks both sockets absent; @gso: whether UDP GSO may be used. */
void tw_udp_init(struct tw_udp *s, bool gso);

/*
 * Opens and binds new sockets to @port (0: a random port free for both
 * families) with @fwmark, then replaces the old ones. On failure the old
 * sockets are kept and -errno returned (-EADDRINUSE if the port is taken).
 */
int tw_udp_bind(struct tw_udp *s, uint16_t port, uint32_t fwmark);

/* Turns UDP GRO on or off, on the sockets open now and on those bound later. */
void tw_udp_set_gro(struct tw_udp *s, bool on);

/* Applies SO_MARK to both sockets (0 clears it). */
int tw_udp_set_fwmark(struct tw_udp *s, uint32_t fwmark);

void tw_udp_close(struct tw_udp *s);

/*
 * Receives up to TW_UDP_BATCH datagrams from @fd into @b (non-blocking).
 * Returns how many, 0 when none is waiting, or -errno.
 */
int tw_udp_recv_batch(int fd, struct tw_udp_batch *b);

/*
 * Sends @n datagrams (@iov[i] each) to @ep from its sticky source. If the
 * source address is no longer usable it is forgotten and the send retried.
 * Returns how many were sent or -errno.
 */
int tw_udp_send_batch(struct tw_udp *s, struct tw_endpoint *ep, struct iovec *iov, unsigned n);

/*
 * Sends @n datagrams, @iov[i] to @eps[i] each (replies to many senders, e.g.
 * cookie replies under load), with as few system calls as possible. Returns
 * how many were sent.
 */
int tw_udp_send_many(struct tw_udp *s, struct tw_endpoint *const *eps, struct iovec *iov,
		     unsigned n);

/*
 * Parses "a.b.c.d:port" or "[v6]:port" (numeric only); a v6 address may
 * carry a zone, "%ifname" (what wg(8) sends for a link-local one) or
 * "%index", looked up in the caller's network namespace. Returns 0 or -EINVAL.
 */
int tw_endpoint_parse(struct tw_endpoint *ep, const char *s);

/*
 * Formats an endpoint as "a.b.c.d:port" or "[v6]:port" (what wg(8) expects);
 * returns @buf. A zone is the interface's index ("[fe80::1%2]:51820"): that
 * parses in any network namespace.
 */
char *tw_endpoint_format(const struct tw_endpoint *ep, char *buf, size_t len);

#endif /* TW_IO_UDP_H */
