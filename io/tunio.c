// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <tapwire/tun.h>
#include <tapwire/vnet.h>

#include "tunio.h"

/*
 * The TUN's reads and writes, about one a packet, as plain system calls: in
 * a process with threads (tapwire-wg's crypto pool), glibc wraps read(),
 * readv() and writev() in cancellation bookkeeping, two atomic operations a
 * call, and no thread here is ever cancelled.
 */
static inline ssize_t sys_read(int fd, void *buf, size_t len)
{
	return syscall(SYS_read, fd, buf, len);
}

static inline ssize_t sys_readv(int fd, const struct iovec *iov, int cnt)
{
	return syscall(SYS_readv, fd, iov, cnt);
}

static inline ssize_t sys_writev(int fd, const struct iovec *iov, int cnt)
{
	return syscall(SYS_writev, fd, iov, cnt);
}

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* Segments of one super-packet handed over at most (a smaller MSS than that: dropped). */
#define MAX_SEGS 128

/* The offload sets to try, best first: each is refused with EINVAL if the kernel lacks a bit. */
static const unsigned offload_sets[] = {
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
    TUN_F_CSUM,
    0,
};

static void note(const struct tw_tunio *t, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(const struct tw_tunio *t, bool error, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!t->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->log(error, msg);
}

void tw_tunio_init(struct tw_tunio *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/*
 * Whether the TUN keeps packet information headers. TUNGETIFF cannot tell (it
 * reports IFF_NOFILTER, which has IFF_NO_PI's value); sysfs can, when its
 * view is of this network namespace (the ifindex matches).
 */
static bool has_pi(const char *name)
{
	char path[64], buf[32];
	unsigned long flags = 0, ifindex = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	if ((f = fopen(path, "re"))) {
		if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lu", &ifindex) != 1)
			ifindex = 0;
		fclose(f);
	}
	if (!ifindex || ifindex != if_nametoindex(name))
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lx", &flags) != 1)
		flags = IFF_NO_PI;
	fclose(f);
	return !(flags & IFF_NO_PI);
}

int tw_tunio_open(struct tw_tunio *t, int fd)
{
	t->fd = fd;
	/* one super-packet as read (vnet mode), or a packet too big for the slots */
	if (!t->rbuf && !(t->rbuf = malloc(TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET)))
		return -ENOMEM;
	return 0;
}

int tw_tunio_setup_offloads(struct tw_tunio *t, bool offloads)
{
	struct ifreq ifr = {0};
	int fd = t->fd;
	unsigned set = 0;
	size_t i;

	if (fd < 0 || ioctl(fd, TUNGETIFF, &ifr) < 0)
		return 0; /* not a TUN (a test's socketpair): plain packets */
	/* wireguard-go makes its TUN without IFF_NO_PI and hands such fds on:
	 * carry the 4-byte packet information header then */
	t->pi = has_pi(ifr.ifr_name);
	if (t->pi && (ifr.ifr_flags & IFF_VNET_HDR)) {
		note(t, true, "TUN has both packet information and vnet headers: unsupported");
		return -EINVAL;
	}
	t->tap = ifr.ifr_flags & IFF_TAP;
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	t->vnet = true;
	if (!t->gro && tw_gro_new(TW_TUNIO_OUT_MAX, &t->gro) < 0)
		offloads = false;
	for (i = offloads ? 0 : sizeof(offload_sets) / sizeof(offload_sets[0]) - 1;
	     i < sizeof(offload_sets) / sizeof(offload_sets[0]); i++) {
		if (tw_tun_set_offload(fd, offload_sets[i]) == 0) {
			set = offload_sets[i];
			break;
		}
	}
	t->gro_flags = 0;
	if ((set & (TUN_F_TSO4 | TUN_F_TSO6)) == (TUN_F_TSO4 | TUN_F_TSO6))
		t->gro_flags |= TW_GRO_TCP;
	if ((set & (TUN_F_USO4 | TUN_F_USO6)) == (TUN_F_USO4 | TUN_F_USO6))
		t->gro_flags |= TW_GRO_UDP;
	if (t->gro_flags && t->tap)
		t->gro_flags |= TW_GRO_ETH;
	note(t, false, "%s offloads: vnet_hdr on, csum %s, tso %s, uso %s, gro %s%s",
	     t->tap ? "TAP" : "TUN", set & TUN_F_CSUM ? "on" : "off",
	     set & TUN_F_TSO4 ? "on" : "off", set & TUN_F_USO4 ? "on" : "off",
	     t->gro_flags & TW_GRO_TCP ? "tcp" : "", t->gro_flags & TW_GRO_UDP ? " udp" : "");
	return 0;
}

void tw_tunio_close(struct tw_tunio *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->rbuf);
	tw_gro_free(t->gro);
	tw_tunio_init(t);
}

/* ---- reads ---- */

static uint8_t *slot(const struct tw_tunio_slots *s, unsigned i)
{
	return s->base + (size_t)i * s->stride;
}

/*
 * The size of the largest segment @hdr's super-packet of @len bytes splits
 * into, at most (the headers' lengths are the packet's own, so allow for
 * the longest IPv6 and TCP headers besides hdr_len).
 */
static size_t segment_bound(const struct virtio_net_hdr *hdr, size_t len)
{
	size_t seg = len;

	if (hdr->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		seg = (size_t)hdr->hdr_len + hdr->gso_size + 256;
	return seg < len ? seg : len;
}

/*
 * The packet kept does not fit empty slots: ask for bigger ones, first to
 * its segments' bound, then to its whole length; then give up on it.
 */
static int ask_growth(struct tw_tunio *t, size_t bound, size_t whole)
{
	if (t->tries >= 2) {
		tw_tunio_drop(t);
		return 0; /* dropped */
	}
	t->need = t->tries++ ? whole : bound;
	return -EMSGSIZE;
}

/*
 * A TAP's super-frame: its Ethernet header (untagged, or one VLAN tag) is
 * stepped over, the IP packet behind it split with tw_vnet_split() into
 * the slots after the same room, and the header copied before each
 * segment. The vnet header's offsets count the Ethernet header.
 */
static int split_frame(const struct virtio_net_hdr *hdr, const uint8_t *frame, size_t len,
		       uint8_t **segs, size_t cap, size_t *lens, unsigned room)
{
	struct virtio_net_hdr ip_hdr = *hdr;
	uint8_t *ip_segs[MAX_SEGS];
	size_t l2 = ETH_HLEN;
	uint16_t type;
	int n;

	if (hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE)
		return tw_vnet_split(hdr, frame, len, segs, cap, lens, room);
	if (len < ETH_HLEN + 4)
		return -EINVAL;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == ETH_P_8021Q || type == ETH_P_8021AD)
		l2 += 4;
	if (hdr->csum_start < l2 || hdr->hdr_len < l2 || cap <= l2)
		return -EINVAL;
	ip_hdr.csum_start = (uint16_t)(hdr->csum_start - l2);
	ip_hdr.hdr_len = (uint16_t)(hdr->hdr_len - l2);
	for (unsigned i = 0; i < room; i++)
		ip_segs[i] = segs[i] + l2;
	n = tw_vnet_split(&ip_hdr, frame + l2, len - l2, ip_segs, cap - l2, lens, room);
	for (int i = 0; i < n; i++) {
		memcpy(segs[i], frame, l2);
		lens[i] += l2;
	}
	return n;
}

/* One read in vnet_hdr mode (or the super-packet kept from the last call), split. */
static int read_vnet(struct tw_tunio *t, const struct tw_tunio_slots *s, unsigned first,
		     uint8_t **pkts, uint16_t *lens)
{
	const struct virtio_net_hdr *hdr = (const struct virtio_net_hdr *)t->rbuf;
	uint8_t *segs[MAX_SEGS];
	size_t seg_lens[MAX_SEGS];
	size_t len = t->rlen;
	unsigned room;
	int n;

	if (!len) {
		ssize_t r = sys_read(t->fd, t->rbuf, TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);

		if (r <= 0)
			return r < 0 ? -errno : -EBADFD;
		if ((size_t)r <= TW_VNET_HDR_LEN)
			return 0;
		len = (size_t)r;
		t->tries = 0;
	}
	/* a plain packet takes one slot: the others are not looked up */
	room = hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE ? 1 : s->n - first;
	if (room > MAX_SEGS)
		room = MAX_SEGS;
	for (unsigned i = 0; i < room; i++)
		segs[i] = slot(s, first + i);
	if (t->tap)
		n = split_frame(hdr, t->rbuf + TW_VNET_HDR_LEN, len - TW_VNET_HDR_LEN, segs, s->cap,
				seg_lens, room);
	else
		n = tw_vnet_split(hdr, t->rbuf + TW_VNET_HDR_LEN, len - TW_VNET_HDR_LEN, segs,
				  s->cap, seg_lens, room);
	if (n == -ENOBUFS) {
		t->rlen = len; /* split again into an empty batch, or bigger slots */
		if (first)
			return -ENOBUFS;
		/* an empty batch and still no room: segments larger than the slots */
		return ask_growth(t, segment_bound(hdr, len - TW_VNET_HDR_LEN),
				  len - TW_VNET_HDR_LEN);
	}
	t->rlen = 0;
	if (n < 0)
		return 0; /* malformed or too big: dropped */
	if (n > 1) {
		t->gso_reads++;
		t->gso_segs += (uint64_t)n;
	}
	for (int i = 0; i < n; i++) {
		pkts[i] = segs[i];
		lens[i] = (uint16_t)seg_lens[i];
	}
	return n;
}

/*
 * One read of a plain packet, straight into slot @first. A packet larger
 * than a slot spills into rbuf (the TUN cuts a packet to the buffers it is
 * given, and says nothing): it is kept there whole, and handed over once
 * the slots, empty, have grown for it.
 */
static int read_plain(struct tw_tunio *t, const struct tw_tunio_slots *s, unsigned first,
		      uint8_t **pkts, uint16_t *lens)
{
	struct tun_pi pi;
	uint8_t *dst = slot(s, first);
	size_t cap = s->cap < TW_VNET_MAX_PACKET ? s->cap : TW_VNET_MAX_PACKET;
	struct iovec iov[3] = {{&pi, sizeof(pi)}, {dst, cap}, {t->rbuf, TW_VNET_MAX_PACKET - cap}};
	size_t len = t->rlen;
	ssize_t r;

	if (!len) {
		r = sys_readv(t->fd, iov + !t->pi, 3 - !t->pi);
		if (r <= 0)
			return r < 0 ? -errno : -EBADFD;
		if (t->pi) {
			if (r <= (ssize_t)sizeof(pi))
				return 0;
			r -= sizeof(pi);
		}
		if ((size_t)r <= cap) {
			pkts[0] = dst;
			lens[0] = (uint16_t)r;
			return 1;
		}
		/* the whole packet in rbuf, its head from the slot */
		len = (size_t)r;
		memmove(t->rbuf + cap, t->rbuf, len - cap);
		memcpy(t->rbuf, dst, cap);
		t->tries = 0;
	}
	if (len > s->cap) {
		t->rlen = len;
		if (first)
			return -ENOBUFS; /* into an empty batch, after the slots grew */
		return ask_growth(t, len, len);
	}
	t->rlen = 0;
	memcpy(dst, t->rbuf, len);
	pkts[0] = dst;
	lens[0] = (uint16_t)len;
	return 1;
}

int tw_tunio_read(struct tw_tunio *t, const struct tw_tunio_slots *s, unsigned first,
		  uint8_t **ret_pkts, uint16_t *ret_lens)
{
	if (first >= s->n)
		return -ENOBUFS;
	return t->vnet ? read_vnet(t, s, first, ret_pkts, ret_lens)
		       : read_plain(t, s, first, ret_pkts, ret_lens);
}

void tw_tunio_drop(struct tw_tunio *t)
{
	t->rlen = 0;
	t->tries = 0;
}

/* ---- writes ---- */

static void write_error(struct tw_tunio *t, size_t pkts)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return;
	if (pkts > 1 && errno == EINVAL && t->gro_flags) {
		/* the kernel refuses our super-packets: stop making them */
		note(t, true, "TUN refused a coalesced write (%s): GRO off", strerror(errno));
		t->gro_flags = 0;
		return;
	}
	note(t, false, "Failed to write packet to TUN device: %s", strerror(errno));
}

static void write_plain(struct tw_tunio *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tun_pi pi = {0, htons(t->out[i][0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP)};
		struct iovec iov[2] = {{&pi, sizeof(pi)}, {t->out[i], t->out_len[i]}};

		if (sys_writev(t->fd, iov + !t->pi, 2 - !t->pi) < 0)
			write_error(t, 1);
	}
}

/* Each packet alone behind an empty virtio_net_hdr. */
static void write_vnet_each(struct tw_tunio *t, unsigned n)
{
	struct virtio_net_hdr plain = {0};

	for (unsigned i = 0; i < n; i++) {
		struct iovec iov[2] = {{&plain, sizeof(plain)}, {t->out[i], t->out_len[i]}};

		if (sys_writev(t->fd, iov, 2) < 0)
			write_error(t, 1);
	}
}

/*
 * Coalesced writes; false if the packets could not be grouped (they are then
 * still to be written). With @more, a super-packet still growing at the end
 * is kept, at the start of t->out, for the next round.
 */
static bool write_vnet_gro(struct tw_tunio *t, unsigned n, bool more)
{
	size_t held = 0;
	int writes, cnt;

	writes = more ? tw_gro_batch_more(t->gro, t->out, t->out_len, n, t->gro_flags, &held)
		      : tw_gro_batch(t->gro, t->out, t->out_len, n, t->gro_flags);
	if (writes < 0)
		return false;
	for (int i = 0; i < writes; i++) {
		const struct iovec *iov = tw_gro_iov(t->gro, (size_t)i, &cnt);
		size_t pkts = tw_gro_count(t->gro, (size_t)i);

		if (sys_writev(t->fd, iov, cnt) < 0) {
			write_error(t, pkts);
		} else if (pkts > 1) {
			t->gro_writes++;
			t->gro_pkts += pkts;
		}
	}
	/* the held packets (still in the caller's buffers) go first next time */
	memmove(t->out, t->out + n - held, held * sizeof(t->out[0]));
	memmove(t->out_len, t->out_len + n - held, held * sizeof(t->out_len[0]));
	t->n_out = (unsigned)held;
	return true;
}

static void flush(struct tw_tunio *t, bool more)
{
	unsigned n = t->n_out;

	t->n_out = 0;
	if (!n)
		return;
	if (!t->vnet)
		write_plain(t, n);
	else if (!t->gro_flags || !write_vnet_gro(t, n, more))
		write_vnet_each(t, n);
}

void tw_tunio_write(struct tw_tunio *t, const uint8_t *pkt, size_t len)
{
	struct virtio_net_hdr plain = {0};
	struct tun_pi pi = {0, htons(pkt[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP)};
	struct iovec iov[2] = {{&pi, sizeof(pi)}, {(void *)pkt, len}};

	if (t->vnet)
		iov[0] = (struct iovec){&plain, sizeof(plain)};
	if (sys_writev(t->fd, iov + !(t->vnet || t->pi), 2 - !(t->vnet || t->pi)) < 0)
		write_error(t, 1);
}

void tw_tunio_flush(struct tw_tunio *t)
{
	flush(t, false);
}

void tw_tunio_room(struct tw_tunio *t)
{
	flush(t, true);
}
