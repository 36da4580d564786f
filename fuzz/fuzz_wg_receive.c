// SPDX-License-Identifier: MIT
/*
 * tapwire-wg's received-datagram path as the daemon runs it: a batch of
 * datagrams (as recvmmsg and UDP GRO deliver them) goes through
 * wg_receive_batch() on a device with a key and one peer, but no sockets or
 * TUN (what it sends or writes fails and is dropped). Data messages take
 * the daemon's one route, the receive window every device has (decryptions
 * inline rather than on pool threads). Under-load detection,
 * cookie replies, the rate limiter, GRO segment splitting and the message
 * handlers all run. Handshake messages get a valid mac1 when the flags say
 * so, and with flag 4 the first datagram is replaced by a fresh, genuine
 * initiation from the peer, so complete handshakes happen too.
 *
 * Input: a flags byte, then datagrams as a 16-bit little-endian length, a
 * GRO segment size byte (x16; 0: none) and the bytes.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "crypto.h"
#include "device.h"
#include "noise.h"
#include "queueing.h"
#include "udp.h"
#include "uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wg_device *dev;
static struct wg_static_identity me, them;
static struct tw_udp_batch batch;

static void setup(void)
{
	struct wg_uapi_conn c;
	char req[512], me_hex[65], them_hex[65];
	uint8_t k[WG_KEY_LEN];

	if (wg_crypto_init() || wg_device_new("wgfuzz1", &dev))
		abort();
	memset(k, 0x21, sizeof(k));
	wg_static_identity_set(&me, k);
	memset(k, 0x22, sizeof(k));
	wg_static_identity_set(&them, k);
	wg_key_to_hex(me_hex, me.private_key);
	wg_key_to_hex(them_hex, them.public_key);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=%s\npublic_key=%s\nallowed_ip=0.0.0.0/0\n"
		 "allowed_ip=::/0\n\n",
		 me_hex, them_hex);
	wg_uapi_conn_init(&c, -1);
	if (wg_uapi_feed(dev, &c, req, strlen(req)) < 0 || !c.out || !strstr(c.out, "errno=0"))
		abort();
	wg_uapi_conn_clear(&c);
}

/* A genuine initiation from "them", written to @buf. */
static size_t genuine_initiation(uint8_t *buf)
{
	struct wg_handshake hs;
	struct wg_message_initiation msg;
	struct wg_cookie ck;

	if (wg_noise_handshake_init(&hs, &them, me.public_key, NULL) ||
	    wg_noise_handshake_create_initiation(&msg, &hs, 0x1234))
		abort();
	wg_noise_handshake_destroy(&hs);
	wg_cookie_init(&ck, me.public_key);
	wg_cookie_add_mac_to_packet(&ck, &msg, sizeof(msg), wg_now_ns());
	wg_cookie_destroy(&ck);
	memcpy(buf, &msg, sizeof(msg));
	return sizeof(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 1, *end = data + size;
	struct wg_cookie to_me;
	unsigned flags;

	if (!dev)
		setup();
	if (size < 1)
		return 0;
	flags = data[0];
	wg_cookie_init(&to_me, me.public_key);
	memset(&batch.seg, 0, sizeof(batch.seg));
	batch.n = 0;
	while (end - p >= 3 && batch.n < TW_UDP_BATCH) {
		size_t len = p[0] | (size_t)p[1] << 8, seg = (size_t)p[2] * 16;
		unsigned i = batch.n;
		struct tw_endpoint *ep = &batch.ep[i];

		p += 3;
		if (len > (size_t)(end - p))
			len = (size_t)(end - p);
		memcpy(batch.data[i], p, len);
		p += len;
		if (i == 0 && (flags & 4))
			len = genuine_initiation(batch.data[i]);
		else if ((flags & 1) &&
			 (wg_message_type(batch.data[i], len) == WG_MSG_HANDSHAKE_INITIATION ||
			  wg_message_type(batch.data[i], len) == WG_MSG_HANDSHAKE_RESPONSE))
			wg_cookie_add_mac_to_packet(&to_me, batch.data[i], len, wg_now_ns());
		batch.msgs[i].msg_len = (unsigned)len;
		batch.seg[i] = seg < len ? (uint16_t)seg : 0;
		memset(ep, 0, sizeof(*ep));
		ep->addr.in4.sin_family = AF_INET;
		ep->addr.in4.sin_port = htons(51820);
		/* a few senders, so the rate limiter sees several sources */
		ep->addr.in4.sin_addr.s_addr = htonl(0xc6336400u | ((flags >> 4) + i % 3));
		batch.n++;
	}
	wg_cookie_destroy(&to_me);
	if (batch.n)
		wg_receive_batch(dev, &batch);
	return 0;
}
