/* SPDX-License-Identifier: MIT */
/*
 * The bridge and bridge-port options, one vocabulary for `tapwire bridge`,
 * `tapwire apply` files and the brctl personality: each option's name, unit,
 * range and kernel field, and the brctl command that sets it with
 * bridge-utils' messages. Times are seconds with at most two decimals in
 * words and centiseconds inside (the kernel's unit).
 */
#ifndef TAPWIRE_CLI_BROPT_H
#define TAPWIRE_CLI_BROPT_H

#include <stdbool.h>
#include <stddef.h>

#include <tapwire/bridge.h>

enum bropt_unit {
	BROPT_ON_OFF,
	BROPT_SECONDS, /* min and max in centiseconds */
	BROPT_INTEGER,
};

struct bropt {
	const char *name;
	enum bropt_unit unit;
	unsigned min, max;
	unsigned mask;		  /* TW_BRIDGE_* or TW_BRIDGE_PORT_* */
	const char *brctl;	  /* the brctl command that sets it, or NULL */
	const char *brctl_bad;	  /* bridge-utils' message for a word it cannot read */
	const char *brctl_failed; /* ... and for the kernel's refusal */
};

/* Bridge options, indexes into bropt_bridge[] (also tapwire.conf(5)'s bit order). */
enum {
	BROPT_BR_STP,
	BROPT_BR_FORWARD_DELAY,
	BROPT_BR_HELLO_TIME,
	BROPT_BR_MAX_AGE,
	BROPT_BR_AGEING_TIME,
	BROPT_BR_PRIORITY,
	BROPT_BR_N,
};

/* Port options, indexes into bropt_port[]. */
enum {
	BROPT_PORT_COST,
	BROPT_PORT_PRIORITY,
	BROPT_PORT_HAIRPIN,
	BROPT_PORT_N,
};

extern const struct bropt bropt_bridge[BROPT_BR_N];
extern const struct bropt bropt_port[BROPT_PORT_N];

/* The option called @name in @table (@n entries), or NULL. */
const struct bropt *bropt_find(const struct bropt *table, size_t n, const char *name);

/*
 * Parses @word as @o's unit within its range into @ret. On failure returns
 * -EINVAL and says what was expected in @why, e.g. "\"hello_time\" must be
 * seconds from 1 to 10 (at most two decimals)".
 */
int bropt_parse(const struct bropt *o, const char *word, unsigned *ret, char *why, size_t why_len);

/* @v in @o's words: "on", "1.50", "4096". */
void bropt_format(const struct bropt *o, unsigned v, char *buf, size_t len);

/*
 * Whether the kernel's value @have is @want: the kernel keeps bridge times in
 * jiffies, so centiseconds can come back one off after the round trip.
 */
bool bropt_same(const struct bropt *o, unsigned have, unsigned want);

/* The bridge option @o (of bropt_bridge[]) read from @b, or set to @v in @opts. */
unsigned bropt_bridge_get(const struct bropt *o, const struct tw_bridge_info *b);
void bropt_bridge_put(const struct bropt *o, unsigned v, struct tw_bridge_opts *opts);

/* The same for a port option (of bropt_port[]). */
unsigned bropt_port_get(const struct bropt *o, const struct tw_bridge_port_info *p);
void bropt_port_put(const struct bropt *o, unsigned v, struct tw_bridge_port_opts *opts);

#endif
