// SPDX-License-Identifier: MIT
/*
 * Bridges: time conversions, brctl's number parsing, brctl's layouts from
 * fixed structs (golden text taken from bridge-utils 1.7.1 on the same
 * values), tapwire's JSON keys, and the netlink builders and parsers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "bridge.h"
#include "bropt.h"
#include "bridge_nl.h"

/* Seconds in bropt.h's words: digits with at most two decimals, within the range. */
static void test_seconds(void **state)
{
	static const struct bropt wide = {"t", BROPT_SECONDS, 0, 4294967295u, 0, NULL, NULL, NULL};
	static const struct {
		const char *in;
		int ok;
		uint32_t cs;
	} cases[] = {
	    {"15", 1, 1500},	   {"1.5", 1, 150},	    {"0.25", 1, 25},  {"2.", 0, 0},
	    {"0", 1, 0},	   {"42949672.95", 1, ~0u}, {"1.555", 0, 0},  {"", 0, 0},
	    {"-1", 0, 0},	   {"1e3", 0, 0},	    {".5", 0, 0},     {"1.2.3", 0, 0},
	    {"42949672.96", 0, 0}, {"99999999999", 0, 0},   {"0x10", 0, 0},   {" 1", 0, 0},
	    {"1 ", 0, 0},	   {"nan", 0, 0},	    {"010", 1, 1000},
	};
	char why[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned cs = 7;
		int err = bropt_parse(&wide, cases[i].in, &cs, why, sizeof(why));

		if (cases[i].ok) {
			assert_int_equal(err, 0);
			assert_int_equal(cs, cases[i].cs);
		} else {
			assert_int_equal(err, -EINVAL);
			assert_int_equal(cs, 7); /* untouched */
		}
	}
}

/* One table: each option's range and words, as every user of it reports them. */
static void test_bropt_table(void **state)
{
	const struct bropt *hello = bropt_find(bropt_bridge, BROPT_BR_N, "hello_time");
	const struct bropt *cost = bropt_find(bropt_port, BROPT_PORT_N, "cost");
	struct tw_bridge_opts bo = {0};
	struct tw_bridge_port_opts po = {0};
	char why[128], text[32];
	unsigned v;

	assert_non_null(hello);
	assert_non_null(cost);
	assert_null(bropt_find(bropt_bridge, BROPT_BR_N, "cost"));
	assert_int_equal(bropt_parse(hello, "0.5", &v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why,
			    "\"hello_time\" must be seconds from 1 to 10 (at most two decimals)");
	assert_int_equal(bropt_parse(hello, "10", &v, why, sizeof(why)), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(bropt_parse(cost, "0", &v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "\"cost\" must be an integer from 1 to 65535");
	assert_int_equal(bropt_parse(&bropt_port[BROPT_PORT_HAIRPIN], "yes", &v, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "\"hairpin\" must be \"on\" or \"off\"");

	bropt_bridge_put(hello, 150, &bo);
	assert_int_equal(bo.mask, TW_BRIDGE_HELLO_TIME);
	assert_int_equal(bo.hello_time, 150);
	bropt_port_put(cost, 77, &po);
	assert_int_equal(po.mask, TW_BRIDGE_PORT_COST);
	assert_int_equal(po.cost, 77);
	bropt_format(hello, 150, text, sizeof(text));
	assert_string_equal(text, "1.50");
	bropt_format(&bropt_bridge[BROPT_BR_STP], 1, text, sizeof(text));
	assert_string_equal(text, "on");
	/* jiffies: one centisecond off is the same time, two are not */
	assert_true(bropt_same(hello, 149, 150));
	assert_false(bropt_same(hello, 148, 150));
	assert_false(bropt_same(cost, 76, 77));
	/* every bridge-utils command names its option's messages */
	for (size_t i = 0; i < BROPT_BR_N; i++)
		assert_true(!bropt_bridge[i].brctl || bropt_bridge[i].brctl_failed);
}

/* bridge-utils' conversion, checked against what it wrote to the kernel. */
static void test_brctl_time(void **state)
{
	static const struct {
		const char *in;
		int ok;
		uint32_t cs;
	} cases[] = {
	    {"1", 1, 100},     {"2.555", 1, 255}, {"1.999", 1, 199}, {"0x10", 1, 1600},
	    {"1e1", 1, 1000},  {"1abc", 1, 100},  {" 3", 1, 300},    {"0.004", 1, 0},
	    {"45.5", 1, 4550}, {"abc", 0, 0},	  {"", 0, 0},	     {"x1", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cs = 7;
		int err = brctl_parse_time(cases[i].in, &cs);

		assert_int_equal(err, cases[i].ok ? 0 : -EINVAL);
		assert_int_equal(cs, cases[i].ok ? cases[i].cs : 7);
	}
}

static void test_brctl_long(void **state)
{
	long v = 0;

	assert_int_equal(brctl_parse_long("12abc", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(brctl_parse_long("0x10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(brctl_parse_long("x", &v), -EINVAL);
	assert_int_equal(v, 16);
}

static void test_timer_format(void **state)
{
	char buf[32];

	brctl_format_timer(0, buf, sizeof(buf));
	assert_string_equal(buf, "   0.00");
	brctl_format_timer(29394, buf, sizeof(buf));
	assert_string_equal(buf, " 293.94");
	brctl_format_timer(5, buf, sizeof(buf));
	assert_string_equal(buf, "   0.05");
	brctl_format_timer(12345678, buf, sizeof(buf));
	assert_string_equal(buf, "123456.78");
}

static void test_id_and_state(void **state)
{
	struct tw_bridge_id id = {0x8000, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}};
	char buf[18], small[17];

	assert_int_equal(tw_bridge_id_format(&id, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "8000.32858b1aba7d");
	assert_int_equal(tw_bridge_id_format(&id, small, sizeof(small)), -ENOSPC);
	assert_string_equal(tw_bridge_port_state_name(3), "forwarding");
	assert_string_equal(tw_bridge_port_state_name(4), "blocking");
	assert_string_equal(tw_bridge_port_state_name(5), "unknown");
}

typedef void (*printer)(FILE *f, const void *arg);

static char *capture(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

static const struct tw_bridge_info br0 = {
    .ifindex = 2,
    .name = "br0",
    .bridge_id = {0x1170, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}},
    .root_id = {0x1170, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}},
    .stp_state = 1,
    .forward_delay = 1500,
    .hello_time = 200,
    .max_age = 2000,
    .ageing_time = 30000,
    .priority = 0x1170,
    .hello_timer = 64,
    .gc_timer = 29690,
};

static const struct tw_bridge_port_info ports[] = {
    {
	.name = "v0",
	.master = 2,
	.port_id = 0x8001,
	.port_no = 1,
	.cost = 2,
	.designated_root = {0x8000, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}},
	.designated_bridge = {0x8000, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}},
	.designated_port = 0x8001,
    },
    {
	.name = "v2",
	.master = 2,
	.port_id = 0x8002,
	.port_no = 2,
	.cost = 2,
	.hairpin = true,
	.designated_root = {0x1170, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}},
	.designated_bridge = {0x1170, {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d}},
	.designated_port = 0x8002,
    },
};

static void print_show(FILE *f, const void *arg)
{
	static const char *const names[] = {"v0", "v2", "v4"};
	struct tw_bridge_info empty = {.name = "brempty"};

	brctl_print_show_header(f);
	brctl_print_show_bridge(f, &br0, names, 3);
	brctl_print_show_bridge(f, &empty, NULL, 0);
}

static void print_showstp(FILE *f, const void *arg)
{
	brctl_print_showstp(f, &br0, ports, 2);
}

static void print_showmacs(FILE *f, const void *arg)
{
	static const struct tw_bridge_fdb_entry v[] = {
	    {.mac = {0x32, 0x85, 0x8b, 0x1a, 0xba, 0x7d},
	     .port_no = 1,
	     .is_local = true,
	     .ageing_timer = 1234},
	    {.mac = {0x02, 0, 0, 0, 0, 0xaa}, .port_no = 3, .is_static = true, .ageing_timer = 5},
	    {.mac = {0xca, 0x4f, 0x04, 0xa2, 0xcc, 0x90}, .port_no = 12, .ageing_timer = 1507},
	};

	brctl_print_showmacs(f, v, 3);
}

static void test_brctl_show(void **state)
{
	char *s = capture(print_show, NULL);

	assert_string_equal(s, "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
			       "br0\t\t1170.32858b1aba7d\tyes\t\tv0\n"
			       "\t\t\t\t\t\t\tv2\n"
			       "\t\t\t\t\t\t\tv4\n"
			       "brempty\t\t0000.000000000000\tno\t\t\n");
	free(s);
}

static void test_brctl_showstp(void **state)
{
	char *s = capture(print_showstp, NULL);

	assert_string_equal(s, "br0\n"
			       " bridge id\t\t1170.32858b1aba7d\n"
			       " designated root\t1170.32858b1aba7d\n"
			       " root port\t\t   0\t\t\tpath cost\t\t   0\n"
			       " max age\t\t  20.00\t\t\tbridge max age\t\t  20.00\n"
			       " hello time\t\t   2.00\t\t\tbridge hello time\t   2.00\n"
			       " forward delay\t\t  15.00\t\t\tbridge forward delay\t  15.00\n"
			       " ageing time\t\t 300.00\n"
			       " hello timer\t\t   0.64\t\t\ttcn timer\t\t   0.00\n"
			       " topology change timer\t   0.00\t\t\tgc timer\t\t 296.90\n"
			       " flags\t\t\t\n"
			       "\n"
			       "\n"
			       "v0 (1)\n"
			       " port id\t\t8001\t\t\tstate\t\t       disabled\n"
			       " designated root\t8000.32858b1aba7d\tpath cost\t\t   2\n"
			       " designated bridge\t8000.32858b1aba7d\tmessage age timer\t   0.00\n"
			       " designated port\t8001\t\t\tforward delay timer\t   0.00\n"
			       " designated cost\t   0\t\t\thold timer\t\t   0.00\n"
			       " flags\t\t\t\n"
			       "\n"
			       "v2 (2)\n"
			       " port id\t\t8002\t\t\tstate\t\t       disabled\n"
			       " designated root\t1170.32858b1aba7d\tpath cost\t\t   2\n"
			       " designated bridge\t1170.32858b1aba7d\tmessage age timer\t   0.00\n"
			       " designated port\t8002\t\t\tforward delay timer\t   0.00\n"
			       " designated cost\t   0\t\t\thold timer\t\t   0.00\n"
			       " flags\t\t\t\n"
			       " hairpin mode\t\t   1\n"
			       "\n");
	free(s);
}

static void test_brctl_showmacs(void **state)
{
	char *s = capture(print_showmacs, NULL);

	assert_string_equal(s, "port no\tmac addr\t\tis local?\tageing timer\n"
			       "  1\t32:85:8b:1a:ba:7d\tyes\t\t   0.00\n"
			       "  3\t02:00:00:00:00:aa\tno\t\t   0.00\n"
			       " 12\tca:4f:04:a2:cc:90\tno\t\t  15.07\n");
	free(s);
}

static void emit_json(FILE *f, const void *arg)
{
	struct out o;

	out_init(&o, f, true, false);
	out_open_object(&o, NULL);
	bridge_out_bridge(&o, &br0, true);
	out_open_array(&o, "ports");
	out_open_object(&o, NULL);
	bridge_out_port(&o, &ports[1], false);
	out_close_object(&o);
	out_close_array(&o);
	out_close_object(&o);
}

static void emit_text(FILE *f, const void *arg)
{
	struct out o;

	out_init(&o, f, false, false);
	bridge_out_bridge(&o, &br0, false);
	out_nl(&o);
	bridge_out_port(&o, &ports[1], false);
	out_nl(&o);
}

static void test_tapwire_output(void **state)
{
	char *s = capture(emit_json, NULL);

	assert_string_equal(
	    s, "{\"ifname\":\"br0\",\"ifindex\":2,\"up\":false,\"bridge_id\":\"1170.32858b1aba7d\","
	       "\"stp\":true,\"stp_state\":1,\"priority\":4464,\"forward_delay\":1500,"
	       "\"hello_time\":200,\"max_age\":2000,\"ageing_time\":30000,"
	       "\"vlan_filtering\":false,\"root_id\":\"1170.32858b1aba7d\",\"root_port\":0,"
	       "\"root_path_cost\":0,\"topology_change\":false,"
	       "\"topology_change_detected\":false,\"hello_timer\":64,\"tcn_timer\":0,"
	       "\"topology_change_timer\":0,\"gc_timer\":29690,\"ports\":[{\"ifname\":\"v2\","
	       "\"ifindex\":0,\"port_no\":2,\"state\":\"disabled\",\"priority\":0,\"cost\":2,"
	       "\"hairpin\":true}]}\n");
	free(s);
	s = capture(emit_text, NULL);
	assert_string_equal(s, "br0: id 1170.32858b1aba7d stp on priority 4464 forward_delay 15.00 "
			       "hello_time 2.00 max_age 20.00 ageing_time 300.00\n"
			       "v2 (2): state disabled priority 0 cost 2 hairpin on\n");
	free(s);
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= IFLA_BR_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static void test_build_linkinfo(void **state)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tw_bridge_opts opts = {
	    .mask = TW_BRIDGE_STP_STATE | TW_BRIDGE_HELLO_TIME | TW_BRIDGE_PRIORITY,
	    .stp_state = true,
	    .hello_time = 150,
	    .forward_delay = 999, /* not in the mask: must not be sent */
	    .priority = 0x1000,
	};
	const struct nlattr *li[IFLA_INFO_MAX + 1] = {0}, *br[IFLA_BR_MAX + 1] = {0};
	const struct nlattr *top[IFLA_MAX + 1] = {0};

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	twi_bridge_put_linkinfo(nlh, &opts);
	assert_true(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), attr_cb, top) >= 0);
	assert_non_null(top[IFLA_LINKINFO]);
	assert_true(mnl_attr_parse_nested(top[IFLA_LINKINFO], attr_cb, li) >= 0);
	assert_string_equal(mnl_attr_get_str(li[IFLA_INFO_KIND]), "bridge");
	assert_true(mnl_attr_parse_nested(li[IFLA_INFO_DATA], attr_cb, br) >= 0);
	assert_int_equal(mnl_attr_get_u32(br[IFLA_BR_STP_STATE]), 1);
	assert_int_equal(mnl_attr_get_u32(br[IFLA_BR_HELLO_TIME]), 150);
	assert_int_equal(mnl_attr_get_payload_len(br[IFLA_BR_PRIORITY]), 2);
	assert_int_equal(mnl_attr_get_u16(br[IFLA_BR_PRIORITY]), 0x1000);
	assert_null(br[IFLA_BR_FORWARD_DELAY]);
	assert_null(br[IFLA_BR_MAX_AGE]);
}

static void test_build_protinfo(void **state)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tw_bridge_port_opts opts = {
	    .mask = TW_BRIDGE_PORT_COST | TW_BRIDGE_PORT_HAIRPIN, .cost = 7, .hairpin = true};
	const struct nlattr *top[IFLA_MAX + 1] = {0}, *pt[IFLA_BR_MAX + 1] = {0};

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	twi_bridge_put_protinfo(nlh, &opts);
	assert_true(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), attr_cb, top) >= 0);
	assert_non_null(top[IFLA_PROTINFO]);
	/* without the flag the kernel would read a bare port state */
	assert_true(top[IFLA_PROTINFO]->nla_type & NLA_F_NESTED);
	assert_true(mnl_attr_parse_nested(top[IFLA_PROTINFO], attr_cb, pt) >= 0);
	assert_int_equal(mnl_attr_get_u32(pt[IFLA_BRPORT_COST]), 7);
	assert_int_equal(mnl_attr_get_u8(pt[IFLA_BRPORT_MODE]), 1);
	assert_null(pt[IFLA_BRPORT_PRIORITY]);
}

/* A link message as a kernel would send it, with an attribute newer than our headers. */
static struct nlmsghdr *fake_link(char *buf, const char *kind, bool short_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct ifla_bridge_id id = {{0x80, 0x00}, {2, 0, 0, 0, 0, 1}};
	struct nlattr *li, *data;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 9;
	ifi->ifi_flags = 1;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "brx");
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 1500);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 1);
	mnl_attr_put_u16(nlh, IFLA_BR_PRIORITY, 0x8000);
	mnl_attr_put(nlh, IFLA_BR_BRIDGE_ID, short_id ? 4 : sizeof(id), &id);
	mnl_attr_put_u64(nlh, IFLA_BR_GC_TIMER, 12345);
	mnl_attr_put_u8(nlh, IFLA_BR_TOPOLOGY_CHANGE, 1);
	mnl_attr_put_u32(nlh, IFLA_BR_MAX + 5, 77);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

static void test_parse_link(void **state)
{
	char buf[2048];
	struct tw_bridge_info info;

	assert_int_equal(twi_bridge_parse_link(fake_link(buf, "bridge", false), &info), 1);
	assert_string_equal(info.name, "brx");
	assert_int_equal(info.ifindex, 9);
	assert_int_equal(info.forward_delay, 1500);
	assert_int_equal(info.stp_state, 1);
	assert_int_equal(info.priority, 0x8000);
	assert_int_equal(info.bridge_id.prio, 0x8000);
	assert_int_equal(info.bridge_id.addr[5], 1);
	assert_int_equal(info.gc_timer, 12345);
	assert_true(info.topology_change);
	assert_false(info.topology_change_detected);
	assert_int_equal(twi_bridge_parse_link(fake_link(buf, "veth", false), &info), 0);
	/* a short bridge id is ignored, not read past its end */
	assert_int_equal(twi_bridge_parse_link(fake_link(buf, "bridge", true), &info), 1);
	assert_int_equal(info.bridge_id.prio, 0);
}

static struct nlmsghdr *fake_neigh(char *buf, uint8_t flags, uint16_t state, int ifindex,
				   uint32_t master)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	uint8_t mac[6] = {2, 0, 0, 0, 0, 0xbb};
	struct nda_cacheinfo ci = {.ndm_updated = 321};

	nlh->nlmsg_type = RTM_NEWNEIGH;
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_flags = flags;
	ndm->ndm_state = state;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put_u32(nlh, NDA_MASTER, master);
	mnl_attr_put(nlh, NDA_CACHEINFO, sizeof(ci), &ci);
	mnl_attr_put_u16(nlh, NDA_VLAN, 10);
	return nlh;
}

static void test_parse_fdb(void **state)
{
	char buf[1024];
	struct tw_bridge_fdb_entry e;

	assert_int_equal(twi_bridge_parse_fdb(fake_neigh(buf, 0, NUD_REACHABLE, 5, 2), 2, &e), 1);
	assert_int_equal(e.ifindex, 5);
	assert_int_equal(e.mac[5], 0xbb);
	assert_int_equal(e.vlan, 10);
	assert_int_equal(e.ageing_timer, 321);
	assert_false(e.is_local);
	assert_int_equal(twi_bridge_parse_fdb(fake_neigh(buf, 0, NUD_PERMANENT, 5, 2), 2, &e), 1);
	assert_true(e.is_local);
	assert_int_equal(twi_bridge_parse_fdb(fake_neigh(buf, 0, NUD_NOARP, 5, 2), 2, &e), 1);
	assert_true(e.is_static);
	/* the ports' own address lists, the bridge's own entries, another bridge */
	assert_int_equal(
	    twi_bridge_parse_fdb(fake_neigh(buf, NTF_SELF, NUD_PERMANENT, 5, 2), 2, &e), 0);
	assert_int_equal(twi_bridge_parse_fdb(fake_neigh(buf, 0, NUD_PERMANENT, 2, 2), 2, &e), 0);
	assert_int_equal(twi_bridge_parse_fdb(fake_neigh(buf, 0, NUD_REACHABLE, 5, 3), 2, &e), 0);
}

/* Every bad word is refused before any system call (the handle is never opened). */
static void test_cli_usage(void **state)
{
	static const char *const bad[][8] = {
	    {"add"},
	    {"add", "a/b"},
	    {"add", "br0", "stp", "maybe"},
	    {"add", "br0", "stp"},
	    {"add", "br0", "forward_delay", "1.555"},
	    {"add", "br0", "hello_time", "-1"},
	    {"add", "br0", "priority", "65536"},
	    {"add", "br0", "bogus"},
	    {"set", "br0", "max_age", "1e3"},
	    {"del", "br0", "extra"},
	    {"addif", "br0"},
	    {"addif", "br0", "1234567890123456"},
	    {"delif", "br0", "eth0", "x"},
	    {"port", "set", "eth0", "cost", "0"},
	    {"port", "set", "eth0", "cost", "65536"},
	    {"port", "set", "eth0", "priority", "64"},
	    {"port", "set", "eth0", "hairpin", "yes"},
	    {"port", "nope"},
	    {"show", "a b"},
	    {"showstp"},
	    {"showmacs", "br0", "x"},
	    {"sh"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cli c = {.prog = "tapwire"};
		char *argv[8];
		int argc = 0;

		while (argc < 8 && bad[i][argc]) {
			argv[argc] = (char *)bad[i][argc];
			argc++;
		}
		out_init(&c.out, stdout, false, false);
		assert_int_equal(cli_dispatch(&c, cli_bridge_cmds, "tapwire bridge", argc, argv),
				 CLI_USAGE);
		assert_null(c.nl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seconds),	   cmocka_unit_test(test_bropt_table),
	    cmocka_unit_test(test_brctl_time),	   cmocka_unit_test(test_brctl_long),
	    cmocka_unit_test(test_timer_format),   cmocka_unit_test(test_id_and_state),
	    cmocka_unit_test(test_brctl_show),	   cmocka_unit_test(test_brctl_showstp),
	    cmocka_unit_test(test_brctl_showmacs), cmocka_unit_test(test_tapwire_output),
	    cmocka_unit_test(test_build_linkinfo), cmocka_unit_test(test_build_protinfo),
	    cmocka_unit_test(test_parse_link),	   cmocka_unit_test(test_parse_fdb),
	    cmocka_unit_test(test_cli_usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
