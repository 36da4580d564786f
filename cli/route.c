// SPDX-License-Identifier: MIT
/* `tapwire route add|del|show`: IPv4 and IPv6 routes of the main table, like `ip route`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "netcfg.h"

/* PREFIX: "default", ADDR/PLEN with the host bits clear, or ADDR (a host route). */
static int parse_dst(struct cli *c, const char *word, struct tw_prefix *ret)
{
	struct tw_prefix p, masked;
	char buf[TW_PREFIX_STRLEN], why[TW_PREFIX_STRLEN + 64];

	if (tw_prefix_parse(word, TW_PREFIX_DEFAULT, &p) < 0) {
		if (arg_prefix_why(word, why, sizeof(why)))
			return arg_wrong(c, word, why);
		return arg_wrong(c, word, "not a destination prefix (default, ADDR/PLEN or ADDR)");
	}
	masked = p;
	tw_prefix_mask(&masked);
	if (!tw_prefix_equal(&p, &masked)) {
		tw_prefix_format(&masked, 0, buf, sizeof(buf));
		snprintf(why, sizeof(why), "host bits are set (the prefix is %s)", buf);
		return arg_wrong(c, word, why);
	}
	*ret = p;
	return CLI_OK;
}

static int parse_keyword(struct cli *c, int argc, char **argv, int *i, struct tw_route *r)
{
	const char *key = argv[*i];
	unsigned long long v;
	int err;

	if ((err = arg_next(c, argc, argv, i)) != CLI_OK)
		return err;
	if (!strcmp(key, "dev")) {
		if (r->dev[0])
			return arg_wrong(c, argv[*i], "\"dev\" given twice");
		if ((err = arg_ifname(c, argv[*i])) == CLI_OK)
			snprintf(r->dev, sizeof(r->dev), "%s", argv[*i]);
		return err;
	}
	if (!strcmp(key, "via")) {
		if (r->has_gateway)
			return arg_wrong(c, argv[*i], "\"via\" given twice");
		if (tw_prefix_parse(argv[*i], TW_PREFIX_NO_LEN, &r->gateway) < 0)
			return arg_wrong(c, argv[*i], "not an IPv4 or IPv6 gateway address");
		r->has_gateway = true;
		return CLI_OK;
	}
	if (r->metric)
		return arg_wrong(c, argv[*i], "\"metric\" given twice");
	if ((err = arg_uint(c, key, argv[*i], 1, 0xffffffffu, &v)) == CLI_OK)
		r->metric = (uint32_t)v;
	return err;
}

static bool is_keyword(const char *w)
{
	return !strcmp(w, "dev") || !strcmp(w, "via") || !strcmp(w, "metric");
}

int route_parse_change(struct cli *c, int argc, char **argv, bool add, struct tw_route *ret)
{
	const char *path = add ? "tapwire route add" : "tapwire route del";
	struct tw_route r = {0};
	const char *dst_word = NULL;
	int err;

	for (int i = 0; i < argc; i++) {
		if (is_keyword(argv[i]))
			err = parse_keyword(c, argc, argv, &i, &r);
		else if (!dst_word && (err = parse_dst(c, argv[i], &r.dst)) == CLI_OK)
			dst_word = argv[i];
		else if (dst_word)
			err = arg_unknown(c, argv[i], path);
		if (err != CLI_OK)
			return err;
	}
	if (!dst_word) {
		cli_err(
		    c,
		    "the destination (PREFIX or default) is missing (try \"tapwire route help\")");
		return CLI_USAGE;
	}
	if (r.has_gateway && r.dst.family != AF_UNSPEC && r.dst.family != r.gateway.family) {
		cli_err(c, "gateway and destination \"%s\" are not of the same family", dst_word);
		return CLI_USAGE;
	}
	if (add && !r.dev[0] && !r.has_gateway) {
		cli_err(c, "\"dev NAME\" or \"via GATEWAY\" is missing for \"%s\"", dst_word);
		return CLI_USAGE;
	}
	*ret = r;
	return CLI_OK;
}

static int change(struct cli *c, int argc, char **argv, bool add)
{
	char buf[TW_PREFIX_STRLEN];
	struct tw_route r;
	int err;

	if ((err = route_parse_change(c, argc, argv, add, &r)) != CLI_OK)
		return err;
	if (!cli_nl(c))
		return CLI_FAIL;
	err = add ? tw_route_add(c->nl, &r, 0) : tw_route_del(c->nl, &r);
	if (err == -ENODEV && r.dev[0]) {
		cli_err(c, "cannot find device \"%s\"", r.dev);
		return CLI_FAIL;
	}
	tw_prefix_format(&r.dst, TW_PREFIX_DEFAULT, buf, sizeof(buf));
	if (err == -ESRCH && !add) {
		cli_err(c, "no such route: %s", buf);
		return CLI_FAIL;
	}
	if (err < 0)
		return cli_fail(c, err, add ? "cannot add route" : "cannot delete route", buf);
	return CLI_OK;
}

static int do_add(struct cli *c, int argc, char **argv)
{
	return change(c, argc, argv, true);
}

static int do_del(struct cli *c, int argc, char **argv)
{
	return change(c, argc, argv, false);
}

static const char *name_of(const char *const *names, size_t n, unsigned v, char *buf, size_t len)
{
	if (v < n && names[v])
		return names[v];
	snprintf(buf, len, "%u", v);
	return buf;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	static const char *const names[] = {
	    [RTPROT_UNSPEC] = "unspec", [RTPROT_REDIRECT] = "redirect", [RTPROT_KERNEL] = "kernel",
	    [RTPROT_BOOT] = "boot",	[RTPROT_STATIC] = "static",	[RTPROT_RA] = "ra",
	    [RTPROT_DHCP] = "dhcp",
	};

	return name_of(names, sizeof(names) / sizeof(names[0]), p, buf, len);
}

static const char *type_name(uint8_t t, char *buf, size_t len)
{
	static const char *const names[] = {
	    [RTN_UNSPEC] = "none",
	    [RTN_UNICAST] = "unicast",
	    [RTN_LOCAL] = "local",
	    [RTN_BROADCAST] = "broadcast",
	    [RTN_ANYCAST] = "anycast",
	    [RTN_MULTICAST] = "multicast",
	    [RTN_BLACKHOLE] = "blackhole",
	    [RTN_UNREACHABLE] = "unreachable",
	    [RTN_PROHIBIT] = "prohibit",
	    [RTN_THROW] = "throw",
	    [RTN_NAT] = "nat",
	};

	return name_of(names, sizeof(names) / sizeof(names[0]), t, buf, len);
}

const char *route_scope_name(uint8_t s, char *buf, size_t len)
{
	switch (s) {
	case RT_SCOPE_UNIVERSE:
		return "global";
	case RT_SCOPE_SITE:
		return "site";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	case RT_SCOPE_NOWHERE:
		return "nowhere";
	default:
		snprintf(buf, len, "%u", s);
		return buf;
	}
}

static void print_route(struct out *o, const struct tw_route *r)
{
	char buf[TW_PREFIX_STRLEN], nbuf[8];

	out_open_object(o, NULL);
	out_str(o, "type", r->type == RTN_UNICAST ? NULL : "%s ", type_name(r->type, nbuf, 8));
	tw_prefix_format(&r->dst, TW_PREFIX_DEFAULT | TW_PREFIX_SHORT, buf, sizeof(buf));
	out_str(o, "dst", "%s", buf);
	out_str(o, "family", NULL, r->dst.family == AF_INET ? "inet" : "inet6");
	if (r->has_gateway) {
		tw_prefix_format(&r->gateway, TW_PREFIX_NO_LEN, buf, sizeof(buf));
		out_str(o, "gateway", " via %s", buf);
	}
	if (r->dev[0])
		out_str(o, "dev", " dev %s", r->dev);
	else
		out_null(o, "dev", NULL);
	/* like ip, the text leaves out the defaults: proto boot, scope global */
	out_str(o, "protocol", r->protocol == RTPROT_BOOT ? NULL : " proto %s",
		proto_name(r->protocol, nbuf, 8));
	out_str(o, "scope", r->scope == RT_SCOPE_UNIVERSE ? NULL : " scope %s",
		route_scope_name(r->scope, nbuf, 8));
	if (r->has_prefsrc) {
		tw_prefix_format(&r->prefsrc, TW_PREFIX_NO_LEN, buf, sizeof(buf));
		out_str(o, "prefsrc", " src %s", buf);
	}
	out_uint(o, "metric", r->metric ? " metric %llu" : NULL, r->metric);
	out_open_array(o, "flags");
	if (r->flags & RTNH_F_DEAD)
		out_str(o, NULL, " %s", "dead");
	if (r->flags & RTNH_F_ONLINK)
		out_str(o, NULL, " %s", "onlink");
	if (r->flags & RTNH_F_LINKDOWN)
		out_str(o, NULL, " %s", "linkdown");
	out_close_array(o);
	out_nl(o);
	out_close_object(o);
}

static int do_show(struct cli *c, int argc, char **argv)
{
	struct tw_route *v = NULL;
	const char *dev;
	size_t n = 0;
	int err;

	if ((err = link_parse_show(c, argc, argv, true, "tapwire route show", &dev)) != CLI_OK)
		return err;
	if (!cli_nl(c))
		return CLI_FAIL;
	if (dev && (err = tw_link_index(c->nl, dev)) < 0) {
		cli_err(c, "cannot find device \"%s\"", dev);
		return CLI_FAIL;
	}
	err = tw_route_list(c->nl, AF_UNSPEC, 0, &v, &n);
	if (err < 0)
		return cli_fail(c, err, "cannot list routes in",
				c->netns ? c->netns : "this namespace");
	out_open_array(&c->out, NULL);
	for (size_t i = 0; i < n; i++)
		if (!dev || !strcmp(v[i].dev, dev))
			print_route(&c->out, &v[i]);
	out_close_array(&c->out);
	free(v);
	return CLI_OK;
}

const struct cli_cmd cli_route_cmds[] = {
    {"add", do_add, NULL, "PREFIX { dev NAME | via GATEWAY } ... [metric N]",
     "add a route to the main table; PREFIX is ADDR/PLEN, ADDR or default"},
    {"del", do_del, NULL, "PREFIX [dev NAME] [via GATEWAY] [metric N]", "delete a route"},
    {"show", do_show, NULL, "[dev NAME]",
     "list the main table's IPv4 then IPv6 routes like `ip route show` (-j: JSON)"},
    {0},
};
