/* SPDX-License-Identifier: MIT */
/* `tapwire link|addr|route`: parsers (for the unit tests) and shared printers. */
#ifndef TAPWIRE_CLI_NETCFG_H
#define TAPWIRE_CLI_NETCFG_H

#include "cli.h"

/* `link set [dev] NAME SETTING...` */
struct link_set_args {
	const char *dev;
	struct tw_link_set req;
};
int link_parse_set(struct cli *c, int argc, char **argv, struct link_set_args *ret);

/* `[dev] NAME` of link show, or `dev NAME` of addr/route show: NULL when absent. */
int link_parse_show(struct cli *c, int argc, char **argv, bool dev_keyword, const char *path,
		    const char **ret_dev);

/* `addr add|del ADDR/PLEN dev NAME [nodad] [noprefixroute]` */
struct addr_args {
	const char *dev;
	struct tw_prefix prefix;
	unsigned flags; /* TW_ADDR_* */
};
int addr_parse_change(struct cli *c, int argc, char **argv, bool add, struct addr_args *ret);

/* `route add|del PREFIX [dev NAME] [via GW] [metric N]`; @add needs dev or via. */
int route_parse_change(struct cli *c, int argc, char **argv, bool add, struct tw_route *ret);

/* The header line of a link as `ip link` prints it ("3: tap0: <UP,...> mtu 1500 ..."). */
void link_print_head(struct out *o, const struct tw_link_info *li, const struct tw_link_info *all,
		     size_t n, bool full);

/* A route or address scope by name ("global", "link", ...), else its number in @buf. */
const char *route_scope_name(uint8_t scope, char *buf, size_t len);

/* Links by index, or NULL. */
const struct tw_link_info *link_by_index(const struct tw_link_info *all, size_t n, int ifindex);

#endif
