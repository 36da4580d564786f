/* SPDX-License-Identifier: MIT */
/*
 * tapwire-vxlan's forwarding database: inner MAC address -> the remote
 * (outer) address frames to it are sent to, as the kernel's vxlan keeps it
 * (`bridge fdb show dev vxlan0`). Entries are learned from received frames
 * (their inner source MAC and outer source address) and age out after
 * @ageing seconds without a frame; static ones (--fdb) never age and are
 * never replaced by learning. Broadcast, multicast and unknown destinations
 * have no entry: the caller floods them to its remote list or group.
 *
 * Bounded: at most @max entries (a peer sending from a million MACs must
 * not grow us); when full, a new MAC replaces the learned entry seen
 * longest ago, or is not learned if every entry is static.
 */
#ifndef TW_VXLAN_FDB_H
#define TW_VXLAN_FDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* An outer address: IPv4 as a v4-mapped IPv6 address, so one type serves both. */
struct vx_addr {
	struct in6_addr a;
};

struct vx_fdb_entry {
	uint8_t mac[6];
	bool is_static;
	bool used; /* slot taken */
	struct vx_addr remote;
	uint64_t seen_ns; /* last frame from it (learned), or when it was made */
};

struct vx_fdb {
	struct vx_fdb_entry *slots; /* open addressing, linear probing */
	size_t cap;		    /* power of two, >= 2 * max */
	size_t n, max;
	uint64_t ageing_ns;		  /* 0: learned entries never age */
	uint64_t learned, moved, refused; /* counters, for the log and tests */
};

/* A table of at most @max entries whose learned ones age after @ageing_s seconds. */
int vx_fdb_init(struct vx_fdb *f, size_t max, unsigned ageing_s);
void vx_fdb_free(struct vx_fdb *f);

/* The entry for @mac, or NULL (never for a group address). */
const struct vx_fdb_entry *vx_fdb_lookup(const struct vx_fdb *f, const uint8_t mac[6]);

/*
 * Learns that @mac is behind @remote at @now: a new entry, or a learned one
 * refreshed or moved (a VM that migrated). Group (multicast/broadcast) and
 * all-zero MACs are not learned; static entries are left alone.
 */
void vx_fdb_learn(struct vx_fdb *f, const uint8_t mac[6], const struct vx_addr *remote,
		  uint64_t now);

/* Adds or replaces a static entry; -ENOSPC when full of static entries, -EINVAL for a group MAC. */
int vx_fdb_add_static(struct vx_fdb *f, const uint8_t mac[6], const struct vx_addr *remote);

/* Removes learned entries not seen within the ageing time; how many. */
size_t vx_fdb_age(struct vx_fdb *f, uint64_t now);

static inline bool vx_mac_is_group(const uint8_t mac[6])
{
	return mac[0] & 1;
}

#endif
