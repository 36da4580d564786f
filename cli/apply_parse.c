// SPDX-License-Identifier: MIT
/*
 * The topology file parser (tapwire.conf(5)): INI-like sections, one
 * "key = value" per line. A small parser of our own rather than libinih:
 * every error must name its line (libinih only passes line numbers to
 * handlers when the library itself is built with INI_HANDLER_LINENO, which
 * Debian's is not), empty sections declare things ("[bridge br0]" alone makes
 * a bridge) but libinih never reports them, and it silently splits long lines
 * and accepts continuation lines and "key: value".
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <tapwire/tapwire.h>

#include "apply.h"
#include "cli.h"

/* Section kinds as bits, for the key table; port sections are not interfaces. */
enum {
	S_TUN = 1u << APPLY_TUN,
	S_TAP = 1u << APPLY_TAP,
	S_BRIDGE = 1u << APPLY_BRIDGE,
	S_LINK = 1u << APPLY_LINK,
	S_VXLAN = 1u << APPLY_VXLAN,
	S_PORT = 1u << 5,
	S_DEV = S_TUN | S_TAP,
	S_IF = S_TUN | S_TAP | S_BRIDGE | S_LINK | S_VXLAN,
};

struct pstate {
	struct apply_model *m;
	struct apply_error *err;
	unsigned line;
	unsigned kind;		 /* S_* of the current section, 0 before the first */
	struct apply_if *cur_if; /* the current section, one of these two */
	struct apply_port *cur_port;
};

struct key {
	const char *name;
	unsigned kinds; /* S_* bits of the sections it belongs in */
	int slot;	/* index in key_line[] (single-valued keys), -1 if repeatable */
	int (*parse)(struct pstate *ps, const struct key *k, char **words, int n);
	int arg;
};

static int perr(struct pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;

	ps->err->line = ps->line;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *const kind_names[] = {"tun", "tap", "bridge", "link", "vxlan"};

const char *apply_kind_name(enum apply_kind kind)
{
	return kind <= APPLY_VXLAN ? kind_names[kind] : "?";
}

/* Decimal only: "010" is ten, not eight, whatever strtoul would think. */
static bool parse_dec(const char *w, unsigned long long max, unsigned long long *ret)
{
	unsigned long long v = 0;

	if (!*w || strlen(w) > 20)
		return false;
	for (; *w; w++) {
		if (!isdigit((unsigned char)*w))
			return false;
		v = v * 10 + (unsigned)(*w - '0');
		if (v > max)
			return false;
	}
	*ret = v;
	return true;
}

static int one_word(struct pstate *ps, const struct key *k, int n, char **words)
{
	if (n > 1)
		return perr(ps, "unexpected \"%s\" after the value of \"%s\"", words[1], k->name);
	return 0;
}

static int uint_range(struct pstate *ps, const struct key *k, const char *w, unsigned min,
		      unsigned max, unsigned *ret)
{
	unsigned long long v;

	if (!parse_dec(w, max, &v) || v < min)
		return perr(ps, "\"%s\" must be an integer from %u to %u, not \"%s\"", k->name, min,
			    max, w);
	*ret = (unsigned)v;
	return 0;
}

static int on_off(struct pstate *ps, const struct key *k, const char *w, bool *ret)
{
	if (!strcmp(w, "on") || !strcmp(w, "off")) {
		*ret = !strcmp(w, "on");
		return 0;
	}
	return perr(ps, "\"%s\" must be \"on\" or \"off\", not \"%s\"", k->name, w);
}

static int key_flag(struct pstate *ps, const struct key *k, char **words, int n)
{
	bool on = false;
	int err = on_off(ps, k, words[0], &on);

	if (err)
		return err;
	if (on)
		ps->cur_if->tun_flags |= (unsigned)k->arg;
	else
		ps->cur_if->tun_flags &= ~(unsigned)k->arg;
	return 0;
}

static bool all_digits(const char *w)
{
	for (; *w; w++)
		if (!isdigit((unsigned char)*w))
			return false;
	return true;
}

/* user = NAME|UID, group = NAME|GID (k->arg set for group). */
static int key_id(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_if *i = ps->cur_if;
	unsigned long long v;
	struct passwd *pw;
	struct group *gr;

	if (all_digits(words[0])) {
		if (!parse_dec(words[0], (unsigned)-2, &v))
			return perr(ps, "%s id \"%s\" is out of range", k->name, words[0]);
	} else if (!k->arg && (pw = getpwnam(words[0]))) {
		v = pw->pw_uid;
	} else if (k->arg && (gr = getgrnam(words[0]))) {
		v = gr->gr_gid;
	} else {
		return perr(ps, "no such %s \"%s\"", k->name, words[0]);
	}
	if (k->arg) {
		i->group = (gid_t)v;
		i->has_group = true;
	} else {
		i->user = (uid_t)v;
		i->has_user = true;
	}
	return 0;
}

static int key_mtu(struct pstate *ps, const struct key *k, char **words, int n)
{
	return uint_range(ps, k, words[0], 68, 65535, &ps->cur_if->mtu);
}

static int key_state(struct pstate *ps, const struct key *k, char **words, int n)
{
	if (strcmp(words[0], "up") && strcmp(words[0], "down"))
		return perr(ps, "\"state\" must be \"up\" or \"down\", not \"%s\"", words[0]);
	ps->cur_if->up = !strcmp(words[0], "up");
	return 0;
}

/* A unicast, non-zero MAC address, for key @key. */
static int parse_mac(struct pstate *ps, const char *key, const char *w, uint8_t mac[6])
{
	const char *p = w;

	for (int b = 0; b < 6; b++, p += 3) {
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    p[2] != (b == 5 ? '\0' : ':'))
			return perr(ps,
				    "\"%s\" must be six hex bytes like 02:00:5e:00:53:01, not "
				    "\"%s\"",
				    key, w);
		mac[b] = (uint8_t)strtoul((char[]){p[0], p[1], '\0'}, NULL, 16);
	}
	if (mac[0] & 1)
		return perr(ps, "\"%s\" %s is a multicast address", key, w);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return perr(ps, "\"%s\" must not be all zeros", key);
	return 0;
}

static int key_mac(struct pstate *ps, const struct key *k, char **words, int n)
{
	uint8_t mac[6];
	int err = parse_mac(ps, "mac", words[0], mac);

	if (err)
		return err;
	memcpy(ps->cur_if->mac, mac, 6);
	ps->cur_if->has_mac = true;
	return 0;
}

static int grow(void **v, size_t n, size_t size)
{
	void *nv;

	if (n && (n < 4 || (n & (n - 1)))) /* capacity: 4, then powers of two */
		return 0;
	nv = realloc(*v, (n ? n * 2 : 4) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

static int key_address(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_if *i = ps->cur_if;
	struct tw_prefix p;
	char buf[TW_PREFIX_STRLEN];

	if (tw_prefix_parse(words[0], 0, &p) < 0) {
		char why[160];

		if (arg_prefix_why(words[0], why, sizeof(why)))
			return perr(ps, "\"%s\": %s", words[0], why);
		return perr(ps, "\"%s\" is not an IPv4 or IPv6 address[/length]", words[0]);
	}
	for (size_t j = 0; j < i->n_addrs; j++)
		if (tw_prefix_equal(&i->addrs[j].prefix, &p)) {
			tw_prefix_format(&p, 0, buf, sizeof(buf));
			return perr(ps, "address %s is already declared at line %u", buf,
				    i->addrs[j].line);
		}
	if (i->n_addrs >= APPLY_MAX_PER_IF)
		return perr(ps, "more than %u addresses on \"%s\"", APPLY_MAX_PER_IF, i->name);
	if (grow((void **)&i->addrs, i->n_addrs, sizeof(*i->addrs)) < 0)
		return -ENOMEM;
	i->addrs[i->n_addrs++] = (struct apply_addr){.prefix = p, .line = ps->line};
	return 0;
}

static bool route_same(const struct apply_route *a, const struct apply_route *b)
{
	return tw_prefix_equal(&a->dst, &b->dst);
}

static int route_words(struct pstate *ps, char **words, int n, struct apply_route *r)
{
	struct tw_prefix masked;

	if (tw_prefix_parse(words[0], 0, &r->dst) < 0) {
		char why[160];

		if (arg_prefix_why(words[0], why, sizeof(why)))
			return perr(ps, "\"%s\": %s", words[0], why);
		return perr(ps, "\"%s\" is not an IPv4 or IPv6 prefix", words[0]);
	}
	masked = r->dst;
	tw_prefix_mask(&masked);
	if (!tw_prefix_equal(&masked, &r->dst))
		return perr(ps, "\"%s\" has host bits set (the prefix is probably wrong)",
			    words[0]);
	for (int w = 1; w < n; w++) {
		if (strcmp(words[w], "via"))
			return perr(ps, "unexpected \"%s\" in a route (expected \"via GATEWAY\")",
				    words[w]);
		if (r->has_via)
			return perr(ps, "\"via\" is given twice");
		if (++w == n)
			return perr(ps, "\"via\" needs a gateway address");
		if (tw_prefix_parse(words[w], TW_PREFIX_NO_LEN, &r->via) < 0)
			return perr(ps, "gateway \"%s\" is not an IPv4 or IPv6 address", words[w]);
		if (r->via.family != r->dst.family)
			return perr(ps, "gateway \"%s\" is not of the same family as \"%s\"",
				    words[w], words[0]);
		r->has_via = true;
	}
	return 0;
}

static int key_route(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_if *i = ps->cur_if;
	struct apply_route r = {.line = ps->line};
	int err = route_words(ps, words, n, &r);

	if (err)
		return err;
	for (size_t j = 0; j < i->n_routes; j++)
		if (route_same(&i->routes[j], &r))
			return perr(ps, "a route to %s is already declared at line %u", words[0],
				    i->routes[j].line);
	if (i->n_routes >= APPLY_MAX_PER_IF)
		return perr(ps, "more than %u routes on \"%s\"", APPLY_MAX_PER_IF, i->name);
	if (grow((void **)&i->routes, i->n_routes, sizeof(*i->routes)) < 0)
		return -ENOMEM;
	i->routes[i->n_routes++] = r;
	return 0;
}

/* A bridge option (k->arg indexes bropt_bridge[]): its word as the table says. */
static int key_br_opt(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_if *i = ps->cur_if;
	char why[128];
	unsigned v;

	if (bropt_parse(&bropt_bridge[k->arg], words[0], &v, why, sizeof(why)) < 0)
		return perr(ps, "%s, not \"%s\"", why, words[0]);
	i->br_set |= 1u << k->arg;
	i->br_val[k->arg] = v;
	return 0;
}

static int key_port_bridge(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_port *p = ps->cur_port;

	if (tw_ifname_valid(words[0]) < 0)
		return perr(ps, "\"%s\" is not a valid interface name", words[0]);
	if (!strcmp(words[0], p->name))
		return perr(ps, "\"%s\" cannot be a port of itself", p->name);
	snprintf(p->bridge, sizeof(p->bridge), "%s", words[0]);
	return 0;
}

/* A port option (k->arg indexes bropt_port[]). */
static int key_port_opt(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_port *p = ps->cur_port;
	char why[128];
	unsigned v;

	if (bropt_parse(&bropt_port[k->arg], words[0], &v, why, sizeof(why)) < 0)
		return perr(ps, "%s, not \"%s\"", why, words[0]);
	p->set |= 1u << k->arg;
	p->val[k->arg] = v;
	return 0;
}

/* ---- [vxlan NAME]: tapwire-vxlan's options ---- */

/* An IPv4 or IPv6 address (@multicast: a group, else unicast), copied to @out. */
static int vx_addr(struct pstate *ps, const char *key, const char *w, bool multicast,
		   char out[INET6_ADDRSTRLEN])
{
	struct in6_addr a6;
	struct in_addr a4;
	bool mc;

	if (inet_pton(AF_INET, w, &a4) == 1)
		mc = (ntohl(a4.s_addr) >> 28) == 0xe;
	else if (inet_pton(AF_INET6, w, &a6) == 1)
		mc = IN6_IS_ADDR_MULTICAST(&a6);
	else
		return perr(ps, "\"%s\" must be an IPv4 or IPv6 address, not \"%s\"", key, w);
	if (mc != multicast)
		return perr(ps, "\"%s\" must be a %s address, not \"%s\"%s", key,
			    multicast ? "multicast" : "unicast", w,
			    multicast ? "" : " (a multicast group is \"group\")");
	snprintf(out, INET6_ADDRSTRLEN, "%s", w);
	return 0;
}

static int key_vx(struct pstate *ps, const struct key *k, char **words, int n)
{
	struct apply_vxlan *v = ps->cur_if->vx;
	uint8_t mac[6];
	int err = 0;

	switch (k->arg) {
	case 0:
		return uint_range(ps, k, words[0], 0, 0xffffff, &v->vni);
	case 1:
		return vx_addr(ps, k->name, words[0], false, v->local);
	case 2:
		return uint_range(ps, k, words[0], 1, 65535, &v->port);
	case 3: /* group = MCAST DEV */
		if (n != 2)
			return perr(ps, "\"group\" is a multicast address and the interface to "
					"join it on: group = 239.1.1.1 eth0");
		if (tw_ifname_valid(words[1]) < 0)
			return perr(ps, "\"%s\" is not a valid interface name", words[1]);
		snprintf(v->group_dev, sizeof(v->group_dev), "%s", words[1]);
		return vx_addr(ps, k->name, words[0], true, v->group);
	case 4: {
		bool on = true;

		if ((err = on_off(ps, k, words[0], &on)))
			return err;
		v->no_learning = !on;
		return 0;
	}
	case 5:
		v->has_ageing = true;
		return uint_range(ps, k, words[0], 0, 1000000, &v->ageing);
	case 6:
		return uint_range(ps, k, words[0], 1, 1u << 20, &v->fdb_max);
	case 7: /* remote = ADDR, repeatable */
		if (n > 1)
			return perr(ps, "one address a \"remote\" line");
		if (v->n_remotes == APPLY_VX_MAX)
			return perr(ps, "more than %d remotes", APPLY_VX_MAX);
		for (size_t j = 0; j < v->n_remotes; j++)
			if (!strcmp(v->remotes[j], words[0]))
				return perr(ps, "remote %s is given twice", words[0]);
		return vx_addr(ps, k->name, words[0], false, v->remotes[v->n_remotes++]);
	case 8: { /* fdb = MAC ADDR, repeatable */
		char addr[INET6_ADDRSTRLEN];

		if (n != 2)
			return perr(ps, "\"fdb\" is a MAC address and the remote it is behind: "
					"fdb = 02:00:5e:00:53:01 198.51.100.2");
		if (v->n_fdb == APPLY_VX_MAX)
			return perr(ps, "more than %d fdb entries", APPLY_VX_MAX);
		if ((err = parse_mac(ps, "fdb", words[0], mac)) ||
		    (err = vx_addr(ps, k->name, words[1], false, addr)))
			return err;
		snprintf(v->fdb[v->n_fdb++], sizeof(v->fdb[0]), "%02x:%02x:%02x:%02x:%02x:%02x=%s",
			 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], addr);
		return 0;
	}
	}
	return -EINVAL;
}

/* slot: where a single-valued key remembers its line, to refuse it twice. */
static const struct key keys[] = {
    {"user", S_DEV, 0, key_id, 0},
    {"group", S_DEV, 1, key_id, 1},
    {"pi", S_DEV, 2, key_flag, TW_TUN_PI},
    {"vnet_hdr", S_DEV, 3, key_flag, TW_TUN_VNET_HDR},
    {"multi_queue", S_DEV, 4, key_flag, TW_TUN_MULTI_QUEUE},
    {"mtu", S_IF, 5, key_mtu, 0},
    {"state", S_IF, 6, key_state, 0},
    {"mac", S_TAP | S_BRIDGE | S_LINK | S_VXLAN, 7, key_mac, 0},
    {"address", S_IF, -1, key_address, 0},
    {"route", S_IF, -1, key_route, 0},
    {"bridge", S_PORT, 0, key_port_bridge, 0},
    /* vxlan sections have no bridge options: their slots are free */
    {"vni", S_VXLAN, 8, key_vx, 0},
    {"local", S_VXLAN, 9, key_vx, 1},
    {"port", S_VXLAN, 10, key_vx, 2},
    {"group", S_VXLAN, 11, key_vx, 3},
    {"learning", S_VXLAN, 12, key_vx, 4},
    {"ageing", S_VXLAN, 13, key_vx, 5},
    {"fdb_max", S_VXLAN, 14, key_vx, 6},
    {"remote", S_VXLAN, -1, key_vx, 7},
    {"fdb", S_VXLAN, -1, key_vx, 8},
    {0},
};

/* Bridge and port options come from bropt.h's tables; their lines are kept after the keys'. */
#define BR_OPT_SLOT   8
#define PORT_OPT_SLOT 1

/* The key @name of a section of @kind: from keys[], else an option of bropt.h; false if none. */
static bool key_find(const char *name, unsigned kind, struct key *ret)
{
	const struct bropt *o;

	for (const struct key *k = keys; k->name; k++)
		if (!strcmp(k->name, name) && (k->kinds & kind)) {
			*ret = *k;
			return true;
		}
	if ((kind & S_BRIDGE) && (o = bropt_find(bropt_bridge, BROPT_BR_N, name))) {
		int opt = (int)(o - bropt_bridge);

		*ret = (struct key){o->name, S_BRIDGE, BR_OPT_SLOT + opt, key_br_opt, opt};
		return true;
	}
	if ((kind & S_PORT) && (o = bropt_find(bropt_port, BROPT_PORT_N, name))) {
		int opt = (int)(o - bropt_port);

		*ret = (struct key){o->name, S_PORT, PORT_OPT_SLOT + opt, key_port_opt, opt};
		return true;
	}
	return false;
}

static const char *section_word(unsigned kind)
{
	for (unsigned k = 0; k <= APPLY_VXLAN; k++)
		if (kind == 1u << k)
			return kind_names[k];
	return "port";
}

const struct apply_if *apply_model_find(const struct apply_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_ifs; i++)
		if (!strcmp(m->ifs[i].name, name))
			return &m->ifs[i];
	return NULL;
}

static const struct apply_port *port_find(const struct apply_model *m, const char *name)
{
	for (size_t i = 0; i < m->n_ports; i++)
		if (!strcmp(m->ports[i].name, name))
			return &m->ports[i];
	return NULL;
}

static int section_kind(struct pstate *ps, const char *word, unsigned *ret)
{
	for (unsigned k = 0; k <= APPLY_VXLAN; k++)
		if (!strcmp(word, kind_names[k])) {
			*ret = 1u << k;
			return 0;
		}
	if (!strcmp(word, "port")) {
		*ret = S_PORT;
		return 0;
	}
	return perr(ps, "unknown section \"%s\" (expected tun, tap, bridge, port, link or vxlan)",
		    word);
}

static int section_end(struct pstate *ps);

static int section_begin(struct pstate *ps, char **words, int n)
{
	struct apply_model *m = ps->m;
	const struct apply_if *dup;
	const struct apply_port *pdup;
	unsigned kind = 0;
	int err = section_end(ps);

	if (err)
		return err;
	if (n == 0)
		return perr(ps, "empty section header");
	if ((err = section_kind(ps, words[0], &kind)))
		return err;
	if (n < 2)
		return perr(ps, "section \"%s\" needs an interface name: [%s NAME]", words[0],
			    words[0]);
	if (n > 2)
		return perr(ps, "unexpected \"%s\" in the section header", words[2]);
	if (tw_ifname_valid(words[1]) < 0)
		return perr(ps,
			    "\"%s\" is not a valid interface name (1-15 bytes, no '/', ':' "
			    "or white space)",
			    words[1]);
	if (m->n_ifs + m->n_ports >= APPLY_MAX_SECTIONS)
		return perr(ps, "more than %u sections", APPLY_MAX_SECTIONS);
	ps->kind = kind;
	ps->cur_if = NULL;
	ps->cur_port = NULL;
	if (kind == S_PORT) {
		if ((pdup = port_find(m, words[1])))
			return perr(ps, "port \"%s\" is already declared at line %u", words[1],
				    pdup->line);
		if (grow((void **)&m->ports, m->n_ports, sizeof(*m->ports)) < 0)
			return -ENOMEM;
		ps->cur_port = &m->ports[m->n_ports++];
		*ps->cur_port = (struct apply_port){.line = ps->line};
		snprintf(ps->cur_port->name, IFNAMSIZ, "%s", words[1]);
		return 0;
	}
	if ((dup = apply_model_find(m, words[1])))
		return perr(ps, "\"%s\" is already declared at line %u", words[1], dup->line);
	if (grow((void **)&m->ifs, m->n_ifs, sizeof(*m->ifs)) < 0)
		return -ENOMEM;
	ps->cur_if = &m->ifs[m->n_ifs++];
	*ps->cur_if = (struct apply_if){.line = ps->line, .up = -1};
	ps->cur_if->kind = (enum apply_kind)__builtin_ctz(kind);
	snprintf(ps->cur_if->name, IFNAMSIZ, "%s", words[1]);
	if (kind == S_VXLAN) {
		/* the daemon attaches with vnet headers, which the TAP keeps */
		ps->cur_if->tun_flags = TW_TUN_VNET_HDR;
		if (!(ps->cur_if->vx = calloc(1, sizeof(*ps->cur_if->vx))))
			return -ENOMEM;
	}
	return 0;
}

/* Checks that need the whole section. */
static int section_end(struct pstate *ps)
{
	struct apply_if *i = ps->cur_if;
	unsigned saved = ps->line;
	int err = 0;

	if (i && i->vx && !i->key_line[8]) {
		ps->line = i->line;
		err = perr(ps, "[vxlan %s] needs \"vni = N\"", i->name);
	} else if (i && i->vx && !i->vx->n_remotes && !i->vx->group[0] && !i->vx->n_fdb) {
		ps->line = i->line;
		err = perr(ps, "[vxlan %s] sends nowhere: give \"remote\", \"group\" or \"fdb\"",
			   i->name);
	}
	if (ps->cur_port && !ps->cur_port->bridge[0]) {
		ps->line = ps->cur_port->line;
		err = perr(ps, "[port %s] needs \"bridge = NAME\"", ps->cur_port->name);
	}
	if (i && i->kind == APPLY_BRIDGE && (i->br_set & 1u << APPLY_BR_STP) &&
	    i->br_val[APPLY_BR_STP] && (i->br_set & 1u << APPLY_BR_FORWARD_DELAY) &&
	    i->br_val[APPLY_BR_FORWARD_DELAY] < 200) {
		ps->line = i->key_line[BR_OPT_SLOT + APPLY_BR_FORWARD_DELAY];
		err = perr(ps, "\"forward_delay\" must be from 2 to 30 seconds when stp is on");
	}
	ps->line = saved;
	return err;
}

static int key_line(struct pstate *ps, char *name, char **words, int n)
{
	struct key key;
	const struct key *k = &key;
	unsigned *lines;

	if (!ps->kind)
		return perr(ps, "\"%s\" is outside any section (start one like [tap tap0])", name);
	if (!key_find(name, ps->kind, &key)) {
		const char *sec = section_word(ps->kind);

		return perr(ps, "unknown key \"%s\" in a %s section", name, sec);
	}
	if (n == 0)
		return perr(ps, "\"%s\" needs a value", name);
	lines = ps->cur_port ? ps->cur_port->key_line : ps->cur_if->key_line;
	if (k->slot >= 0) {
		int err = one_word(ps, k, n, words);

		if (err)
			return err;
		if (lines[k->slot])
			return perr(ps, "\"%s\" is already given at line %u", name, lines[k->slot]);
		lines[k->slot] = ps->line;
	}
	return k->parse(ps, k, words, n);
}

/* Splits at blanks; returns the number of words or -E2BIG past @max. */
static int split(char *s, char **words, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return -E2BIG;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static bool key_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '_';
}

static int parse_line(struct pstate *ps, char *s)
{
	char *words[8], *eq, *name, *end, *hash = strchr(s, '#');
	int n;

	if (hash)
		*hash = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == ';')
		return 0;
	for (const char *p = s; *p; p++)
		if (iscntrl((unsigned char)*p) && *p != '\t')
			return perr(ps, "control character 0x%02x in the line", (unsigned char)*p);
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return perr(ps, "section header without \"]\"");
		if (end[1 + strspn(end + 1, " \t")])
			return perr(ps, "unexpected \"%s\" after the section header", end + 1);
		*end = '\0';
		n = split(s + 1, words, 8);
		return section_begin(ps, words, n < 0 ? 3 : n);
	}
	eq = strchr(s, '=');
	if (!eq)
		return perr(ps, "expected \"KEY = VALUE\" or \"[SECTION NAME]\", not \"%s\"", s);
	*eq = '\0';
	name = s;
	end = eq;
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!*name)
		return perr(ps, "a key is missing before \"=\"");
	for (const char *p = name; *p; p++)
		if (!key_char(*p))
			return perr(ps, "\"%s\" is not a key (lower-case letters, digits and _)",
				    name);
	n = split(eq + 1, words, 8);
	if (n < 0)
		return perr(ps, "too many words in the value of \"%s\"", name);
	return key_line(ps, name, words, n);
}

/* Checks across sections: ports name bridges, only layer-2 devices are ports. */
static int model_check(struct pstate *ps)
{
	const struct apply_model *m = ps->m;

	for (size_t j = 0; j < m->n_ports; j++) {
		const struct apply_port *p = &m->ports[j];
		const struct apply_if *self = apply_model_find(m, p->name);
		const struct apply_if *br = apply_model_find(m, p->bridge);

		ps->line = p->line;
		if (self && self->kind == APPLY_TUN)
			return perr(ps,
				    "\"%s\" is a tun device (layer 3, line %u); only layer-2 "
				    "interfaces can be bridge ports",
				    p->name, self->line);
		if (self && self->kind == APPLY_BRIDGE)
			return perr(ps, "\"%s\" is a bridge (line %u); a bridge cannot be a port",
				    p->name, self->line);
		ps->line = p->key_line[0];
		if (br && br->kind != APPLY_BRIDGE && br->kind != APPLY_LINK)
			return perr(ps, "\"%s\" is declared as a %s at line %u, not a bridge",
				    p->bridge, apply_kind_name(br->kind), br->line);
	}
	return 0;
}

void apply_model_free(struct apply_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_ifs; i++) {
		free(m->ifs[i].addrs);
		free(m->ifs[i].routes);
		free(m->ifs[i].vx);
	}
	free(m->ifs);
	free(m->ports);
	*m = (struct apply_model){0};
}

int apply_parse(const char *text, size_t len, struct apply_model *ret, struct apply_error *err)
{
	struct apply_model m = {0};
	struct pstate ps = {.m = &m, .err = err};
	char line[APPLY_MAX_LINE + 2];
	size_t pos = 0;
	int r = 0;

	*err = (struct apply_error){0};
	while (pos < len && r == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		ps.line++;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n > APPLY_MAX_LINE)
			r = perr(&ps, "line longer than %u bytes", APPLY_MAX_LINE);
		else if (memchr(text + pos, '\0', n))
			r = perr(&ps, "NUL byte in the line");
		else {
			memcpy(line, text + pos, n);
			line[n] = '\0';
			r = parse_line(&ps, line);
		}
		pos += (nl ? (size_t)(nl - (text + pos)) + 1 : len - pos);
	}
	if (r == 0)
		r = section_end(&ps);
	if (r == 0)
		r = model_check(&ps);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		apply_model_free(&m);
		return r;
	}
	*ret = m;
	return 0;
}

int apply_load(const char *path, struct apply_model *ret, struct apply_error *err)
{
	char *buf = malloc(APPLY_MAX_FILE + 1);
	size_t len = 0;
	ssize_t n;
	int fd, r;

	*err = (struct apply_error){0};
	if (!buf)
		return -ENOMEM;
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : fcntl(0, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	while ((n = read(fd, buf + len, APPLY_MAX_FILE + 1 - len)) > 0)
		len += (size_t)n;
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r == 0 && len > APPLY_MAX_FILE) {
		snprintf(err->msg, sizeof(err->msg), "file larger than %u bytes", APPLY_MAX_FILE);
		r = -EFBIG;
	}
	if (r == 0)
		r = apply_parse(buf, len, ret, err);
	free(buf);
	return r;
}
