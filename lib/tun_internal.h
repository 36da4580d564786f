/* SPDX-License-Identifier: MIT */
/* TUN/TAP internals shared between lib/tun*.c and the unit tests. */
#ifndef TAPWIRE_TUN_INTERNAL_H
#define TAPWIRE_TUN_INTERNAL_H

#include <libmnl/libmnl.h>

#include <tapwire/tun.h>

/*
 * Parses one RTM_NEWLINK message. Returns 1 and fills @ret (procs left
 * empty) when the link's IFLA_INFO_KIND is "tun", 0 when it is another kind
 * of link, -EBADMSG when the message is malformed.
 */
int twi_tun_parse_link(const struct nlmsghdr *nlh, struct tw_tun_info *ret);

/*
 * Finds the name of the device a /proc/PID/fdinfo/FD text refers to (its
 * "iff:\tNAME" line). Returns 0 and copies the name into @ret_name
 * (IFNAMSIZ bytes), or -ENOENT when the text has no such line.
 */
int twi_tun_fdinfo_iff(const char *text, char *ret_name);

#endif
