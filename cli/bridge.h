/* SPDX-License-Identifier: MIT */
/* Bridge output and parsing shared by `tapwire bridge` and the brctl personality. */
#ifndef TAPWIRE_CLI_BRIDGE_H
#define TAPWIRE_CLI_BRIDGE_H

#include <stdio.h>

#include <tapwire/bridge.h>

#include "cli.h"

/*
 * Parses a time the way bridge-utils' brctl does: a leading floating-point
 * number (sscanf "%lf": "1abc" is 1, "0x10" is 16), truncated to
 * centiseconds. Returns 0 or -EINVAL when no number leads the word.
 */
int brctl_parse_time(const char *word, uint32_t *ret_cs);

/* Parses an integer the way brctl does (strtol, base 0, trailing junk ignored). */
int brctl_parse_long(const char *word, long *ret);

/* brctl's "%4i.%.2i" timer layout of a centisecond value, into @buf (>= 24 bytes). */
void brctl_format_timer(uint64_t cs, char *buf, size_t len);

/* brctl's layouts, byte for byte (tabs included). */
void brctl_print_show_header(FILE *f);
void brctl_print_show_bridge(FILE *f, const struct tw_bridge_info *br, const char *const *ports,
			     size_t n);
void brctl_print_showstp(FILE *f, const struct tw_bridge_info *br,
			 const struct tw_bridge_port_info *ports, size_t n);
void brctl_print_showmacs(FILE *f, const struct tw_bridge_fdb_entry *v, size_t n);

/* tapwire's own text/JSON forms (documented keys; see tapwire(8)). */
void bridge_out_bridge(struct out *o, const struct tw_bridge_info *br, bool stp_details);
void bridge_out_port(struct out *o, const struct tw_bridge_port_info *p, bool stp_details);
void bridge_out_fdb(struct out *o, const struct tw_bridge_fdb_entry *e, const char *ifname);

/* Sorts by name (brctl lists bridges and ports alphabetically). */
void bridge_sort_bridges(struct tw_bridge_info *v, size_t n);
void bridge_sort_ports(struct tw_bridge_port_info *v, size_t n);

/* The brctl personality's entry point. */
int brctl_main(int argc, char **argv);

#endif
