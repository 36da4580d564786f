// SPDX-License-Identifier: MIT
/*
 * The shared batched UDP layer (io/udp.c) on its own, on the loopback of a
 * network namespace of the test's own (skipped without root): a random
 * port is bound for both families, a taken one refused with the old
 * sockets kept; a batch of equal-sized datagrams leaves in GSO runs and
 * arrives as separate datagrams, byte for byte, a shorter last one
 * included; received datagrams carry the sender and the local address
 * they reached (sticky source); a source address no longer ours is
 * forgotten and the datagram still sent; replies to many endpoints go out
 * together; UDP GRO trains are reported with their segment size; endpoints
 * parse and format as wg(8) writes them, bad ones refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
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

#include "udp.h"

static struct tw_udp_batch *batch;

/* A plain receiving socket on 127.0.0.1; its port in *@port. */
static int receiver(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void endpoint(struct tw_endpoint *ep, const char *addr, uint16_t port)
{
	char s[64];

	snprintf(s, sizeof(s), "%s:%u", addr, port);
	assert_int_equal(tw_endpoint_parse(ep, s), 0);
}

static void test_bind(void **state)
{
	struct tw_udp a, b;

	tw_udp_init(&a, true);
	tw_udp_init(&b, true);
	assert_int_equal(tw_udp_bind(&a, 0, 0), 0);
	assert_true(a.fd4 >= 0);
	assert_int_not_equal(a.port, 0);
	/* the same port again: refused, b keeps nothing; a keeps its sockets */
	assert_int_equal(tw_udp_bind(&b, a.port, 0), -EADDRINUSE);
	assert_int_equal(b.fd4, -1);
	assert_int_equal(tw_udp_bind(&b, 0, 0), 0);
	assert_int_not_equal(b.port, a.port);
	tw_udp_close(&a);
	tw_udp_close(&b);
	assert_int_equal(a.fd4, -1);
}

/* @n datagrams of @len bytes (the last @last bytes), sent in one batch, arrive intact. */
static void batch_arrives(struct tw_udp *u, unsigned n, size_t len, size_t last)
{
	static uint8_t data[64][1500];
	struct iovec iov[64];
	struct tw_endpoint ep;
	uint8_t got[1600];
	uint16_t port;
	int fd = receiver(&port);

	endpoint(&ep, "127.0.0.1", port);
	for (unsigned i = 0; i < n; i++) {
		iov[i].iov_base = data[i];
		iov[i].iov_len = i == n - 1 ? last : len;
		memset(data[i], (int)(i + 1), iov[i].iov_len);
	}
	assert_int_equal(tw_udp_send_batch(u, &ep, iov, n), (int)n);
	for (unsigned i = 0; i < n; i++) {
		ssize_t r = recv(fd, got, sizeof(got), MSG_DONTWAIT);

		assert_int_equal(r, (ssize_t)iov[i].iov_len);
		assert_memory_equal(got, data[i], iov[i].iov_len);
	}
	assert_int_equal(recv(fd, got, sizeof(got), MSG_DONTWAIT), -1);
	close(fd);
}

static void test_send_batch(void **state)
{
	struct tw_udp u;

	tw_udp_init(&u, true);
	assert_int_equal(tw_udp_bind(&u, 0, 0), 0);
	batch_arrives(&u, 40, 1200, 700); /* GSO runs, a shorter last one */
	batch_arrives(&u, 3, 100, 100);
	u.gso = false;
	batch_arrives(&u, 10, 1000, 1000); /* one by one */
	tw_udp_close(&u);
}

static void test_recv_and_sticky_source(void **state)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct tw_endpoint ep;
	struct iovec iov;
	struct tw_udp u;
	uint16_t port;
	uint8_t got[64];
	int fd = receiver(&port);

	tw_udp_init(&u, true);
	assert_int_equal(tw_udp_bind(&u, 0, 0), 0);
	to.sin_port = htons(u.port);
	assert_int_equal(tw_udp_recv_batch(u.fd4, batch), 0); /* nothing waiting */
	for (int i = 0; i < 3; i++)
		assert_int_equal(sendto(fd, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	assert_int_equal(tw_udp_recv_batch(u.fd4, batch), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(batch->msgs[i].msg_len, 5);
		assert_memory_equal(batch->data[i], "hello", 5);
		assert_int_equal(batch->ep[i].addr.in4.sin_port, htons(port));
		assert_true(batch->ep[i].has_src); /* the address it reached */
		assert_int_equal(batch->ep[i].src4.s_addr, htonl(INADDR_LOOPBACK));
	}
	/* the reply leaves from there */
	ep = batch->ep[0];
	iov = (struct iovec){"back", 4};
	assert_int_equal(tw_udp_send_batch(&u, &ep, &iov, 1), 1);
	assert_int_equal(recv(fd, got, sizeof(got), 0), 4);
	/* a source no longer ours: forgotten, and the reply still goes */
	inet_pton(AF_INET, "192.0.2.99", &ep.src4);
	assert_int_equal(tw_udp_send_batch(&u, &ep, &iov, 1), 1);
	assert_false(ep.has_src);
	assert_int_equal(recv(fd, got, sizeof(got), 0), 4);
	close(fd);
	tw_udp_close(&u);
}

static void test_send_many(void **state)
{
	struct tw_endpoint ep[2], *eps[4] = {&ep[0], &ep[1], &ep[0], &ep[1]};
	struct iovec iov[4] = {{"a", 1}, {"bb", 2}, {"ccc", 3}, {"dddd", 4}};
	struct tw_udp u;
	uint16_t p1, p2;
	int f1 = receiver(&p1), f2 = receiver(&p2);
	char got[8];

	tw_udp_init(&u, true);
	assert_int_equal(tw_udp_bind(&u, 0, 0), 0);
	endpoint(&ep[0], "127.0.0.1", p1);
	endpoint(&ep[1], "127.0.0.1", p2);
	assert_int_equal(tw_udp_send_many(&u, eps, iov, 4), 4);
	assert_int_equal(recv(f1, got, sizeof(got), 0), 1);
	assert_int_equal(recv(f1, got, sizeof(got), 0), 3);
	assert_int_equal(recv(f2, got, sizeof(got), 0), 2);
	assert_int_equal(recv(f2, got, sizeof(got), 0), 4);
	close(f1);
	close(f2);
	tw_udp_close(&u);
}

/* A GSO run to a socket with UDP GRO: one train, reported with its segment size. */
static void test_gro_train(void **state)
{
	static uint8_t data[8][1000];
	struct tw_endpoint ep;
	struct iovec iov[8];
	struct tw_udp tx, rx;
	size_t total = 0;
	int n;

	tw_udp_init(&tx, true);
	tw_udp_init(&rx, false);
	assert_int_equal(tw_udp_bind(&tx, 0, 0), 0);
	assert_int_equal(tw_udp_bind(&rx, 0, 0), 0);
	tw_udp_set_gro(&rx, true);
	endpoint(&ep, "127.0.0.1", rx.port);
	for (int i = 0; i < 8; i++)
		iov[i] = (struct iovec){data[i], sizeof(data[i])};
	assert_int_equal(tw_udp_send_batch(&tx, &ep, iov, 8), 8);
	n = tw_udp_recv_batch(rx.fd4, batch);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++) {
		total += batch->msgs[i].msg_len;
		if (batch->seg[i]) /* a train: equal segments */
			assert_int_equal(batch->seg[i], 1000);
	}
	/* what one receive did not take, the next does */
	while (total < 8000 && (n = tw_udp_recv_batch(rx.fd4, batch)) > 0)
		for (int i = 0; i < n; i++)
			total += batch->msgs[i].msg_len;
	assert_int_equal(total, 8000);
	tw_udp_close(&tx);
	tw_udp_close(&rx);
}

static void test_endpoint_text(void **state)
{
	static const char *const good[][2] = {
	    {"192.0.2.1:51820", "192.0.2.1:51820"},
	    {"[fd00::1]:1", "[fd00::1]:1"},
	    {"[fe80::1%lo]:5", "[fe80::1%1]:5"},
	    {"[fe80::1%1]:5", "[fe80::1%1]:5"},
	};
	static const char *const bad[] = {
	    "192.0.2.1", "[fd00::1]",	 "192.0.2.1:70000", "[fe80::1%nosuch0]:1", "host:1",
	    ":1",	 "[fd00::1]x:1", "192.0.2.1:",	    "192.0.2.1:-1",
	};
	struct tw_endpoint ep;
	char buf[80];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(tw_endpoint_parse(&ep, good[i][0]), 0);
		assert_string_equal(tw_endpoint_format(&ep, buf, sizeof(buf)), good[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (tw_endpoint_parse(&ep, bad[i]) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
		assert_int_equal(ep.addr.sa.sa_family, 0);
	}
	memset(&ep, 0, sizeof(ep));
	assert_string_equal(tw_endpoint_format(&ep, buf, sizeof(buf)), "(none)");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bind),
	    cmocka_unit_test(test_send_batch),
	    cmocka_unit_test(test_recv_and_sticky_source),
	    cmocka_unit_test(test_send_many),
	    cmocka_unit_test(test_gro_train),
	    cmocka_unit_test(test_endpoint_text),
	};
	int rc;

	/* a network namespace of our own: its loopback carries the datagrams */
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		printf("skipped: no network namespace of our own (%s): needs root\n",
		       strerror(errno));
		return 77;
	}
	batch = malloc(sizeof(*batch));
	assert_non_null(batch);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(batch);
	return rc;
}
