// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bropt.h"

/*
 * The ranges are the kernel's with STP on (802.1D), which it enforces for
 * hello_time and max_age always; forward_delay may go down to 0 with STP off
 * (apply files check 2 s with STP on as a whole section). ageing_time 0
 * makes a hub.
 */
const struct bropt bropt_bridge[BROPT_BR_N] = {
    [BROPT_BR_STP] = {"stp", BROPT_ON_OFF, 0, 1, TW_BRIDGE_STP_STATE, NULL, NULL, NULL},
    [BROPT_BR_FORWARD_DELAY] = {"forward_delay", BROPT_SECONDS, 0, 3000, TW_BRIDGE_FORWARD_DELAY,
				"setfd", "bad forward delay value", "set forward delay failed"},
    [BROPT_BR_HELLO_TIME] = {"hello_time", BROPT_SECONDS, 100, 1000, TW_BRIDGE_HELLO_TIME,
			     "sethello", "bad hello timer value", "set hello timer failed"},
    [BROPT_BR_MAX_AGE] = {"max_age", BROPT_SECONDS, 600, 4000, TW_BRIDGE_MAX_AGE, "setmaxage",
			  "bad max age value", "set max age failed"},
    [BROPT_BR_AGEING_TIME] = {"ageing_time", BROPT_SECONDS, 0, 100000000, TW_BRIDGE_AGEING_TIME,
			      "setageing", "bad ageing time value", "set ageing time failed"},
    [BROPT_BR_PRIORITY] = {"priority", BROPT_INTEGER, 0, 65535, TW_BRIDGE_PRIORITY, "setbridgeprio",
			   "bad priority", "set bridge priority failed"},
};

/* cost: 802.1D-1998's 16 bits (the kernel takes any u32 > 0); priority: the kernel's 6 bits. */
const struct bropt bropt_port[BROPT_PORT_N] = {
    [BROPT_PORT_COST] = {"cost", BROPT_INTEGER, 1, 65535, TW_BRIDGE_PORT_COST, "setpathcost",
			 "bad path cost value", "set path cost failed"},
    [BROPT_PORT_PRIORITY] = {"priority", BROPT_INTEGER, 0, 63, TW_BRIDGE_PORT_PRIORITY,
			     "setportprio", "bad path priority value", "set port priority failed"},
    [BROPT_PORT_HAIRPIN] = {"hairpin", BROPT_ON_OFF, 0, 1, TW_BRIDGE_PORT_HAIRPIN, "hairpin", NULL,
			    NULL},
};

const struct bropt *bropt_find(const struct bropt *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

/* Decimal digits only ("010" is ten), at most @max. */
static bool parse_dec(const char *w, size_t len, unsigned long long max, unsigned long long *ret)
{
	unsigned long long v = 0;

	if (!len || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)w[i]))
			return false;
		v = v * 10 + (unsigned)(w[i] - '0');
		if (v > max)
			return false;
	}
	*ret = v;
	return true;
}

/* Seconds with at most two decimals ("2", "1.5", "0.25") into centiseconds. */
static bool parse_seconds(const char *w, unsigned max_cs, unsigned *ret)
{
	const char *dot = strchr(w, '.');
	size_t ilen = dot ? (size_t)(dot - w) : strlen(w);
	unsigned long long s, frac = 0;

	if (!parse_dec(w, ilen, max_cs / 100, &s))
		return false;
	if (dot) {
		size_t flen = strlen(dot + 1);

		if (flen < 1 || flen > 2 || !parse_dec(dot + 1, flen, 99, &frac))
			return false;
		if (flen == 1)
			frac *= 10;
	}
	if (s * 100 + frac > max_cs)
		return false;
	*ret = (unsigned)(s * 100 + frac);
	return true;
}

static void format_cs(unsigned cs, char *buf, size_t len)
{
	snprintf(buf, len, cs % 100 ? "%u.%02u" : "%u", cs / 100, cs % 100);
}

int bropt_parse(const struct bropt *o, const char *word, unsigned *ret, char *why, size_t why_len)
{
	unsigned long long v;
	unsigned cs;
	char lo[24], hi[24];

	switch (o->unit) {
	case BROPT_ON_OFF:
		if (!strcmp(word, "on") || !strcmp(word, "off")) {
			*ret = !strcmp(word, "on");
			return 0;
		}
		snprintf(why, why_len, "\"%s\" must be \"on\" or \"off\"", o->name);
		return -EINVAL;
	case BROPT_SECONDS:
		if (parse_seconds(word, o->max, &cs) && cs >= o->min) {
			*ret = cs;
			return 0;
		}
		format_cs(o->min, lo, sizeof(lo));
		format_cs(o->max, hi, sizeof(hi));
		snprintf(why, why_len,
			 "\"%s\" must be seconds from %s to %s (at most two decimals)", o->name, lo,
			 hi);
		return -EINVAL;
	case BROPT_INTEGER:
		if (parse_dec(word, strlen(word), o->max, &v) && v >= o->min) {
			*ret = (unsigned)v;
			return 0;
		}
		snprintf(why, why_len, "\"%s\" must be an integer from %u to %u", o->name, o->min,
			 o->max);
		return -EINVAL;
	}
	return -EINVAL;
}

void bropt_format(const struct bropt *o, unsigned v, char *buf, size_t len)
{
	if (o->unit == BROPT_ON_OFF)
		snprintf(buf, len, "%s", v ? "on" : "off");
	else if (o->unit == BROPT_SECONDS)
		format_cs(v, buf, len);
	else
		snprintf(buf, len, "%u", v);
}

bool bropt_same(const struct bropt *o, unsigned have, unsigned want)
{
	if (o->unit != BROPT_SECONDS)
		return have == want;
	return have + 1 >= want && have <= want + 1;
}

unsigned bropt_bridge_get(const struct bropt *o, const struct tw_bridge_info *b)
{
	switch (o - bropt_bridge) {
	case BROPT_BR_STP:
		return b->stp_state != 0;
	case BROPT_BR_FORWARD_DELAY:
		return b->forward_delay;
	case BROPT_BR_HELLO_TIME:
		return b->hello_time;
	case BROPT_BR_MAX_AGE:
		return b->max_age;
	case BROPT_BR_AGEING_TIME:
		return b->ageing_time;
	default:
		return b->priority;
	}
}

void bropt_bridge_put(const struct bropt *o, unsigned v, struct tw_bridge_opts *opts)
{
	opts->mask |= o->mask;
	switch (o - bropt_bridge) {
	case BROPT_BR_STP:
		opts->stp_state = v != 0;
		break;
	case BROPT_BR_FORWARD_DELAY:
		opts->forward_delay = v;
		break;
	case BROPT_BR_HELLO_TIME:
		opts->hello_time = v;
		break;
	case BROPT_BR_MAX_AGE:
		opts->max_age = v;
		break;
	case BROPT_BR_AGEING_TIME:
		opts->ageing_time = v;
		break;
	default:
		opts->priority = (uint16_t)v;
	}
}

unsigned bropt_port_get(const struct bropt *o, const struct tw_bridge_port_info *p)
{
	switch (o - bropt_port) {
	case BROPT_PORT_COST:
		return p->cost;
	case BROPT_PORT_PRIORITY:
		return p->priority;
	default:
		return p->hairpin;
	}
}

void bropt_port_put(const struct bropt *o, unsigned v, struct tw_bridge_port_opts *opts)
{
	opts->mask |= o->mask;
	switch (o - bropt_port) {
	case BROPT_PORT_COST:
		opts->cost = v;
		break;
	case BROPT_PORT_PRIORITY:
		opts->priority = (uint16_t)v;
		break;
	default:
		opts->hairpin = v != 0;
	}
}
