// SPDX-License-Identifier: MIT
/*
 * `tapwire apply FILE` and `tapwire down FILE`: bring the namespace to the
 * topology a file declares (tapwire.conf(5)), or remove it.
 *
 * apply runs in three steps: parse and check the whole file (exit 2), check
 * it against the live state without changing anything (exit 1), then make
 * the changes one by one, journalling how to undo each. When a change fails,
 * the journal is played backwards so the run leaves nothing half-made.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <tapwire/addr.h>
#include <tapwire/bridge.h>
#include <tapwire/route.h>

#include "apply.h"
#include "cli.h"
#include "vxctl.h"

/* One change made by this run, and what it takes to undo it. */
enum undo_op {
	U_TUN_CREATED,
	U_BRIDGE_CREATED,
	U_TUN_OWNER,
	U_TUN_GROUP,
	U_BR_OPT,
	U_MAC,
	U_MTU,
	U_MASTER,
	U_PORT_OPT,
	U_STATE,
	U_ADDR,
	U_ROUTE,
	U_VX_STARTED, /* tapwire-vxlan started on name */
	U_VX_STOPPED, /* one with other options stopped: args are how to start it again */
};

struct undo {
	enum undo_op op;
	char name[IFNAMSIZ];
	enum tw_tun_mode mode;
	unsigned tun_flags;
	bool had;	       /* owner/group: was one set */
	unsigned val;	       /* old owner, group, MTU, state, option value */
	int opt;	       /* enum apply_br_opt / apply_port_opt */
	char master[IFNAMSIZ]; /* old master, "" for none */
	uint8_t mac[32];
	size_t mac_len;
	struct tw_prefix prefix;
	struct tw_route route;
	char *args; /* U_VX_STOPPED, owned by the journal */
};

struct run {
	struct cli *c;
	struct tw_nl *nl;
	const char *file;
	struct apply_model m;
	struct tw_link_info *links; /* re-read after devices are created */
	size_t n_links;
	struct tw_tun_info *tuns; /* as found before any change */
	size_t n_tuns;
	struct tw_bridge_port_info *ports; /* read once the masters are set */
	size_t n_ports;
	struct undo *journal;
	size_t n_journal, journal_cap;
	unsigned changes;
	unsigned failures; /* down: removals that failed */
};

static void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	r->changes++;
}

/* An error about the declaration at @line: "Error: FILE:LINE: ..." */
static int file_err(struct run *r, unsigned line, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int file_err(struct run *r, unsigned line, int err, const char *fmt, ...)
{
	char msg[512];
	const char *kmsg = err && r->nl ? tw_nl_errmsg(r->nl) : "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!err)
		cli_err(r->c, "%s:%u: %s", r->file, line, msg);
	else if (kmsg && *kmsg)
		cli_err(r->c, "%s:%u: %s: %s (%s)", r->file, line, msg, strerror(-err), kmsg);
	else
		cli_err(r->c, "%s:%u: %s: %s", r->file, line, msg, strerror(-err));
	return CLI_FAIL;
}

/*
 * Room for every change the model can ask for, taken before the first one:
 * recording a change that was made must not fail, or it could not be undone.
 */
static int journal_alloc(struct run *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->m.n_ifs; i++)
		n += 12 + APPLY_BR_N + r->m.ifs[i].n_addrs + r->m.ifs[i].n_routes;
	n += r->m.n_ports * (1 + APPLY_PORT_N);
	r->journal = calloc(n + 1, sizeof(*r->journal));
	r->journal_cap = n + 1;
	return r->journal ? 0 : -ENOMEM;
}

static int journal(struct run *r, const struct undo *u)
{
	if (r->n_journal == r->journal_cap)
		return -ENOBUFS; /* journal_alloc() miscounted: refuse rather than lose it */
	r->journal[r->n_journal++] = *u;
	return 0;
}

static bool is_tun(enum apply_kind k)
{
	return k == APPLY_TUN || k == APPLY_TAP || k == APPLY_VXLAN;
}

static bool owned(enum apply_kind k)
{
	return k != APPLY_LINK;
}

static const struct tw_link_info *link_by_name(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->n_links; i++)
		if (!strcmp(r->links[i].name, name))
			return &r->links[i];
	return NULL;
}

static const struct tw_link_info *link_by_index(const struct run *r, int ifindex)
{
	for (size_t i = 0; i < r->n_links; i++)
		if (r->links[i].ifindex == ifindex)
			return &r->links[i];
	return NULL;
}

static int links_read(struct run *r)
{
	struct tw_link_info *v;
	size_t n;
	int err = tw_link_list(r->nl, NULL, &v, &n);

	if (err < 0) {
		cli_err(r->c, "cannot list links: %s", strerror(-err));
		return CLI_FAIL;
	}
	free(r->links);
	r->links = v;
	r->n_links = n;
	return CLI_OK;
}

static int tuns_read(struct run *r)
{
	int err = tw_tun_list(r->nl, NULL, 0, &r->tuns, &r->n_tuns);

	if (err < 0) {
		cli_err(r->c, "cannot list TUN/TAP devices: %s", strerror(-err));
		return CLI_FAIL;
	}
	return CLI_OK;
}

static const struct tw_tun_info *tun_by_name(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->n_tuns; i++)
		if (!strcmp(r->tuns[i].name, name))
			return &r->tuns[i];
	return NULL;
}

static bool created_here(const struct run *r, const char *name)
{
	for (size_t i = 0; i < r->n_journal; i++)
		if ((r->journal[i].op == U_TUN_CREATED || r->journal[i].op == U_BRIDGE_CREATED) &&
		    !strcmp(r->journal[i].name, name))
			return true;
	return false;
}

static const char *mode_name(enum tw_tun_mode mode)
{
	return mode == TW_TUN_MODE_TAP ? "tap" : "tun";
}

static enum tw_tun_mode kind_mode(enum apply_kind k)
{
	return k == APPLY_TAP || k == APPLY_VXLAN ? TW_TUN_MODE_TAP : TW_TUN_MODE_TUN;
}

static unsigned info_flags(const struct tw_tun_info *t)
{
	return (t->pi ? TW_TUN_PI : 0) | (t->vnet_hdr ? TW_TUN_VNET_HDR : 0) |
	       (t->multi_queue ? TW_TUN_MULTI_QUEUE : 0);
}

static void flags_text(unsigned flags, char *buf, size_t len)
{
	snprintf(buf, len, "pi %s, vnet_hdr %s, multi_queue %s", flags & TW_TUN_PI ? "on" : "off",
		 flags & TW_TUN_VNET_HDR ? "on" : "off", flags & TW_TUN_MULTI_QUEUE ? "on" : "off");
}

/* ---- checks against the live state: nothing is changed ---------------- */

static int check_tun(struct run *r, const struct apply_if *i, const struct tw_link_info *l)
{
	const struct tw_tun_info *t = tun_by_name(r, i->name);
	char have[96], want[96];

	if (strcmp(l->kind, "tun") || !t)
		return file_err(r, i->line, 0, "\"%s\" exists and is %s%s, not a %s device",
				i->name, l->kind[0] ? "a " : "not a TUN/TAP device", l->kind,
				apply_kind_name(i->kind));
	if (t->mode != kind_mode(i->kind))
		return file_err(r, i->line, 0,
				"\"%s\" exists as a %s device, not a %s; remove it first "
				"(tapwire tuntap del %s)",
				i->name, mode_name(t->mode), apply_kind_name(i->kind), i->name);
	if (info_flags(t) != i->tun_flags) {
		flags_text(info_flags(t), have, sizeof(have));
		flags_text(i->tun_flags, want, sizeof(want));
		return file_err(r, i->line, 0,
				"\"%s\" exists with %s but the file says %s; flags are fixed at "
				"creation, remove it first (tapwire tuntap del %s)",
				i->name, have, want, i->name);
	}
	return CLI_OK;
}

static int check_if(struct run *r, const struct apply_if *i)
{
	const struct tw_link_info *l = link_by_name(r, i->name);

	if (i->kind == APPLY_LINK) {
		if (!l)
			return file_err(r, i->line, 0,
					"\"%s\" does not exist (a [link] section only configures "
					"an existing interface)",
					i->name);
		return CLI_OK;
	}
	if (!l)
		return CLI_OK;
	if (i->kind == APPLY_BRIDGE && strcmp(l->kind, "bridge"))
		return file_err(r, i->line, 0, "\"%s\" exists and is %s%s, not a bridge", i->name,
				l->kind[0] ? "a " : "not a bridge", l->kind);
	if (is_tun(i->kind))
		return check_tun(r, i, l);
	return CLI_OK;
}

static int check_port(struct run *r, const struct apply_port *p)
{
	const struct apply_if *self = apply_model_find(&r->m, p->name);
	const struct apply_if *br = apply_model_find(&r->m, p->bridge);
	const struct tw_link_info *l = link_by_name(r, p->name);
	const struct tw_link_info *bl = link_by_name(r, p->bridge);

	if (!self && !l)
		return file_err(r, p->line, 0, "port \"%s\" does not exist and is not declared",
				p->name);
	if (!self && !strcmp(l->kind, "bridge"))
		return file_err(r, p->line, 0, "\"%s\" is a bridge; a bridge cannot be a port",
				p->name);
	if ((!br || br->kind == APPLY_LINK) && !bl)
		return file_err(r, p->key_line[0], 0,
				"bridge \"%s\" does not exist and is not declared", p->bridge);
	if ((!br || br->kind == APPLY_LINK) && strcmp(bl->kind, "bridge"))
		return file_err(r, p->key_line[0], 0, "\"%s\" is not a bridge", p->bridge);
	return CLI_OK;
}

static int check_all(struct run *r)
{
	int ret;

	if ((ret = links_read(r)) != CLI_OK || (ret = tuns_read(r)) != CLI_OK)
		return ret;
	for (size_t i = 0; i < r->m.n_ifs; i++)
		if ((ret = check_if(r, &r->m.ifs[i])) != CLI_OK)
			return ret;
	for (size_t i = 0; i < r->m.n_ports; i++)
		if ((ret = check_port(r, &r->m.ports[i])) != CLI_OK)
			return ret;
	return CLI_OK;
}

/* ---- the changes, each journalled -------------------------------------- */

static int tun_create(struct run *r, const struct apply_if *i)
{
	struct undo u = {.op = U_TUN_CREATED, .mode = kind_mode(i->kind)};
	int fd, err;

	fd = tw_tun_open(i->name, u.mode, i->tun_flags | TW_TUN_EXCL | TW_TUN_CLOEXEC, NULL);
	if (fd < 0)
		return file_err(r, i->line, fd, "cannot create %s \"%s\"", apply_kind_name(i->kind),
				i->name);
	snprintf(u.name, sizeof(u.name), "%s", i->name);
	err = tw_tun_set_persist(fd, true);
	if (!err && i->has_user)
		err = tw_tun_set_owner(fd, i->user);
	if (!err && i->has_group)
		err = tw_tun_set_group(fd, i->group);
	close(fd); /* without persist the device goes with the fd */
	if (err < 0) {
		tw_tun_delete(r->nl, i->name);
		return file_err(r, i->line, err, "cannot set up %s \"%s\"",
				apply_kind_name(i->kind), i->name);
	}
	if (journal(r, &u) < 0) {
		tw_tun_delete(r->nl, i->name);
		return file_err(r, i->line, -ENOMEM, "cannot record the change");
	}
	say(r, "created %s %s", apply_kind_name(i->kind), i->name);
	return CLI_OK;
}

/* Owner or group of an existing device: attach a queue just long enough to set it. */
static int tun_set_id(struct tw_nl *nl, const char *name, enum tw_tun_mode mode, unsigned flags,
		      bool group, unsigned id)
{
	int fd = tw_tun_open(name, mode, flags | TW_TUN_NO_CREATE | TW_TUN_CLOEXEC, NULL);
	int err;

	(void)nl;
	if (fd < 0)
		return fd;
	err = group ? tw_tun_set_group(fd, (gid_t)id) : tw_tun_set_owner(fd, (uid_t)id);
	close(fd);
	return err;
}

/* A device that existed before this run: its owner and group may still change. */
static int tun_ids(struct run *r, const struct apply_if *i)
{
	const struct tw_tun_info *t = tun_by_name(r, i->name);
	int err;

	if (!t)
		return file_err(r, i->line, -ENODEV, "cannot read device \"%s\"", i->name);
	for (int g = 0; g < 2; g++) {
		bool want = g ? i->has_group : i->has_user;
		unsigned id = g ? (unsigned)i->group : (unsigned)i->user;
		bool had = g ? t->has_group : t->has_owner;
		unsigned old = g ? (unsigned)t->group : (unsigned)t->owner;
		struct undo u = {.op = g ? U_TUN_GROUP : U_TUN_OWNER,
				 .mode = t->mode,
				 .tun_flags = info_flags(t),
				 .had = had,
				 .val = old};

		if (!want || (had && old == id))
			continue;
		snprintf(u.name, sizeof(u.name), "%s", i->name);
		err = tun_set_id(r->nl, i->name, t->mode, u.tun_flags, g, id);
		if (err < 0 || journal(r, &u) < 0)
			return file_err(r, i->line, err < 0 ? err : -ENOMEM,
					"cannot set the %s of \"%s\"", g ? "group" : "user",
					i->name);
		say(r, "set %s %s %u", i->name, g ? "group" : "user", id);
	}
	return CLI_OK;
}

static int devices_create(struct run *r)
{
	int ret = CLI_OK, err;

	for (size_t k = 0; k < r->m.n_ifs && ret == CLI_OK; k++) {
		const struct apply_if *i = &r->m.ifs[k];
		bool exists = link_by_name(r, i->name) != NULL;

		if (is_tun(i->kind)) {
			ret = exists ? tun_ids(r, i) : tun_create(r, i);
		} else if (i->kind == APPLY_BRIDGE && !exists) {
			struct undo u = {.op = U_BRIDGE_CREATED};

			snprintf(u.name, sizeof(u.name), "%s", i->name);
			err = tw_bridge_add(r->nl, i->name, NULL);
			if (err < 0)
				return file_err(r, i->line, err, "cannot create bridge \"%s\"",
						i->name);
			if (journal(r, &u) < 0) {
				tw_bridge_delete(r->nl, i->name);
				return file_err(r, i->line, -ENOMEM, "cannot record the change");
			}
			say(r, "created bridge %s", i->name);
		}
	}
	return ret;
}

/* ---- tapwire-vxlan ---- */

/* The daemon's command line for @i: argv[0], the options in one fixed order. */
static char **vx_argv(const struct apply_if *i)
{
	const struct apply_vxlan *v = i->vx;
	char **a = calloc(16 + 4 * APPLY_VX_MAX, sizeof(*a));
	size_t n = 0;
	bool ok = a != NULL;

#define ARG(s) (ok = ok && (a[n++] = strdup(s)) != NULL)
#define NUM(x)                                                                                     \
	do {                                                                                       \
		char b_[24];                                                                       \
		snprintf(b_, sizeof(b_), "%u", (unsigned)(x));                                     \
		ARG(b_);                                                                           \
	} while (0)
	if (!a)
		return NULL;
	ARG("tapwire-vxlan");
	ARG("--dev");
	ARG(i->name);
	ARG("--vni");
	NUM(v->vni);
	if (v->local[0]) {
		ARG("--local");
		ARG(v->local);
	}
	if (v->port) {
		ARG("--port");
		NUM(v->port);
	}
	for (size_t k = 0; k < v->n_remotes; k++) {
		ARG("--remote");
		ARG(v->remotes[k]);
	}
	if (v->group[0]) {
		ARG("--group");
		ARG(v->group);
		ARG("--group-dev");
		ARG(v->group_dev);
	}
	if (v->no_learning)
		ARG("--no-learning");
	for (size_t k = 0; k < v->n_fdb; k++) {
		ARG("--fdb");
		ARG(v->fdb[k]);
	}
	if (v->has_ageing) {
		ARG("--ageing");
		NUM(v->ageing);
	}
	if (v->fdb_max) {
		ARG("--fdb-max");
		NUM(v->fdb_max);
	}
	if (i->mtu) {
		ARG("--mtu");
		NUM(i->mtu);
	}
#undef ARG
#undef NUM
	if (!ok) {
		for (size_t k = 0; k < n; k++)
			free(a[k]);
		free(a);
		return NULL;
	}
	return a;
}

static void argv_free(char **a)
{
	for (size_t k = 0; a && a[k]; k++)
		free(a[k]);
	free(a);
}

/* The words after argv[0], as the daemon reports them (args=). */
static void argv_join(char **a, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t k = 1; a[k]; k++) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, "%s%s", k > 1 ? " " : "", a[k]);
	}
}

/* Splits @args (words without blanks, as argv_join made them) into a new argv. */
static char **argv_split(const char *args)
{
	char *copy = strdup(args), *save = NULL, **a;
	size_t n = 1;

	if (!copy)
		return NULL;
	a = calloc(strlen(args) / 2 + 3, sizeof(*a));
	if (a && !(a[0] = strdup("tapwire-vxlan"))) {
		free(a);
		a = NULL;
	}
	for (char *w = strtok_r(copy, " ", &save); a && w; w = strtok_r(NULL, " ", &save))
		if (!(a[n++] = strdup(w))) {
			argv_free(a);
			a = NULL;
		}
	free(copy);
	return a;
}

/*
 * tapwire-vxlan on each [vxlan] section's TAP with the options it
 * declares: left alone when one runs with them, else (re)started.
 */
static int vxlan_daemons(struct run *r)
{
	for (size_t k = 0; k < r->m.n_ifs; k++) {
		const struct apply_if *i = &r->m.ifs[k];
		struct undo u = {.op = U_VX_STARTED};
		struct vxlan_state s;
		char want[4096], why[1024];
		char **argv;
		bool running;
		int err;

		if (i->kind != APPLY_VXLAN)
			continue;
		argv = vx_argv(i);
		if (!argv)
			return file_err(r, i->line, -ENOMEM, "cannot start tapwire-vxlan");
		argv_join(argv, want, sizeof(want));
		running = vxlan_find(i->name, &s) == 0;
		if (running) {
			const char *have = vxlan_get(&s, "args");
			struct undo st = {.op = U_VX_STOPPED};

			if (have && !strcmp(have, want)) {
				vxlan_state_free(&s);
				argv_free(argv);
				continue;
			}
			snprintf(st.name, sizeof(st.name), "%s", i->name);
			st.args = strdup(have ? have : "");
			vxlan_state_free(&s);
			err = st.args ? vxlan_stop(i->name) : -ENOMEM;
			if (err < 0 || journal(r, &st) < 0) {
				free(st.args);
				argv_free(argv);
				return file_err(r, i->line, err < 0 ? err : -ENOMEM,
						"cannot stop the tapwire-vxlan on \"%s\"", i->name);
			}
		}
		err = vxlan_start(argv, why, sizeof(why));
		argv_free(argv);
		if (err < 0)
			return file_err(r, i->line, err, "cannot start tapwire-vxlan on \"%s\"%s%s",
					i->name, why[0] ? ": " : "", why);
		snprintf(u.name, sizeof(u.name), "%s", i->name);
		if (journal(r, &u) < 0) {
			vxlan_stop(i->name);
			return file_err(r, i->line, -ENOMEM, "cannot record the change");
		}
		say(r, "%s tapwire-vxlan on %s", running ? "restarted" : "started", i->name);
	}
	return CLI_OK;
}

static int bridge_options(struct run *r, const struct apply_if *i)
{
	struct tw_bridge_info b;
	struct tw_bridge_opts o;
	char text[32];
	int err = tw_bridge_get(r->nl, i->name, &b);

	if (err < 0)
		return file_err(r, i->line, err, "cannot read bridge \"%s\"", i->name);
	for (int opt = 0; opt < APPLY_BR_N; opt++) {
		const struct bropt *bo = &bropt_bridge[opt];
		struct undo u = {.op = U_BR_OPT, .opt = opt, .val = bropt_bridge_get(bo, &b)};
		unsigned want = i->br_val[opt];

		if (!(i->br_set & 1u << opt) || bropt_same(bo, u.val, want))
			continue;
		snprintf(u.name, sizeof(u.name), "%s", i->name);
		bropt_format(bo, want, text, sizeof(text));
		o = (struct tw_bridge_opts){0};
		bropt_bridge_put(bo, want, &o);
		err = tw_bridge_set(r->nl, i->name, &o);
		if (err < 0 || journal(r, &u) < 0)
			return file_err(r, i->line, err < 0 ? err : -ENOMEM,
					"cannot set %s of bridge \"%s\" to %s", bo->name, i->name,
					text);
		say(r, "set %s %s %s", i->name, bo->name, text);
	}
	return CLI_OK;
}

static int link_basics(struct run *r, const struct apply_if *i)
{
	const struct tw_link_info *l = link_by_name(r, i->name);
	struct undo u = {0};
	int err;

	if (!l)
		return file_err(r, i->line, -ENODEV, "cannot find \"%s\"", i->name);
	snprintf(u.name, sizeof(u.name), "%s", i->name);
	if (i->has_mac && (l->addr_len != 6 || memcmp(l->addr, i->mac, 6))) {
		u.op = U_MAC;
		memcpy(u.mac, l->addr, l->addr_len);
		u.mac_len = l->addr_len;
		err = tw_link_set_address(r->nl, i->name, i->mac, 6);
		if (err < 0 || journal(r, &u) < 0)
			return file_err(r, i->line, err < 0 ? err : -ENOMEM,
					"cannot set the MAC address of \"%s\"", i->name);
		say(r, "set %s mac %02x:%02x:%02x:%02x:%02x:%02x", i->name, i->mac[0], i->mac[1],
		    i->mac[2], i->mac[3], i->mac[4], i->mac[5]);
	}
	if (i->mtu && l->mtu != i->mtu) {
		u.op = U_MTU;
		u.val = l->mtu;
		err = tw_link_set_mtu(r->nl, i->name, i->mtu);
		if (err < 0 || journal(r, &u) < 0)
			return file_err(r, i->line, err < 0 ? err : -ENOMEM,
					"cannot set the MTU of \"%s\" to %u", i->name, i->mtu);
		say(r, "set %s mtu %u", i->name, i->mtu);
	}
	return CLI_OK;
}

static int port_options(struct run *r, const struct apply_port *p)
{
	const struct tw_bridge_port_info *pi = NULL;
	struct tw_bridge_port_opts o;
	char text[32];
	int err;

	for (size_t k = 0; k < r->n_ports && !pi; k++)
		if (!strcmp(r->ports[k].name, p->name))
			pi = &r->ports[k];
	if (!pi)
		return file_err(r, p->line, -ENOENT, "cannot read port \"%s\"", p->name);
	for (int opt = 0; opt < APPLY_PORT_N; opt++) {
		const struct bropt *po = &bropt_port[opt];
		unsigned have = bropt_port_get(po, pi);
		struct undo u = {.op = U_PORT_OPT, .opt = opt, .val = have};
		unsigned want = p->val[opt];

		if (!(p->set & 1u << opt) || have == want)
			continue;
		snprintf(u.name, sizeof(u.name), "%s", p->name);
		o = (struct tw_bridge_port_opts){0};
		bropt_port_put(po, want, &o);
		bropt_format(po, want, text, sizeof(text));
		err = tw_bridge_port_set(r->nl, p->name, &o);
		if (err < 0 || journal(r, &u) < 0)
			return file_err(r, p->key_line[1 + opt], err < 0 ? err : -ENOMEM,
					"cannot set %s of port \"%s\" to %s", po->name, p->name,
					text);
		say(r, "set %s %s %s", p->name, po->name, text);
	}
	return CLI_OK;
}

static int port_master(struct run *r, const struct apply_port *p)
{
	const struct tw_link_info *l = link_by_name(r, p->name);
	const struct tw_link_info *br = link_by_name(r, p->bridge);
	const struct tw_link_info *old;
	struct undo u = {.op = U_MASTER};
	int err;

	if (!l || !br)
		return file_err(r, p->line, -ENODEV, "cannot find \"%s\"",
				!l ? p->name : p->bridge);
	if (l->master != br->ifindex) {
		snprintf(u.name, sizeof(u.name), "%s", p->name);
		old = l->master ? link_by_index(r, l->master) : NULL;
		if (old)
			snprintf(u.master, sizeof(u.master), "%s", old->name);
		err = tw_link_set_master(r->nl, p->name, p->bridge);
		if (err < 0 || journal(r, &u) < 0)
			return file_err(r, p->line, err < 0 ? err : -ENOMEM,
					"cannot make \"%s\" a port of \"%s\"", p->name, p->bridge);
		say(r, "set %s master %s", p->name, p->bridge);
	}
	return CLI_OK;
}

static int ports_set(struct run *r)
{
	int ret, err;

	for (size_t k = 0; k < r->m.n_ports; k++)
		if ((ret = port_master(r, &r->m.ports[k])) != CLI_OK)
			return ret;
	if (!r->m.n_ports)
		return CLI_OK;
	err = tw_bridge_port_list(r->nl, NULL, &r->ports, &r->n_ports);
	if (err < 0) {
		cli_err(r->c, "cannot list bridge ports: %s", strerror(-err));
		return CLI_FAIL;
	}
	for (size_t k = 0; k < r->m.n_ports; k++)
		if (r->m.ports[k].set && (ret = port_options(r, &r->m.ports[k])) != CLI_OK)
			return ret;
	return CLI_OK;
}

static int link_state(struct run *r, const struct apply_if *i)
{
	const struct tw_link_info *l = link_by_name(r, i->name);
	int want = i->up >= 0 ? i->up : owned(i->kind) ? 1 : -1;
	struct undo u = {.op = U_STATE};
	int err;

	if (!l || want < 0 || !!(l->flags & IFF_UP) == want)
		return CLI_OK;
	snprintf(u.name, sizeof(u.name), "%s", i->name);
	u.val = !want;
	err = tw_link_set_up(r->nl, i->name, want);
	if (err < 0 || journal(r, &u) < 0)
		return file_err(r, i->line, err < 0 ? err : -ENOMEM, "cannot set \"%s\" %s",
				i->name, want ? "up" : "down");
	say(r, "set %s %s", i->name, want ? "up" : "down");
	return CLI_OK;
}

static bool addr_present(const struct tw_addr_info *v, size_t n, const char *name,
			 const struct tw_prefix *p)
{
	for (size_t k = 0; k < n; k++)
		if (!strcmp(v[k].ifname, name) && tw_prefix_equal(&v[k].prefix, p))
			return true;
	return false;
}

static int addresses_add(struct run *r)
{
	struct tw_addr_info *v = NULL;
	size_t n = 0;
	char text[TW_PREFIX_STRLEN];
	int err = tw_addr_list(r->nl, NULL, AF_UNSPEC, &v, &n);

	if (err < 0) {
		cli_err(r->c, "cannot list addresses: %s", strerror(-err));
		return CLI_FAIL;
	}
	for (size_t k = 0; k < r->m.n_ifs; k++) {
		const struct apply_if *i = &r->m.ifs[k];

		for (size_t a = 0; a < i->n_addrs; a++) {
			struct undo u = {.op = U_ADDR, .prefix = i->addrs[a].prefix};

			if (addr_present(v, n, i->name, &u.prefix))
				continue;
			snprintf(u.name, sizeof(u.name), "%s", i->name);
			tw_prefix_format(&u.prefix, 0, text, sizeof(text));
			err = tw_addr_add(r->nl, i->name, &u.prefix, 0);
			if (err < 0 || journal(r, &u) < 0) {
				free(v);
				return file_err(r, i->addrs[a].line, err < 0 ? err : -ENOMEM,
						"cannot add address %s to \"%s\"", text, i->name);
			}
			say(r, "added address %s to %s", text, i->name);
		}
	}
	free(v);
	return CLI_OK;
}

static void route_fill(struct tw_route *rt, const struct apply_if *i, const struct apply_route *ar)
{
	memset(rt, 0, sizeof(*rt));
	rt->dst = ar->dst;
	rt->has_gateway = ar->has_via;
	rt->gateway = ar->via;
	snprintf(rt->dev, sizeof(rt->dev), "%s", i->name);
}

static void route_text(const struct tw_route *rt, char *buf, size_t len)
{
	char dst[TW_PREFIX_STRLEN], gw[TW_PREFIX_STRLEN];

	tw_prefix_format(&rt->dst, 0, dst, sizeof(dst));
	if (rt->has_gateway) {
		tw_prefix_format(&rt->gateway, TW_PREFIX_NO_LEN, gw, sizeof(gw));
		snprintf(buf, len, "%s via %s dev %s", dst, gw, rt->dev);
	} else {
		snprintf(buf, len, "%s dev %s", dst, rt->dev);
	}
}

static bool route_present(const struct tw_route *v, size_t n, const struct tw_route *want)
{
	for (size_t k = 0; k < n; k++)
		if (tw_prefix_equal(&v[k].dst, &want->dst) && !strcmp(v[k].dev, want->dev) &&
		    v[k].has_gateway == want->has_gateway &&
		    (!want->has_gateway || tw_prefix_equal(&v[k].gateway, &want->gateway)))
			return true;
	return false;
}

static int routes_add(struct run *r)
{
	struct tw_route *v = NULL;
	size_t n = 0;
	char text[128];
	int err = tw_route_list(r->nl, AF_UNSPEC, 0, &v, &n);

	if (err < 0) {
		cli_err(r->c, "cannot list routes: %s", strerror(-err));
		return CLI_FAIL;
	}
	for (size_t k = 0; k < r->m.n_ifs; k++) {
		const struct apply_if *i = &r->m.ifs[k];

		for (size_t a = 0; a < i->n_routes; a++) {
			struct undo u = {.op = U_ROUTE};

			route_fill(&u.route, i, &i->routes[a]);
			if (route_present(v, n, &u.route))
				continue;
			snprintf(u.name, sizeof(u.name), "%s", i->name);
			route_text(&u.route, text, sizeof(text));
			err = tw_route_add(r->nl, &u.route, 0);
			if (err < 0 || journal(r, &u) < 0) {
				free(v);
				return file_err(r, i->routes[a].line, err < 0 ? err : -ENOMEM,
						"cannot add route %s", text);
			}
			say(r, "added route %s", text);
		}
	}
	free(v);
	return CLI_OK;
}

static int apply_changes(struct run *r)
{
	int ret;

	/* the daemons set their TAPs' MTU: the links are read after them */
	if ((ret = devices_create(r)) != CLI_OK || (ret = vxlan_daemons(r)) != CLI_OK ||
	    (ret = links_read(r)) != CLI_OK)
		return ret;
	for (size_t k = 0; k < r->m.n_ifs; k++)
		if (r->m.ifs[k].kind == APPLY_BRIDGE && r->m.ifs[k].br_set &&
		    (ret = bridge_options(r, &r->m.ifs[k])) != CLI_OK)
			return ret;
	for (size_t k = 0; k < r->m.n_ifs; k++)
		if ((ret = link_basics(r, &r->m.ifs[k])) != CLI_OK)
			return ret;
	if ((ret = ports_set(r)) != CLI_OK)
		return ret;
	for (size_t k = 0; k < r->m.n_ifs; k++)
		if ((ret = link_state(r, &r->m.ifs[k])) != CLI_OK)
			return ret;
	if ((ret = addresses_add(r)) != CLI_OK)
		return ret;
	return routes_add(r);
}

/* ---- rollback ---------------------------------------------------------- */

static int undo_one(struct run *r, const struct undo *u, char *what, size_t len)
{
	struct tw_bridge_opts bo;
	struct tw_bridge_port_opts po;
	char text[128];

	switch (u->op) {
	case U_TUN_CREATED:
		snprintf(what, len, "deleted %s %s", mode_name(u->mode), u->name);
		return tw_tun_delete(r->nl, u->name);
	case U_BRIDGE_CREATED:
		snprintf(what, len, "deleted bridge %s", u->name);
		return tw_bridge_delete(r->nl, u->name);
	case U_TUN_OWNER:
	case U_TUN_GROUP:
		snprintf(what, len, "restored the %s of %s",
			 u->op == U_TUN_GROUP ? "group" : "user", u->name);
		return tun_set_id(r->nl, u->name, u->mode, u->tun_flags, u->op == U_TUN_GROUP,
				  u->had ? u->val : (unsigned)-1);
	case U_BR_OPT:
		bropt_format(&bropt_bridge[u->opt], u->val, text, sizeof(text));
		snprintf(what, len, "set %s %s %s", u->name, bropt_bridge[u->opt].name, text);
		bo = (struct tw_bridge_opts){0};
		bropt_bridge_put(&bropt_bridge[u->opt], u->val, &bo);
		return tw_bridge_set(r->nl, u->name, &bo);
	case U_MAC:
		snprintf(what, len, "restored the mac of %s", u->name);
		return tw_link_set_address(r->nl, u->name, u->mac, u->mac_len);
	case U_MTU:
		snprintf(what, len, "set %s mtu %u", u->name, u->val);
		return tw_link_set_mtu(r->nl, u->name, u->val);
	case U_MASTER:
		if (u->master[0])
			snprintf(what, len, "set %s master %s", u->name, u->master);
		else
			snprintf(what, len, "set %s nomaster", u->name);
		return tw_link_set_master(r->nl, u->name, u->master);
	case U_PORT_OPT:
		bropt_format(&bropt_port[u->opt], u->val, text, sizeof(text));
		snprintf(what, len, "set %s %s %s", u->name, bropt_port[u->opt].name, text);
		po = (struct tw_bridge_port_opts){0};
		bropt_port_put(&bropt_port[u->opt], u->val, &po);
		return tw_bridge_port_set(r->nl, u->name, &po);
	case U_STATE:
		snprintf(what, len, "set %s %s", u->name, u->val ? "up" : "down");
		return tw_link_set_up(r->nl, u->name, u->val);
	case U_ADDR:
		tw_prefix_format(&u->prefix, 0, text, sizeof(text));
		snprintf(what, len, "removed address %s from %s", text, u->name);
		return tw_addr_del(r->nl, u->name, &u->prefix);
	case U_ROUTE:
		route_text(&u->route, text, sizeof(text));
		snprintf(what, len, "removed route %s", text);
		return tw_route_del(r->nl, &u->route);
	case U_VX_STARTED:
		snprintf(what, len, "stopped tapwire-vxlan on %s", u->name);
		return vxlan_stop(u->name);
	case U_VX_STOPPED: {
		char **argv = argv_split(u->args), why[256];
		int err;

		snprintf(what, len, "started tapwire-vxlan on %s again", u->name);
		err = argv ? vxlan_start(argv, why, sizeof(why)) : -ENOMEM;
		argv_free(argv);
		return err;
	}
	}
	return -EINVAL;
}

/* Undoes the journal backwards; changes to devices this run created go with them. */
static void rollback(struct run *r)
{
	char what[192];

	if (r->n_journal)
		printf("rolling back what this run changed\n");
	for (size_t k = r->n_journal; k-- > 0;) {
		const struct undo *u = &r->journal[k];
		int err;

		if (u->op != U_TUN_CREATED && u->op != U_BRIDGE_CREATED && u->op != U_VX_STARTED &&
		    created_here(r, u->name))
			continue;
		err = undo_one(r, u, what, sizeof(what));
		if (err < 0)
			cli_err(r->c, "cannot undo (%s): %s", what, strerror(-err));
		else
			printf("undone: %s\n", what);
	}
}

/* ---- down -------------------------------------------------------------- */

static void down_fail(struct run *r, unsigned line, int err, const char *what, const char *name)
{
	file_err(r, line, err, "cannot %s \"%s\"", what, name);
	r->failures++;
}

static void down_link(struct run *r, const struct apply_if *i, const struct tw_addr_info *addrs,
		      size_t n_addrs, const struct tw_route *routes, size_t n_routes)
{
	char text[128];
	int err;

	for (size_t a = 0; a < i->n_routes; a++) {
		struct tw_route rt;

		route_fill(&rt, i, &i->routes[a]);
		if (!route_present(routes, n_routes, &rt))
			continue;
		route_text(&rt, text, sizeof(text));
		err = tw_route_del(r->nl, &rt);
		if (err < 0)
			down_fail(r, i->routes[a].line, err, "remove route", text);
		else
			say(r, "removed route %s", text);
	}
	for (size_t a = 0; a < i->n_addrs; a++) {
		if (!addr_present(addrs, n_addrs, i->name, &i->addrs[a].prefix))
			continue;
		tw_prefix_format(&i->addrs[a].prefix, 0, text, sizeof(text));
		err = tw_addr_del(r->nl, i->name, &i->addrs[a].prefix);
		if (err < 0)
			down_fail(r, i->addrs[a].line, err, "remove address", text);
		else
			say(r, "removed address %s from %s", text, i->name);
	}
}

static void down_port(struct run *r, const struct apply_port *p)
{
	const struct apply_if *self = apply_model_find(&r->m, p->name);
	const struct tw_link_info *l = link_by_name(r, p->name);
	const struct tw_link_info *br = link_by_name(r, p->bridge);
	int err;

	/* Ports the file owns go away with their device. */
	if ((self && owned(self->kind)) || !l || !br || l->master != br->ifindex)
		return;
	err = tw_link_set_master(r->nl, p->name, NULL);
	if (err < 0)
		down_fail(r, p->line, err, "release port", p->name);
	else
		say(r, "released %s from %s", p->name, p->bridge);
}

static void down_device(struct run *r, const struct apply_if *i)
{
	const struct tw_link_info *l = link_by_name(r, i->name);
	const struct tw_tun_info *t;
	int err;

	if (!l)
		return;
	if (i->kind == APPLY_BRIDGE) {
		if (strcmp(l->kind, "bridge")) {
			file_err(r, i->line, 0, "\"%s\" is not a bridge; left alone", i->name);
			r->failures++;
			return;
		}
		err = tw_bridge_delete(r->nl, i->name);
		if (err < 0)
			down_fail(r, i->line, err, "delete bridge", i->name);
		else
			say(r, "deleted bridge %s", i->name);
		return;
	}
	t = tun_by_name(r, i->name);
	if (i->kind == APPLY_VXLAN && l && !strcmp(l->kind, "tun")) {
		err = vxlan_stop(i->name);
		if (err == 0)
			say(r, "stopped tapwire-vxlan on %s", i->name);
		else if (err != -ENOENT)
			down_fail(r, i->line, err, "stop the tapwire-vxlan on", i->name);
	}
	if (strcmp(l->kind, "tun") || !t || t->mode != kind_mode(i->kind)) {
		file_err(r, i->line, 0, "\"%s\" is not a %s device; left alone", i->name,
			 apply_kind_name(i->kind));
		r->failures++;
		return;
	}
	err = tw_tun_delete(r->nl, i->name);
	if (err < 0)
		down_fail(r, i->line, err, "delete", i->name);
	else
		say(r, "deleted %s %s", apply_kind_name(i->kind), i->name);
}

static int down_all(struct run *r)
{
	struct tw_addr_info *addrs = NULL;
	struct tw_route *routes = NULL;
	size_t n_addrs = 0, n_routes = 0;
	int err, ret;

	if ((ret = links_read(r)) != CLI_OK || (ret = tuns_read(r)) != CLI_OK)
		return ret;
	err = tw_addr_list(r->nl, NULL, AF_UNSPEC, &addrs, &n_addrs);
	if (err == 0)
		err = tw_route_list(r->nl, AF_UNSPEC, 0, &routes, &n_routes);
	if (err < 0) {
		free(addrs);
		cli_err(r->c, "cannot list addresses and routes: %s", strerror(-err));
		return CLI_FAIL;
	}
	for (size_t k = 0; k < r->m.n_ifs; k++)
		if (!owned(r->m.ifs[k].kind))
			down_link(r, &r->m.ifs[k], addrs, n_addrs, routes, n_routes);
	free(addrs);
	free(routes);
	for (size_t k = 0; k < r->m.n_ports; k++)
		down_port(r, &r->m.ports[k]);
	for (int pass = 0; pass < 2; pass++) /* devices, then bridges */
		for (size_t k = 0; k < r->m.n_ifs; k++)
			if (owned(r->m.ifs[k].kind) && (r->m.ifs[k].kind == APPLY_BRIDGE) == pass)
				down_device(r, &r->m.ifs[k]);
	return r->failures ? CLI_FAIL : CLI_OK;
}

/* ---- commands ---------------------------------------------------------- */

static int load(struct run *r, int argc, char **argv, const char *cmd)
{
	struct apply_error e;
	int err;

	if (argc < 1) {
		cli_err(r->c, "%s needs a FILE (try \"tapwire %s help\")", cmd, cmd);
		return CLI_USAGE;
	}
	if (argc > 1) {
		cli_err(r->c, "unexpected word \"%s\" after the file", argv[1]);
		return CLI_USAGE;
	}
	/* "-" is standard input, as for -b */
	r->file = strcmp(argv[0], "-") ? argv[0] : "<stdin>";
	err = apply_load(argv[0], &r->m, &e);
	if (err == -EINVAL) {
		cli_err(r->c, "%s:%u: %s", r->file, e.line, e.msg);
		return CLI_USAGE;
	}
	if (err < 0) {
		cli_err(r->c, "cannot read \"%s\": %s", r->file, e.msg[0] ? e.msg : strerror(-err));
		return err == -EFBIG ? CLI_USAGE : CLI_FAIL;
	}
	r->nl = cli_nl(r->c);
	return r->nl ? CLI_OK : CLI_FAIL;
}

static void run_free(struct run *r)
{
	apply_model_free(&r->m);
	free(r->links);
	tw_tun_list_free(r->tuns, r->n_tuns);
	free(r->ports);
	for (size_t k = 0; k < r->n_journal; k++)
		free(r->journal[k].args);
	free(r->journal);
}

int cli_apply(struct cli *c, int argc, char **argv)
{
	struct run r = {.c = c};
	int ret = load(&r, argc, argv, "apply");

	if (ret == CLI_OK)
		ret = check_all(&r);
	if (ret == CLI_OK && journal_alloc(&r) < 0) {
		cli_err(c, "out of memory");
		ret = CLI_FAIL;
	}
	if (ret == CLI_OK) {
		ret = apply_changes(&r);
		if (ret != CLI_OK)
			rollback(&r);
		else if (!r.changes)
			printf("nothing to change\n");
	}
	run_free(&r);
	return ret;
}

int cli_down(struct cli *c, int argc, char **argv)
{
	struct run r = {.c = c};
	int ret = load(&r, argc, argv, "down");

	if (ret == CLI_OK) {
		ret = down_all(&r);
		if (!r.changes && ret == CLI_OK)
			printf("nothing to remove\n");
	}
	run_free(&r);
	return ret;
}
