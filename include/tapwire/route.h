/* SPDX-License-Identifier: MIT */
/* IPv4 and IPv6 routes (RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE). */
#ifndef TAPWIRE_ROUTE_H
#define TAPWIRE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include <tapwire/addr.h>

struct tw_nl;

/*
 * A route. For tw_route_add() / tw_route_del() fill dst, and dev and/or
 * gateway; the rest may stay zero (table 0 means the main table, metric 0
 * the kernel's default on add and "any" on delete). tw_route_list() fills
 * every field it knows.
 */
struct tw_route {
	/*
	 * Destination. AF_UNSPEC with length 0 ("default" from tw_prefix_parse)
	 * takes the gateway's family, or IPv4 without a gateway. Host bits must
	 * be clear: the kernel refuses 198.51.100.1/24.
	 */
	struct tw_prefix dst;
	bool has_gateway;
	struct tw_prefix gateway; /* a plain address (full length) */
	char dev[IFNAMSIZ];	  /* output interface, "" for none */
	int ifindex;		  /* listing only: index of dev */
	uint32_t metric;	  /* RTA_PRIORITY */
	uint32_t table;		  /* RT_TABLE_MAIN when 0 */
	uint8_t protocol;	  /* RTPROT_*; listing only (add uses RTPROT_BOOT, like ip) */
	uint8_t scope;		  /* RT_SCOPE_*; listing only (add derives it, like ip) */
	uint8_t type;		  /* RTN_*; listing only (add uses RTN_UNICAST) */
	unsigned flags;		  /* RTNH_F_* of the route (RTNH_F_LINKDOWN, ...); listing only */
	bool has_prefsrc;
	struct tw_prefix prefsrc; /* RTA_PREFSRC; listing only */
};

/* Flags for tw_route_add(). */
enum {
	TW_ROUTE_REPLACE = 1u << 0, /* replace a route with the same key (NLM_F_REPLACE) */
};

/* Adds @r. Returns 0 or -errno (-EEXIST when present, unless TW_ROUTE_REPLACE). */
int tw_route_add(struct tw_nl *nl, const struct tw_route *r, unsigned flags);

/* Deletes the route matching @r's dst, table and (when set) dev, gateway and metric. */
int tw_route_del(struct tw_nl *nl, const struct tw_route *r);

/*
 * Lists the routes of @table (0: main) and @family (AF_UNSPEC: IPv4
 * then IPv6) in the handle's namespace; cached (cloned) routes are left out.
 * Free the array with free().
 */
int tw_route_list_sized(struct tw_nl *nl, int family, uint32_t table, size_t elem_size,
			struct tw_route **ret_list, size_t *ret_n);
#define tw_route_list(nl, family, table, ret_list, ret_n)                                          \
	tw_route_list_sized(nl, family, table, sizeof(struct tw_route), ret_list, ret_n)

#endif
