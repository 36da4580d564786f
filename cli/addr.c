// SPDX-License-Identifier: MIT
/* `tapwire addr add|del|show`: IPv4 and IPv6 addresses, like `ip addr`. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "netcfg.h"

/* ADDR/PLEN of an interface address: the length is required, host bits are the point. */
static int parse_local(struct cli *c, const char *word, struct tw_prefix *ret)
{
	char why[160];

	if (tw_prefix_parse(word, 0, ret) < 0) {
		if (arg_prefix_why(word, why, sizeof(why)))
			return arg_wrong(c, word, why);
		return arg_wrong(c, word,
				 "not an IPv4 or IPv6 address with a prefix length "
				 "(ADDR/PLEN, e.g. 198.51.100.1/24 or fd00::1/64)");
	}
	if (!strchr(word, '/'))
		return arg_wrong(c, word, "the prefix length is missing (ADDR/PLEN)");
	return CLI_OK;
}

/*
 * `brd +` (ip's "host bits set"), in countless scripts, is what tapwire
 * always gives an IPv4 address; so is the same broadcast spelt out. Any
 * other is refused rather than silently replaced.
 */
static int check_brd(struct cli *c, const char *word, const struct tw_prefix *p)
{
	struct tw_prefix want = *p, got;
	char buf[TW_PREFIX_STRLEN], why[TW_PREFIX_STRLEN + 96];

	if (p->family != AF_INET)
		return arg_wrong(c, word, "a broadcast address is for IPv4 addresses only");
	if (!strcmp(word, "+"))
		return CLI_OK;
	if (p->prefixlen >= 31)
		return arg_wrong(c, word,
				 "a /31 or /32 has no broadcast address (\"brd +\" is allowed)");
	for (unsigned b = p->prefixlen; b < 32; b++)
		want.addr.bytes[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	want.prefixlen = 32;
	if (tw_prefix_parse(word, TW_PREFIX_NO_LEN, &got) == 0 && tw_prefix_equal(&got, &want))
		return CLI_OK;
	tw_prefix_format(&want, TW_PREFIX_NO_LEN, buf, sizeof(buf));
	snprintf(why, sizeof(why), "only the prefix's own broadcast is supported (\"brd +\": %s)",
		 buf);
	return arg_wrong(c, word, why);
}

int addr_parse_change(struct cli *c, int argc, char **argv, bool add, struct addr_args *ret)
{
	const char *path = add ? "tapwire addr add" : "tapwire addr del";
	struct addr_args a = {0};
	bool have_prefix = false;
	const char *brd = NULL;
	int err;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "dev")) {
			if ((err = arg_next(c, argc, argv, &i)) != CLI_OK)
				return err;
			if (a.dev)
				return arg_wrong(c, argv[i], "\"dev\" given twice");
			if ((err = arg_ifname(c, argv[i])) != CLI_OK)
				return err;
			a.dev = argv[i];
		} else if (add && (!strcmp(w, "brd") || !strcmp(w, "broadcast"))) {
			if ((err = arg_next(c, argc, argv, &i)) != CLI_OK)
				return err;
			if (brd)
				return arg_wrong(c, argv[i], "\"brd\" given twice");
			brd = argv[i];
		} else if (add && !strcmp(w, "nodad")) {
			a.flags |= TW_ADDR_NODAD;
		} else if (add && !strcmp(w, "noprefixroute")) {
			a.flags |= TW_ADDR_NOPREFIXROUTE;
		} else if (!have_prefix) {
			if ((err = parse_local(c, w, &a.prefix)) != CLI_OK)
				return err;
			have_prefix = true;
		} else {
			return arg_unknown(c, w, path);
		}
	}
	if (!have_prefix) {
		cli_err(c, "the address (ADDR/PLEN) is missing (try \"tapwire addr help\")");
		return CLI_USAGE;
	}
	if (!a.dev) {
		cli_err(c, "\"dev NAME\" is missing (try \"tapwire addr help\")");
		return CLI_USAGE;
	}
	if (brd && (err = check_brd(c, brd, &a.prefix)) != CLI_OK)
		return err;
	*ret = a;
	return CLI_OK;
}

static int change(struct cli *c, int argc, char **argv, bool add)
{
	char buf[TW_PREFIX_STRLEN];
	struct addr_args a;
	int err;

	if ((err = addr_parse_change(c, argc, argv, add, &a)) != CLI_OK)
		return err;
	if (!cli_nl(c))
		return CLI_FAIL;
	err = add ? tw_addr_add(c->nl, a.dev, &a.prefix, a.flags)
		  : tw_addr_del(c->nl, a.dev, &a.prefix);
	if (err == -ENODEV) {
		cli_err(c, "cannot find device \"%s\"", a.dev);
		return CLI_FAIL;
	}
	tw_prefix_format(&a.prefix, 0, buf, sizeof(buf));
	if (err == -EADDRNOTAVAIL && !add) {
		cli_err(c, "address %s is not on \"%s\"", buf, a.dev);
		return CLI_FAIL;
	}
	if (err < 0)
		return cli_fail(c, err, add ? "cannot add address" : "cannot delete address", buf);
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

static const struct {
	unsigned bit;
	const char *name;
} ifa_flags[] = {
    {IFA_F_SECONDARY, "secondary"},	  {IFA_F_NODAD, "nodad"},
    {IFA_F_OPTIMISTIC, "optimistic"},	  {IFA_F_DADFAILED, "dadfailed"},
    {IFA_F_HOMEADDRESS, "home"},	  {IFA_F_DEPRECATED, "deprecated"},
    {IFA_F_TENTATIVE, "tentative"},	  {IFA_F_PERMANENT, "permanent"},
    {IFA_F_MANAGETEMPADDR, "mngtmpaddr"}, {IFA_F_NOPREFIXROUTE, "noprefixroute"},
    {IFA_F_MCAUTOJOIN, "autojoin"},	  {IFA_F_STABLE_PRIVACY, "stable-privacy"},
};

static void print_addr_flags(struct out *o, unsigned flags)
{
	out_open_array(o, "flags");
	for (size_t i = 0; i < sizeof(ifa_flags) / sizeof(ifa_flags[0]); i++)
		if (flags & ifa_flags[i].bit) /* ip's text leaves "permanent" out */
			out_str(o, NULL, ifa_flags[i].bit == IFA_F_PERMANENT ? NULL : " %s",
				ifa_flags[i].name);
	out_close_array(o);
	if (!(flags & IFA_F_PERMANENT))
		out_text(o, " dynamic");
}

static void print_lifetime(struct out *o, const char *key, const char *text, uint32_t v)
{
	out_uint(o, key, NULL, v);
	if (v == UINT32_MAX)
		out_text(o, " %s forever", text);
	else
		out_text(o, " %s %usec", text, v);
}

static void print_addr(struct out *o, const struct tw_addr_info *ai)
{
	char buf[TW_PREFIX_STRLEN], sbuf[8];

	out_open_object(o, NULL);
	out_str(o, "family", "\n    %s", ai->family == AF_INET ? "inet" : "inet6");
	tw_prefix_format(&ai->prefix, TW_PREFIX_NO_LEN, buf, sizeof(buf));
	out_str(o, "local", " %s", buf);
	if (ai->has_peer) {
		tw_prefix_format(&ai->peer, TW_PREFIX_NO_LEN, buf, sizeof(buf));
		out_str(o, "address", " peer %s", buf);
	}
	out_uint(o, "prefixlen", "/%llu", ai->prefix.prefixlen);
	if (ai->has_broadcast && inet_ntop(AF_INET, &ai->broadcast, buf, sizeof(buf)))
		out_str(o, "broadcast", " brd %s", buf);
	out_str(o, "scope", " scope %s", route_scope_name(ai->scope, sbuf, sizeof(sbuf)));
	print_addr_flags(o, ai->flags);
	if (ai->label[0])
		out_str(o, "label", " %s", ai->label);
	out_text(o, "\n      ");
	print_lifetime(o, "valid_life_time", "valid_lft", ai->valid_lft);
	print_lifetime(o, "preferred_life_time", "preferred_lft", ai->preferred_lft);
	out_close_object(o);
}

static void print_link_addrs(struct cli *c, const struct tw_link_info *li,
			     const struct tw_link_info *all, size_t n,
			     const struct tw_addr_info *addrs, size_t n_addrs)
{
	struct out *o = &c->out;

	out_open_object(o, NULL);
	link_print_head(o, li, all, n, false);
	out_open_array(o, "addr_info");
	for (int fam = 0; fam < 2; fam++) /* IPv4 first, as ip does */
		for (size_t i = 0; i < n_addrs; i++)
			if (addrs[i].ifindex == li->ifindex &&
			    addrs[i].family == (fam ? AF_INET6 : AF_INET))
				print_addr(o, &addrs[i]);
	out_close_array(o);
	out_nl(o);
	out_close_object(o);
}

static int do_show(struct cli *c, int argc, char **argv)
{
	struct tw_link_info *all = NULL;
	struct tw_addr_info *addrs = NULL;
	size_t n = 0, n_addrs = 0;
	const char *dev;
	bool found;
	int err;

	if ((err = link_parse_show(c, argc, argv, false, "tapwire addr show", &dev)) != CLI_OK)
		return err;
	if (!cli_nl(c))
		return CLI_FAIL;
	err = tw_link_list(c->nl, NULL, &all, &n);
	if (err == 0)
		err = tw_addr_list(c->nl, NULL, AF_UNSPEC, &addrs, &n_addrs);
	if (err < 0) {
		free(all);
		return cli_fail(c, err, "cannot list addresses in",
				c->netns ? c->netns : "this namespace");
	}
	found = !dev;
	for (size_t i = 0; i < n; i++)
		found |= dev && !strcmp(all[i].name, dev);
	if (found) {
		out_open_array(&c->out, NULL);
		for (size_t i = 0; i < n; i++)
			if (!dev || !strcmp(all[i].name, dev))
				print_link_addrs(c, &all[i], all, n, addrs, n_addrs);
		out_close_array(&c->out);
	}
	free(all);
	free(addrs);
	if (!found) {
		cli_err(c, "cannot find device \"%s\"", dev);
		return CLI_FAIL;
	}
	return CLI_OK;
}

const struct cli_cmd cli_addr_cmds[] = {
    {"add", do_add, NULL, "ADDR/PLEN dev NAME [brd +] [nodad] [noprefixroute]",
     "add an IPv4 or IPv6 address (IPv4 gets the broadcast address of its prefix)"},
    {"del", do_del, NULL, "ADDR/PLEN dev NAME", "remove an address"},
    {"show", do_show, NULL, "[[dev] NAME]",
     "list addresses per link like `ip addr show` (-j: JSON)"},
    {0},
};
