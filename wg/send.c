// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <tapwire/vnet.h>

#include "clock.h"
#include "cookie.h"
#include "cryptpool.h"
#include "device.h"
#include "icmp.h"
#include "log.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "timers.h"
#include "tun.h"

int wg_send_raw(struct wg_device *dev, struct tw_endpoint *ep, const void *buf, size_t len)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};

	return tw_udp_send_batch(&dev->sock, ep, &iov, 1);
}

void wg_send_handshake_initiation(struct wg_peer *p, bool is_retry)
{
	struct wg_message_initiation msg;
	uint64_t now = wg_now_ns();
	char name[24];
	uint32_t idx;

	if (!is_retry)
		p->handshake_attempts = 0;
	/* rate limited: one initiation per REKEY_TIMEOUT */
	if (p->last_sent_handshake && now - p->last_sent_handshake < WG_REKEY_TIMEOUT)
		return;
	if (!wg_device_is_up(p->dev) || !p->dev->identity.has_identity)
		return;
	idx = wg_peer_new_handshake_index(p);
	if (!idx || wg_noise_handshake_create_initiation(&msg, &p->handshake, idx) < 0)
		return;
	p->last_sent_handshake = now;
	log_info("%s - Sending handshake initiation", log_peer_name(p->public_key, name));
	wg_cookie_add_mac_to_packet(&p->cookie, &msg, sizeof(msg), now);
	wg_timers_any_authenticated_packet_traversal(p);
	wg_timers_any_authenticated_packet_sent(p);
	if (p->endpoint.addr.sa.sa_family &&
	    wg_send_raw(p->dev, &p->endpoint, &msg, sizeof(msg)) > 0)
		p->tx_bytes += sizeof(msg);
	wg_timers_handshake_initiated(p);
}

/* Starts a new handshake if the keypair we send with is getting old (whitepaper 6.2). */
static void keep_key_fresh_send(struct wg_peer *p, struct wg_keypair *kp, uint64_t now)
{
	if (wg_keypair_should_rekey_on_send(kp, now))
		wg_send_handshake_initiation(p, false);
}

/*
 * Encrypts @n packets (@pkts[i], @lens[i]) for @p with @kp and sends them in
 * one batch: in place when they sit in the device's TUN slots (@in_place),
 * else in the scratch slots after those. Returns how many were consumed
 * (all, unless the keypair expired midway: the rest are for a new session).
 * A packet whose encryption fails is consumed too, and dropped alone: the
 * others of the batch are sent, and none is handed back to be encrypted a
 * second time (in place, it would be ciphertext by then).
 */
static unsigned encrypt_and_send(struct wg_peer *p, struct wg_keypair *kp, uint8_t *const *pkts,
				 const uint16_t *lens, unsigned n, bool in_place, uint64_t now)
{
	struct wg_device *dev = p->dev;
	struct wg_crypt_job *jobs = dev->jobs;
	struct iovec iov[WG_TUN_BATCH];
	size_t slot = wg_tx_slot_size(dev);
	unsigned count = 0, njobs = 0, ok = 0, data = 0;
	uint8_t *bufs[WG_TUN_BATCH];
	int msg_len[WG_TUN_BATCH];
	bool keepalive[WG_TUN_BATCH];
	uint64_t bytes = 0;
	int sent;

	/* counters in order here; the encryption itself may run on several cores */
	for (unsigned i = 0; i < n && i < dev->n_slots; i++) {
		uint8_t *buf = in_place
				   ? pkts[i] - WG_MSG_DATA_HDR_LEN
				   : wg_tx_slot_pkt(dev, dev->n_slots + i) - WG_MSG_DATA_HDR_LEN;
		uint64_t counter;
		int len;

		if (wg_keypair_next_counter(kp, now, &counter) < 0)
			break;
		count++; /* consumed, whatever happens to it now */
		if (!in_place)
			memcpy(buf + WG_MSG_DATA_HDR_LEN, pkts[i], lens[i]);
		len = wg_keypair_encrypt_begin(kp, counter, buf, slot, lens[i], dev->mtu,
					       &jobs[njobs].msg);
		if (len < 0)
			continue;
		jobs[njobs].encrypt = true;
		bufs[njobs] = buf;
		msg_len[njobs] = len;
		keepalive[njobs++] = lens[i] == 0;
	}
	if (dev->pool)
		wg_cryptpool_run(dev->pool, jobs, njobs);
	else
		wg_crypt_jobs_run(jobs, njobs);
	for (unsigned i = 0; i < njobs; i++) {
		if (jobs[i].msg.result < 0)
			continue;
		iov[ok].iov_base = bufs[i];
		iov[ok].iov_len = (size_t)msg_len[i];
		bytes += (size_t)msg_len[i];
		data += !keepalive[i];
		ok++;
	}
	if (!ok)
		return count;
	sent = tw_udp_send_batch(&dev->sock, &p->endpoint, iov, ok);
	if (sent > 0) {
		p->tx_bytes += bytes;
		wg_timers_any_authenticated_packet_traversal(p);
		wg_timers_any_authenticated_packet_sent(p);
		if (data)
			wg_timers_data_sent(p);
	}
	return count;
}

void wg_send_staged(struct wg_peer *p)
{
	struct wg_staged *s = &p->staged;
	struct wg_keypair *kp;
	uint64_t now = wg_now_ns();
	uint8_t *pkts[WG_TUN_BATCH];
	uint16_t lens[WG_TUN_BATCH];

	if (!s->count)
		return;
	kp = wg_keypairs_get_current(&p->keypairs);
	if (!kp || !p->endpoint.addr.sa.sa_family) {
		wg_keypair_put(kp);
		wg_send_handshake_initiation(p, false);
		return;
	}
	while (s->count) {
		unsigned n = 0, done;

		for (unsigned i = 0; i < s->count && n < p->dev->n_slots; i++, n++) {
			unsigned slot = (s->head + i) % WG_STAGED_MAX;

			pkts[n] = s->pkt[slot];
			lens[n] = s->len[slot];
		}
		done = encrypt_and_send(p, kp, pkts, lens, n, false, now);
		for (unsigned i = 0; i < done; i++) {
			free(s->pkt[s->head]);
			s->pkt[s->head] = NULL;
			s->head = (s->head + 1) % WG_STAGED_MAX;
			s->count--;
		}
		if (done < n) {
			/* the keypair ran out: what is left waits for the new session */
			wg_keypair_put(kp);
			wg_send_handshake_initiation(p, false);
			return;
		}
	}
	keep_key_fresh_send(p, kp, now);
	wg_keypair_put(kp);
}

void wg_send_keepalive(struct wg_peer *p)
{
	char name[24];

	if (!p->staged.count) {
		wg_peer_stage(p, NULL, 0);
		log_info("%s - Sending keepalive packet", log_peer_name(p->public_key, name));
	}
	wg_send_staged(p);
}

/* The destination address of an IP packet, or NULL if it is not one we route. */
static const uint8_t *packet_dst(const uint8_t *pkt, size_t len, int *family)
{
	if (len >= sizeof(struct iphdr) && (pkt[0] >> 4) == 4) {
		*family = AF_INET;
		return pkt + offsetof(struct iphdr, daddr);
	}
	if (len >= sizeof(struct ip6_hdr) && (pkt[0] >> 4) == 6) {
		*family = AF_INET6;
		return pkt + offsetof(struct ip6_hdr, ip6_dst);
	}
	return NULL;
}

/*
 * Sends one run of consecutive packets for the same peer: straight through
 * the current session when there is one and nothing older is waiting,
 * staged (and a handshake started) otherwise.
 */
static void send_run(struct wg_peer *p, uint8_t **pkts, uint16_t *lens, unsigned n)
{
	uint64_t now = wg_now_ns();
	struct wg_keypair *kp = NULL;
	unsigned done = 0;

	if (!p->staged.count && p->endpoint.addr.sa.sa_family)
		kp = wg_keypairs_get_current(&p->keypairs);
	if (kp) {
		done = encrypt_and_send(p, kp, pkts, lens, n, true, now);
		if (done == n)
			keep_key_fresh_send(p, kp, now);
		wg_keypair_put(kp);
	}
	if (done == n)
		return;
	for (unsigned i = done; i < n; i++)
		wg_peer_stage(p, pkts[i], lens[i]);
	wg_send_staged(p);
}

/* The routing of one turn: packets in transmit slots, their peers, how many. */
struct tun_batch {
	uint8_t *pkts[WG_TUN_BATCH];
	uint16_t lens[WG_TUN_BATCH];
	struct wg_peer *peers[WG_TUN_BATCH];
	unsigned n;
	unsigned slots; /* transmit slots filled, dropped packets' too */
};

/* Routes a packet by its destination; keeps it if some peer takes it. */
static void route(struct wg_device *dev, struct tun_batch *b, uint8_t *pkt, uint16_t len)
{
	const uint8_t *dst;
	struct wg_peer *p = NULL;
	int family;

	dst = packet_dst(pkt, len, &family);
	if (dst)
		p = wg_allowedips_lookup(&dev->allowedips, family, dst);
	if (!p)
		return; /* no route: the kernel's WireGuard answers ICMP; we drop */
	if (len > wg_icmp_max_inner(p->endpoint.addr.sa.sa_family)) {
		/* no UDP datagram carries it: tell the sender the MTU that works */
		wg_icmp_too_big(dev, pkt, len,
				(unsigned)wg_icmp_max_inner(p->endpoint.addr.sa.sa_family));
		return;
	}
	b->pkts[b->n] = pkt;
	b->lens[b->n] = len;
	b->peers[b->n] = p;
	b->n++;
}

/* Consecutive packets to the same peer go out together, in order. */
static void flush(struct tun_batch *b)
{
	unsigned end;

	for (unsigned i = 0; i < b->n; i = end) {
		for (end = i + 1; end < b->n && b->peers[end] == b->peers[i]; end++)
			;
		send_run(b->peers[i], b->pkts + i, b->lens + i, end - i);
	}
	b->n = b->slots = 0;
}

int wg_send_from_tun(struct wg_device *dev)
{
	static __thread struct tun_batch b;
	uint8_t *pkts[WG_TUN_BATCH];
	uint16_t lens[WG_TUN_BATCH];
	unsigned reads = 0;
	int r;

	b.n = b.slots = 0;
	/* Packets land in the transmit slots: encryption then happens in place. */
	while (b.slots < dev->n_slots && reads < WG_TUN_BATCH) {
		r = wg_tun_read_packets(dev, b.slots, pkts, lens);
		if (r == -EINTR)
			continue;
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			break;
		if (r == -ENOBUFS) {
			flush(&b); /* a super-packet needs more slots: it is split again */
			continue;
		}
		if (r < 0) {
			flush(&b);
			return reads ? (int)reads : r;
		}
		for (int i = 0; i < r; i++)
			route(dev, &b, pkts[i], lens[i]);
		b.slots += (unsigned)r;
		reads++;
	}
	flush(&b);
	return (int)reads;
}
