/* SPDX-License-Identifier: MIT */
/*
 * `tapwire apply` / `tapwire down`: the model of a topology file
 * (tapwire.conf(5)), its parser, and the engine that brings the live state
 * of the network namespace to it.
 */
#ifndef TAPWIRE_CLI_APPLY_H
#define TAPWIRE_CLI_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <net/if.h>
#include <netinet/in.h>

#include <tapwire/tapwire.h>
#include <tapwire/addr.h>

#include "bropt.h"

/* Limits that keep a hostile or broken file from costing unbounded memory. */
#define APPLY_MAX_LINE	   1024u      /* bytes per line, newline excluded */
#define APPLY_MAX_FILE	   (8u << 20) /* bytes per file */
#define APPLY_MAX_SECTIONS 65536u
#define APPLY_MAX_PER_IF   4096u /* addresses, or routes, of one interface */

/* What a section declares. tun, tap and bridge devices are owned by the file. */
enum apply_kind {
	APPLY_TUN,
	APPLY_TAP,
	APPLY_BRIDGE,
	APPLY_LINK,  /* an interface that exists already; the file only configures it */
	APPLY_VXLAN, /* a TAP the file owns, with tapwire-vxlan(8) running on it */
};

/* Remotes or static entries of one [vxlan] section: tapwire-vxlan's own limit. */
#define APPLY_VX_MAX 64

/* What a [vxlan NAME] section declares: the daemon's options, as text. */
struct apply_vxlan {
	unsigned vni, port, ageing, fdb_max; /* port, fdb_max 0: the daemon's default */
	bool has_ageing, no_learning;
	char local[INET6_ADDRSTRLEN];
	char group[INET6_ADDRSTRLEN], group_dev[IFNAMSIZ];
	char remotes[APPLY_VX_MAX][INET6_ADDRSTRLEN];
	size_t n_remotes;
	char fdb[APPLY_VX_MAX][18 + INET6_ADDRSTRLEN]; /* MAC=ADDR */
	size_t n_fdb;
};

/*
 * Bridge options, by bit in apply_if.br_set (times in centiseconds), and port
 * options, by bit in apply_port.set: the indexes of bropt.h's tables.
 */
enum apply_br_opt {
	APPLY_BR_STP = BROPT_BR_STP,
	APPLY_BR_FORWARD_DELAY = BROPT_BR_FORWARD_DELAY,
	APPLY_BR_HELLO_TIME = BROPT_BR_HELLO_TIME,
	APPLY_BR_MAX_AGE = BROPT_BR_MAX_AGE,
	APPLY_BR_AGEING_TIME = BROPT_BR_AGEING_TIME,
	APPLY_BR_PRIORITY = BROPT_BR_PRIORITY,
	APPLY_BR_N = BROPT_BR_N,
};

enum apply_port_opt {
	APPLY_PORT_COST = BROPT_PORT_COST,
	APPLY_PORT_PRIORITY = BROPT_PORT_PRIORITY,
	APPLY_PORT_HAIRPIN = BROPT_PORT_HAIRPIN,
	APPLY_PORT_N = BROPT_PORT_N,
};

struct apply_addr {
	struct tw_prefix prefix; /* the address with its prefix length */
	unsigned line;
};

struct apply_route {
	struct tw_prefix dst; /* host bits clear */
	bool has_via;
	struct tw_prefix via; /* full-length address */
	unsigned line;
};

/* One [tun|tap|bridge|link NAME] section. */
struct apply_if {
	enum apply_kind kind;
	char name[IFNAMSIZ];
	unsigned line;
	/* tun and tap */
	unsigned tun_flags; /* TW_TUN_PI | TW_TUN_VNET_HDR | TW_TUN_MULTI_QUEUE */
	bool has_user, has_group;
	uid_t user;
	gid_t group;
	/* every kind; 0 / -1 / false mean "not declared" */
	unsigned mtu;
	int up; /* -1: not declared (devices the file owns default to up) */
	bool has_mac;
	uint8_t mac[6];
	/* bridge */
	unsigned br_set; /* bits of enum apply_br_opt */
	unsigned br_val[APPLY_BR_N];
	unsigned key_line[16]; /* where single-valued keys were given (apply_parse.c) */
	struct apply_addr *addrs;
	size_t n_addrs;
	struct apply_route *routes;
	size_t n_routes;
	struct apply_vxlan *vx; /* vxlan sections only */
};

/* One [port NAME] section: NAME enslaved to bridge, with its options. */
struct apply_port {
	char name[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	unsigned line;
	unsigned set; /* bits of enum apply_port_opt */
	unsigned val[APPLY_PORT_N];
	unsigned key_line[8];
};

struct apply_model {
	struct apply_if *ifs;
	size_t n_ifs;
	struct apply_port *ports;
	size_t n_ports;
};

/* Why a file was refused: the line (0: the file as a whole) and the reason. */
struct apply_error {
	unsigned line;
	char msg[256];
};

/*
 * Parses and validates the text of a topology file (@len bytes, NULs
 * refused). On success fills @ret (free it with apply_model_free()); on
 * failure returns -EINVAL (or -ENOMEM) with the first problem in @err and
 * leaves @ret empty. Users and groups given by name are resolved here.
 */
int apply_parse(const char *text, size_t len, struct apply_model *ret, struct apply_error *err);

/* Reads @path ("-": standard input; at most APPLY_MAX_FILE bytes) and parses it. -errno if
 * unreadable. */
int apply_load(const char *path, struct apply_model *ret, struct apply_error *err);

void apply_model_free(struct apply_model *m);

/* The section of @name, or NULL. */
const struct apply_if *apply_model_find(const struct apply_model *m, const char *name);

/* Words of the file format, for messages. */
const char *apply_kind_name(enum apply_kind kind);

#endif
