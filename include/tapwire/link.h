/* SPDX-License-Identifier: MIT */
/* Links (network interfaces) through rtnetlink: RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK. */
#ifndef TAPWIRE_LINK_H
#define TAPWIRE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

struct tw_nl;

/*
 * Looks up an interface index by name in the handle's network namespace:
 * > 0, -ENODEV if there is no such link, -EINVAL for a malformed name.
 */
int tw_link_index(struct tw_nl *nl, const char *name);

/* Which fields of struct tw_link_set to apply. */
enum {
	TW_LINK_SET_UP = 1u << 0,
	TW_LINK_SET_MTU = 1u << 1,
	TW_LINK_SET_ADDRESS = 1u << 2,
	TW_LINK_SET_TXQLEN = 1u << 3,
	TW_LINK_SET_NAME = 1u << 4,
	TW_LINK_SET_MASTER = 1u << 5,
};

/*
 * Several changes to one link, sent as one RTM_NEWLINK request. The kernel
 * applies them in its own order: address, mtu, name, master, then up/down,
 * then txqueuelen — so "name NEW up" works on a down link but "down name
 * NEW" on an up link fails with -EBUSY (as with ip).
 */
struct tw_link_set {
	unsigned mask; /* TW_LINK_SET_* */
	bool up;
	unsigned mtu;
	uint8_t address[32];
	size_t address_len;
	unsigned txqlen;
	char name[IFNAMSIZ];   /* the new name */
	char master[IFNAMSIZ]; /* "" means nomaster */
};

/* Applies @req to the link @name. Returns 0 or -errno (text in tw_nl_errmsg()). */
int tw_link_set(struct tw_nl *nl, const char *name, const struct tw_link_set *req);

/* Shorthands for tw_link_set() with one change. */
int tw_link_set_up(struct tw_nl *nl, const char *name, bool up);
int tw_link_set_mtu(struct tw_nl *nl, const char *name, unsigned mtu);
int tw_link_set_address(struct tw_nl *nl, const char *name, const uint8_t *addr, size_t len);
int tw_link_set_txqueuelen(struct tw_nl *nl, const char *name, unsigned qlen);
int tw_link_set_name(struct tw_nl *nl, const char *name, const char *newname);
/* Enslaves @name to the bridge (or bond) @master; NULL or "" means nomaster. */
int tw_link_set_master(struct tw_nl *nl, const char *name, const char *master);
/* Deletes any link by name (RTM_DELLINK). */
int tw_link_delete(struct tw_nl *nl, const char *name);

/* Counters of a link (IFLA_STATS64). */
struct tw_link_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bytes, tx_bytes;
	uint64_t rx_errors, tx_errors;
	uint64_t rx_dropped, tx_dropped;
	uint64_t multicast, collisions;
};

/* One link, as returned by tw_link_list(). */
struct tw_link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];	/* IFLA_INFO_KIND: "tun", "bridge", "veth", ... or "" */
	unsigned flags; /* IFF_UP, IFF_RUNNING, ... */
	unsigned mtu;
	unsigned txqlen;
	int master; /* ifindex of the master, 0 if none */
	uint8_t addr[32];
	size_t addr_len;
	uint8_t operstate; /* IF_OPER_* */
	/* Added after 0.1.0's first cut; zero when the kernel did not say. */
	unsigned short type; /* ARPHRD_* */
	int link;	     /* IFLA_LINK: the peer/lower link's index, 0 if none */
	bool link_netns;     /* the IFLA_LINK index is in another namespace */
	uint8_t broadcast[32];
	size_t broadcast_len;
	char qdisc[16];
	bool has_stats;
	struct tw_link_stats stats;
};

/* Lists all links (or only @name). Free the array with free(). */
int tw_link_list_sized(struct tw_nl *nl, const char *name, size_t elem_size,
		       struct tw_link_info **ret_list, size_t *ret_n);
#define tw_link_list(nl, name, ret_list, ret_n)                                                    \
	tw_link_list_sized(nl, name, sizeof(struct tw_link_info), ret_list, ret_n)

#endif
