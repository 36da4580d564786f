/* SPDX-License-Identifier: MIT */
/* tapwire-host's library: what its files share. */
#ifndef TWH_INTERNAL_H
#define TWH_INTERNAL_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <lwip/etharp.h>
#include <netif/ethernet.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/ip6_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <lwip/udp.h>

#include <tapwire/host.h>

#define TWH_MAX_MTU 9000 /* lwIP's MSS is fixed at 1460: larger MTUs gain nothing */
#define TWH_BATCH   64	 /* frames read per tw_host_process() (main.c's FLOOD_BATCH) */
#define TWH_DNS_MAX 3
/* Half-open connections lwIP keeps at once (guard.c) */
#define TWH_SYN_BACKLOG 256

struct twh_dhcp;
struct twh_dns;

/* A neighbour heard from (host.c): its address (IPv4 as ::ffff:a.b.c.d) and MAC. */
struct twh_neigh {
	uint8_t addr[16];
	uint8_t mac[6];
	bool used;
	uint64_t seen; /* CLOCK_MONOTONIC ms of its last frame */
};
#define TWH_NEIGH_SLOTS 512 /* a power of two */

struct tw_host {
	int fd;
	enum tw_host_dev dev;
	unsigned mtu, max_conns, n_conns;
	uint8_t mac[6];
	bool gone, resume_pending;
	struct netif netif;
	struct tw_host_stats stats;
	uint32_t addr_sum;
	void (*on_addr)(void *arg, struct tw_host *h);
	void *on_addr_arg;
	struct tw_host_conn *conns; /* every open connection */
	struct tw_host_listener *listeners;
	struct tw_host_udp *udps;
	struct twh_dhcp *dhcp;
	struct twh_dns *dns;
	struct sockaddr_storage dns_servers[TWH_DNS_MAX];
	size_t n_dns;
	bool dns_from_user;
	struct twh_neigh neigh[TWH_NEIGH_SLOTS];
	/* guard.c: lwIP's TCP state, counted and bounded */
	unsigned stats_pcbs;
	uint64_t pcbs_reclaimed, ooseq_dropped;
	size_t snd_queued;
	time_t last_sweep;
	uint8_t rxbuf[TWH_MAX_MTU + 18];
	uint8_t txbuf[TWH_MAX_MTU + 18];
	uint8_t udpbuf[65536]; /* a datagram in several pbufs, made one */
};

extern struct tw_host *twh_the_host;

void twh_input(struct tw_host *h, const uint8_t *frame, size_t len);
/* CLOCK_MONOTONIC_COARSE in milliseconds (neighbour ages, closing times) */
uint64_t twh_now_ms(void);

/* neigh.c: learn from a frame sent to us; the TAP's outputs that use it */
void twh_neigh_learn(struct tw_host *h, const uint8_t *frame, uint16_t type, const uint8_t *ip,
		     size_t iplen);
err_t twh_tap_output4(struct netif *netif, struct pbuf *p, const ip4_addr_t *to);
err_t twh_tap_output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *to);

/* guard.c */
unsigned twh_pcb_cap(const struct tw_host *h);
bool twh_tcp_admit(struct tw_host *h);
void twh_tcp_sweep(struct tw_host *h);
bool twh_tcp_ooseq_full(struct tw_host *h, const uint8_t *ip, size_t len);
void twh_tcp_mark_closed(struct tcp_pcb *pcb);
void twh_tcp_tune(struct tcp_pcb *pcb);
bool twh_tcp_close_would_stall(const struct tcp_pcb *pcb);
size_t twh_tcp_budget(struct tw_host *h, const struct tcp_pcb *pcb, size_t room);
void twh_tcp_queued(struct tw_host *h, size_t len);
void twh_tcp_acked(struct tw_host *h, size_t len);
void twh_tcp_forget(struct tw_host *h, const struct tcp_pcb *pcb);
#define TWH_SND_BUDGET_BYTES (24u << 20)
void twh_addr_check(struct tw_host *h);
void twh_tcp_close_all(struct tw_host *h);
void twh_tcp_resume_pending(struct tw_host *h);
void twh_udp_close_all(struct tw_host *h);

/* dhcp.c: true when @ip (an IPv4 packet) was a DHCP reply, taken. */
bool twh_dhcp_input(struct tw_host *h, const uint8_t *ip, size_t len);
void twh_dhcp_stop(struct tw_host *h);
void twh_dns_stop(struct tw_host *h);
/* Servers DHCP offered (replaced by tw_host_dns_set()'s). */
void twh_dns_from_dhcp(struct tw_host *h, const uint8_t *addrs, size_t n);

/* Internet checksum of @len bytes, folded, starting from @sum. */
uint16_t twh_csum(const void *data, size_t len, uint32_t sum);

/* tcp.c: an lwIP error as -errno; whether @ip is ours (or loopback) */
int twh_errno_of(err_t e);
bool twh_is_own(struct tw_host *h, const ip_addr_t *ip);

void twh_sockaddr_from_ip(struct sockaddr_storage *ss, const ip_addr_t *ip, uint16_t port);
int twh_ip_from_sockaddr(ip_addr_t *ip, uint16_t *port, const struct sockaddr *sa);

#endif
