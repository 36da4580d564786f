// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include "clock.h"
#include "cookie.h"
#include "cryptpool.h"
#include "device.h"
#include "index.h"
#include "log.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "ratelimiter.h"
#include "replay.h"
#include "timers.h"
#include "tun.h"

/* Handshake messages in one batch beyond which we consider ourselves under load. */
#define UNDER_LOAD_HANDSHAKES (TW_UDP_BATCH / 8)
#define UNDER_LOAD_LINGER     NSEC_PER_SEC

static struct wg_handshake *lookup_handshake(void *ctx, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *p = wg_device_find_peer(ctx, public_key);

	return p ? &p->handshake : NULL;
}

/*
 * A dropped handshake message says why, at the verbose level and at most a
 * few lines a second (a flood must not flood the log too).
 */
#define DROP_LOGS_PER_SEC 5

static void log_drop(const char *what, const struct tw_endpoint *ep, uint64_t now)
{
	static uint64_t window;
	static unsigned n;
	char where[80];

	if (log_get_level() < LOG_VERBOSE)
		return;
	if (now - window >= NSEC_PER_SEC) {
		window = now;
		n = 0;
	}
	if (n++ < DROP_LOGS_PER_SEC)
		log_info("Dropped %s from %s", what, tw_endpoint_format(ep, where, sizeof(where)));
}

static struct wg_peer *peer_of(struct wg_handshake *hs)
{
	return (struct wg_peer *)((char *)hs - offsetof(struct wg_peer, handshake));
}

/* Roaming: the peer is where its last authenticated packet came from. */
static void update_endpoint(struct wg_peer *p, const struct tw_endpoint *ep)
{
	p->endpoint = *ep;
}

/*
 * mac1 always; under load also mac2 (else we answer with a cookie) and the
 * per-source rate limit. Returns true if the message may be processed.
 */
static void flush_cookies(struct wg_device *dev)
{
	struct iovec iov[WG_COOKIE_OUT_MAX];

	for (unsigned i = 0; i < dev->n_cookie_out; i++) {
		iov[i].iov_base = &dev->cookie_out[i];
		iov[i].iov_len = sizeof(dev->cookie_out[i]);
	}
	if (dev->n_cookie_out)
		tw_udp_send_many(&dev->sock, dev->cookie_ep, iov, dev->n_cookie_out);
	dev->n_cookie_out = 0;
}

static bool handshake_admissible(struct wg_device *dev, const uint8_t *msg, size_t len,
				 struct tw_endpoint *ep, bool under_load, uint64_t now)
{
	enum wg_cookie_mac_state st;
	struct wg_message_cookie *reply;

	st = wg_cookie_validate_packet(&dev->cookie_checker, msg, len, &ep->addr.sa, under_load,
				       now);
	if (st == WG_COOKIE_INVALID_MAC) {
		log_drop("a handshake message with a wrong mac1", ep, now);
		return false;
	}
	if (!under_load)
		return true;
	if (st == WG_COOKIE_VALID_MAC_BUT_NO_COOKIE) {
		/* answered at the end of the batch, many replies per system call */
		if (dev->n_cookie_out == WG_COOKIE_OUT_MAX)
			flush_cookies(dev);
		reply = &dev->cookie_out[dev->n_cookie_out];
		if (!wg_cookie_message_create(reply, &dev->cookie_checker, msg, len, &ep->addr.sa,
					      now))
			dev->cookie_ep[dev->n_cookie_out++] = ep;
		log_drop("a handshake message without a cookie, under load (cookie sent)", ep, now);
		return false;
	}
	if (!wg_ratelimiter_allow(dev->ratelimiter, &ep->addr.sa, now)) {
		log_drop("a handshake message over the rate limit, under load", ep, now);
		return false;
	}
	return true;
}

static void receive_initiation(struct wg_device *dev, const uint8_t *buf, struct tw_endpoint *ep,
			       uint64_t now)
{
	const struct wg_message_initiation *msg = (const void *)buf;
	struct wg_message_response resp;
	struct wg_handshake *hs;
	struct wg_keypair *kp;
	struct wg_peer *p;
	char name[24];
	uint32_t idx;

	hs = wg_noise_handshake_consume_initiation(msg, &dev->identity, lookup_handshake, dev, now);
	if (!hs) {
		log_drop("a handshake initiation (unknown peer, bad or replayed)", ep, now);
		return;
	}
	p = peer_of(hs);
	update_endpoint(p, ep);
	log_info("%s - Received handshake initiation", log_peer_name(p->public_key, name));
	idx = wg_peer_new_handshake_index(p);
	if (!idx || wg_noise_handshake_create_response(&resp, hs, idx) < 0)
		return;
	kp = wg_noise_handshake_begin_session(hs, now);
	if (!kp)
		return;
	wg_peer_install_keypair(p, kp);
	wg_timers_session_derived(p);
	wg_cookie_add_mac_to_packet(&p->cookie, &resp, sizeof(resp), now);
	wg_timers_any_authenticated_packet_traversal(p);
	wg_timers_any_authenticated_packet_sent(p);
	log_info("%s - Sending handshake response", log_peer_name(p->public_key, name));
	if (wg_send_raw(dev, &p->endpoint, &resp, sizeof(resp)) > 0)
		p->tx_bytes += sizeof(resp);
}

static void receive_response(struct wg_device *dev, const uint8_t *buf, struct tw_endpoint *ep,
			     uint64_t now)
{
	const struct wg_message_response *msg = (const void *)buf;
	struct wg_index_entry *e = wg_index_lookup(dev->index, msg->receiver_index);
	struct wg_keypair *kp;
	struct wg_peer *p;
	char name[24];

	if (!e || e->keypair) {
		log_drop("a handshake response to no pending initiation", ep, now);
		return;
	}
	p = e->peer;
	if (wg_noise_handshake_consume_response(msg, &p->handshake) < 0) {
		log_drop("a handshake response that does not verify", ep, now);
		return;
	}
	update_endpoint(p, ep);
	log_info("%s - Received handshake response", log_peer_name(p->public_key, name));
	kp = wg_noise_handshake_begin_session(&p->handshake, now);
	if (!kp)
		return;
	wg_peer_install_keypair(p, kp);
	wg_timers_session_derived(p);
	wg_timers_handshake_complete(p);
	wg_timers_any_authenticated_packet_received(p);
	wg_timers_any_authenticated_packet_traversal(p);
	p->rx_bytes += sizeof(*msg);
	/* sends what waited for this session, or a keepalive to confirm it */
	wg_send_keepalive(p);
}

static void receive_cookie(struct wg_device *dev, const uint8_t *buf, uint64_t now)
{
	const struct wg_message_cookie *msg = (const void *)buf;
	struct wg_index_entry *e = wg_index_lookup(dev->index, msg->receiver_index);
	char name[24];

	if (!e)
		return;
	if (!wg_cookie_message_consume(&e->peer->cookie, msg, now))
		log_info("%s - Received cookie reply", log_peer_name(e->peer->public_key, name));
}

/* The inner packet's length by its own header, and its source address; 0 if malformed. */
static size_t inner_packet(const uint8_t *pkt, size_t len, int *family, const uint8_t **src)
{
	size_t n;

	if (len >= sizeof(struct iphdr) && (pkt[0] >> 4) == 4) {
		n = ((size_t)pkt[2] << 8) | pkt[3];
		if (n < sizeof(struct iphdr) || n > len)
			return 0;
		*family = AF_INET;
		*src = pkt + offsetof(struct iphdr, saddr);
		return n;
	}
	if (len >= sizeof(struct ip6_hdr) && (pkt[0] >> 4) == 6) {
		n = (((size_t)pkt[4] << 8) | pkt[5]) + sizeof(struct ip6_hdr);
		if (n > len)
			return 0;
		*family = AF_INET6;
		*src = pkt + offsetof(struct ip6_hdr, ip6_src);
		return n;
	}
	return 0;
}

/*
 * The data messages of a receive batch decrypted together (see
 * wg_receive_batch()): for each, the keypair it holds a reference to, the
 * peer, where it came from, its counter and plaintext length.
 */
struct rx_window {
	unsigned n;
	struct tw_endpoint *ep[WG_RX_WINDOW];
	struct wg_peer *peer[WG_RX_WINDOW];
	struct wg_keypair *kp[WG_RX_WINDOW];
	uint8_t *buf[WG_RX_WINDOW];
	size_t len[WG_RX_WINDOW];
	uint64_t counter[WG_RX_WINDOW];
	int plain[WG_RX_WINDOW];
};

/*
 * Message @k of window @w, decrypted (its job in dev->rx_jobs says whether
 * the tag held); everything after decryption, the replay check first, runs
 * here in arrival order.
 */
static void receive_data(struct wg_device *dev, const struct rx_window *w, unsigned k, uint64_t now)
{
	struct wg_keypair *kp = w->kp[k];
	struct wg_peer *p = w->peer[k];
	uint8_t *buf = w->buf[k];
	const uint8_t *src;
	size_t inner;
	int plain = dev->rx_jobs[k].msg.result < 0 ? -EBADMSG : w->plain[k], family;
	char name[24];

	if (plain < 0 || !wg_replay_check(&kp->receiving_counter, w->counter[k]))
		return;

	/* authenticated from here on */
	if (wg_keypairs_received_with(&p->keypairs, kp)) {
		wg_timers_handshake_complete(p);
		wg_send_staged(p);
	}
	if (kp->i_am_initiator && !p->sent_lastminute_handshake &&
	    wg_keypair_should_rekey_on_receive(kp, now)) {
		p->sent_lastminute_handshake = true;
		wg_send_handshake_initiation(p, false);
	}
	wg_timers_any_authenticated_packet_received(p);
	wg_timers_any_authenticated_packet_traversal(p);
	update_endpoint(p, w->ep[k]);
	p->rx_bytes += w->len[k];
	if (plain == 0) {
		log_info("%s - Receiving keepalive packet", log_peer_name(p->public_key, name));
		return;
	}
	inner = inner_packet(buf + WG_MSG_DATA_HDR_LEN, (size_t)plain, &family, &src);
	if (!inner)
		return;
	/* cryptokey routing, the other way: the source must be one of the peer's */
	if (wg_allowedips_lookup(&dev->allowedips, family, src) != p)
		return;
	/*
	 * written 64 at a time (a super-packet still growing at the edge waits for
	 * the rest) and at the end of the batch, coalesced where possible
	 */
	tw_tunio_queue(&dev->tun, buf + WG_MSG_DATA_HDR_LEN, inner);
	wg_timers_data_received(p);
}

static void receive_one(struct wg_device *dev, uint8_t *buf, size_t len, struct tw_endpoint *ep,
			bool under_load, uint64_t now)
{
	switch (wg_message_type(buf, len)) {
	case WG_MSG_HANDSHAKE_INITIATION:
		if (dev->identity.has_identity &&
		    handshake_admissible(dev, buf, len, ep, under_load, now))
			receive_initiation(dev, buf, ep, now);
		break;
	case WG_MSG_HANDSHAKE_RESPONSE:
		if (dev->identity.has_identity &&
		    handshake_admissible(dev, buf, len, ep, under_load, now))
			receive_response(dev, buf, ep, now);
		break;
	case WG_MSG_HANDSHAKE_COOKIE:
		receive_cookie(dev, buf, now);
		break;
	default: /* data messages go through the window */
		break;
	}
}

/*
 * Length of the datagram at @off in receive buffer @i, 0 past the end: a UDP
 * GRO train is cut at its segment size (all equal but the last).
 */
static size_t datagram_at(const struct tw_udp_batch *b, unsigned i, size_t off)
{
	size_t total = b->msgs[i].msg_len, seg = b->seg[i] ? b->seg[i] : total;

	if (off >= total)
		return 0;
	return total - off < seg ? total - off : seg;
}

/*
 * Data messages in a row are decrypted together (a "window": on the crypto
 * pool's threads where there is a pool, four at a time in any case, see
 * wg_crypt_jobs_run()), then handed to receive_data() one by one in arrival
 * order: the replay window, timers and TUN writes see the same sequence as
 * one at a time. Any other message ends the window first, so a handshake can
 * only change keypairs between windows, never under a decryption. This is
 * the only route a data message takes. The receiver index is looked up once,
 * here; the window holds a reference to the keypair it found (as the kernel's
 * receive queue does), so what an earlier message of the window does to the
 * peer's keypairs cannot free it under a later one.
 */
/* Queues a data message for decryption; false: not one (handle it at once). */
static bool window_add(struct wg_device *dev, struct rx_window *w, uint8_t *buf, size_t len,
		       struct tw_endpoint *ep, uint64_t now)
{
	struct wg_index_entry *e;
	unsigned n = w->n;
	int plain;

	if (wg_message_type(buf, len) != WG_MSG_DATA)
		return false;
	e = wg_index_lookup(dev->index, wg_message_receiver_index(buf));
	if (!e || !e->keypair || !wg_keypair_receive_valid(e->keypair, now))
		return true; /* dropped: unknown index, a handshake's, or too old */
	plain =
	    wg_keypair_decrypt_begin(e->keypair, buf, len, &w->counter[n], &dev->rx_jobs[n].msg);
	if (plain < 0)
		return true; /* dropped: too short to be one */
	dev->rx_jobs[n].encrypt = false;
	w->kp[n] = wg_keypair_get(e->keypair);
	w->buf[n] = buf;
	w->len[n] = len;
	w->plain[n] = plain;
	w->ep[n] = ep;
	w->peer[n] = e->peer;
	w->n++;
	return true;
}

static void window_flush(struct wg_device *dev, struct rx_window *w, uint64_t now)
{
	if (!w->n)
		return;
	if (dev->pool)
		wg_cryptpool_run(dev->pool, dev->rx_jobs, w->n);
	else
		wg_crypt_jobs_run(dev->rx_jobs, w->n);
	for (unsigned k = 0; k < w->n; k++) {
		receive_data(dev, w, k, now);
		wg_keypair_put(w->kp[k]);
		w->kp[k] = NULL;
	}
	w->n = 0;
}

void wg_receive_batch(struct wg_device *dev, struct tw_udp_batch *b)
{
	struct rx_window win; /* not zeroed: 6 KiB a batch; n says what is valid */
	uint64_t now = wg_now_ns();
	unsigned handshakes = 0;
	bool under_load;

	win.n = 0;

	for (unsigned i = 0; i < b->n; i++) {
		for (size_t off = 0, len; (len = datagram_at(b, i, off)); off += len) {
			enum wg_message_type t = wg_message_type(b->data[i] + off, len);

			handshakes +=
			    t == WG_MSG_HANDSHAKE_INITIATION || t == WG_MSG_HANDSHAKE_RESPONSE;
		}
	}
	if (handshakes >= UNDER_LOAD_HANDSHAKES)
		dev->last_under_load = now;
	under_load = dev->last_under_load && now - dev->last_under_load < UNDER_LOAD_LINGER;

	for (unsigned i = 0; i < b->n; i++) {
		for (size_t off = 0, len; (len = datagram_at(b, i, off)); off += len) {
			uint8_t *buf = b->data[i] + off;

			if (win.n == WG_RX_WINDOW ||
			    (win.n && wg_message_type(buf, len) != WG_MSG_DATA))
				window_flush(dev, &win, now);
			if (!window_add(dev, &win, buf, len, &b->ep[i], now))
				receive_one(dev, buf, len, &b->ep[i], under_load, now);
		}
	}
	window_flush(dev, &win, now);
	flush_cookies(dev);
	tw_tunio_flush(&dev->tun);
}
