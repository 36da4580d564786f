/* SPDX-License-Identifier: MIT */
/*
 * The device: the data model (identity, peers, allowed IPs, indexes) with
 * its lifecycle and the setters UAPI requests call, and the I/O it owns (one
 * TUN, the UDP sockets, the batch buffers). The event loop that drives it is
 * above it, in loop.c; nothing here calls up into the loop, send, receive,
 * timers or the UAPI protocol.
 *
 * Threading: one thread runs the loop and processes packets in batches
 * (struct tw_udp_batch and the TUN batch: flat buffers allocated once, no
 * allocation per packet). wg_send_from_tun() and wg_receive_batch() take a
 * whole batch; only the encryption and decryption of a batch may be spread
 * over the crypto pool's threads (cryptpool.h), which touch nothing else.
 *
 * Files: device.c has the lifecycle and the configuration; loop.c the event
 * loop and the UAPI listener; tun.c the TUN's reads, writes and transmit
 * slots; socket.c the UDP side; uapi.c the configuration protocol; send.c
 * and receive.c the protocol's two directions.
 */
#ifndef TWWG_DEVICE_H
#define TWWG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/types.h>

#include "allowedips.h"
#include "cookie.h"
#include "messages.h"
#include "noise.h"
#include "ratelimiter.h"
#include "tunio.h"
#include "udp.h"

struct wg_peer;
struct wg_index_table;
struct wg_cryptpool;

/* Limits on what UAPI requests may make us hold (with WG_MAX_PEERS from messages.h). */
#define WG_MAX_ALLOWEDIPS (1u << 20)
#define WG_UAPI_MAX_CONNS 16
/*
 * With every slot taken, a new client replaces the one idle longest if that
 * one has sent nothing for this long (wg(8) talks in milliseconds): clients
 * that connect and stay silent can't lock wg(8) out.
 */
#define WG_UAPI_IDLE_NS	  1000000000ull
#define WG_PEER_HASH_SIZE 1024

/* Cookie replies gathered before one sendmmsg. */
#define WG_COOKIE_OUT_MAX 64

/* Packets (segments of TUN super-packets) handled per turn of the loop, at most. */
#define WG_TUN_BATCH 128
/*
 * The transmit slots hold packets of WG_TUN_SLOT_MIN bytes at first, and grow
 * (never shrink) when a larger packet comes from the TUN, up to the largest
 * IP packet. With larger slots there are
 * fewer, down to WG_TUN_BATCH / 2 (a super-packet's 64 segments), so a
 * jumbo MTU costs a few MiB more at most, and the default MTU nothing.
 */
#define WG_TUN_SLOT_MIN 9168
#define WG_TUN_SLOT_MAX 65535 /* any IP packet: too big to carry is answered (icmp.h) */
/* Data messages decrypted together on receive (wg/receive.c). */
#define WG_RX_WINDOW 128

struct wg_device {
	char ifname[IFNAMSIZ];
	/*
	 * The TUN and its offloads (io/tunio.h; each probed at start, dropped
	 * at run time if the kernel refuses it, and off altogether with
	 * TW_WG_OFFLOAD=0), with the decrypted packets of the current receive
	 * batch gathered for it. tun.fd is -1 in a config-only device.
	 */
	struct tw_tunio tun;
	bool started; /* wg_device_start() succeeded: the sockets are bound */
	unsigned mtu;

	struct tw_udp sock;
	uint16_t listen_port; /* as configured; sock.port is what is bound */
	uint32_t fwmark;

	struct wg_static_identity identity;
	struct wg_cookie_checker cookie_checker;
	struct wg_ratelimiter *ratelimiter;
	struct wg_allowedips allowedips;
	struct wg_aip_index aips; /* exact prefix -> configured entry (allowedips.c) */
	struct wg_index_table *index;

	struct wg_peer *peers; /* doubly linked, insertion order */
	struct wg_peer *peer_hash[WG_PEER_HASH_SIZE];
	size_t n_peers;
	uint64_t next_peer_id;

	uint64_t last_under_load; /* wg_now_ns() when handshakes last queued up */
	bool timers_dirty;	  /* the timerfd must be re-armed (timers.c) */
	uint64_t timer_armed_at;  /* protocol time the timerfd is armed for */

	struct tw_udp_batch *rx; /* UDP receive batch */
	uint8_t *tx_buf;	 /* 2 * n_slots transmit slots: TUN reads, then scratch */
	size_t tun_slot;	 /* largest packet a slot holds */
	unsigned n_slots;	 /* slots of each half, <= WG_TUN_BATCH */

	/* cookie replies of the current receive batch, sent together at its end */
	struct wg_message_cookie cookie_out[WG_COOKIE_OUT_MAX];
	struct tw_endpoint *cookie_ep[WG_COOKIE_OUT_MAX];
	unsigned n_cookie_out;

	/* encryption of a batch spread over cores (NULL: on the loop's thread) */
	struct wg_cryptpool *pool;
	struct wg_crypt_job *jobs;    /* WG_TUN_BATCH */
	struct wg_crypt_job *rx_jobs; /* WG_RX_WINDOW: decryptions of a receive batch */
};

/*
 * Makes a device with no I/O: a configuration model that UAPI requests can
 * change (used as is by unit tests; wg_device_start() adds the I/O).
 */
int wg_device_new(const char *ifname, struct wg_device **ret_dev);

/*
 * Takes @tun_fd (-1: none) and allocates the batch buffers and transmit
 * slots: the data path runs, with no sockets (what it sends is dropped).
 * For tests and fuzzers; the daemon calls wg_device_start(). 0 or -errno.
 */
int wg_device_attach(struct wg_device *dev, int tun_fd);

/*
 * Starts the I/O: wg_device_attach(), then binds the UDP sockets (to a random port unless one is
 * configured). The event loop (loop.h) comes after. 0 or -errno.
 */
int wg_device_start(struct wg_device *dev, int tun_fd);

/*
 * Allows UDP GSO and GRO if @enable, and sets up the TUN's offloads
 * (wg_tun_setup_offloads()). Call after wg_device_start(). 0 or -errno.
 */
int wg_device_setup_offloads(struct wg_device *dev, bool enable);

/*
 * Starts @workers crypto threads besides the loop's (0: none). 0 or -errno.
 * Call after wg_device_start().
 */
int wg_device_setup_workers(struct wg_device *dev, unsigned workers);

/* Removes all peers, wipes keys, closes the TUN and the sockets. NULL is fine. */
void wg_device_free(struct wg_device *dev);

/* Configuration, as UAPI requests change it. */
int wg_device_set_private_key(struct wg_device *dev, const uint8_t key[32]);
int wg_device_set_listen_port(struct wg_device *dev, uint16_t port);
int wg_device_set_fwmark(struct wg_device *dev, uint32_t mark);
void wg_device_remove_all_peers(struct wg_device *dev);
struct wg_peer *wg_device_find_peer(struct wg_device *dev, const uint8_t public_key[32]);

/* Bytes of one transmit slot: a packet with its header before, padding and tag after. */
static inline size_t wg_tx_slot_size(const struct wg_device *dev)
{
	return dev->tun_slot + WG_MSG_DATA_HDR_LEN + WG_MESSAGE_PADDING + WG_AEAD_TAG_LEN;
}

/* Where the packet of transmit slot @i starts (encryption then happens in place). */
static inline uint8_t *wg_tx_slot_pkt(const struct wg_device *dev, unsigned i)
{
	return dev->tx_buf + i * wg_tx_slot_size(dev) + WG_MSG_DATA_HDR_LEN;
}

/* Writes to every page so it is resident (a plain memset may become calloc). */
static inline void wg_prefault(void *p, size_t len)
{
	volatile uint8_t *b = p;

	for (size_t i = 0; i < len; i += 4096)
		b[i] = 0;
	if (len)
		b[len - 1] = 0;
}

/* True while the device has I/O (sockets): sending is possible. */
static inline bool wg_device_is_up(const struct wg_device *dev)
{
	return dev->sock.fd4 >= 0 || dev->sock.fd6 >= 0;
}

#endif
