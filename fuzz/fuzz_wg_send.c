// SPDX-License-Identifier: MIT
/*
 * tapwire-wg's send route as the daemon runs it: packets arrive on the
 * device's "TUN" (a socketpair, one message per read, as the TUN driver
 * delivers them) and wg_send_from_tun() reads them into the transmit slots,
 * splits super-packets (vnet mode: the input's own virtio_net_hdr, however
 * hostile), routes them by allowed IPs, answers what it cannot carry (ICMP
 * back into the "TUN"), stages them while there is no session and encrypts
 * them in place with one. The device has a key, one peer with an endpoint
 * and a session made by a real handshake, but no sockets: the encrypted
 * batch's send fails and is dropped, nothing leaves the process.
 *
 * Input: a flags byte (1: the TUN carries a virtio_net_hdr; 2: the session
 * is dropped first, so packets are staged and a handshake initiated; 4: the
 * peer's MTU is 1280 instead of 1420), then packets as a 16-bit
 * little-endian length and the bytes.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto.h"
#include "device.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wg_device *dev;
static struct wg_peer *peer;
static struct wg_static_identity me, them;
static int tun; /* the other end of the device's TUN */

static struct wg_handshake *their_handshake(void *ctx, const uint8_t pk[32])
{
	return ctx;
}

/*
 * A session with "them", made by a real handshake the device initiates (so
 * that it can be made again at once: a responder refuses a replayed or too
 * frequent initiation).
 */
static void session(void)
{
	struct wg_handshake hs;
	struct wg_message_initiation init;
	struct wg_message_response resp;
	struct wg_keypair *kp;
	uint64_t now = wg_now_ns();
	uint32_t idx = wg_peer_new_handshake_index(peer);

	if (!idx || wg_noise_handshake_init(&hs, &them, me.public_key, NULL) ||
	    wg_noise_handshake_create_initiation(&init, &peer->handshake, idx) ||
	    wg_noise_handshake_consume_initiation(&init, &them, their_handshake, &hs, now) != &hs ||
	    wg_noise_handshake_create_response(&resp, &hs, 0x4321) ||
	    wg_noise_handshake_consume_response(&resp, &peer->handshake))
		abort();
	kp = wg_noise_handshake_begin_session(&peer->handshake, now);
	if (!kp)
		abort();
	wg_peer_install_keypair(peer, kp);
	wg_noise_handshake_destroy(&hs);
}

static void setup(void)
{
	struct wg_uapi_conn c;
	char req[512], me_hex[65], them_hex[65];
	uint8_t k[WG_KEY_LEN];
	int sv[2];

	if (wg_crypto_init() || wg_device_new("wgfuzz2", &dev))
		abort();
	memset(k, 0x41, sizeof(k));
	wg_static_identity_set(&me, k);
	memset(k, 0x42, sizeof(k));
	wg_static_identity_set(&them, k);
	wg_key_to_hex(me_hex, me.private_key);
	wg_key_to_hex(them_hex, them.public_key);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=%s\npublic_key=%s\nendpoint=192.0.2.2:51820\n"
		 "allowed_ip=198.51.100.0/24\nallowed_ip=fd00::/64\n\n",
		 me_hex, them_hex);
	wg_uapi_conn_init(&c, -1);
	if (wg_uapi_feed(dev, &c, req, strlen(req)) < 0 || !c.out || !strstr(c.out, "errno=0"))
		abort();
	wg_uapi_conn_clear(&c);
	peer = wg_device_find_peer(dev, them.public_key);
	if (!peer || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) ||
	    wg_device_attach(dev, sv[0]))
		abort();
	tun = sv[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 1, *end = data + size;
	static uint8_t drain[70000];
	struct wg_keypair *kp;
	unsigned flags;

	if (!dev)
		setup();
	if (size < 1)
		return 0;
	flags = data[0];
	dev->tun.vnet = flags & 1;
	dev->mtu = flags & 4 ? 1280 : 1420;
	kp = wg_keypairs_get_current(&peer->keypairs);
	if (kp && (flags & 2))
		wg_keypairs_expire_current(&peer->keypairs);
	else if (!kp)
		session();
	wg_keypair_put(kp);
	while (end - p >= 2) {
		size_t len = p[0] | (size_t)p[1] << 8;

		p += 2;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		if (send(tun, p, len, MSG_DONTWAIT) < 0)
			break; /* the "TUN" is full: the rest is not read */
		p += len;
	}
	for (int i = 0; i < 64 && wg_send_from_tun(dev) > 0; i++) {
	}
	/* what was answered into the TUN (ICMP): read, and dropped */
	while (recv(tun, drain, sizeof(drain), MSG_DONTWAIT) >= 0) {
	}
	return 0;
}
