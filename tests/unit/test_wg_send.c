// SPDX-License-Identifier: MIT
/*
 * The send route's decisions, each shown to matter. A device with one peer
 * (allowed IPs 198.51.100.0/24 and fd00::/64) has a session made by a real
 * Noise handshake with a second party ("them", run with the noise API);
 * packets are written into the device's "TUN" (a socketpair) and
 * wg_send_from_tun() takes them as the daemon does. The device's UDP socket
 * and the peer's endpoint are real sockets on the loopback of a network
 * namespace of the test's own (so it needs root: skipped without), and
 * what arrives there is decrypted with their keypair.
 *
 * A packet routed to the peer arrives, encrypted under the current session,
 * with the next counter, padded (the path is live); a packet to an address
 * no peer has is not sent; a packet too big for any datagram is answered
 * with ICMP "fragmentation needed" into the TUN; without a session, or with
 * one past REJECT_AFTER_TIME or out of counters, the packet is staged (not
 * sent under the old keys) and a handshake initiation goes out; once a
 * session exists the staged packets follow in order; past REKEY_AFTER_TIME
 * the packet is still sent, and the initiator starts a new handshake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "crypto.h"
#include "device.h"
#include "icmp.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "udp.h"
#include "uapi.h"

struct fixture {
	struct wg_device *dev;
	struct wg_peer *peer;
	struct wg_static_identity them;
	struct wg_handshake hs_them;
	struct wg_keypair *mine;   /* the device's session, sending to them */
	struct wg_keypair *theirs; /* theirs, receiving from the device */
	int tun;		   /* the other end of the device's TUN */
	int udp;		   /* them: the peer's endpoint */
	uint16_t udp_port;
};

static struct wg_handshake *their_handshake(void *ctx, const uint8_t pk[32])
{
	return ctx;
}

/* A session the device initiates (the device is then the initiator: rekey on send is its). */
static void session(struct fixture *f)
{
	struct wg_message_initiation init;
	struct wg_message_response resp;
	uint64_t now = wg_now_ns();
	uint32_t idx = wg_peer_new_handshake_index(f->peer);

	wg_keypair_put(f->theirs);
	wg_noise_handshake_destroy(&f->hs_them);
	assert_int_not_equal(idx, 0);
	assert_int_equal(
	    wg_noise_handshake_init(&f->hs_them, &f->them, f->dev->identity.public_key, NULL), 0);
	assert_int_equal(wg_noise_handshake_create_initiation(&init, &f->peer->handshake, idx), 0);
	assert_ptr_equal(wg_noise_handshake_consume_initiation(&init, &f->them, their_handshake,
							       &f->hs_them, now),
			 &f->hs_them);
	assert_int_equal(wg_noise_handshake_create_response(&resp, &f->hs_them, 0x5678), 0);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &f->peer->handshake), 0);
	f->mine = wg_noise_handshake_begin_session(&f->peer->handshake, now);
	assert_non_null(f->mine);
	wg_peer_install_keypair(f->peer, f->mine);
	f->theirs = wg_noise_handshake_begin_session(&f->hs_them, now);
	assert_non_null(f->theirs);
}

static int lo_up(void)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	r = r ? r : ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return r;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	char req[512], me_hex[65], them_hex[65];
	struct wg_uapi_conn c;
	uint8_t k[WG_KEY_LEN];
	int sv[2];

	assert_non_null(f);
	assert_int_equal(wg_crypto_init(), 0);
	assert_int_equal(wg_device_new("wgtx0", &f->dev), 0);
	memset(k, 0x52, sizeof(k));
	assert_int_equal(wg_static_identity_set(&f->them, k), 0);

	/* them: a UDP socket on the namespace's loopback */
	f->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(f->udp >= 0);
	assert_int_equal(bind(f->udp, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(f->udp, (struct sockaddr *)&a, &alen), 0);
	f->udp_port = ntohs(a.sin_port);

	memset(k, 0x51, sizeof(k));
	wg_key_to_hex(me_hex, k);
	wg_key_to_hex(them_hex, f->them.public_key);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=%s\npublic_key=%s\nendpoint=127.0.0.1:%u\n"
		 "allowed_ip=198.51.100.0/24\nallowed_ip=fd00::/64\n\n",
		 me_hex, them_hex, f->udp_port);
	wg_uapi_conn_init(&c, -1);
	assert_true(wg_uapi_feed(f->dev, &c, req, strlen(req)) >= 0 && c.out &&
		    strstr(c.out, "errno=0"));
	wg_uapi_conn_clear(&c);
	f->peer = wg_device_find_peer(f->dev, f->them.public_key);
	assert_non_null(f->peer);

	/* the device's TUN: plain packets, one per message; its sockets bound */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(wg_device_start(f->dev, sv[0]), 0);
	f->tun = sv[1];
	session(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wg_keypair_put(f->theirs);
	wg_noise_handshake_destroy(&f->hs_them);
	wg_device_free(f->dev); /* closes its end of the TUN and its sockets */
	close(f->tun);
	close(f->udp);
	free(f);
	return 0;
}

/* An IPv4 UDP packet to @dst of @len bytes (DF set). */
static size_t ip4_packet(uint8_t *buf, size_t len, const char *dst)
{
	struct iphdr *ip = (struct iphdr *)buf;

	memset(buf, 0, len);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)len);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	inet_pton(AF_INET, "192.0.2.1", &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	for (size_t i = sizeof(*ip); i < len; i++)
		buf[i] = (uint8_t)i;
	return len;
}

static void tun_write(struct fixture *f, const uint8_t *pkt, size_t len)
{
	assert_int_equal(send(f->tun, pkt, len, 0), (ssize_t)len);
}

/* Runs the loop's TUN turn until the TUN is empty. */
static void send_from_tun(struct fixture *f)
{
	for (int i = 0; i < 8 && wg_send_from_tun(f->dev) > 0; i++) {
	}
}

/*
 * The next datagram at them (the device's sends are synchronous: whatever it
 * sent is queued on loopback by now), or 0 if none.
 */
static size_t udp_recv(struct fixture *f, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(f->udp, buf, cap, MSG_DONTWAIT);

	return n > 0 ? (size_t)n : 0;
}

/* Everything pending at them: data messages decrypted into @plain (last one), counted by type. */
struct arrivals {
	unsigned data, initiations, other;
	uint64_t counter;
	int plain_len;
	size_t msg_len;
	uint8_t plain[2048];
};

static void collect(struct fixture *f, struct arrivals *a)
{
	uint8_t buf[2048];
	size_t n;

	memset(a, 0, sizeof(*a));
	while ((n = udp_recv(f, buf, sizeof(buf)))) {
		switch (wg_message_type(buf, n)) {
		case WG_MSG_DATA:
			a->data++;
			a->msg_len = n;
			a->plain_len = wg_keypair_decrypt(f->theirs, buf, n, &a->counter);
			if (a->plain_len > 0)
				memcpy(a->plain, buf + WG_MSG_DATA_HDR_LEN, (size_t)a->plain_len);
			break;
		case WG_MSG_HANDSHAKE_INITIATION:
			a->initiations++;
			break;
		default:
			a->other++;
		}
	}
}

/* The live path: routed, encrypted under the session, next counter, padded. */
static void test_routed_packet(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[100];
	struct arrivals a;

	tun_write(f, pkt, ip4_packet(pkt, 61, "198.51.100.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 1);
	assert_int_equal(a.counter, 0);
	assert_int_equal(a.plain_len, 64); /* 61 padded to a multiple of 16 */
	assert_int_equal(a.msg_len, WG_MSG_DATA_HDR_LEN + 64 + WG_AEAD_TAG_LEN);
	assert_memory_equal(a.plain, pkt, 61);
	tun_write(f, pkt, ip4_packet(pkt, 61, "198.51.100.8"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 1);
	assert_int_equal(a.counter, 1);
	assert_true(f->peer->tx_bytes > 0);
}

/* No peer has the destination: nothing sent (and the live path right after). */
static void test_no_route(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[100];
	struct arrivals a;

	tun_write(f, pkt, ip4_packet(pkt, 60, "203.0.113.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data + a.initiations + a.other, 0);
	tun_write(f, pkt, ip4_packet(pkt, 60, "198.51.100.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 1);
}

/* Too big for any datagram: ICMP "fragmentation needed" back into the TUN, nothing sent. */
static void test_too_big(void **state)
{
	struct fixture *f = *state;
	static uint8_t pkt[65535], back[2048];
	struct icmphdr *icmp = (struct icmphdr *)(back + sizeof(struct iphdr));
	size_t len = wg_icmp_max_inner(AF_INET) + 1;
	struct arrivals a;
	ssize_t n;

	assert_true(len <= sizeof(pkt));
	tun_write(f, pkt, ip4_packet(pkt, len, "198.51.100.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 0);
	n = recv(f->tun, back, sizeof(back), MSG_DONTWAIT);
	assert_true(n >= (ssize_t)(sizeof(struct iphdr) + sizeof(*icmp)));
	assert_int_equal(icmp->type, ICMP_DEST_UNREACH);
	assert_int_equal(icmp->code, ICMP_FRAG_NEEDED);
	assert_int_equal(ntohs(icmp->un.frag.mtu), wg_icmp_max_inner(AF_INET));
	/* one byte less is carried (received cut to the buffer: it arrived) */
	tun_write(f, pkt, ip4_packet(pkt, len - 1, "198.51.100.7"));
	send_from_tun(f);
	assert_true(udp_recv(f, back, sizeof(back)) > 0);
}

/*
 * Staged when the session may not send (@how: 0 expired by the device, 1
 * past REJECT_AFTER_TIME, 2 out of counters): not sent under it, a
 * handshake initiation goes out instead; with a new session the staged
 * packets follow, in order.
 */
static void staged_until_session(struct fixture *f, int how)
{
	uint8_t pkt[100];
	struct arrivals a;

	if (how == 0)
		wg_keypairs_expire_current(&f->peer->keypairs);
	else if (how == 1)
		f->mine->sending.birthdate = wg_now_ns() - WG_REJECT_AFTER_TIME - NSEC_PER_SEC;
	else
		atomic_store(&f->mine->sending_counter, WG_REJECT_AFTER_MESSAGES);
	tun_write(f, pkt, ip4_packet(pkt, 40, "198.51.100.7"));
	tun_write(f, pkt, ip4_packet(pkt, 41, "198.51.100.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 0);
	assert_int_equal(a.initiations, 1);
	assert_int_equal(f->peer->staged.count, 2);

	session(f);
	wg_send_staged(f->peer);
	assert_int_equal(f->peer->staged.count, 0);
	collect(f, &a);
	assert_int_equal(a.data, 2);
	assert_int_equal(a.counter, 1); /* the second of the new session */
	assert_int_equal(((struct iphdr *)a.plain)->tot_len, htons(41));
}

static void test_staged_expired(void **state)
{
	staged_until_session(*state, 0);
}

static void test_staged_reject_after_time(void **state)
{
	staged_until_session(*state, 1);
}

static void test_staged_reject_after_messages(void **state)
{
	staged_until_session(*state, 2);
}

/* Past REKEY_AFTER_TIME the initiator still sends, and starts a new handshake. */
static void test_rekey_after_time(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[100];
	struct arrivals a;

	tun_write(f, pkt, ip4_packet(pkt, 40, "198.51.100.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 1);
	assert_int_equal(a.initiations, 0); /* a fresh session: no handshake */

	f->mine->sending.birthdate = wg_now_ns() - WG_REKEY_AFTER_TIME - NSEC_PER_SEC;
	tun_write(f, pkt, ip4_packet(pkt, 40, "198.51.100.7"));
	send_from_tun(f);
	collect(f, &a);
	assert_int_equal(a.data, 1);
	assert_int_equal(a.initiations, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_routed_packet, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_route, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staged_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staged_reject_after_time, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staged_reject_after_messages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rekey_after_time, setup, teardown),
	};

	/* a network namespace of our own: its loopback carries the datagrams */
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		printf("skipped: no network namespace of our own (%s): needs root\n",
		       strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
