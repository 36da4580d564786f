/* SPDX-License-Identifier: MIT */
/* `tapwire tuntap` argument parsing, exposed for unit tests. */
#ifndef TAPWIRE_CLI_TUNTAP_H
#define TAPWIRE_CLI_TUNTAP_H

#include "cli.h"

struct tuntap_add {
	const char *name;
	enum tw_tun_mode mode; /* 0: not given */
	bool has_user, has_group;
	unsigned uid, gid;
	unsigned flags; /* TW_TUN_PI, TW_TUN_VNET_HDR, ... */
};

/*
 * Parses the words after `tuntap add`. Checks every word (names, modes,
 * users, duplicates) and prints the error; returns CLI_OK or CLI_USAGE.
 */
int tuntap_parse_add(struct cli *c, int argc, char **argv, struct tuntap_add *ret);

/* Parses the words after `tuntap del`: [name|dev] NAME [mode tun|tap]. */
int tuntap_parse_del(struct cli *c, int argc, char **argv, const char **ret_name,
		     enum tw_tun_mode *ret_mode);

#endif
