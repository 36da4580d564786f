/* SPDX-License-Identifier: MIT */
/*
 * tapwire/host.h — a user-space TCP/IP host on a TAP or TUN file descriptor.
 *
 * One struct tw_host is one virtual host: lwIP (Debian's liblwip) attached
 * to a device fd the caller opened (tw_tun_open(), an fd inherited from
 * another process, QEMU-style). The caller owns the event loop: poll
 * tw_host_fd() for reading, wait at most tw_host_timeout() milliseconds, then
 * call tw_host_process(). Every callback runs inside tw_host_process() or the
 * call that caused it, on the caller's thread; nothing here is thread-safe.
 *
 * lwIP keeps its state in globals, so a process has at most one host.
 * Link with -ltapwire-host (pkg-config tapwire-host).
 */
#ifndef TAPWIRE_HOST_H
#define TAPWIRE_HOST_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tw_host;
struct tw_host_conn;
struct tw_host_listener;
struct tw_host_udp;

enum tw_host_dev {
	TW_HOST_TAP = 1, /* Ethernet frames: ARP, IPv6 ND, DHCP, SLAAC */
	TW_HOST_TUN = 2, /* IP packets: static addresses only */
};

struct tw_host_config {
	int fd;		      /* the device, opened with IFF_NO_PI and no vnet header */
	enum tw_host_dev dev; /* what the fd is */
	uint8_t mac[6];	      /* TAP: the host's MAC; all zero: a random local one */
	unsigned mtu;	      /* 0: 1500 */
	unsigned max_conns;   /* TCP connections at once; 0: 1024 */
};

/* Opens the host; NULL with -errno in *err (-EBUSY: this process has one). */
struct tw_host *tw_host_open(const struct tw_host_config *cfg, int *err);
/* Aborts every connection and frees everything; the fd stays the caller's. */
void tw_host_close(struct tw_host *h);

/* The fd to wait on for reading. */
int tw_host_fd(const struct tw_host *h);
/* Milliseconds until tw_host_process() must run again even if nothing
 * arrives; -1: not before something arrives. */
int tw_host_timeout(const struct tw_host *h);
/* Reads what the device has (a bounded batch), feeds it to the stack and runs
 * the stack's timers. 0, or -ENODEV once the device is gone (deleted, or its
 * fd closed by a peer), -errno on another read error. */
int tw_host_process(struct tw_host *h);

/* Addresses. @gw may be NULL. IPv6 prefixes must be /64 (lwIP 2.1 knows no
 * other on-link length); a TAP host also configures itself from router
 * advertisements (SLAAC). */
int tw_host_addr4(struct tw_host *h, const struct in_addr *addr, unsigned plen,
		  const struct in_addr *gw);
int tw_host_addr6(struct tw_host *h, const struct in6_addr *addr, unsigned plen);
/* Starts the DHCPv4 client (TAP only): -ENOTSUP on a TUN. */
int tw_host_dhcp_start(struct tw_host *h);
/* The IPv4 address in use: 0, or -EAGAIN while there is none. */
int tw_host_get_addr4(const struct tw_host *h, struct in_addr *addr, unsigned *plen,
		      struct in_addr *gw);
/* The IPv6 addresses in use (link-local included), @n at most; how many. */
size_t tw_host_get_addr6(const struct tw_host *h, struct in6_addr *out, size_t n);
/* The MAC (TAP) */
void tw_host_get_mac(const struct tw_host *h, uint8_t mac[6]);
/* Called whenever an address is gained or lost (DHCP, SLAAC). */
void tw_host_on_addr(struct tw_host *h, void (*cb)(void *arg, struct tw_host *h), void *arg);

struct tw_host_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t tx_dropped;   /* the device refused a frame (its queue full) */
	uint64_t rx_truncated; /* frames longer than the MTU allows, dropped */
	uint64_t conns_open, conns_refused;
	uint64_t syn_dropped; /* half-open connections dropped for newer SYNs (backlog 256) */
};
void tw_host_get_stats(const struct tw_host *h, struct tw_host_stats *st);

/*
 * The bounds on the stack's own TCP state (tapwire-host(8), "Limits"): how
 * many TCP control blocks exist in every state together, against their cap
 * (2 x max_conns + 256), how many were reset to stay under it or for
 * lingering after their close, out-of-order segments dropped for a full
 * queue, and the bytes queued for sending over every connection. Fills at
 * most @size bytes of @l (fields are only ever appended). Since 0.2.
 */
struct tw_host_limits {
	uint64_t tcp_pcbs, tcp_pcb_cap;
	uint64_t pcbs_reclaimed, ooseq_dropped;
	uint64_t snd_queued, snd_budget;
};
void tw_host_get_limits(const struct tw_host *h, struct tw_host_limits *l, size_t size);

/* ---- TCP ---- */

struct tw_host_tcp_ops {
	/* Listeners: a new connection; give it its ops with tw_host_conn_set(). */
	void (*accept)(void *arg, struct tw_host_conn *c);
	/* tw_host_tcp_connect(): the connection is open. */
	void (*connected)(void *arg, struct tw_host_conn *c);
	/* Data in order; returns how much was taken. Taking less pauses delivery
	 * (the window closes) until tw_host_conn_resume(). len 0: the peer sent
	 * FIN (nothing more will come); data may still be written. */
	size_t (*recv)(void *arg, struct tw_host_conn *c, const void *data, size_t len);
	/* Send-buffer room grew (to @room bytes). */
	void (*sent)(void *arg, struct tw_host_conn *c, size_t room);
	/* The connection is gone (reset, timeout, refused): -errno. @c is freed
	 * when this returns and must not be used again. */
	void (*closed)(void *arg, struct tw_host_conn *c, int err);
};

/* Listens on @port of every address (IPv4 and IPv6). */
struct tw_host_listener *tw_host_tcp_listen(struct tw_host *h, uint16_t port,
					    const struct tw_host_tcp_ops *ops, void *arg, int *err);
void tw_host_listener_close(struct tw_host_listener *l);
/* Connects to @to (struct sockaddr_in or sockaddr_in6). */
struct tw_host_conn *tw_host_tcp_connect(struct tw_host *h, const struct sockaddr *to,
					 const struct tw_host_tcp_ops *ops, void *arg, int *err);
void tw_host_conn_set(struct tw_host_conn *c, const struct tw_host_tcp_ops *ops, void *arg);
/* Queues (copies) up to @len bytes; how many (0: the send buffer is full,
 * wait for ops->sent), or -errno. */
ssize_t tw_host_conn_write(struct tw_host_conn *c, const void *data, size_t len);
/* Room in the send buffer now. */
size_t tw_host_conn_room(const struct tw_host_conn *c);
/* Queued data not yet acknowledged by the peer. */
size_t tw_host_conn_unacked(const struct tw_host_conn *c);
/* Delivers again what ops->recv left. */
void tw_host_conn_resume(struct tw_host_conn *c);
/* Sends FIN after the queued data (half-close). */
int tw_host_conn_shutdown(struct tw_host_conn *c);
/* Closes gracefully (queued data still goes out) and frees @c: no callback after. */
void tw_host_conn_close(struct tw_host_conn *c);
/* Resets the connection and frees @c: no callback after. */
void tw_host_conn_abort(struct tw_host_conn *c);
/* The peer's and our own address. */
int tw_host_conn_peer(const struct tw_host_conn *c, struct sockaddr_storage *ss);
int tw_host_conn_local(const struct tw_host_conn *c, struct sockaddr_storage *ss);

/* ---- UDP ---- */

typedef void (*tw_host_udp_recv_fn)(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
				    const void *data, size_t len);
/* Binds @port (0: any) of every address. */
struct tw_host_udp *tw_host_udp_open(struct tw_host *h, uint16_t port, tw_host_udp_recv_fn recv,
				     void *arg, int *err);
int tw_host_udp_sendto(struct tw_host_udp *u, const struct sockaddr *to, const void *data,
		       size_t len);
void tw_host_udp_close(struct tw_host_udp *u);

/* ---- DNS client ---- */

/* The servers asked: those DHCP gave, or these (replacing them). */
int tw_host_dns_set(struct tw_host *h, const struct sockaddr_storage *servers, size_t n);
/* Looks @name up (A for AF_INET, AAAA for AF_INET6) through the virtual
 * network; @done gets 0 and the address, or -errno (-ENOENT: no such name,
 * -ETIMEDOUT: no answer). */
int tw_host_resolve(struct tw_host *h, const char *name, int family,
		    void (*done)(void *arg, int err, const struct sockaddr *addr), void *arg);

#ifdef __cplusplus
}
#endif
#endif
