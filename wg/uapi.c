// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "clock.h"
#include "ctl.h"
#include "crypto.h"
#include "device.h"
#include "log.h"
#include "peer.h"
#include "uapi.h"

#define UAPI_DIR "/var/run/wireguard"

void wg_uapi_conn_init(struct wg_uapi_conn *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
}

void wg_uapi_conn_clear(struct wg_uapi_conn *c)
{
	sodium_memzero(c->line, sizeof(c->line));
	sodium_memzero(c->peer_key, sizeof(c->peer_key));
	if (c->out)
		sodium_memzero(c->out, c->out_cap); /* a get reply holds the private key */
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_cap = c->out_off = 0;
}

/* Hex digit to value, or -1; no branch on the digit's value. */
static int hexval(unsigned char c)
{
	int d = c - '0', l = (c | 0x20) - 'a';
	int isd = ((d >= 0) & (d <= 9)), isl = ((l >= 0) & (l <= 5));

	return (isd * d) + (isl * (l + 10)) - !(isd | isl);
}

bool wg_key_from_hex(uint8_t key[32], const char *hex)
{
	int bad = 0;

	if (strlen(hex) != 64)
		return false;
	for (int i = 0; i < 32; i++) {
		int hi = hexval((unsigned char)hex[2 * i]),
		    lo = hexval((unsigned char)hex[2 * i + 1]);

		bad |= (hi | lo) < 0;
		key[i] = (uint8_t)(((unsigned)hi & 0xf) << 4 | ((unsigned)lo & 0xf));
	}
	return !bad;
}

void wg_key_to_hex(char hex[65], const uint8_t key[32])
{
	for (int i = 0; i < 32; i++) {
		unsigned hi = key[i] >> 4, lo = key[i] & 0xf;

		/* 87 = 'a' - 10; the mask adds it only for values above 9 */
		hex[2 * i] = (char)(hi + '0' + (((9 - (int)hi) >> 8) & 39));
		hex[2 * i + 1] = (char)(lo + '0' + (((9 - (int)lo) >> 8) & 39));
	}
	hex[64] = '\0';
}

static void out_add(struct wg_uapi_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void out_add(struct wg_uapi_conn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		/* no pointer arithmetic on the first call's NULL buffer (UB) */
		n = vsnprintf(c->out ? c->out + c->out_len : NULL, c->out_cap - c->out_len, fmt,
			      ap);
		va_end(ap);
		if (n < 0)
			return;
		if (c->out && (size_t)n < c->out_cap - c->out_len) {
			c->out_len += (size_t)n;
			return;
		}
		size_t cap = c->out_cap ? c->out_cap * 2 : 4096;
		while (cap < c->out_len + (size_t)n + 1)
			cap *= 2;
		/* not realloc(): the old buffer may hold a key and must be wiped */
		char *p = malloc(cap);
		if (!p)
			return; /* the reply is cut short; wg reports a protocol error */
		if (c->out) {
			memcpy(p, c->out, c->out_len);
			sodium_memzero(c->out, c->out_cap);
			free(c->out);
		}
		c->out = p;
		c->out_cap = cap;
	}
}

static void get_aip(void *ctx, int family, const uint8_t *addr, uint8_t cidr)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, ip, sizeof(ip));
	out_add(ctx, "allowed_ip=%s/%u\n", ip, cidr);
}

static void get_peer(struct wg_uapi_conn *c, const struct wg_peer *p)
{
	char hex[65], buf[80];

	wg_key_to_hex(hex, p->public_key);
	out_add(c, "public_key=%s\n", hex);
	wg_key_to_hex(hex, p->preshared_key);
	out_add(c, "preshared_key=%s\n", hex);
	sodium_memzero(hex, sizeof(hex));
	out_add(c, "protocol_version=1\n");
	if (p->endpoint.addr.sa.sa_family)
		out_add(c, "endpoint=%s\n", tw_endpoint_format(&p->endpoint, buf, sizeof(buf)));
	out_add(c, "last_handshake_time_sec=%llu\n",
		(unsigned long long)(p->last_handshake_wall_ns / 1000000000ULL));
	out_add(c, "last_handshake_time_nsec=%llu\n",
		(unsigned long long)(p->last_handshake_wall_ns % 1000000000ULL));
	out_add(c, "tx_bytes=%llu\n", (unsigned long long)p->tx_bytes);
	out_add(c, "rx_bytes=%llu\n", (unsigned long long)p->rx_bytes);
	out_add(c, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
	wg_peer_for_each_allowedip(p, get_aip, c);
}

static void do_get(struct wg_device *dev, struct wg_uapi_conn *c)
{
	uint16_t port;
	char hex[65];

	if (dev->identity.has_identity) {
		wg_key_to_hex(hex, dev->identity.private_key);
		out_add(c, "private_key=%s\n", hex);
		sodium_memzero(hex, sizeof(hex));
	}
	/* the bound port (a random one if 0 was asked); before start, the configured one */
	port = dev->started ? dev->sock.port : dev->listen_port;
	if (port)
		out_add(c, "listen_port=%u\n", port);
	if (dev->fwmark)
		out_add(c, "fwmark=%u\n", dev->fwmark);
	for (const struct wg_peer *p = dev->peers; p; p = p->next)
		get_peer(c, p);
	out_add(c, "errno=0\n\n");
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 20)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return false;
	}
	*ret = v;
	return true;
}

static bool parse_true(const char *v)
{
	return !strcmp(v, "true");
}

static int parse_aip(const char *v, int *family, uint8_t addr[16], uint8_t *cidr)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(v, '/');
	unsigned long long n;
	size_t len;

	if (!slash || (len = (size_t)(slash - v)) == 0 || len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, v, len);
	ip[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, ip, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	if (!parse_uint(slash + 1, *family == AF_INET ? 32 : 128, &n))
		return -EINVAL;
	*cidr = (uint8_t)n;
	return 0;
}

static int set_device_key(struct wg_device *dev, const char *k, const char *v)
{
	unsigned long long n;
	uint8_t key[32];
	int err;

	if (!strcmp(k, "private_key")) {
		if (!wg_key_from_hex(key, v))
			return -EINVAL;
		err = wg_device_set_private_key(dev, key);
		sodium_memzero(key, sizeof(key));
		return err;
	}
	if (!strcmp(k, "listen_port")) {
		if (!parse_uint(v, 65535, &n))
			return -EINVAL;
		return wg_device_set_listen_port(dev, (uint16_t)n);
	}
	if (!strcmp(k, "fwmark")) {
		if (!*v)
			n = 0;
		else if (!parse_uint(v, 0xffffffffULL, &n))
			return -EINVAL;
		return wg_device_set_fwmark(dev, (uint32_t)n);
	}
	if (!strcmp(k, "replace_peers")) {
		if (!parse_true(v))
			return -EINVAL;
		wg_device_remove_all_peers(dev);
		return 0;
	}
	return -EINVAL;
}

static int begin_peer(struct wg_device *dev, struct wg_uapi_conn *c, const char *v)
{
	struct wg_peer *p;
	int err;

	c->have_peer = false;
	if (!wg_key_from_hex(c->peer_key, v))
		return -EINVAL;
	c->have_peer = true;
	c->peer_created = false;
	/* Our own key as a peer's: ignore this peer's lines, as wireguard-go does. */
	c->peer_skip =
	    dev->identity.has_identity && !sodium_memcmp(c->peer_key, dev->identity.public_key, 32);
	if (c->peer_skip)
		return 0;
	if (wg_device_find_peer(dev, c->peer_key))
		return 0;
	err = wg_peer_create(dev, c->peer_key, &p);
	if (err < 0)
		return err;
	c->peer_created = true;
	return 0;
}

static int set_peer_key(struct wg_peer *p, struct wg_uapi_conn *c, const char *k, const char *v)
{
	unsigned long long n;
	struct tw_endpoint ep;
	uint8_t key[32], addr[16], cidr;
	int family, err;

	if (!strcmp(k, "update_only")) {
		if (!parse_true(v))
			return -EINVAL;
		if (c->peer_created) {
			wg_peer_remove(p);
			c->peer_skip = true;
		}
		return 0;
	}
	if (!strcmp(k, "remove")) {
		if (!parse_true(v))
			return -EINVAL;
		wg_peer_remove(p);
		c->peer_skip = true;
		return 0;
	}
	if (!strcmp(k, "preshared_key")) {
		if (!wg_key_from_hex(key, v))
			return -EINVAL;
		wg_peer_set_preshared_key(p, key);
		sodium_memzero(key, sizeof(key));
		return 0;
	}
	if (!strcmp(k, "endpoint")) {
		if (tw_endpoint_parse(&ep, v) < 0)
			return -EINVAL;
		wg_peer_set_endpoint(p, &ep);
		return 0;
	}
	if (!strcmp(k, "persistent_keepalive_interval")) {
		if (!parse_uint(v, 65535, &n))
			return -EINVAL;
		wg_peer_set_keepalive(p, (uint16_t)n);
		return 0;
	}
	if (!strcmp(k, "replace_allowed_ips")) {
		if (!parse_true(v))
			return -EINVAL;
		wg_peer_clear_allowedips(p);
		return 0;
	}
	if (!strcmp(k, "allowed_ip")) {
		bool del = v[0] == '-';

		err = parse_aip(v + del, &family, addr, &cidr);
		if (err < 0)
			return err;
		if (del)
			return wg_peer_del_allowedip(p, family, addr, cidr);
		return wg_peer_add_allowedip(p, family, addr, cidr);
	}
	if (!strcmp(k, "protocol_version"))
		return parse_uint(v, 1, &n) && n == 1 ? 0 : -EINVAL;
	return -EINVAL;
}

static const char *const peer_keys[] = {
    "update_only",
    "remove",
    "preshared_key",
    "endpoint",
    "persistent_keepalive_interval",
    "replace_allowed_ips",
    "allowed_ip",
    "protocol_version",
};

static bool is_peer_key(const char *k)
{
	for (size_t i = 0; i < sizeof(peer_keys) / sizeof(peer_keys[0]); i++)
		if (!strcmp(k, peer_keys[i]))
			return true;
	return false;
}

static int set_line(struct wg_device *dev, struct wg_uapi_conn *c, char *line)
{
	char *v = strchr(line, '=');
	struct wg_peer *p;

	if (!v)
		return -EPROTO;
	*v++ = '\0';
	if (!strcmp(line, "public_key"))
		return begin_peer(dev, c, v);
	if (!c->have_peer)
		return set_device_key(dev, line, v);
	if (!is_peer_key(line))
		return -EINVAL;
	if (c->peer_skip)
		return 0;
	p = wg_device_find_peer(dev, c->peer_key);
	if (!p) /* removed meanwhile by another connection */
		return 0;
	return set_peer_key(p, c, line, v);
}

static void end_request(struct wg_uapi_conn *c)
{
	/* negative, as wireguard-go writes it and as wg reads it back */
	out_add(c, "errno=%d\n\n", -c->err);
	c->state = UAPI_IDLE;
	c->err = 0;
	c->have_peer = false;
	sodium_memzero(c->peer_key, sizeof(c->peer_key));
}

/* One complete line, without its newline. Returns -1 to close the connection. */
static int handle_line(struct wg_device *dev, struct wg_uapi_conn *c, char *line, bool too_long)
{
	int err;

	switch (c->state) {
	case UAPI_IDLE:
		if (!too_long && !strcmp(line, "get=1")) {
			c->state = UAPI_GET;
			return 0;
		}
		if (!too_long && !strcmp(line, "set=1")) {
			c->state = UAPI_SET;
			c->err = 0;
			c->have_peer = false;
			return 0;
		}
		break;
	case UAPI_GET:
		if (!too_long && !*line) {
			do_get(dev, c);
			c->state = UAPI_IDLE;
			return 0;
		}
		break;
	case UAPI_SET:
	case UAPI_SET_SKIP:
		if (!too_long && !*line) {
			end_request(c);
			return 0;
		}
		if (c->state == UAPI_SET_SKIP)
			return 0;
		err = too_long ? -EINVAL : set_line(dev, c, line);
		if (err < 0) {
			c->err = -err;
			c->state = UAPI_SET_SKIP;
		}
		return 0;
	case UAPI_CLOSED:
		return -1;
	}
	/* Not a request we know: say so and hang up, as wireguard-go does. */
	out_add(c, "errno=%d\n\n", -EPROTO);
	c->state = UAPI_CLOSED;
	return -1;
}

int wg_uapi_feed(struct wg_device *dev, struct wg_uapi_conn *c, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (c->state == UAPI_CLOSED)
			return -1;
		if (buf[i] != '\n') {
			if (c->line_len < sizeof(c->line) - 1)
				c->line[c->line_len++] = buf[i];
			else
				c->line_too_long = true;
			continue;
		}
		c->line[c->line_len] = '\0';
		int r = handle_line(dev, c, c->line, c->line_too_long);
		sodium_memzero(c->line, c->line_len);
		c->line_len = 0;
		c->line_too_long = false;
		if (r < 0)
			return -1;
	}
	return c->state == UAPI_CLOSED ? -1 : 0;
}

int wg_uapi_listen(const char *ifname, char *ret_path, size_t path_len, pid_t *ret_holder)
{
	char path[108];
	int fd;

	if (mkdir(UAPI_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s.sock", UAPI_DIR, ifname);
	/* a daemon whose interface was just deleted removes its socket as it stops */
	fd = tw_ctl_listen(path, WG_UAPI_TAKEOVER_MS, ret_holder);
	if (fd >= 0)
		snprintf(ret_path, path_len, "%s", path);
	return fd;
}

bool wg_uapi_conn_flush(struct wg_uapi_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return false;
		c->out_off += (size_t)n;
	}
	if (c->out)
		wg_wipe(c->out, c->out_len); /* sent: a get reply may have held the private key */
	c->out_off = c->out_len = 0;
	return true;
}
