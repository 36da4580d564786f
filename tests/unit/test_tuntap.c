// SPDX-License-Identifier: MIT
/* `tuntap add|del` word parsing, IFLA_TUN parsing, fdinfo parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include "tuntap.h"
#include "tun_internal.h"

static int parse_add(const char *line, struct tuntap_add *a)
{
	static char buf[256]; /* the parsed words point into it */
	char *argv[32];
	struct cli c = {0};
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = cli_split_line(buf, argv, 32);
	assert_true(argc >= 0);
	return tuntap_parse_add(&c, argc, argv, a);
}

static void test_add_ok(void **state)
{
	struct tuntap_add a;

	assert_int_equal(parse_add("tap0 mode tap", &a), CLI_OK);
	assert_string_equal(a.name, "tap0");
	assert_int_equal(a.mode, TW_TUN_MODE_TAP);
	assert_false(a.has_user);
	assert_int_equal(a.flags, 0);

	assert_int_equal(parse_add("name tun7 mode tun user 0 group 0 multi_queue vnet_hdr pi "
				   "one_queue",
				   &a),
			 CLI_OK);
	assert_string_equal(a.name, "tun7");
	assert_int_equal(a.mode, TW_TUN_MODE_TUN);
	assert_true(a.has_user && a.has_group);
	assert_int_equal(a.uid, 0);
	assert_int_equal(a.flags,
			 TW_TUN_MULTI_QUEUE | TW_TUN_VNET_HDR | TW_TUN_PI | TW_TUN_ONE_QUEUE);

	/* keywords in any order, user by name, dev as a synonym of name */
	assert_int_equal(parse_add("mode tap user root dev t1", &a), CLI_OK);
	assert_string_equal(a.name, "t1");
	assert_int_equal(a.uid, 0);
	/* a template is a valid name */
	assert_int_equal(parse_add("tap%d mode tap", &a), CLI_OK);
}

static void test_add_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "tap0",
	    "mode tap",
	    "1234567890123456 mode tap",
	    "a/b mode tap",
	    "\"a b\" mode tap",
	    "\"\" mode tap",
	    ". mode tap",
	    ".. mode tap",
	    "tap0 mode tip",
	    "tap0 mode",
	    "tap0 mode tap mode tun",
	    "tap0 mode tap pi pi",
	    "tap0 mode tap user root user root",
	    "tap0 mode tap group 0 group 0",
	    "tap0 mode tap user no-such-user-tw",
	    "tap0 mode tap group no-such-group-tw",
	    "tap0 mode tap user",
	    "tap0 tap1 mode tap",
	    "tap0 name tap1 mode tap",
	    "tap0 mode tap multiqueue",
	    "tap0 mode tap user 4294967295",
	};
	struct tuntap_add a = {.name = "untouched"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_add(bad[i], &a), CLI_USAGE);
		assert_string_equal(a.name, "untouched"); /* ret untouched on failure */
	}
}

static void test_del(void **state)
{
	struct cli c = {0};
	const char *name = NULL;
	enum tw_tun_mode mode = 9;
	char *ok1[] = {"tap0"};
	char *ok2[] = {"dev", "tap0", "mode", "tun"};
	char *bad1[] = {"tap0", "tap1"};
	char *bad2[] = {"tap0", "mode", "x"};
	char *bad3[] = {"a/b"};

	assert_int_equal(tuntap_parse_del(&c, 1, ok1, &name, &mode), CLI_OK);
	assert_string_equal(name, "tap0");
	assert_int_equal(mode, 0);
	assert_int_equal(tuntap_parse_del(&c, 4, ok2, &name, &mode), CLI_OK);
	assert_int_equal(mode, TW_TUN_MODE_TUN);
	assert_int_equal(tuntap_parse_del(&c, 2, bad1, &name, &mode), CLI_USAGE);
	assert_int_equal(tuntap_parse_del(&c, 3, bad2, &name, &mode), CLI_USAGE);
	assert_int_equal(tuntap_parse_del(&c, 1, bad3, &name, &mode), CLI_USAGE);
	assert_int_equal(tuntap_parse_del(&c, 0, NULL, &name, &mode), CLI_USAGE);
}

/* Builds an RTM_NEWLINK message the way the kernel's tun driver fills it. */
static struct nlmsghdr *build_link(char *buf, const char *name, const char *kind, bool tap, bool mq,
				   int owner, int group)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *li, *data;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 42;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	if (!kind)
		return nlh;
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (owner >= 0)
		mnl_attr_put_u32(nlh, IFLA_TUN_OWNER, (uint32_t)owner);
	if (group >= 0)
		mnl_attr_put_u32(nlh, IFLA_TUN_GROUP, (uint32_t)group);
	mnl_attr_put_u8(nlh, IFLA_TUN_TYPE, tap ? IFF_TAP : IFF_TUN);
	mnl_attr_put_u8(nlh, IFLA_TUN_PI, 1);
	mnl_attr_put_u8(nlh, IFLA_TUN_VNET_HDR, 0);
	mnl_attr_put_u8(nlh, IFLA_TUN_PERSIST, 1);
	mnl_attr_put_u8(nlh, IFLA_TUN_MULTI_QUEUE, mq);
	if (mq) {
		mnl_attr_put_u32(nlh, IFLA_TUN_NUM_QUEUES, 3);
		mnl_attr_put_u32(nlh, IFLA_TUN_NUM_DISABLED_QUEUES, 1);
	}
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

static void test_parse_link(void **state)
{
	char buf[1024];
	struct tw_tun_info ti;
	struct nlmsghdr *nlh;

	nlh = build_link(buf, "tap5", "tun", true, true, 1000, 100);
	assert_int_equal(twi_tun_parse_link(nlh, &ti), 1);
	assert_string_equal(ti.name, "tap5");
	assert_int_equal(ti.ifindex, 42);
	assert_int_equal(ti.mode, TW_TUN_MODE_TAP);
	assert_true(ti.pi && ti.persist && ti.multi_queue && !ti.vnet_hdr);
	assert_true(ti.has_owner && ti.has_group);
	assert_int_equal(ti.owner, 1000);
	assert_int_equal(ti.group, 100);
	assert_int_equal(ti.num_queues, 3);
	assert_int_equal(ti.num_disabled_queues, 1);
	assert_int_equal(ti.n_procs, 0);
	assert_null(ti.procs);

	/* no owner or group: the kernel leaves the attributes out */
	nlh = build_link(buf, "tun0", "tun", false, false, -1, -1);
	assert_int_equal(twi_tun_parse_link(nlh, &ti), 1);
	assert_int_equal(ti.mode, TW_TUN_MODE_TUN);
	assert_false(ti.has_owner || ti.has_group || ti.multi_queue);
	assert_int_equal(ti.num_queues, 0);

	/* other kinds and plain links are not TUN/TAP */
	nlh = build_link(buf, "br0", "bridge", false, false, -1, -1);
	assert_int_equal(twi_tun_parse_link(nlh, &ti), 0);
	nlh = build_link(buf, "eth0", NULL, false, false, -1, -1);
	assert_int_equal(twi_tun_parse_link(nlh, &ti), 0);

	/* truncated inside the link info: never taken for a TUN/TAP */
	nlh = build_link(buf, "tap5", "tun", true, false, 1, 1);
	nlh->nlmsg_len -= 6;
	assert_true(twi_tun_parse_link(nlh, &ti) <= 0);
	/* too short for its family header */
	nlh->nlmsg_len = NLMSG_LENGTH(4);
	assert_int_equal(twi_tun_parse_link(nlh, &ti), -EBADMSG);
	/* not a link message */
	nlh = build_link(buf, "tap5", "tun", true, false, 1, 1);
	nlh->nlmsg_type = RTM_NEWADDR;
	assert_int_equal(twi_tun_parse_link(nlh, &ti), -EBADMSG);
}

static void test_parse_link_bad_types(void **state)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tw_tun_info ti;
	struct nlattr *li, *data;

	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "tap1");
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "tun");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_TUN_TYPE, IFF_TAP); /* wrong size: ignored */
	mnl_attr_put_u8(nlh, IFLA_TUN_OWNER, 5);       /* wrong size: ignored */
	mnl_attr_put_u8(nlh, 200, 1);		       /* unknown: ignored */
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(twi_tun_parse_link(nlh, &ti), 1);
	assert_int_equal(ti.mode, TW_TUN_MODE_TUN);
	assert_false(ti.has_owner);
}

static void test_fdinfo(void **state)
{
	char name[IFNAMSIZ] = "x";

	assert_int_equal(
	    twi_tun_fdinfo_iff("pos:\t0\nflags:\t02\nmnt_id:\t25\nino:\t1\niff:\ttap0\n", name), 0);
	assert_string_equal(name, "tap0");
	assert_int_equal(twi_tun_fdinfo_iff("iff:\t123456789012345", name), 0);
	assert_string_equal(name, "123456789012345");
	assert_int_equal(twi_tun_fdinfo_iff("pos:\t0\nflags:\t02\n", name), -ENOENT);
	assert_int_equal(twi_tun_fdinfo_iff("iff:\t\n", name), -ENOENT);
	assert_int_equal(twi_tun_fdinfo_iff("iff:\t1234567890123456\n", name), -ENOENT);
	assert_int_equal(twi_tun_fdinfo_iff("xiff:\ttap0\n", name), -ENOENT);
	assert_int_equal(twi_tun_fdinfo_iff("", name), -ENOENT);
	assert_string_equal(name, "123456789012345");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_ok),
	    cmocka_unit_test(test_add_bad),
	    cmocka_unit_test(test_del),
	    cmocka_unit_test(test_parse_link),
	    cmocka_unit_test(test_parse_link_bad_types),
	    cmocka_unit_test(test_fdinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
