// SPDX-License-Identifier: MIT
/*
 * The brctl personality: bridge-utils 1.7.1's commands, output layouts,
 * messages and exit codes, done through libtapwire's rtnetlink calls.
 * Quirks kept on purpose because scripts see them: options may appear
 * anywhere (getopt permutes, so "-1" is an unknown option), numbers take a
 * leading number and ignore the rest ("12abc" is 12), addbr/delbr cut
 * names to 15 bytes, setpathcost/setportprio ignore the bridge argument.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "bridge.h"
#include "bropt.h"

int brctl_parse_time(const char *word, uint32_t *ret_cs)
{
	double secs;
	long sec, usec;
	char *end;

	secs = strtod(word, &end);
	if (end == word)
		return -EINVAL;
	/* bridge-utils goes through a struct timeval, truncating twice. */
	sec = (long)secs;
	usec = (long)(1000000 * (secs - (double)sec));
	*ret_cs =
	    (uint32_t)((1000000ull * (unsigned long long)sec + (unsigned long long)usec) / 10000);
	return 0;
}

int brctl_parse_long(const char *word, long *ret)
{
	char *end;
	long v = strtol(word, &end, 0);

	if (end == word)
		return -EINVAL;
	*ret = v;
	return 0;
}

void brctl_format_timer(uint64_t cs, char *buf, size_t len)
{
	snprintf(buf, len, "%4llu.%.2llu", (unsigned long long)(cs / 100),
		 (unsigned long long)(cs % 100));
}

static void print_timer(FILE *f, uint64_t cs)
{
	char buf[32];

	brctl_format_timer(cs, buf, sizeof(buf));
	fputs(buf, f);
}

static void print_id(FILE *f, const struct tw_bridge_id *id)
{
	char buf[24];

	tw_bridge_id_format(id, buf, sizeof(buf));
	fputs(buf, f);
}

void brctl_print_show_header(FILE *f)
{
	fputs("bridge name\tbridge id\t\tSTP enabled\tinterfaces\n", f);
}

void brctl_print_show_bridge(FILE *f, const struct tw_bridge_info *br, const char *const *ports,
			     size_t n)
{
	fprintf(f, "%s\t\t", br->name);
	print_id(f, &br->bridge_id);
	fprintf(f, "\t%s\t\t", br->stp_state ? "yes" : "no");
	if (n == 0)
		fputc('\n', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s\n", i ? "\t\t\t\t\t\t\t" : "", ports[i]);
}

static void print_bridge_stp(FILE *f, const struct tw_bridge_info *br)
{
	fprintf(f, "%s\n bridge id\t\t", br->name);
	print_id(f, &br->bridge_id);
	fputs("\n designated root\t", f);
	print_id(f, &br->root_id);
	fprintf(f, "\n root port\t\t%4u\t\t\tpath cost\t\t%4u\n", br->root_port,
		br->root_path_cost);
	/* The kernel reports one value for the current and the configured times. */
	fputs(" max age\t\t", f);
	print_timer(f, br->max_age);
	fputs("\t\t\tbridge max age\t\t", f);
	print_timer(f, br->max_age);
	fputs("\n hello time\t\t", f);
	print_timer(f, br->hello_time);
	fputs("\t\t\tbridge hello time\t", f);
	print_timer(f, br->hello_time);
	fputs("\n forward delay\t\t", f);
	print_timer(f, br->forward_delay);
	fputs("\t\t\tbridge forward delay\t", f);
	print_timer(f, br->forward_delay);
	fputs("\n ageing time\t\t", f);
	print_timer(f, br->ageing_time);
	fputs("\n hello timer\t\t", f);
	print_timer(f, br->hello_timer);
	fputs("\t\t\ttcn timer\t\t", f);
	print_timer(f, br->tcn_timer);
	fputs("\n topology change timer\t", f);
	print_timer(f, br->topology_change_timer);
	fputs("\t\t\tgc timer\t\t", f);
	print_timer(f, br->gc_timer);
	fputs("\n flags\t\t\t", f);
	if (br->topology_change)
		fputs("TOPOLOGY_CHANGE ", f);
	if (br->topology_change_detected)
		fputs("TOPOLOGY_CHANGE_DETECTED ", f);
	fputs("\n\n\n", f);
}

static void print_port_stp(FILE *f, const struct tw_bridge_port_info *p)
{
	fprintf(f, "%s (%u)\n port id\t\t%.4x\t\t\tstate\t\t%15s\n", p->name, p->port_no,
		p->port_id, tw_bridge_port_state_name(p->state));
	fputs(" designated root\t", f);
	print_id(f, &p->designated_root);
	fprintf(f, "\tpath cost\t\t%4u\n designated bridge\t", p->cost);
	print_id(f, &p->designated_bridge);
	fputs("\tmessage age timer\t", f);
	print_timer(f, p->message_age_timer);
	fprintf(f, "\n designated port\t%.4x\t\t\tforward delay timer\t", p->designated_port);
	print_timer(f, p->forward_delay_timer);
	fprintf(f, "\n designated cost\t%4u\t\t\thold timer\t\t", p->designated_cost);
	print_timer(f, p->hold_timer);
	fputs("\n flags\t\t\t", f);
	if (p->config_pending)
		fputs("CONFIG_PENDING ", f);
	if (p->topology_change_ack)
		fputs("TOPOLOGY_CHANGE_ACK ", f);
	if (p->hairpin)
		fprintf(f, "\n hairpin mode\t\t%4d", 1);
	fputs("\n\n", f);
}

void brctl_print_showstp(FILE *f, const struct tw_bridge_info *br,
			 const struct tw_bridge_port_info *ports, size_t n)
{
	print_bridge_stp(f, br);
	for (size_t i = 0; i < n; i++)
		print_port_stp(f, &ports[i]);
}

void brctl_print_showmacs(FILE *f, const struct tw_bridge_fdb_entry *v, size_t n)
{
	fputs("port no\tmac addr\t\tis local?\tageing timer\n", f);
	for (size_t i = 0; i < n; i++) {
		const uint8_t *m = v[i].mac;

		fprintf(f, "%3u\t%.2x:%.2x:%.2x:%.2x:%.2x:%.2x\t%s\t\t", v[i].port_no, m[0], m[1],
			m[2], m[3], m[4], m[5], v[i].is_local ? "yes" : "no");
		/* Entries that never age show no age (the kernel's brforward does the same). */
		print_timer(f, v[i].is_local || v[i].is_static ? 0 : v[i].ageing_timer);
		fputc('\n', f);
	}
}

/* One brctl command: argv[0] is its name, argv[1..nargs] its arguments. */
struct brctl_cmd {
	const char *name;
	int nargs;
	int (*fn)(struct tw_nl *nl, char **argv);
	const char *help;
};

static int brctl_errno(int err)
{
	/* Name errors mean "no such bridge" to brctl; a non-bridge "not supported". */
	if (err == -EINVAL)
		return ENODEV;
	if (err == -EMEDIUMTYPE)
		return EOPNOTSUPP;
	return -err;
}

/* Looks up @name as a bridge: 0, -ENODEV (missing or bad name) or -EMEDIUMTYPE. */
static int find_bridge(struct tw_nl *nl, const char *name, struct tw_bridge_info *ret)
{
	struct tw_bridge_info tmp;
	int err;

	if (tw_ifname_valid(name) < 0)
		return -ENODEV;
	err = tw_bridge_get(nl, name, ret ? ret : &tmp);
	return err == -EINVAL ? -ENODEV : err;
}

static bool if_exists(const char *name)
{
	return tw_ifname_valid(name) == 0 && if_nametoindex(name) != 0;
}

/* addbr and delbr pass names through a 16-byte ioctl buffer: longer ones are cut. */
static void cut_name(const char *name, char *buf)
{
	snprintf(buf, IFNAMSIZ, "%s", name);
}

static int cmd_addbr(struct tw_nl *nl, char **argv)
{
	char name[IFNAMSIZ];
	int err;

	cut_name(argv[1], name);
	err = tw_bridge_add(nl, name, NULL);
	if (err == -EEXIST)
		fprintf(stderr,
			"device %s already exists; can't create bridge with the same name\n",
			argv[1]);
	else if (err < 0)
		fprintf(stderr, "add bridge failed: %s\n", strerror(-err));
	return err < 0;
}

static int cmd_delbr(struct tw_nl *nl, char **argv)
{
	struct tw_bridge_info br;
	char name[IFNAMSIZ];
	int err;

	cut_name(argv[1], name);
	err = find_bridge(nl, name, &br);
	if (err == 0 && (br.flags & IFF_UP)) {
		fprintf(stderr, "bridge %s is still up; can't delete it\n", argv[1]);
		return 1;
	}
	if (err == 0)
		err = tw_bridge_delete(nl, name);
	if (err == -ENODEV)
		fprintf(stderr, "bridge %s doesn't exist; can't delete it\n", argv[1]);
	else if (err < 0)
		fprintf(stderr, "can't delete bridge %s: %s\n", argv[1],
			strerror(err == -EMEDIUMTYPE ? EPERM : -err));
	return err < 0;
}

/* The checks addif, delif and hairpin share: the port exists, then the bridge. */
static int port_and_bridge(struct tw_nl *nl, const char *br, const char *ifname,
			   struct tw_bridge_info *ret_br)
{
	int err;

	if (!if_exists(ifname)) {
		fprintf(stderr, "interface %s does not exist!\n", ifname);
		return 1;
	}
	err = find_bridge(nl, br, ret_br);
	if (err == -ENODEV) {
		fprintf(stderr, "bridge %s does not exist!\n", br);
		return 1;
	}
	return err == 0 ? 0 : -1; /* -1: the caller reports it in its own words */
}

static int cmd_addif(struct tw_nl *nl, char **argv)
{
	const char *br = argv[1], *ifname = argv[2];
	int ret = port_and_bridge(nl, br, ifname, NULL), err;

	if (ret > 0)
		return 1;
	err = ret < 0 ? -EOPNOTSUPP : tw_bridge_addif(nl, br, ifname);
	if (err == -ELOOP)
		fprintf(stderr,
			"device %s is a bridge device itself; can't add a bridge device to a "
			"bridge device.\n",
			ifname);
	else if (err == -EBUSY)
		fprintf(stderr,
			"device %s is already a member of a bridge; can't add it to bridge %s.\n",
			ifname, br);
	else if (err < 0)
		fprintf(stderr, "can't add %s to bridge %s: %s\n", ifname, br, strerror(-err));
	return err < 0;
}

static int cmd_delif(struct tw_nl *nl, char **argv)
{
	const char *br = argv[1], *ifname = argv[2];
	int ret = port_and_bridge(nl, br, ifname, NULL), err;

	if (ret > 0)
		return 1;
	err = ret < 0 ? -EOPNOTSUPP : tw_bridge_delif(nl, br, ifname);
	if (err == -ENOENT)
		fprintf(stderr, "device %s is not a port of %s\n", ifname, br);
	else if (err < 0)
		fprintf(stderr, "can't delete %s from %s: %s\n", ifname, br, strerror(-err));
	return err < 0;
}

static int parse_on_off(const char *word, bool *ret)
{
	if (!strcmp(word, "on") || !strcmp(word, "yes") || !strcmp(word, "1"))
		*ret = true;
	else if (!strcmp(word, "off") || !strcmp(word, "no") || !strcmp(word, "0"))
		*ret = false;
	else {
		fprintf(stderr, "expect on/off for argument\n");
		return -EINVAL;
	}
	return 0;
}

static int cmd_hairpin(struct tw_nl *nl, char **argv)
{
	const char *br = argv[1], *ifname = argv[2];
	struct tw_bridge_port_opts opts = {.mask = TW_BRIDGE_PORT_HAIRPIN};
	struct tw_bridge_port_info port;
	struct tw_bridge_info info;
	int ret, err;

	if (parse_on_off(argv[3], &opts.hairpin) < 0)
		return 1;
	ret = port_and_bridge(nl, br, ifname, &info);
	if (ret > 0)
		return 1;
	err = ret < 0 ? -EOPNOTSUPP : tw_bridge_port_get(nl, ifname, &port);
	if (err == 0 && port.master != info.ifindex)
		err = -ENOENT;
	if (err == 0)
		err = tw_bridge_port_set(nl, ifname, &opts);
	if (err < 0)
		fprintf(stderr, "can't set %s to hairpin on bridge %s: %s\n", ifname, br,
			strerror(-err));
	return err < 0;
}

static int cmd_stp(struct tw_nl *nl, char **argv)
{
	struct tw_bridge_opts opts = {.mask = TW_BRIDGE_STP_STATE};
	int err;

	if (parse_on_off(argv[2], &opts.stp_state) < 0)
		return 1;
	err = find_bridge(nl, argv[1], NULL);
	if (err == 0)
		err = tw_bridge_set(nl, argv[1], &opts);
	if (err < 0)
		fprintf(stderr, "set stp status failed: %s\n", strerror(brctl_errno(err)));
	return err < 0;
}

/*
 * The option a brctl command sets (bropt.h): bridge-utils reads the words its
 * own way and leaves the ranges to the kernel, whose refusal it reports.
 */
static const struct bropt *brctl_opt(const struct bropt *table, size_t n, const char *cmd)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].brctl && !strcmp(table[i].brctl, cmd))
			return &table[i];
	return NULL;
}

static int set_bridge(struct tw_nl *nl, const char *br, const struct tw_bridge_opts *opts,
		      const char *failed)
{
	int err = find_bridge(nl, br, NULL);

	if (err == 0)
		err = tw_bridge_set(nl, br, opts);
	if (err < 0)
		fprintf(stderr, "%s: %s\n", failed, strerror(brctl_errno(err)));
	return err < 0;
}

/* setfd, sethello, setmaxage, setageing */
static int cmd_time(struct tw_nl *nl, char **argv)
{
	const struct bropt *o = brctl_opt(bropt_bridge, BROPT_BR_N, argv[0]);
	struct tw_bridge_opts opts = {0};
	uint32_t cs;

	if (brctl_parse_time(argv[2], &cs) < 0) {
		fprintf(stderr, "%s\n", o->brctl_bad);
		return 1;
	}
	bropt_bridge_put(o, cs, &opts);
	return set_bridge(nl, argv[1], &opts, o->brctl_failed);
}

static int cmd_setbridgeprio(struct tw_nl *nl, char **argv)
{
	const struct bropt *o = &bropt_bridge[BROPT_BR_PRIORITY];
	struct tw_bridge_opts opts = {0};
	long v;

	if (brctl_parse_long(argv[2], &v) < 0) {
		fprintf(stderr, "%s\n", o->brctl_bad);
		return 1;
	}
	/* the kernel keeps 16 bits, as bridge-utils relies on */
	bropt_bridge_put(o, (uint16_t)v, &opts);
	return set_bridge(nl, argv[1], &opts, o->brctl_failed);
}

/* setpathcost and setportprio address the port alone, as bridge-utils does. */
static int set_port(struct tw_nl *nl, const char *ifname, const struct tw_bridge_port_opts *opts,
		    const char *failed)
{
	struct tw_bridge_port_info port;
	int err = if_exists(ifname) ? tw_bridge_port_get(nl, ifname, &port) : -ENODEV;

	if (err == 0)
		err = tw_bridge_port_set(nl, ifname, opts);
	if (err < 0)
		fprintf(stderr, "%s: %s\n", failed, strerror(-err));
	return err < 0;
}

static int cmd_setpathcost(struct tw_nl *nl, char **argv)
{
	const struct bropt *o = &bropt_port[BROPT_PORT_COST];
	struct tw_bridge_port_opts opts = {0};
	long v;

	if (brctl_parse_long(argv[3], &v) < 0) {
		fprintf(stderr, "%s\n", o->brctl_bad);
		return 1;
	}
	/* bridge-utils keeps an int; the kernel refuses 0 and anything over 65535. */
	if ((int)v <= 0) {
		fprintf(stderr, "%s: %s\n", o->brctl_failed, strerror((int)v ? EINVAL : ERANGE));
		return 1;
	}
	bropt_port_put(o, (unsigned)(int)v, &opts);
	return set_port(nl, argv[2], &opts, o->brctl_failed);
}

static int cmd_setportprio(struct tw_nl *nl, char **argv)
{
	const struct bropt *o = &bropt_port[BROPT_PORT_PRIORITY];
	struct tw_bridge_port_opts opts = {0};
	long v;

	if (brctl_parse_long(argv[3], &v) < 0) {
		fprintf(stderr, "%s\n", o->brctl_bad);
		return 1;
	}
	if ((int)v < (int)o->min || (int)v > (int)o->max) {
		fprintf(stderr, "%s: %s\n", o->brctl_failed,
			strerror((int)v < 0 ? EINVAL : ERANGE));
		return 1;
	}
	bropt_port_put(o, (unsigned)v, &opts);
	return set_port(nl, argv[2], &opts, o->brctl_failed);
}

/* Prints one bridge of `show`; @ports are sorted by name. */
static int show_one(const struct tw_bridge_info *br, const struct tw_bridge_port_info *ports,
		    size_t np)
{
	const char **names = calloc(np ? np : 1, sizeof(*names));
	size_t n = 0;

	if (!names) {
		fprintf(stderr, "Out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < np; i++)
		if (ports[i].master == br->ifindex)
			names[n++] = ports[i].name;
	brctl_print_show_bridge(stdout, br, names, n);
	free(names);
	return 0;
}

static int cmd_show(struct tw_nl *nl, char **argv)
{
	struct tw_bridge_info *brs = NULL, one;
	struct tw_bridge_port_info *ports = NULL;
	size_t nb = 0, np = 0;
	bool header = false;
	int err, ret = 0;

	err = tw_bridge_port_list(nl, NULL, &ports, &np);
	if (err == 0 && !argv[1])
		err = tw_bridge_list(nl, &brs, &nb);
	if (err < 0) {
		fprintf(stderr, "can't get ports: %s\n", strerror(-err));
		return 1;
	}
	bridge_sort_ports(ports, np);
	if (!argv[1]) {
		bridge_sort_bridges(brs, nb);
		brctl_print_show_header(stdout);
		for (size_t i = 0; i < nb && !ret; i++)
			ret = show_one(&brs[i], ports, np);
	}
	for (int i = 1; argv[i] && ret <= 1; i++) {
		err = find_bridge(nl, argv[i], &one);
		if (err < 0) {
			fprintf(stderr,
				err == -ENODEV ? "bridge %s does not exist!\n"
					       : "device %s is not a bridge!\n",
				argv[i]);
			ret = 1;
			continue;
		}
		if (!header)
			brctl_print_show_header(stdout);
		header = true;
		if (show_one(&one, ports, np))
			ret = 2;
	}
	free(brs);
	free(ports);
	return ret != 0;
}

static int cmd_showstp(struct tw_nl *nl, char **argv)
{
	struct tw_bridge_port_info *ports = NULL;
	struct tw_bridge_info br;
	size_t np = 0;
	int err = find_bridge(nl, argv[1], &br);

	if (err < 0) {
		fprintf(stderr,
			err == -ENODEV ? "bridge %s does not exist!\n"
				       : "device %s is not a bridge!\n",
			argv[1]);
		return 1;
	}
	err = tw_bridge_port_list(nl, argv[1], &ports, &np);
	if (err < 0) {
		fprintf(stderr, "can't get ports: %s\n", strerror(-err));
		return 1;
	}
	bridge_sort_ports(ports, np);
	brctl_print_showstp(stdout, &br, ports, np);
	free(ports);
	return 0;
}

static int cmd_showmacs(struct tw_nl *nl, char **argv)
{
	struct tw_bridge_fdb_entry *v = NULL;
	size_t n = 0;
	int err = find_bridge(nl, argv[1], NULL);

	if (err == 0)
		err = tw_bridge_fdb_list(nl, argv[1], &v, &n);
	if (err < 0) {
		fprintf(stderr, "read of forward table failed: %s\n", strerror(brctl_errno(err)));
		return 1;
	}
	brctl_print_showmacs(stdout, v, n);
	free(v);
	return 0;
}

/* In bridge-utils' order: help and the usage lines are printed from this table. */
static const struct brctl_cmd brctl_cmds[] = {
    {"addbr", 1, cmd_addbr, "<bridge>\t\tadd bridge"},
    {"delbr", 1, cmd_delbr, "<bridge>\t\tdelete bridge"},
    {"addif", 2, cmd_addif, "<bridge> <device>\tadd interface to bridge"},
    {"delif", 2, cmd_delif, "<bridge> <device>\tdelete interface from bridge"},
    {"hairpin", 3, cmd_hairpin, "<bridge> <port> {on|off}\tturn hairpin on/off"},
    {"setageing", 2, cmd_time, "<bridge> <time>\t\tset ageing time"},
    {"setbridgeprio", 2, cmd_setbridgeprio, "<bridge> <prio>\t\tset bridge priority"},
    {"setfd", 2, cmd_time, "<bridge> <time>\t\tset bridge forward delay"},
    {"sethello", 2, cmd_time, "<bridge> <time>\t\tset hello time"},
    {"setmaxage", 2, cmd_time, "<bridge> <time>\t\tset max message age"},
    {"setpathcost", 3, cmd_setpathcost, "<bridge> <port> <cost>\tset path cost"},
    {"setportprio", 3, cmd_setportprio, "<bridge> <port> <prio>\tset port priority"},
    {"show", 0, cmd_show, "[ <bridge> ]\t\tshow a list of bridges"},
    {"showmacs", 1, cmd_showmacs, "<bridge>\t\tshow a list of mac addrs"},
    {"showstp", 1, cmd_showstp, "<bridge>\t\tshow bridge stp info"},
    {"stp", 2, cmd_stp, "<bridge> {on|off}\tturn stp on/off"},
    {0},
};

static void brctl_help(void)
{
	fputs("Usage: brctl [commands]\ncommands:\n", stdout);
	for (const struct brctl_cmd *c = brctl_cmds; c->name; c++)
		printf("\t%-10s\t%s\n", c->name, c->help);
}

int brctl_main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	const struct brctl_cmd *cmd;
	struct tw_nl *nl;
	int ch, ret, err;

	optind = 0; /* GNU: start afresh (unit tests call this more than once) */
	while ((ch = getopt_long(argc, argv, "Vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			brctl_help();
			return 0;
		case 'V':
			printf("bridge-utils, 1.7 (tapwire %s)\n", tw_version());
			return 0;
		default:
			fprintf(stderr, "Unknown option '%c'\n", ch);
			brctl_help();
			return 1;
		}
	}
	if (optind == argc) {
		brctl_help();
		return 1;
	}
	err = tw_nl_open(&nl);
	if (err < 0) {
		fprintf(stderr, "can't setup bridge control: %s\n", strerror(-err));
		return 1;
	}
	argv += optind;
	argc -= optind;
	for (cmd = brctl_cmds; cmd->name && strcmp(cmd->name, argv[0]); cmd++)
		;
	if (!cmd->name) {
		fprintf(stderr, "never heard of command [%s]\n", argv[0]);
		brctl_help();
		ret = 1;
	} else if (argc < cmd->nargs + 1) {
		printf("Incorrect number of arguments for command\nUsage: brctl %s %s\n", cmd->name,
		       cmd->help);
		ret = 1;
	} else {
		ret = cmd->fn(nl, argv);
	}
	tw_nl_close(nl);
	return ret;
}
