// SPDX-License-Identifier: MIT
/*
 * A user-space host in one small program: opens a TAP with libtapwire, puts
 * libtapwire-host's TCP/IP stack on it with a static address and answers
 * every TCP connection to port 7 with a line and the peer's address, from
 * its own poll() loop. Runs until SIGINT/SIGTERM.
 *
 *   host_hello TAP ADDR/PLEN        e.g. host_hello tap-h0 198.51.100.10/24
 */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tapwire/addr.h>
#include <tapwire/host.h>
#include <tapwire/tun.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* A new connection: one line, then close (what is queued still goes out). */
static void greet(void *arg, struct tw_host_conn *c)
{
	struct sockaddr_storage peer;
	char addr[INET6_ADDRSTRLEN] = "?", line[128];
	int n;

	tw_host_conn_peer(c, &peer);
	if (peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, addr, sizeof(addr));
	n = snprintf(line, sizeof(line), "hello %s, this is libtapwire-host\n", addr);
	tw_host_conn_write(c, line, (size_t)n);
	tw_host_conn_close(c);
}

static const struct tw_host_tcp_ops hello_ops = {.accept = greet};

int main(int argc, char **argv)
{
	struct tw_host_config cfg = {.dev = TW_HOST_TAP};
	struct tw_prefix a;
	struct tw_host *h;
	int err;

	if (argc != 3 || tw_prefix_parse(argv[2], TW_PREFIX_NEED_LEN, &a) || a.family != AF_INET) {
		fprintf(stderr, "usage: host_hello TAP ADDR/PLEN\n");
		return 2;
	}
	cfg.fd = tw_tun_open(argv[1], TW_TUN_MODE_TAP, TW_TUN_CLOEXEC | TW_TUN_NONBLOCK, NULL);
	if (cfg.fd < 0) {
		fprintf(stderr, "host_hello: %s: %s\n", argv[1], strerror(-cfg.fd));
		return 1;
	}
	h = tw_host_open(&cfg, &err);
	if (!h || (err = tw_host_addr4(h, &a.addr.v4, a.prefixlen, NULL)) ||
	    !tw_host_tcp_listen(h, 7, &hello_ops, NULL, &err)) {
		fprintf(stderr, "host_hello: %s\n", strerror(-err));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("host_hello: %s on %s, port 7\n", argv[2], argv[1]);
	fflush(stdout);
	while (!stop) {
		struct pollfd p = {.fd = tw_host_fd(h), .events = POLLIN};

		poll(&p, 1, tw_host_timeout(h));
		if ((err = tw_host_process(h)) < 0) {
			fprintf(stderr, "host_hello: %s\n", strerror(-err));
			break;
		}
	}
	tw_host_close(h);
	close(cfg.fd);
	return 0;
}
