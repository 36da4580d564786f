// SPDX-License-Identifier: MIT
/*
 * The device's TUN: reads into the transmit slots (io/tunio.c does the
 * reading, splitting and coalescing; here the slots' geometry and growth),
 * the offloads' set-up, and the MTU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "device.h"
#include "log.h"
#include "tun.h"

int wg_tun_setup_offloads(struct wg_device *dev, bool enable)
{
	return tw_tunio_setup_offloads(&dev->tun, enable);
}

static struct tw_tunio_slots slots(const struct wg_device *dev)
{
	return (struct tw_tunio_slots){.base = wg_tx_slot_pkt(dev, 0),
				       .stride = wg_tx_slot_size(dev),
				       .cap = dev->tun_slot,
				       .n = dev->n_slots};
}

int wg_tun_read_packets(struct wg_device *dev, unsigned first, uint8_t **ret_pkts,
			uint16_t *ret_lens)
{
	for (;;) {
		struct tw_tunio_slots s = slots(dev);
		int n = tw_tunio_read(&dev->tun, &s, first, ret_pkts, ret_lens);

		if (n != -EMSGSIZE)
			return n;
		/*
		 * An empty batch and still no room: a packet, or segments, larger
		 * than the slots (a raised MTU). The slots grow, holding nothing
		 * yet, and the packet is handed over again.
		 */
		if (wg_tun_grow_slots(dev, dev->tun.need) < 0) {
			tw_tunio_drop(&dev->tun);
			return 0; /* no memory for it: dropped */
		}
	}
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
