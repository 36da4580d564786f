// SPDX-License-Identifier: MIT
/* `tapwire bridge`: bridges, their ports and forwarding database. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "bropt.h"

/* Centiseconds as seconds in text, as the integer the kernel uses in JSON. */
static void out_cs(struct out *o, const char *key, uint64_t cs)
{
	if (o->json)
		out_uint(o, key, NULL, cs);
	else
		out_text(o, " %s %llu.%02llu", key, (unsigned long long)(cs / 100),
			 (unsigned long long)(cs % 100));
}

static void out_id(struct out *o, const char *key, const char *fmt, const struct tw_bridge_id *id)
{
	char buf[24];

	tw_bridge_id_format(id, buf, sizeof(buf));
	out_str(o, key, fmt, buf);
}

static void out_onoff(struct out *o, const char *key, bool v)
{
	if (o->json)
		out_bool(o, key, NULL, v);
	else
		out_text(o, " %s %s", key, v ? "on" : "off");
}

void bridge_out_bridge(struct out *o, const struct tw_bridge_info *br, bool stp_details)
{
	out_str(o, "ifname", "%s:", br->name);
	out_uint(o, "ifindex", NULL, (unsigned)br->ifindex);
	out_bool(o, "up", NULL, br->flags & IFF_UP);
	out_id(o, "bridge_id", " id %s", &br->bridge_id);
	out_onoff(o, "stp", br->stp_state != 0);
	out_uint(o, "stp_state", NULL, br->stp_state);
	out_uint(o, "priority", " priority %llu", br->priority);
	out_cs(o, "forward_delay", br->forward_delay);
	out_cs(o, "hello_time", br->hello_time);
	out_cs(o, "max_age", br->max_age);
	out_cs(o, "ageing_time", br->ageing_time);
	out_bool(o, "vlan_filtering", " vlan_filtering", br->vlan_filtering);
	if (!stp_details)
		return;
	out_text(o, "\n   ");
	out_id(o, "root_id", " root_id %s", &br->root_id);
	out_uint(o, "root_port", " root_port %llu", br->root_port);
	out_uint(o, "root_path_cost", " root_path_cost %llu", br->root_path_cost);
	out_bool(o, "topology_change", " topology_change", br->topology_change);
	out_bool(o, "topology_change_detected", " topology_change_detected",
		 br->topology_change_detected);
	out_text(o, "\n   ");
	out_cs(o, "hello_timer", br->hello_timer);
	out_cs(o, "tcn_timer", br->tcn_timer);
	out_cs(o, "topology_change_timer", br->topology_change_timer);
	out_cs(o, "gc_timer", br->gc_timer);
}

void bridge_out_port(struct out *o, const struct tw_bridge_port_info *p, bool stp_details)
{
	out_str(o, "ifname", "%s", p->name);
	out_uint(o, "ifindex", NULL, (unsigned)p->ifindex);
	out_uint(o, "port_no", " (%llu):", p->port_no);
	out_str(o, "state", " state %s", tw_bridge_port_state_name(p->state));
	out_uint(o, "priority", " priority %llu", p->priority);
	out_uint(o, "cost", " cost %llu", p->cost);
	out_onoff(o, "hairpin", p->hairpin);
	if (!stp_details)
		return;
	out_text(o, "\n       ");
	if (o->json)
		out_uint(o, "port_id", NULL, p->port_id);
	else
		out_text(o, " port_id %04x", p->port_id);
	out_id(o, "designated_root", " designated_root %s", &p->designated_root);
	out_id(o, "designated_bridge", " designated_bridge %s", &p->designated_bridge);
	if (o->json)
		out_uint(o, "designated_port", NULL, p->designated_port);
	else
		out_text(o, " designated_port %04x", p->designated_port);
	out_uint(o, "designated_cost", " designated_cost %llu", p->designated_cost);
	out_bool(o, "topology_change_ack", " topology_change_ack", p->topology_change_ack);
	out_bool(o, "config_pending", " config_pending", p->config_pending);
	out_text(o, "\n       ");
	out_cs(o, "message_age_timer", p->message_age_timer);
	out_cs(o, "forward_delay_timer", p->forward_delay_timer);
	out_cs(o, "hold_timer", p->hold_timer);
}

void bridge_out_fdb(struct out *o, const struct tw_bridge_fdb_entry *e, const char *ifname)
{
	char mac[18];
	const uint8_t *m = e->mac;

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	out_str(o, "mac", "%s", mac);
	out_str(o, "ifname", " dev %s", ifname);
	out_uint(o, "port_no", " port %llu", e->port_no);
	if (o->json || e->vlan)
		out_uint(o, "vlan", " vlan %llu", e->vlan);
	out_bool(o, "is_local", " local", e->is_local);
	out_bool(o, "is_static", " static", e->is_static && !e->is_local);
	if (o->json || !(e->is_local || e->is_static))
		out_cs(o, "ageing_timer", e->ageing_timer);
}

static int cmp_bridge(const void *a, const void *b)
{
	return strcmp(((const struct tw_bridge_info *)a)->name,
		      ((const struct tw_bridge_info *)b)->name);
}

static int cmp_port(const void *a, const void *b)
{
	return strcmp(((const struct tw_bridge_port_info *)a)->name,
		      ((const struct tw_bridge_port_info *)b)->name);
}

void bridge_sort_bridges(struct tw_bridge_info *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_bridge);
}

void bridge_sort_ports(struct tw_bridge_port_info *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_port);
}

/* Reports a library failure on @obj, naming the two bridge-specific errors in words. */
static int bridge_fail(struct cli *c, int err, const char *what, const char *obj)
{
	if (err == -EMEDIUMTYPE) {
		cli_err(c, "%s \"%s\": not a bridge", what, obj);
		return CLI_FAIL;
	}
	if (err == -ENODEV) {
		cli_err(c, "%s \"%s\": no such device", what, obj);
		return CLI_FAIL;
	}
	return cli_fail(c, err, what, obj);
}

/* Checks that argv[0] exists and is a valid interface name. */
static int need_name(struct cli *c, int argc, char **argv, const char *cmd)
{
	if (argc < 1) {
		cli_err(c, "\"%s\" needs a name (try \"tapwire bridge help\")", cmd);
		return CLI_USAGE;
	}
	return arg_ifname(c, argv[0]);
}

/*
 * Parses `NAME VALUE ...` pairs of @table's options from argv[@i] on, and
 * calls @put for each. The words, units and ranges are bropt.h's.
 */
static int parse_opts(struct cli *c, int argc, char **argv, int i, const struct bropt *table,
		      size_t n, const char *ctx,
		      void (*put)(const struct bropt *, unsigned, void *), void *opts)
{
	char why[128];
	unsigned v;
	int ret;

	for (; i < argc; i++) {
		const struct bropt *o = bropt_find(table, n, argv[i]);

		if (!o)
			return arg_unknown(c, argv[i], ctx);
		if ((ret = arg_next(c, argc, argv, &i)) != CLI_OK)
			return ret;
		if (bropt_parse(o, argv[i], &v, why, sizeof(why)) < 0) {
			cli_err(c, "argument \"%s\" is wrong: %s", argv[i], why);
			return CLI_USAGE;
		}
		put(o, v, opts);
	}
	return CLI_OK;
}

static void put_bridge(const struct bropt *o, unsigned v, void *opts)
{
	bropt_bridge_put(o, v, opts);
}

static void put_port(const struct bropt *o, unsigned v, void *opts)
{
	bropt_port_put(o, v, opts);
}

/* Parses `[stp on|off] [forward_delay SEC] ...` from argv[i] on into @opts. */
static int parse_bridge_opts(struct cli *c, int argc, char **argv, int i,
			     struct tw_bridge_opts *opts)
{
	return parse_opts(c, argc, argv, i, bropt_bridge, BROPT_BR_N, "tapwire bridge", put_bridge,
			  opts);
}

/* The kernel's forward_delay range while STP runs, in centiseconds. */
#define STP_FD_MIN 200u
#define STP_FD_MAX 3000u
/* A new bridge's forward_delay (the kernel's default, 15 s). */
#define NEW_BRIDGE_FD 1500u

/*
 * STP and forward_delay are a pair: the kernel checks forward_delay against
 * 2..30 s only while STP runs, applies forward_delay before stp_state when
 * one request has both, and silently clamps forward_delay into the range
 * when STP starts. So whatever the order of the words: if STP runs at the
 * end (asked for, or on already and not turned off), the forward_delay it
 * will run with (the one given, else the bridge's) must be in range, or
 * nothing is done. @stp_now and @fd_now are the bridge's present values.
 */
static int check_stp_pair(struct cli *c, const char *name, const struct tw_bridge_opts *o,
			  bool stp_now, unsigned fd_now)
{
	const struct bropt *fd = &bropt_bridge[BROPT_BR_FORWARD_DELAY];
	bool stp = o->mask & TW_BRIDGE_STP_STATE ? o->stp_state : stp_now;
	char text[32];

	if (!stp)
		return CLI_OK;
	if (o->mask & TW_BRIDGE_FORWARD_DELAY) {
		if (o->forward_delay >= STP_FD_MIN && o->forward_delay <= STP_FD_MAX)
			return CLI_OK;
		bropt_format(fd, o->forward_delay, text, sizeof(text));
		cli_err(c,
			"argument \"%s\" is wrong: \"forward_delay\" must be from 2 to 30 "
			"seconds when stp is on",
			text);
		return CLI_USAGE;
	}
	if (fd_now >= STP_FD_MIN && fd_now <= STP_FD_MAX)
		return CLI_OK;
	bropt_format(fd, fd_now, text, sizeof(text));
	cli_err(c,
		"bridge \"%s\" has forward_delay %s, and stp on needs 2 to 30 seconds: give "
		"forward_delay too",
		name, text);
	return CLI_USAGE;
}

static int do_add(struct cli *c, int argc, char **argv)
{
	struct tw_bridge_opts opts = {0};
	struct tw_nl *nl;
	int ret, err;

	if ((ret = need_name(c, argc, argv, "add")) != CLI_OK ||
	    (ret = parse_bridge_opts(c, argc, argv, 1, &opts)) != CLI_OK ||
	    (ret = check_stp_pair(c, argv[0], &opts, false, NEW_BRIDGE_FD)) != CLI_OK)
		return ret;
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_add(nl, argv[0], &opts);
	return err < 0 ? bridge_fail(c, err, "cannot create bridge", argv[0]) : CLI_OK;
}

static int do_del(struct cli *c, int argc, char **argv)
{
	struct tw_nl *nl;
	int ret, err;

	if ((ret = need_name(c, argc, argv, "del")) != CLI_OK)
		return ret;
	if (argc > 1)
		return arg_unknown(c, argv[1], "tapwire bridge");
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_delete(nl, argv[0]);
	return err < 0 ? bridge_fail(c, err, "cannot delete bridge", argv[0]) : CLI_OK;
}

/* Checks `BR IF` and nothing more. */
static int two_names(struct cli *c, int argc, char **argv, const char *cmd)
{
	int ret;

	if (argc < 2) {
		cli_err(c, "\"%s\" needs a bridge and an interface (try \"tapwire bridge help\")",
			cmd);
		return CLI_USAGE;
	}
	if ((ret = arg_ifname(c, argv[0])) != CLI_OK || (ret = arg_ifname(c, argv[1])) != CLI_OK)
		return ret;
	if (argc > 2)
		return arg_unknown(c, argv[2], "tapwire bridge");
	return CLI_OK;
}

static int do_addif(struct cli *c, int argc, char **argv)
{
	struct tw_nl *nl;
	int ret, err;

	if ((ret = two_names(c, argc, argv, "addif")) != CLI_OK)
		return ret;
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_addif(nl, argv[0], argv[1]);
	if (err == -EBUSY) {
		cli_err(c, "cannot add \"%s\" to bridge \"%s\": it already has a master", argv[1],
			argv[0]);
		return CLI_FAIL;
	}
	return err < 0 ? bridge_fail(c, err, "cannot add a port to bridge", argv[0]) : CLI_OK;
}

static int do_delif(struct cli *c, int argc, char **argv)
{
	struct tw_nl *nl;
	int ret, err;

	if ((ret = two_names(c, argc, argv, "delif")) != CLI_OK)
		return ret;
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_delif(nl, argv[0], argv[1]);
	if (err == -ENOENT) {
		cli_err(c, "cannot release \"%s\": not a port of bridge \"%s\"", argv[1], argv[0]);
		return CLI_FAIL;
	}
	return err < 0 ? bridge_fail(c, err, "cannot release a port of bridge", argv[0]) : CLI_OK;
}

static int do_set(struct cli *c, int argc, char **argv)
{
	struct tw_bridge_opts opts = {0}, stp_off = {.mask = TW_BRIDGE_STP_STATE};
	struct tw_bridge_info now;
	struct tw_nl *nl;
	int ret, err;

	if ((ret = need_name(c, argc, argv, "set")) != CLI_OK ||
	    (ret = parse_bridge_opts(c, argc, argv, 1, &opts)) != CLI_OK)
		return ret;
	if (!opts.mask) {
		cli_err(c, "nothing to set on \"%s\" (try \"tapwire bridge help\")", argv[0]);
		return CLI_USAGE;
	}
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	if ((err = tw_bridge_get(nl, argv[0], &now)) < 0)
		return bridge_fail(c, err, "cannot set options of bridge", argv[0]);
	if ((ret = check_stp_pair(c, argv[0], &opts, now.stp_state != 0, now.forward_delay)) !=
	    CLI_OK)
		return ret;
	/* turning STP off goes first, or a short forward_delay meets a running STP */
	if ((opts.mask & TW_BRIDGE_STP_STATE) && !opts.stp_state && now.stp_state &&
	    (opts.mask & ~TW_BRIDGE_STP_STATE)) {
		if ((err = tw_bridge_set(nl, argv[0], &stp_off)) < 0)
			return bridge_fail(c, err, "cannot set options of bridge", argv[0]);
		opts.mask &= ~TW_BRIDGE_STP_STATE;
	}
	err = tw_bridge_set(nl, argv[0], &opts);
	return err < 0 ? bridge_fail(c, err, "cannot set options of bridge", argv[0]) : CLI_OK;
}

static int do_port_set(struct cli *c, int argc, char **argv)
{
	struct tw_bridge_port_opts opts = {0};
	struct tw_nl *nl;
	int ret, err;

	if ((ret = need_name(c, argc, argv, "port set")) != CLI_OK)
		return ret;
	if ((ret = parse_opts(c, argc, argv, 1, bropt_port, BROPT_PORT_N, "tapwire bridge port",
			      put_port, &opts)) != CLI_OK)
		return ret;
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_port_set(nl, argv[0], &opts);
	if (err == -ENOENT) {
		cli_err(c, "cannot set options of port \"%s\": not a bridge port", argv[0]);
		return CLI_FAIL;
	}
	return err < 0 ? bridge_fail(c, err, "cannot set options of port", argv[0]) : CLI_OK;
}

/* Bridges to show: all, or the one named (checked to be a bridge). */
static int load_bridges(struct cli *c, struct tw_nl *nl, const char *name,
			struct tw_bridge_info **ret, size_t *ret_n)
{
	int err;

	if (!name) {
		err = tw_bridge_list(nl, ret, ret_n);
		if (err < 0)
			return cli_fail(c, err, "cannot list bridges", "");
		bridge_sort_bridges(*ret, *ret_n);
		return CLI_OK;
	}
	*ret = malloc(sizeof(**ret));
	if (!*ret)
		return cli_fail(c, -ENOMEM, "cannot read bridge", name);
	err = tw_bridge_get(nl, name, *ret);
	if (err < 0) {
		free(*ret);
		*ret = NULL;
		return bridge_fail(c, err, "cannot read bridge", name);
	}
	*ret_n = 1;
	return CLI_OK;
}

static int do_show(struct cli *c, int argc, char **argv)
{
	struct tw_bridge_info *brs = NULL;
	struct tw_bridge_port_info *ports = NULL;
	size_t nb = 0, np = 0;
	struct tw_nl *nl;
	int ret, err;

	if (argc > 0 && (ret = arg_ifname(c, argv[0])) != CLI_OK)
		return ret;
	if (argc > 1)
		return arg_unknown(c, argv[1], "tapwire bridge");
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	if ((ret = load_bridges(c, nl, argc ? argv[0] : NULL, &brs, &nb)) != CLI_OK)
		return ret;
	err = tw_bridge_port_list(nl, NULL, &ports, &np);
	if (err < 0) {
		free(brs);
		return cli_fail(c, err, "cannot list bridge ports", "");
	}
	bridge_sort_ports(ports, np);
	out_open_array(&c->out, NULL);
	for (size_t i = 0; i < nb; i++) {
		out_open_object(&c->out, NULL);
		bridge_out_bridge(&c->out, &brs[i], c->details);
		out_open_array(&c->out, "ports");
		out_text(&c->out, "\n    ports:");
		for (size_t j = 0; j < np; j++)
			if (ports[j].master == brs[i].ifindex)
				out_str(&c->out, NULL, " %s", ports[j].name);
		out_close_array(&c->out);
		out_nl(&c->out);
		out_close_object(&c->out);
	}
	out_close_array(&c->out);
	free(brs);
	free(ports);
	return CLI_OK;
}

static int one_bridge(struct cli *c, int argc, char **argv, const char *cmd)
{
	int ret;

	if ((ret = need_name(c, argc, argv, cmd)) != CLI_OK)
		return ret;
	return argc > 1 ? arg_unknown(c, argv[1], "tapwire bridge") : CLI_OK;
}

static int do_showstp(struct cli *c, int argc, char **argv)
{
	struct tw_bridge_info br;
	struct tw_bridge_port_info *ports = NULL;
	size_t np = 0;
	struct tw_nl *nl;
	int ret, err;

	if ((ret = one_bridge(c, argc, argv, "showstp")) != CLI_OK)
		return ret;
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_get(nl, argv[0], &br);
	if (err == 0)
		err = tw_bridge_port_list(nl, argv[0], &ports, &np);
	if (err < 0)
		return bridge_fail(c, err, "cannot read bridge", argv[0]);
	bridge_sort_ports(ports, np);
	out_open_object(&c->out, NULL);
	bridge_out_bridge(&c->out, &br, true);
	out_nl(&c->out);
	out_open_array(&c->out, "ports");
	for (size_t j = 0; j < np; j++) {
		out_open_object(&c->out, NULL);
		out_text(&c->out, "    ");
		bridge_out_port(&c->out, &ports[j], true);
		out_nl(&c->out);
		out_close_object(&c->out);
	}
	out_close_array(&c->out);
	out_close_object(&c->out);
	free(ports);
	return CLI_OK;
}

static int do_showmacs(struct cli *c, int argc, char **argv)
{
	struct tw_bridge_fdb_entry *v = NULL;
	size_t n = 0;
	struct tw_nl *nl;
	int ret, err;

	if ((ret = one_bridge(c, argc, argv, "showmacs")) != CLI_OK)
		return ret;
	if (!(nl = cli_nl(c)))
		return CLI_FAIL;
	err = tw_bridge_fdb_list(nl, argv[0], &v, &n);
	if (err < 0)
		return bridge_fail(c, err, "cannot read the forwarding database of", argv[0]);
	out_open_array(&c->out, NULL);
	for (size_t i = 0; i < n; i++) {
		char name[IF_NAMESIZE] = "?";

		if_indextoname((unsigned)v[i].ifindex, name);
		out_open_object(&c->out, NULL);
		bridge_out_fdb(&c->out, &v[i], name);
		out_nl(&c->out);
		out_close_object(&c->out);
	}
	out_close_array(&c->out);
	free(v);
	return CLI_OK;
}

#define TIME_OPTS "[forward_delay SEC] [hello_time SEC] [max_age SEC] [ageing_time SEC]"

static const struct cli_cmd port_cmds[] = {
    {"set", do_port_set, NULL, "IF [cost 1-65535] [priority 0-63] [hairpin on|off]",
     "set options of bridge port IF"},
    {0},
};

const struct cli_cmd cli_bridge_cmds[] = {
    {"add", do_add, NULL, "BR [stp on|off] " TIME_OPTS " [priority N]",
     "create bridge BR (options as for set)"},
    {"del", do_del, NULL, "BR", "delete bridge BR; its ports are released"},
    {"addif", do_addif, NULL, "BR IF", "make IF a port of bridge BR"},
    {"delif", do_delif, NULL, "BR IF", "release port IF from bridge BR"},
    {"set", do_set, NULL, "BR [stp on|off] " TIME_OPTS " [priority N]",
     "set bridge options; times in seconds, two decimals at most"},
    {"port", NULL, port_cmds, "", "bridge port options"},
    {"show", do_show, NULL, "[BR]", "list bridges and their ports (-d: STP details)"},
    {"showstp", do_showstp, NULL, "BR", "show spanning-tree state of BR and its ports"},
    {"showmacs", do_showmacs, NULL, "BR", "show the forwarding database of BR"},
    {0},
};
