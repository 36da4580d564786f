// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapwire/vnet.h>

#include "crypto.h"
#include "cryptpool.h"
#include "device.h"
#include "index.h"
#include "log.h"
#include "peer.h"
#include "tun.h"

int wg_device_new(const char *ifname, struct wg_device **ret_dev)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));
	int err;

	if (!dev)
		return -ENOMEM;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	tw_tunio_init(&dev->tun);
	dev->tun.log = log_io;
	dev->mtu = WG_DEFAULT_MTU;
	tw_udp_init(&dev->sock, false);
	dev->sock.log = log_io;
	wg_cookie_checker_init(&dev->cookie_checker, NULL);
	wg_allowedips_init(&dev->allowedips);
	err = wg_ratelimiter_new(&dev->ratelimiter, 0);
	if (!err)
		err = wg_index_new(&dev->index);
	/* the receive window is the only data route: every device has it */
	if (!err && !(dev->rx_jobs = calloc(WG_RX_WINDOW, sizeof(*dev->rx_jobs))))
		err = -ENOMEM;
	if (err < 0) {
		wg_device_free(dev);
		return err;
	}
	*ret_dev = dev;
	return 0;
}

void wg_device_free(struct wg_device *dev)
{
	if (!dev)
		return;
	wg_device_remove_all_peers(dev);
	tw_udp_close(&dev->sock);
	tw_tunio_close(&dev->tun);
	wg_allowedips_free(&dev->allowedips);
	wg_aip_index_free(&dev->aips);
	wg_index_free(dev->index);
	wg_ratelimiter_free(dev->ratelimiter);
	wg_cookie_checker_destroy(&dev->cookie_checker);
	free(dev->rx);
	free(dev->tx_buf);
	wg_cryptpool_free(dev->pool);
	free(dev->jobs);
	free(dev->rx_jobs);
	wg_wipe(&dev->identity, sizeof(dev->identity));
	free(dev);
}

int wg_device_attach(struct wg_device *dev, int tun_fd)
{
	int err = tw_tunio_open(&dev->tun, tun_fd);

	if (err < 0)
		return err;
	dev->rx = malloc(sizeof(*dev->rx));
	dev->jobs = calloc(WG_TUN_BATCH, sizeof(*dev->jobs));
	if (!dev->rx || !dev->jobs)
		return -ENOMEM;
	/*
	 * Touch every page of the batch buffers now: the daemon's memory is then
	 * what it will be under any load, instead of creeping up as bigger
	 * datagrams and trains reach pages not used before.
	 */
	wg_prefault(dev->rx, sizeof(*dev->rx));
	/* one super-packet as read (vnet mode), or a packet too big for the slots */
	wg_prefault(dev->tun.rbuf, TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);
	wg_tun_read_mtu(dev);
	return wg_tun_grow_slots(dev, dev->mtu);
}

int wg_device_start(struct wg_device *dev, int tun_fd)
{
	int err = wg_device_attach(dev, tun_fd);

	if (!err)
		err = tw_udp_bind(&dev->sock, dev->listen_port, dev->fwmark);
	if (err < 0)
		return err;
	dev->started = true;
	return 0;
}

int wg_device_setup_offloads(struct wg_device *dev, bool enable)
{
	dev->sock.gso = enable;
	tw_udp_set_gro(&dev->sock, enable);
	return wg_tun_setup_offloads(dev, enable);
}

int wg_device_setup_workers(struct wg_device *dev, unsigned workers)
{
	if (!workers)
		return 0;
	log_info("Encrypting on %u threads", workers + 1);
	return wg_cryptpool_new(workers, &dev->pool);
}

/* ---- configuration ---- */

int wg_device_set_private_key(struct wg_device *dev, const uint8_t key[32])
{
	struct wg_peer *p, *next;
	int err;

	if (dev->identity.has_identity && wg_memeq(key, dev->identity.private_key, 32))
		return 0;
	err = wg_static_identity_set(&dev->identity, wg_is_zero(key, 32) ? NULL : key);
	if (err < 0)
		return err;
	if (dev->identity.has_identity) {
		/* a peer with our own public key makes no sense: drop it */
		p = wg_device_find_peer(dev, dev->identity.public_key);
		if (p)
			wg_peer_remove(p);
	}
	wg_cookie_checker_precompute(&dev->cookie_checker,
				     dev->identity.has_identity ? dev->identity.public_key : NULL);
	for (p = dev->peers; p; p = next) {
		next = p->next;
		wg_noise_handshake_precompute(&p->handshake);
		wg_keypairs_expire_current(&p->keypairs);
	}
	return 0;
}

static void forget_sources(struct wg_device *dev)
{
	for (struct wg_peer *p = dev->peers; p; p = p->next)
		p->endpoint.has_src = false;
}

int wg_device_set_listen_port(struct wg_device *dev, uint16_t port)
{
	int err;

	dev->listen_port = port;
	if (!dev->started)
		return 0; /* bound at start */
	if (port && port == dev->sock.port)
		return 0;
	err = tw_udp_bind(&dev->sock, port, dev->fwmark);
	if (err < 0) {
		log_err("Failed to bind UDP port %u: %s", port, strerror(-err));
		return err == -EADDRINUSE ? err : -EADDRINUSE;
	}
	forget_sources(dev);
	return 0; /* the loop watches the new sockets (loop.c) */
}

int wg_device_set_fwmark(struct wg_device *dev, uint32_t mark)
{
	dev->fwmark = mark;
	if (!dev->started)
		return 0;
	forget_sources(dev);
	return tw_udp_set_fwmark(&dev->sock, mark);
}

void wg_device_remove_all_peers(struct wg_device *dev)
{
	while (dev->peers)
		wg_peer_remove(dev->peers);
}
