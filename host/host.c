// SPDX-License-Identifier: MIT
/*
 * The stack: lwIP from Debian's liblwip on a TAP or TUN fd, driven by the
 * caller's event loop.
 *
 * Debian builds lwIP with NO_SYS=0 and core locking (for the GNU Hurd), but
 * nothing obliges a program to start its tcpip thread: without it lwIP runs
 * on the one thread that calls it, its timers run from sys_check_timeouts()
 * and its core-lock assertions pass (no thread was marked as lwIP's). One
 * thread, no locks, no hand-off queue per packet: the lwIP "NO_SYS style" on
 * a NO_SYS=0 build.
 *
 * What that build lacks, tapwire-host provides: a DHCPv4 client (dhcp.c: the
 * library is built without LWIP_DHCP, and without IP_ACCEPT_LINK_LAYER_ADDRESSING
 * lwIP would not even accept an offer before it has an address) and a DNS
 * client (dns.c, no LWIP_DNS).
 *
 * The other files: neigh.c (replies go to the MAC their requests came
 * from), tcp.c and udp.c (sockets without pbufs), guard.c (bounds on lwIP's
 * TCP state and its sequence numbers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <time.h>
#include <unistd.h>

#include <lwip/priv/tcp_priv.h>

#include "host_internal.h"
#include "sandbox.h"

/* frames in and out; TUNGETIFF tells a device that is down from one that is gone */
const char *const twh_syscalls_host[] = {"read", "write", "ioctl", "clock_gettime", NULL};

struct tw_host *twh_the_host;

static void wipe_stack(void)
{
	twh_the_host = NULL;
}

/* Packets we never give lwIP: a source address lwIP would answer through
 * its loopback queue (one of ours, 127/8, ::1), which needs the tcpip thread
 * this build does not run; and sources no host can have (0/8, multicast,
 * broadcast). The IPv6 unspecified source stays: duplicate address detection
 * sends from it. Returns true to drop. */
static bool martian(struct tw_host *h, const uint8_t *ip, size_t len)
{
	static const uint8_t loop6[16] = {[15] = 1};

	if (len < 1)
		return true;
	if ((ip[0] >> 4) == 4) {
		uint32_t src, hs;

		if (len < 20)
			return true;
		memcpy(&src, ip + 12, 4);
		hs = ntohl(src);
		if ((hs >> 28) >= 0xe || (hs >> 24) == 127 || (hs >> 24) == 0)
			return true;
		return src == ip4_addr_get_u32(netif_ip4_addr(&h->netif));
	}
	if ((ip[0] >> 4) == 6) {
		if (len < 40)
			return true;
		if (ip[8] == 0xff || !memcmp(ip + 8, loop6, 16))
			return true;
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(&h->netif, i)) &&
			    !memcmp(netif_ip6_addr(&h->netif, i)->addr, ip + 8, 16))
				return true;
		return false;
	}
	return true;
}

/* A TCP SYN (without ACK) in @ip: a new connection's first segment. */
static bool is_syn(const uint8_t *ip, size_t len)
{
	const uint8_t *tcp;

	if ((ip[0] >> 4) == 4) {
		size_t ihl = (size_t)(ip[0] & 15) * 4;

		if (ip[9] != 6 || len < ihl + 20 || (ip[6] & 0x3f) || ip[7])
			return false;
		tcp = ip + ihl;
	} else {
		if (ip[6] != 6 || len < 60)
			return false;
		tcp = ip + 40;
	}
	return (tcp[13] & 0x12) == 0x02;
}

uint64_t twh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Hands one received frame (or IP packet, on a TUN) to the stack. */
void twh_input(struct tw_host *h, const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame;
	size_t iplen = len;
	struct pbuf *p;

	h->stats.rx_frames++;
	h->stats.rx_bytes += len;
	if (h->dev == TW_HOST_TAP) {
		uint16_t type;

		if (len < 14)
			return;
		type = (uint16_t)(frame[12] << 8 | frame[13]);
		ip = frame + 14;
		iplen = len - 14;
		if (type == 0x0800 || type == 0x86dd) {
			if (martian(h, ip, iplen))
				return;
			twh_neigh_learn(h, frame, type, ip, iplen);
			if (is_syn(ip, iplen) ? !twh_tcp_admit(h)
					      : twh_tcp_ooseq_full(h, ip, iplen))
				return;
			if (type == 0x0800 && twh_dhcp_input(h, ip, iplen))
				return;
		} else if (type != 0x0806) {
			return; /* neither IP nor ARP */
		} else if (iplen < 28) {
			return; /* an ARP packet cut short: lwIP reads all 28 bytes unchecked */
		}
	} else if (martian(h, ip, iplen)) {
		return;
	} else if (is_syn(ip, iplen) ? !twh_tcp_admit(h) : twh_tcp_ooseq_full(h, ip, iplen)) {
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
	if (!p)
		return;
	memcpy(p->payload, frame, len);
	if (h->netif.input(p, &h->netif) != ERR_OK)
		pbuf_free(p);
}

/*
 * An I/O error on the device: is it gone? A TUN/TAP fd whose device was
 * deleted answers EBADFD to everything, TUNGETIFF included; a device that is
 * merely down answers writes with EIO while TUNGETIFF still names it, and
 * may be brought up later (a TAP made by --dev waits for that). An fd that
 * is not a TUN/TAP (a socket pair in a test) is gone on any such error.
 */
static bool dev_gone(struct tw_host *h, int err)
{
	struct ifreq ifr;

	if (err != EBADFD && err != EIO && err != ENXIO)
		return false;
	if (ioctl(h->fd, TUNGETIFF, &ifr) == 0)
		return false;
	return errno != EINTR;
}

/* One frame out to the device. A full queue (EAGAIN, ENOBUFS) drops it, as a
 * NIC's full ring would: TCP resends, and tx_dropped counts it. */
static err_t link_write(struct tw_host *h, struct pbuf *p)
{
	const void *data = p->payload;
	ssize_t n;

	if (p->tot_len > sizeof(h->txbuf))
		return ERR_BUF;
	if (p->next) {
		pbuf_copy_partial(p, h->txbuf, p->tot_len, 0);
		data = h->txbuf;
	}
	n = write(h->fd, data, p->tot_len);
	if (n < 0) {
		int e = errno;

		h->stats.tx_dropped++;
		if (dev_gone(h, e))
			h->gone = true;
		return ERR_IF;
	}
	h->stats.tx_frames++;
	h->stats.tx_bytes += p->tot_len;
	return ERR_OK;
}

static err_t tap_linkoutput(struct netif *netif, struct pbuf *p)
{
	return link_write(netif->state, p);
}

static err_t tun_output4(struct netif *netif, struct pbuf *p, const ip4_addr_t *to)
{
	return link_write(netif->state, p);
}

static err_t tun_output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *to)
{
	return link_write(netif->state, p);
}

static err_t netif_setup(struct netif *netif)
{
	struct tw_host *h = netif->state;

	netif->name[0] = 't';
	netif->name[1] = 'w';
	netif->mtu = (u16_t)h->mtu;
	netif->mtu6 = (u16_t)h->mtu;
	if (h->dev == TW_HOST_TAP) {
		netif->hwaddr_len = 6;
		memcpy(netif->hwaddr, h->mac, 6);
		netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
			       NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
		netif->output = twh_tap_output4;
		netif->output_ip6 = twh_tap_output6;
		netif->linkoutput = tap_linkoutput;
	} else {
		netif->hwaddr_len = 0;
		netif->flags = 0;
		netif->output = tun_output4;
		netif->output_ip6 = tun_output6;
	}
	return ERR_OK;
}

struct tw_host *tw_host_open(const struct tw_host_config *cfg, int *err)
{
	static bool lwip_ready;
	struct tw_host *h;
	unsigned seed;
	int fl;

	if (twh_the_host) {
		*err = -EBUSY;
		return NULL;
	}
	if (cfg->fd < 0 || (cfg->dev != TW_HOST_TAP && cfg->dev != TW_HOST_TUN) ||
	    (cfg->mtu && (cfg->mtu < 576 || cfg->mtu > TWH_MAX_MTU))) {
		*err = -EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	h->fd = cfg->fd;
	h->dev = cfg->dev;
	h->mtu = cfg->mtu ? cfg->mtu : 1500;
	h->max_conns = cfg->max_conns ? cfg->max_conns : 1024;
	memcpy(h->mac, cfg->mac, 6);
	if (h->dev == TW_HOST_TAP && !memcmp(h->mac, "\0\0\0\0\0\0", 6)) {
		if (getrandom(h->mac, 6, 0) != 6) {
			*err = -errno;
			free(h);
			return NULL;
		}
		h->mac[0] = (uint8_t)((h->mac[0] & 0xfe) | 0x02); /* unicast, local */
	}
	if (h->dev == TW_HOST_TAP && (h->mac[0] & 1)) {
		*err = -EINVAL; /* a multicast MAC */
		free(h);
		return NULL;
	}
	fl = fcntl(h->fd, F_GETFL);
	if (fl < 0 || fcntl(h->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		*err = -errno;
		free(h);
		return NULL;
	}
	/* lwIP draws its initial local ports and IPv6 ND nonces from rand() */
	if (getrandom(&seed, sizeof(seed), 0) == sizeof(seed))
		srand(seed);
	if (!lwip_ready) {
		lwip_init();
		lwip_ready = true;
	}
	twh_the_host = h;
	if (!netif_add_noaddr(&h->netif, h, netif_setup, netif_input)) {
		wipe_stack();
		free(h);
		*err = -ENOMEM;
		return NULL;
	}
	netif_set_default(&h->netif);
	if (h->dev == TW_HOST_TAP) {
		netif_create_ip6_linklocal_address(&h->netif, 1);
		netif_set_ip6_autoconfig_enabled(&h->netif, 1);
	}
	netif_set_link_up(&h->netif);
	netif_set_up(&h->netif);
	return h;
}

void tw_host_close(struct tw_host *h)
{
	if (!h)
		return;
	twh_tcp_close_all(h);
	twh_udp_close_all(h);
	twh_dhcp_stop(h);
	twh_dns_stop(h);
	netif_set_down(&h->netif);
	netif_remove(&h->netif);
	wipe_stack();
	free(h);
}

int tw_host_fd(const struct tw_host *h)
{
	return h->fd;
}

int tw_host_timeout(const struct tw_host *h)
{
	u32_t ms = sys_timeouts_sleeptime();

	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return -1;
	return ms > 3600000 ? 3600000 : (int)ms;
}

int tw_host_process(struct tw_host *h)
{
	/* a bounded batch: timers and the caller's other fds are not starved */
	for (int i = 0; i < TWH_BATCH && !h->gone; i++) {
		ssize_t n = read(h->fd, h->rxbuf, sizeof(h->rxbuf));

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (errno == EBADFD || errno == EIO || errno == ENXIO) {
				h->gone = dev_gone(h, errno);
				break;
			}
			return -errno;
		}
		if (n == 0) {
			h->gone = true; /* the other end of an inherited fd went away */
			break;
		}
		if ((size_t)n > h->mtu + (h->dev == TW_HOST_TAP ? 18u : 0u)) {
			h->stats.rx_truncated++;
			continue;
		}
		twh_input(h, h->rxbuf, (size_t)n);
	}
	sys_check_timeouts();
	if (time(NULL) != h->last_sweep) {
		h->last_sweep = time(NULL);
		twh_tcp_sweep(h);
	}
	twh_tcp_resume_pending(h);
	twh_addr_check(h);
	return h->gone ? -ENODEV : 0;
}

/* Tells the caller when the set of addresses changed (DHCP, SLAAC, DAD). */
void twh_addr_check(struct tw_host *h)
{
	uint32_t sum = ip4_addr_get_u32(netif_ip4_addr(&h->netif));

	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (ip6_addr_ispreferred(netif_ip6_addr_state(&h->netif, i)))
			sum = sum * 31 + netif_ip6_addr(&h->netif, i)->addr[3] +
			      netif_ip6_addr(&h->netif, i)->addr[2] * 7u + (uint32_t)i;
	if (sum != h->addr_sum) {
		h->addr_sum = sum;
		if (h->on_addr)
			h->on_addr(h->on_addr_arg, h);
	}
}

void tw_host_on_addr(struct tw_host *h, void (*cb)(void *arg, struct tw_host *h), void *arg)
{
	h->on_addr = cb;
	h->on_addr_arg = arg;
}

static uint32_t mask_of(unsigned plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

int tw_host_addr4(struct tw_host *h, const struct in_addr *addr, unsigned plen,
		  const struct in_addr *gw)
{
	ip4_addr_t a, m, g;
	uint32_t host = ntohl(addr->s_addr);

	if (plen > 32 || !addr->s_addr || (host >> 28) >= 0xe || (host >> 24) == 127)
		return -EINVAL;
	if (plen < 31 &&
	    ((host & ~ntohl(mask_of(plen))) == 0 || (host | ntohl(mask_of(plen))) == 0xffffffffu))
		return -EINVAL; /* the network's or the broadcast address */
	ip4_addr_set_u32(&a, addr->s_addr);
	ip4_addr_set_u32(&m, mask_of(plen));
	ip4_addr_set_u32(&g, gw ? gw->s_addr : 0);
	if (gw && gw->s_addr && ((gw->s_addr ^ addr->s_addr) & mask_of(plen)) != 0)
		return -ENETUNREACH; /* a gateway off the host's own network */
	netif_set_addr(&h->netif, &a, &m, &g);
	twh_addr_check(h);
	return 0;
}

int tw_host_addr6(struct tw_host *h, const struct in6_addr *addr, unsigned plen)
{
	ip6_addr_t a;
	s8_t idx;

	if (plen != 64)
		return -EINVAL;
	if (IN6_IS_ADDR_MULTICAST(addr) || IN6_IS_ADDR_UNSPECIFIED(addr) ||
	    IN6_IS_ADDR_LOOPBACK(addr) || IN6_IS_ADDR_V4MAPPED(addr))
		return -EINVAL;
	memcpy(a.addr, addr, 16);
	ip6_addr_clear_zone(&a);
	if (netif_add_ip6_address(&h->netif, &a, &idx) != ERR_OK)
		return -ENOSPC;
	/* A TUN has no neighbours to ask: no duplicate detection there */
	netif_ip6_addr_set_state(&h->netif, idx,
				 h->dev == TW_HOST_TUN ? IP6_ADDR_PREFERRED : IP6_ADDR_TENTATIVE);
	twh_addr_check(h);
	return 0;
}

int tw_host_get_addr4(const struct tw_host *h, struct in_addr *addr, unsigned *plen,
		      struct in_addr *gw)
{
	uint32_t m = ntohl(ip4_addr_get_u32(netif_ip4_netmask(&h->netif)));

	if (ip4_addr_isany_val(*netif_ip4_addr(&h->netif)))
		return -EAGAIN;
	if (addr)
		addr->s_addr = ip4_addr_get_u32(netif_ip4_addr(&h->netif));
	if (plen)
		*plen = (unsigned)__builtin_popcount(m);
	if (gw)
		gw->s_addr = ip4_addr_get_u32(netif_ip4_gw(&h->netif));
	return 0;
}

size_t tw_host_get_addr6(const struct tw_host *h, struct in6_addr *out, size_t n)
{
	size_t k = 0;

	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && k < n; i++)
		if (ip6_addr_ispreferred(netif_ip6_addr_state(&h->netif, i)))
			memcpy(&out[k++], netif_ip6_addr(&h->netif, i)->addr, 16);
	return k;
}

void tw_host_get_mac(const struct tw_host *h, uint8_t mac[6])
{
	memcpy(mac, h->mac, 6);
}

void tw_host_get_stats(const struct tw_host *h, struct tw_host_stats *st)
{
	*st = h->stats;
}

void tw_host_get_limits(const struct tw_host *h, struct tw_host_limits *l, size_t size)
{
	struct tw_host_limits all = {
	    .tcp_pcbs = h->stats_pcbs,
	    .tcp_pcb_cap = twh_pcb_cap(h),
	    .pcbs_reclaimed = h->pcbs_reclaimed,
	    .ooseq_dropped = h->ooseq_dropped,
	    .snd_queued = h->snd_queued,
	    .snd_budget = TWH_SND_BUDGET_BYTES,
	};

	memcpy(l, &all, size < sizeof(all) ? size : sizeof(all));
}
