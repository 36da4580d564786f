// SPDX-License-Identifier: MIT
/* `tapwire link set|show`: any network interface, like `ip link`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if_arp.h>

#include "netcfg.h"

/* <linux/if.h> has these but clashes with <net/if.h>, which lacks them. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP (1u << 16)
#define IFF_DORMANT  (1u << 17)
#define IFF_ECHO     (1u << 18)
#endif

/* Marks @bit as given, refusing a second time (also "up" after "down"). */
static int set_once(struct cli *c, struct tw_link_set *req, unsigned bit, const char *word)
{
	if (req->mask & bit)
		return arg_wrong(c, word, "given twice");
	req->mask |= bit;
	return CLI_OK;
}

/* A setting that takes a value; argv[*i] is its keyword. */
static int parse_setting_value(struct cli *c, int argc, char **argv, int *i,
			       struct tw_link_set *req)
{
	const char *key = argv[*i];
	unsigned long long v;
	int err;

	if ((err = arg_next(c, argc, argv, i)) != CLI_OK)
		return err;
	if (!strcmp(key, "mtu")) {
		if ((err = set_once(c, req, TW_LINK_SET_MTU, key)) == CLI_OK &&
		    (err = arg_uint(c, key, argv[*i], 1, 0x7fffffff, &v)) == CLI_OK)
			req->mtu = (unsigned)v;
	} else if (!strcmp(key, "txqueuelen") || !strcmp(key, "txqlen")) {
		if ((err = set_once(c, req, TW_LINK_SET_TXQLEN, key)) == CLI_OK &&
		    (err = arg_uint(c, key, argv[*i], 0, 0xffffffffu, &v)) == CLI_OK)
			req->txqlen = (unsigned)v;
	} else if (!strcmp(key, "address")) {
		if ((err = set_once(c, req, TW_LINK_SET_ADDRESS, key)) == CLI_OK)
			err = arg_mac(c, argv[*i], req->address, &req->address_len);
	} else if (!strcmp(key, "name")) {
		if ((err = set_once(c, req, TW_LINK_SET_NAME, key)) == CLI_OK &&
		    (err = arg_ifname(c, argv[*i])) == CLI_OK)
			snprintf(req->name, sizeof(req->name), "%s", argv[*i]);
	} else { /* master */
		if ((err = set_once(c, req, TW_LINK_SET_MASTER, key)) == CLI_OK &&
		    (err = arg_ifname(c, argv[*i])) == CLI_OK)
			snprintf(req->master, sizeof(req->master), "%s", argv[*i]);
	}
	return err;
}

static bool is_value_setting(const char *w)
{
	static const char *const keys[] = {"mtu",     "txqueuelen", "txqlen",
					   "address", "name",	    "master"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(w, keys[i]))
			return true;
	return false;
}

static int parse_setting(struct cli *c, int argc, char **argv, int *i, struct tw_link_set *req)
{
	const char *w = argv[*i];

	if (is_value_setting(w))
		return parse_setting_value(c, argc, argv, i, req);
	if (!strcmp(w, "up") || !strcmp(w, "down")) {
		req->up = !strcmp(w, "up");
		return set_once(c, req, TW_LINK_SET_UP, w);
	}
	if (!strcmp(w, "nomaster")) {
		req->master[0] = '\0';
		return set_once(c, req, TW_LINK_SET_MASTER, w);
	}
	return arg_unknown(c, w, "tapwire link set");
}

int link_parse_set(struct cli *c, int argc, char **argv, struct link_set_args *ret)
{
	struct link_set_args a = {0};
	int i = 0, err;

	if (argc > 0 && !strcmp(argv[0], "dev") && (err = arg_next(c, argc, argv, &i)) != CLI_OK)
		return err;
	if (i >= argc) {
		cli_err(c, "device name is missing (try \"tapwire link help\")");
		return CLI_USAGE;
	}
	if ((err = arg_ifname(c, argv[i])) != CLI_OK)
		return err;
	a.dev = argv[i];
	for (i++; i < argc; i++)
		if ((err = parse_setting(c, argc, argv, &i, &a.req)) != CLI_OK)
			return err;
	if (!a.req.mask) {
		cli_err(c, "nothing to set on \"%s\" (try \"tapwire link help\")", a.dev);
		return CLI_USAGE;
	}
	*ret = a;
	return CLI_OK;
}

/* Names the link for messages: a missing device says so plainly. */
static int link_fail(struct cli *c, int err, const char *what, const char *dev)
{
	if (err == -ENODEV) {
		cli_err(c, "cannot find device \"%s\"", dev);
		return CLI_FAIL;
	}
	return cli_fail(c, err, what, dev);
}

/*
 * EINVAL on a change of address: if its length is wrong for the device, says
 * so plainly, as ip does.
 */
static int address_fail(struct cli *c, const struct link_set_args *a, int err)
{
	struct tw_link_info *l = NULL;
	size_t n = 0, want = 0;

	if (tw_link_list(c->nl, a->dev, &l, &n) == 0 && n == 1)
		want = l[0].addr_len;
	free(l);
	if (want && want != a->req.address_len) {
		cli_err(c, "invalid address length %zu for \"%s\": it takes %zu bytes",
			a->req.address_len, a->dev, want);
		return CLI_FAIL;
	}
	return link_fail(c, err, "cannot change device", a->dev);
}

static int do_set(struct cli *c, int argc, char **argv)
{
	struct link_set_args a;
	int err;

	if ((err = link_parse_set(c, argc, argv, &a)) != CLI_OK)
		return err;
	if (!cli_nl(c))
		return CLI_FAIL;
	if ((a.req.mask & TW_LINK_SET_MASTER) && a.req.master[0]) {
		err = tw_link_index(c->nl, a.req.master);
		if (err < 0)
			return link_fail(c, err, "cannot find master", a.req.master);
	}
	err = tw_link_set(c->nl, a.dev, &a.req);
	if (err == -EINVAL && (a.req.mask & TW_LINK_SET_ADDRESS))
		return address_fail(c, &a, err);
	if (err < 0)
		return link_fail(c, err, "cannot change device", a.dev);
	return CLI_OK;
}

int link_parse_show(struct cli *c, int argc, char **argv, bool dev_keyword, const char *path,
		    const char **ret_dev)
{
	const char *dev = NULL;
	int err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if ((err = arg_next(c, argc, argv, &i)) != CLI_OK)
				return err;
		} else if (dev_keyword) {
			return arg_unknown(c, argv[i], path);
		}
		if (dev)
			return arg_wrong(c, argv[i], "given twice");
		if ((err = arg_ifname(c, argv[i])) != CLI_OK)
			return err;
		dev = argv[i];
	}
	*ret_dev = dev;
	return CLI_OK;
}

const struct tw_link_info *link_by_index(const struct tw_link_info *all, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (all[i].ifindex == ifindex)
			return &all[i];
	return NULL;
}

/* In ip's order. */
static const struct {
	unsigned bit;
	const char *name;
} if_flags[] = {
    {IFF_LOOPBACK, "LOOPBACK"},	  {IFF_BROADCAST, "BROADCAST"},	  {IFF_POINTOPOINT, "POINTOPOINT"},
    {IFF_MULTICAST, "MULTICAST"}, {IFF_NOARP, "NOARP"},		  {IFF_ALLMULTI, "ALLMULTI"},
    {IFF_PROMISC, "PROMISC"},	  {IFF_MASTER, "MASTER"},	  {IFF_SLAVE, "SLAVE"},
    {IFF_DEBUG, "DEBUG"},	  {IFF_DYNAMIC, "DYNAMIC"},	  {IFF_AUTOMEDIA, "AUTOMEDIA"},
    {IFF_PORTSEL, "PORTSEL"},	  {IFF_NOTRAILERS, "NOTRAILERS"}, {IFF_UP, "UP"},
    {IFF_LOWER_UP, "LOWER_UP"},	  {IFF_DORMANT, "DORMANT"},	  {IFF_ECHO, "ECHO"},
};

static void print_flags(struct out *o, const struct tw_link_info *li, bool mdown)
{
	bool first = true;

	out_text(o, "<");
	out_open_array(o, "flags");
	if ((li->flags & IFF_UP) && !(li->flags & IFF_RUNNING)) {
		out_str(o, NULL, "%s", "NO-CARRIER");
		first = false;
	}
	for (size_t i = 0; i < sizeof(if_flags) / sizeof(if_flags[0]); i++) {
		if (!(li->flags & if_flags[i].bit))
			continue;
		out_str(o, NULL, first ? "%s" : ",%s", if_flags[i].name);
		first = false;
	}
	if (mdown)
		out_str(o, NULL, first ? "%s" : ",%s", "M-DOWN");
	out_close_array(o);
	out_text(o, ">");
}

static const char *operstate_name(uint8_t s)
{
	static const char *const names[] = {"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					    "TESTING", "DORMANT",    "UP"};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

static const char *link_type_name(unsigned short type, char *buf, size_t len)
{
	switch (type) {
	case ARPHRD_ETHER:
		return "ether";
	case ARPHRD_LOOPBACK:
		return "loopback";
	case ARPHRD_NONE:
		return "none";
	case ARPHRD_VOID:
		return "void";
	case ARPHRD_IPGRE:
		return "gre";
	case ARPHRD_TUNNEL:
		return "ipip";
	case ARPHRD_SIT:
		return "sit";
	case ARPHRD_TUNNEL6:
		return "tunnel6";
	default:
		snprintf(buf, len, "[%u]", type);
		return buf;
	}
}

static void format_hw(const uint8_t *a, size_t len, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < len && off + 4 <= size; i++)
		off += (size_t)snprintf(buf + off, size - off, i ? ":%02x" : "%02x", a[i]);
}

/* "v0@v1", or "v0@if5" when the peer lives in another namespace, as ip prints it. */
static void print_name(struct out *o, const struct tw_link_info *li, const struct tw_link_info *all,
		       size_t n)
{
	const struct tw_link_info *peer = NULL;

	out_str(o, "ifname", "%s", li->name);
	if (!li->link) /* the kernel sends IFLA_LINK only when it differs from the index */
		return;
	peer = li->link_netns ? NULL : link_by_index(all, n, li->link);
	if (peer)
		out_str(o, "link", "@%s", peer->name);
	else
		out_int(o, "link_index", "@if%lld", li->link);
}

void link_print_head(struct out *o, const struct tw_link_info *li, const struct tw_link_info *all,
		     size_t n, bool full)
{
	const struct tw_link_info *m = li->master ? link_by_index(all, n, li->master) : NULL;
	const struct tw_link_info *peer =
	    li->link && !li->link_netns ? link_by_index(all, n, li->link) : NULL;

	out_int(o, "ifindex", "%lld: ", li->ifindex);
	print_name(o, li, all, n);
	out_text(o, ": ");
	print_flags(o, li, peer && !(peer->flags & IFF_UP));
	out_uint(o, "mtu", " mtu %llu", li->mtu);
	if (li->qdisc[0])
		out_str(o, "qdisc", " qdisc %s", li->qdisc);
	if (m)
		out_str(o, "master", " master %s", m->name);
	out_str(o, "operstate", " state %s", operstate_name(li->operstate));
	if (full)
		out_uint(o, "txqlen", " qlen %llu", li->txqlen);
}

static void print_stats(struct out *o, const struct tw_link_stats *s)
{
	out_open_object(o, "stats64");
	out_open_object(o, "rx");
	out_uint(o, "bytes", "\n    RX: bytes %llu", s->rx_bytes);
	out_uint(o, "packets", " packets %llu", s->rx_packets);
	out_uint(o, "errors", " errors %llu", s->rx_errors);
	out_uint(o, "dropped", " dropped %llu", s->rx_dropped);
	out_uint(o, "multicast", " multicast %llu", s->multicast);
	out_close_object(o);
	out_open_object(o, "tx");
	out_uint(o, "bytes", "\n    TX: bytes %llu", s->tx_bytes);
	out_uint(o, "packets", " packets %llu", s->tx_packets);
	out_uint(o, "errors", " errors %llu", s->tx_errors);
	out_uint(o, "dropped", " dropped %llu", s->tx_dropped);
	out_uint(o, "collisions", " collisions %llu", s->collisions);
	out_close_object(o);
	out_close_object(o);
}

static void print_link(struct cli *c, const struct tw_link_info *li, const struct tw_link_info *all,
		       size_t n)
{
	struct out *o = &c->out;
	char buf[3 * sizeof(li->addr) + 1], tbuf[16];

	out_open_object(o, NULL);
	link_print_head(o, li, all, n, true);
	out_str(o, "link_type", "\n    link/%s", link_type_name(li->type, tbuf, sizeof(tbuf)));
	if (li->addr_len) {
		format_hw(li->addr, li->addr_len, buf, sizeof(buf));
		out_str(o, "address", " %s", buf);
	}
	if (li->broadcast_len && !(li->flags & IFF_POINTOPOINT)) {
		format_hw(li->broadcast, li->broadcast_len, buf, sizeof(buf));
		out_str(o, "broadcast", " brd %s", buf);
	}
	out_str(o, "kind", c->details && li->kind[0] ? "\n    %s" : NULL, li->kind);
	if (c->details && li->has_stats)
		print_stats(o, &li->stats);
	out_nl(o);
	out_close_object(o);
}

static int do_show(struct cli *c, int argc, char **argv)
{
	struct tw_link_info *all = NULL, *sel = NULL;
	size_t n = 0, n_sel = 0;
	const char *dev;
	int err;

	if ((err = link_parse_show(c, argc, argv, false, "tapwire link show", &dev)) != CLI_OK)
		return err;
	if (!cli_nl(c))
		return CLI_FAIL;
	/* all links, even for one: the names of master and peer come from the list */
	err = tw_link_list(c->nl, NULL, &all, &n);
	if (err < 0)
		return cli_fail(c, err, "cannot list links in",
				c->netns ? c->netns : "this namespace");
	if (dev) {
		for (size_t i = 0; i < n && !sel; i++)
			if (!strcmp(all[i].name, dev))
				sel = &all[i], n_sel = 1;
		if (!sel) {
			free(all);
			return link_fail(c, -ENODEV, "", dev);
		}
	} else {
		sel = all, n_sel = n;
	}
	out_open_array(&c->out, NULL);
	for (size_t i = 0; i < n_sel; i++)
		print_link(c, &sel[i], all, n);
	out_close_array(&c->out);
	free(all);
	return CLI_OK;
}

const struct cli_cmd cli_link_cmds[] = {
    {"set", do_set, NULL,
     "[dev] NAME { up | down | mtu N | address LLADDR | txqueuelen N | name NEWNAME |\n"
     "        master BRIDGE | nomaster } ...",
     "change a link; several settings in one request"},
    {"show", do_show, NULL, "[[dev] NAME]",
     "list links like `ip link show` (-d: kind and statistics; -j: JSON)"},
    {0},
};
