/* SPDX-License-Identifier: MIT */
/*
 * The cross-platform configuration protocol (wireguard.com/xplatform) that
 * `wg` speaks over /var/run/wireguard/IFNAME.sock:
 *
 *   get=1\n\n            -> key=value lines ... errno=0\n\n
 *   set=1\nkey=value\n...\n -> errno=-N\n\n (0, or a negative errno as wireguard-go)
 *
 * Input is parsed incrementally as it arrives: wg_uapi_feed() takes any
 * number of bytes and appends the replies to the connection's output buffer.
 * Lines are bounded (WG_UAPI_LINE_MAX); a longer line is an error, never a
 * bigger buffer. What a request may add is bounded by the device's limits.
 */
#ifndef TWWG_UAPI_H
#define TWWG_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wg_device;

#define WG_UAPI_LINE_MAX 512

enum wg_uapi_state {
	UAPI_IDLE,     /* expecting get=1 or set=1 */
	UAPI_GET,      /* got get=1, expecting the blank line */
	UAPI_SET,      /* in a set request */
	UAPI_SET_SKIP, /* a set request failed: skip to its blank line */
	UAPI_CLOSED,   /* protocol error: reply sent, close after flushing */
};

struct wg_uapi_conn {
	int fd;
	enum wg_uapi_state state;
	int err; /* first error of the current set request (positive errno) */
	bool have_peer, peer_created, peer_skip;
	uint8_t peer_key[32];
	char line[WG_UAPI_LINE_MAX];
	size_t line_len;
	bool line_too_long;
	char *out;
	size_t out_len, out_cap, out_off;
	uint64_t active_ns; /* wg_now_ns() when it connected or last sent something */
};

void wg_uapi_conn_init(struct wg_uapi_conn *c, int fd);
/* Frees buffers and wipes the line buffer (it may have held a key). */
void wg_uapi_conn_clear(struct wg_uapi_conn *c);

/*
 * Feeds @len bytes received on the connection. Returns 0 to go on or -1
 * when the connection must be closed once its output is flushed.
 */
int wg_uapi_feed(struct wg_device *dev, struct wg_uapi_conn *c, const char *buf, size_t len);

/*
 * Sends what is pending on @c (the loop, loop.c, calls it when the socket
 * can take more); true if everything went, false with errno set. A reply
 * sent is wiped: a get may have held the private key.
 */
bool wg_uapi_conn_flush(struct wg_uapi_conn *c);

/*
 * Opens the listening socket /var/run/wireguard/@ifname.sock. A socket file
 * nobody listens on is replaced; one a daemon still listens on is waited
 * for (WG_UAPI_TAKEOVER_MS: a daemon whose interface was deleted is on its
 * way out), then refused with -EADDRINUSE and that daemon's pid in
 * @ret_holder (0 if unknown; @ret_holder may be NULL).
 */
#define WG_UAPI_TAKEOVER_MS 3000
int wg_uapi_listen(const char *ifname, char *ret_path, size_t path_len, pid_t *ret_holder);

/* Key helpers (64 hex digits). Constant time in the key's value. */
bool wg_key_from_hex(uint8_t key[32], const char *hex);
void wg_key_to_hex(char hex[65], const uint8_t key[32]);

#endif
