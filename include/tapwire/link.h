/* SPDX-License-Identifier: MIT */
#ifndef TAPWIRE_LINK_H
#define TAPWIRE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

struct tw_nl;

/* Looks up an interface index by name: > 0, or -ENODEV. */
int tw_link_index(struct tw_nl *nl, const char *name);

int tw_link_set_up(struct tw_nl *nl, const char *name, bool up);
int tw_link_set_mtu(struct tw_nl *nl, const char *name, unsigned mtu);
int tw_link_set_address(struct tw_nl *nl, const char *name, const uint8_t *addr, size_t len);
int tw_link_set_txqueuelen(struct tw_nl *nl, const char *name, unsigned qlen);
int tw_link_set_name(struct tw_nl *nl, const char *name, const char *newname);
/* Enslaves @name to the bridge (or bond) @master; NULL or "" means nomaster. */
int tw_link_set_master(struct tw_nl *nl, const char *name, const char *master);
/* Deletes any link by name (RTM_DELLINK). */
int tw_link_delete(struct tw_nl *nl, const char *name);

/* One link, as returned by tw_link_list(). */
struct tw_link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16]; /* IFLA_INFO_KIND: "tun", "bridge", "veth", ... or "" */
	unsigned flags; /* IFF_UP, IFF_RUNNING, ... */
	unsigned mtu;
	unsigned txqlen;
	int master; /* ifindex of the master, 0 if none */
	uint8_t addr[32];
	size_t addr_len;
	uint8_t operstate; /* IF_OPER_* */
};

/* Lists all links (or only @name). Free the array with free(). */
int tw_link_list(struct tw_nl *nl, const char *name, struct tw_link_info **ret_list, size_t *ret_n);

#endif
