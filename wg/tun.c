// SPDX-License-Identifier: MIT
#include <errno.h>
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

#include "device.h"
#include "log.h"
#include "tun.h"

/*
 * The TUN's reads and writes, about one a packet, as plain system calls: in
 * a process with threads (the crypto pool's), glibc wraps read(), readv()
 * and writev() in cancellation bookkeeping, two atomic operations a call,
 * and no thread here is ever cancelled.
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

/* The offload sets to try, best first: each is refused with EINVAL if the kernel lacks a bit. */
static const unsigned offload_sets[] = {
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
    TUN_F_CSUM,
    0,
};

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

int wg_tun_setup_offloads(struct wg_device *dev, bool enable)
{
	struct ifreq ifr = {0};
	unsigned set = 0;
	size_t i;

	if (ioctl(dev->tun_fd, TUNGETIFF, &ifr) < 0)
		return 0;
	/* wireguard-go makes its TUN without IFF_NO_PI and hands such fds on in
	 * WG_TUN_FD: carry the 4-byte packet information header then */
	dev->pi = has_pi(ifr.ifr_name);
	if (dev->pi && (ifr.ifr_flags & IFF_VNET_HDR)) {
		log_err("TUN has both packet information and vnet headers: unsupported");
		return -EINVAL;
	}
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	dev->vnet = true;
	if (tw_gro_new(WG_TUN_OUT_MAX, &dev->gro) < 0)
		enable = false;
	for (i = enable ? 0 : sizeof(offload_sets) / sizeof(offload_sets[0]) - 1;
	     i < sizeof(offload_sets) / sizeof(offload_sets[0]); i++) {
		if (tw_tun_set_offload(dev->tun_fd, offload_sets[i]) == 0) {
			set = offload_sets[i];
			break;
		}
	}
	if ((set & (TUN_F_TSO4 | TUN_F_TSO6)) == (TUN_F_TSO4 | TUN_F_TSO6))
		dev->gro_flags |= TW_GRO_TCP;
	if ((set & (TUN_F_USO4 | TUN_F_USO6)) == (TUN_F_USO4 | TUN_F_USO6))
		dev->gro_flags |= TW_GRO_UDP;
	log_info("TUN offloads: vnet_hdr on, csum %s, tso %s, uso %s, gro %s%s",
		 set & TUN_F_CSUM ? "on" : "off", set & TUN_F_TSO4 ? "on" : "off",
		 set & TUN_F_USO4 ? "on" : "off", dev->gro_flags & TW_GRO_TCP ? "tcp" : "",
		 dev->gro_flags & TW_GRO_UDP ? " udp" : "");
	return 0;
}

/* ---- reads ---- */

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

/* One read in vnet_hdr mode (or the super-packet kept from the last call), split. */
static int read_vnet(struct wg_device *dev, unsigned first, uint8_t **pkts, uint16_t *lens)
{
	const struct virtio_net_hdr *hdr = (const struct virtio_net_hdr *)dev->tun_rbuf;
	uint8_t *segs[WG_TUN_BATCH];
	size_t seg_lens[WG_TUN_BATCH];
	size_t len = dev->tun_rlen;
	int n;

	if (!len) {
		ssize_t r =
		    sys_read(dev->tun_fd, dev->tun_rbuf, TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);

		if (r <= 0)
			return r < 0 ? -errno : -EBADFD;
		if ((size_t)r <= TW_VNET_HDR_LEN)
			return 0;
		len = (size_t)r;
	}
	for (int attempt = 0;; attempt++) {
		/* a plain packet takes one slot: the others are not looked up */
		unsigned room = hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE ? 1 : dev->n_slots - first;

		for (unsigned i = 0; i < room; i++)
			segs[i] = wg_tx_slot_pkt(dev, first + i);
		n = tw_vnet_split(hdr, dev->tun_rbuf + TW_VNET_HDR_LEN, len - TW_VNET_HDR_LEN, segs,
				  dev->tun_slot, seg_lens, room);
		if (n != -ENOBUFS)
			break;
		if (first) {
			dev->tun_rlen = len; /* split again into an empty batch */
			return -ENOBUFS;
		}
		/*
		 * An empty batch and still no room: segments larger than the slots
		 * (a raised MTU). The slots grow, holding nothing yet, and the
		 * super-packet is split again: first to its segments' bound, then to
		 * its whole length.
		 */
		if (attempt == 2 ||
		    wg_tun_grow_slots(dev, attempt ? len - TW_VNET_HDR_LEN
						   : segment_bound(hdr, len - TW_VNET_HDR_LEN)) < 0)
			break;
	}
	dev->tun_rlen = 0;
	if (n < 0)
		return 0; /* malformed or too big: dropped */
	if (n > 1) {
		dev->gso_reads++;
		dev->gso_segs += (uint64_t)n;
	}
	for (int i = 0; i < n; i++) {
		pkts[i] = segs[i];
		lens[i] = (uint16_t)seg_lens[i];
	}
	return n;
}

/*
 * One read of a plain packet, straight into slot @first. A packet larger
 * than a slot spills into tun_rbuf (the TUN cuts a packet to the buffers it
 * is given, and says nothing): it is kept there whole, and handed over once
 * the slots, empty, have grown for it.
 */
static int read_plain(struct wg_device *dev, unsigned first, uint8_t **pkts, uint16_t *lens)
{
	struct tun_pi pi;
	uint8_t *slot = wg_tx_slot_pkt(dev, first);
	struct iovec iov[3] = {{&pi, sizeof(pi)},
			       {slot, dev->tun_slot},
			       {dev->tun_rbuf, TW_VNET_MAX_PACKET - dev->tun_slot}};
	size_t len = dev->tun_rlen;
	ssize_t r;

	if (!len) {
		r = sys_readv(dev->tun_fd, iov + !dev->pi, 3 - !dev->pi);
		if (r <= 0)
			return r < 0 ? -errno : -EBADFD;
		if (dev->pi) {
			if (r <= (ssize_t)sizeof(pi))
				return 0;
			r -= sizeof(pi);
		}
		if ((size_t)r <= dev->tun_slot) {
			pkts[0] = slot;
			lens[0] = (uint16_t)r;
			return 1;
		}
		/* the whole packet in tun_rbuf, its head from the slot */
		len = (size_t)r;
		memmove(dev->tun_rbuf + dev->tun_slot, dev->tun_rbuf, len - dev->tun_slot);
		memcpy(dev->tun_rbuf, slot, dev->tun_slot);
	}
	if (first) {
		dev->tun_rlen = len; /* into an empty batch, after the slots grew */
		return -ENOBUFS;
	}
	dev->tun_rlen = 0;
	if (wg_tun_grow_slots(dev, len) < 0)
		return 0; /* no memory for it: dropped */
	slot = wg_tx_slot_pkt(dev, 0);
	memcpy(slot, dev->tun_rbuf, len);
	pkts[0] = slot;
	lens[0] = (uint16_t)len;
	return 1;
}

int wg_tun_read_packets(struct wg_device *dev, unsigned first, uint8_t **ret_pkts,
			uint16_t *ret_lens)
{
	if (first >= dev->n_slots)
		return -ENOBUFS;
	return dev->vnet ? read_vnet(dev, first, ret_pkts, ret_lens)
			 : read_plain(dev, first, ret_pkts, ret_lens);
}

/* ---- writes ---- */

static void write_error(struct wg_device *dev, size_t pkts)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return;
	if (pkts > 1 && errno == EINVAL && dev->gro_flags) {
		/* the kernel refuses our super-packets: stop making them */
		log_err("TUN refused a coalesced write (%s): GRO off", strerror(errno));
		dev->gro_flags = 0;
		return;
	}
	log_info("Failed to write packet to TUN device: %s", strerror(errno));
}

static void write_plain(struct wg_device *dev, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tun_pi pi = {0, htons(dev->tun_out[i][0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP)};
		struct iovec iov[2] = {{&pi, sizeof(pi)}, {dev->tun_out[i], dev->tun_out_len[i]}};

		if (sys_writev(dev->tun_fd, iov + !dev->pi, 2 - !dev->pi) < 0)
			write_error(dev, 1);
	}
}

/* Each packet alone behind an empty virtio_net_hdr. */
static void write_vnet_each(struct wg_device *dev, unsigned n)
{
	struct virtio_net_hdr plain = {0};

	for (unsigned i = 0; i < n; i++) {
		struct iovec iov[2] = {{&plain, sizeof(plain)},
				       {dev->tun_out[i], dev->tun_out_len[i]}};

		if (sys_writev(dev->tun_fd, iov, 2) < 0)
			write_error(dev, 1);
	}
}

/*
 * Coalesced writes; false if the packets could not be grouped (they are then
 * still to be written). With @more, a super-packet still growing at the end
 * is kept, at the start of dev->tun_out, for the next round.
 */
static bool write_vnet_gro(struct wg_device *dev, unsigned n, bool more)
{
	size_t held = 0;
	int writes, cnt;

	writes = more ? tw_gro_batch_more(dev->gro, dev->tun_out, dev->tun_out_len, n,
					  dev->gro_flags, &held)
		      : tw_gro_batch(dev->gro, dev->tun_out, dev->tun_out_len, n, dev->gro_flags);
	if (writes < 0)
		return false;
	for (int i = 0; i < writes; i++) {
		const struct iovec *iov = tw_gro_iov(dev->gro, (size_t)i, &cnt);
		size_t pkts = tw_gro_count(dev->gro, (size_t)i);

		if (sys_writev(dev->tun_fd, iov, cnt) < 0) {
			write_error(dev, pkts);
		} else if (pkts > 1) {
			dev->gro_writes++;
			dev->gro_pkts += pkts;
		}
	}
	/* the held packets (still in the receive batch's buffers) go first next time */
	memmove(dev->tun_out, dev->tun_out + n - held, held * sizeof(dev->tun_out[0]));
	memmove(dev->tun_out_len, dev->tun_out_len + n - held, held * sizeof(dev->tun_out_len[0]));
	dev->n_tun_out = (unsigned)held;
	return true;
}

/*
 * Writes the packets gathered in dev->tun_out. With @more (the buffer is full
 * and the receive batch goes on), a super-packet still growing at the end is
 * kept for the next round rather than cut: a bulk TCP flow then reaches the
 * TUN in full 64 KiB writes, not in pieces cut at every 64 packets (each
 * write also runs the kernel's TCP receive and may wake the application).
 */
static void flush(struct wg_device *dev, bool more)
{
	unsigned n = dev->n_tun_out;

	dev->n_tun_out = 0;
	if (!n)
		return;
	if (!dev->vnet)
		write_plain(dev, n);
	else if (!dev->gro_flags || !write_vnet_gro(dev, n, more))
		write_vnet_each(dev, n);
}

void wg_tun_write(struct wg_device *dev, const uint8_t *pkt, size_t len)
{
	struct virtio_net_hdr plain = {0};
	struct tun_pi pi = {0, htons(pkt[0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP)};
	struct iovec iov[2] = {{&pi, sizeof(pi)}, {(void *)pkt, len}};

	if (dev->vnet)
		iov[0] = (struct iovec){&plain, sizeof(plain)};
	if (sys_writev(dev->tun_fd, iov + !(dev->vnet || dev->pi), 2 - !(dev->vnet || dev->pi)) < 0)
		write_error(dev, 1);
}

void wg_tun_flush(struct wg_device *dev)
{
	flush(dev, false);
}

void wg_tun_room(struct wg_device *dev)
{
	flush(dev, true);
}

/* ---- the transmit slots and the MTU ---- */

/* Bytes of one half of the transmit slots, whatever their size. */
#define TX_HALF_BUDGET                                                                             \
	((size_t)WG_TUN_BATCH * (WG_TUN_SLOT_MIN + WG_MSG_DATA_OVERHEAD + WG_MESSAGE_PADDING))

int wg_tun_grow_slots(struct wg_device *dev, size_t len)
{
	size_t slot, bytes;
	unsigned n;
	uint8_t *buf;

	if (len > WG_TUN_SLOT_MAX)
		return -EMSGSIZE;
	if (dev->tx_buf && len <= dev->tun_slot)
		return 0;
	/* whole cache lines, and never less than the first size */
	slot = len < WG_TUN_SLOT_MIN ? WG_TUN_SLOT_MIN : (len + 63) & ~(size_t)63;
	if (slot > WG_TUN_SLOT_MAX)
		slot = WG_TUN_SLOT_MAX;
	bytes = slot + WG_MSG_DATA_OVERHEAD + WG_MESSAGE_PADDING;
	/* a super-packet of up to 64 segments must fit (tw_gro's limit too) */
	n = (unsigned)(TX_HALF_BUDGET / bytes);
	if (n > WG_TUN_BATCH)
		n = WG_TUN_BATCH;
	if (n < WG_TUN_BATCH / 2)
		n = WG_TUN_BATCH / 2;
	buf = malloc(2 * n * bytes);
	if (!buf)
		return -ENOMEM;
	wg_prefault(buf, 2 * n * bytes);
	free(dev->tx_buf);
	dev->tx_buf = buf;
	dev->tun_slot = slot;
	dev->n_slots = n;
	if (slot > WG_TUN_SLOT_MIN)
		log_info("Transmit slots for %zu-byte packets: %u of them", slot, n);
	return 0;
}

void wg_tun_read_mtu(struct wg_device *dev)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev->ifname);
	/* fails once the interface moved to another namespace: keep the last value */
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		dev->mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
}
