/* SPDX-License-Identifier: MIT */
/* Bridge message builders and parsers; internal, exposed for unit tests. */
#ifndef TAPWIRE_BRIDGE_NL_H
#define TAPWIRE_BRIDGE_NL_H

#include <libmnl/libmnl.h>

#include <tapwire/bridge.h>

/* Appends IFLA_LINKINFO { kind "bridge", data { the IFLA_BR_* of @opts } }. */
void twi_bridge_put_linkinfo(struct nlmsghdr *nlh, const struct tw_bridge_opts *opts);

/* Appends IFLA_PROTINFO (nested) with the IFLA_BRPORT_* of @opts. */
void twi_bridge_put_protinfo(struct nlmsghdr *nlh, const struct tw_bridge_port_opts *opts);

/*
 * Fills @info from an RTM_NEWLINK message. Returns 1 if it describes a
 * bridge, 0 if not (other link kinds), -EBADMSG if malformed.
 */
int twi_bridge_parse_link(const struct nlmsghdr *nlh, struct tw_bridge_info *info);

/* Fills @info from an AF_BRIDGE RTM_NEWLINK message: 1 if it carries port info, 0 if not. */
int twi_bridge_parse_port(const struct nlmsghdr *nlh, struct tw_bridge_port_info *info);

/* Fills @e from an AF_BRIDGE RTM_NEWNEIGH message: 1 if it is an entry of a port of
 * bridge @brindex, 0 if not. */
int twi_bridge_parse_fdb(const struct nlmsghdr *nlh, int brindex, struct tw_bridge_fdb_entry *e);

#endif
