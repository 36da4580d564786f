// SPDX-License-Identifier: MIT
/*
 * rtnetlink request layout (links, addresses, routes), the prefix parser and
 * the extended-ack parser, checked byte for byte on buffers of our own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "nlbuild.h"

/* One expected attribute: type and payload. */
struct want_attr {
	uint16_t type;
	size_t len;
	const void *data;
};

/* Checks that the attributes after the family header are exactly @want, in order. */
static void check_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct want_attr *want,
			size_t n)
{
	const struct nlattr *a;
	size_t i = 0;

	mnl_attr_for_each(a, nlh, hdrlen)
	{
		assert_true(i < n);
		assert_int_equal(mnl_attr_get_type(a), want[i].type);
		assert_int_equal(mnl_attr_get_payload_len(a), want[i].len);
		assert_memory_equal(mnl_attr_get_payload(a), want[i].data, want[i].len);
		i++;
	}
	assert_int_equal(i, n);
	/* the message ends right after the last attribute: nothing stray */
	assert_int_equal(nlh->nlmsg_len % 4, 0);
}

static struct tw_prefix pfx(const char *s)
{
	struct tw_prefix p;

	assert_int_equal(tw_prefix_parse(s, TW_PREFIX_DEFAULT, &p), 0);
	return p;
}

static void test_link_set(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct tw_link_set req = {.mask = TW_LINK_SET_MTU | TW_LINK_SET_UP | TW_LINK_SET_MASTER |
					  TW_LINK_SET_NAME,
				  .up = true,
				  .mtu = 1400,
				  .name = "tap-new"};
	struct nlmsghdr *nlh = twi_nlb_link_set(buf, 7, &req, 3);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	uint32_t mtu = 1400, master = 3;
	const struct want_attr want[] = {
	    {IFLA_MTU, 4, &mtu},
	    {IFLA_IFNAME, 8, "tap-new"},
	    {IFLA_MASTER, 4, &master},
	};

	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 7);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	check_attrs(nlh, sizeof(*ifi), want, 3);
	assert_int_equal(nlh->nlmsg_len, NLMSG_LENGTH(sizeof(*ifi)) + 8 + 12 + 8);
}

static void test_link_down_nomaster_addr(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct tw_link_set req = {.mask = TW_LINK_SET_UP | TW_LINK_SET_MASTER |
					  TW_LINK_SET_ADDRESS | TW_LINK_SET_TXQLEN,
				  .up = false,
				  .address = {0x02, 0, 0x5e, 0x10, 0, 1},
				  .address_len = 6,
				  .txqlen = 500};
	struct nlmsghdr *nlh = twi_nlb_link_set(buf, 9, &req, 0);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	uint32_t zero = 0, qlen = 500;
	const struct want_attr want[] = {
	    {IFLA_ADDRESS, 6, req.address},
	    {IFLA_MASTER, 4, &zero}, /* nomaster: index 0 */
	    {IFLA_TXQLEN, 4, &qlen},
	};

	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(ifi->ifi_flags, 0);
	check_attrs(nlh, sizeof(*ifi), want, 3);

	/* nothing asked, nothing sent: no flags change either */
	struct tw_link_set none = {0};
	nlh = twi_nlb_link_set(buf, 9, &none, 0);
	ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_change, 0);
	check_attrs(nlh, sizeof(*ifi), NULL, 0);
}

static void test_link_get(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct nlmsghdr *nlh = twi_nlb_link_get(buf, "br0");
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;
	const struct want_attr want[] = {{IFLA_IFNAME, 4, "br0"}, {IFLA_EXT_MASK, 4, &mask}};

	assert_int_equal(nlh->nlmsg_type, RTM_GETLINK);
	assert_int_equal(nlh->nlmsg_flags & NLM_F_DUMP, 0);
	check_attrs(nlh, sizeof(struct ifinfomsg), want, 2);
}

static void test_addr_v4(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct tw_prefix p = pfx("198.51.100.7/24");
	struct nlmsghdr *nlh = twi_nlb_addr(buf, true, 4, &p, 0);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct in_addr a, brd;
	inet_pton(AF_INET, "198.51.100.7", &a);
	inet_pton(AF_INET, "198.51.100.255", &brd);
	const struct want_attr want[] = {
	    {IFA_LOCAL, 4, &a},
	    {IFA_ADDRESS, 4, &a},
	    {IFA_BROADCAST, 4, &brd},
	};

	assert_int_equal(nlh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 4);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(ifa->ifa_flags, 0);
	check_attrs(nlh, sizeof(*ifa), want, 3);

	/* delete: no broadcast, no create flags; /31 gets no broadcast either */
	nlh = twi_nlb_addr(buf, false, 4, &p, 0);
	assert_int_equal(nlh->nlmsg_type, RTM_DELADDR);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	check_attrs(nlh, sizeof(*ifa), want, 2);
	p = pfx("198.51.100.7/31");
	nlh = twi_nlb_addr(buf, true, 4, &p, TW_ADDR_REPLACE);
	assert_int_equal(nlh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	check_attrs(nlh, sizeof(*ifa), want, 2);

	/* loopback addresses get host scope, like ip */
	p = pfx("127.0.0.2/8");
	nlh = twi_nlb_addr(buf, true, 1, &p, 0);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_HOST);
}

static void test_addr_v6(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct tw_prefix p = pfx("fd00:1::5/64");
	struct nlmsghdr *nlh = twi_nlb_addr(buf, true, 12, &p, TW_ADDR_NODAD);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct in6_addr a;
	inet_pton(AF_INET6, "fd00:1::5", &a);
	const struct want_attr want[] = {{IFA_LOCAL, 16, &a}, {IFA_ADDRESS, 16, &a}};

	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 12);
	assert_int_equal(ifa->ifa_flags, IFA_F_NODAD);
	check_attrs(nlh, sizeof(*ifa), want, 2);

	/* flags past the 8 bits of ifa_flags go in IFA_FLAGS */
	uint32_t f = IFA_F_NODAD | IFA_F_NOPREFIXROUTE;
	const struct want_attr want2[] = {
	    {IFA_LOCAL, 16, &a}, {IFA_ADDRESS, 16, &a}, {IFA_FLAGS, 4, &f}};
	nlh = twi_nlb_addr(buf, true, 12, &p, TW_ADDR_NODAD | TW_ADDR_NOPREFIXROUTE);
	check_attrs(nlh, sizeof(*ifa), want2, 3);
}

static void test_route_v4(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct tw_route r = {.dst = pfx("203.0.113.0/24")};
	struct nlmsghdr *nlh = twi_nlb_route(buf, true, &r, 5, 0);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct in_addr dst, gw;
	uint32_t oif = 5, metric = 20;
	inet_pton(AF_INET, "203.0.113.0", &dst);
	inet_pton(AF_INET, "198.51.100.1", &gw);
	const struct want_attr dev_only[] = {{RTA_DST, 4, &dst}, {RTA_OIF, 4, &oif}};
	const struct want_attr via[] = {{RTA_DST, 4, &dst},
					{RTA_GATEWAY, 4, &gw},
					{RTA_OIF, 4, &oif},
					{RTA_PRIORITY, 4, &metric}};

	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 24);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_BOOT);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK); /* no gateway */
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	check_attrs(nlh, sizeof(*rtm), dev_only, 2);

	r.has_gateway = true;
	r.gateway = pfx("198.51.100.1");
	r.metric = 20;
	nlh = twi_nlb_route(buf, true, &r, 5, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	check_attrs(nlh, sizeof(*rtm), via, 4);

	/* delete: any scope, no type or protocol, no create flags */
	nlh = twi_nlb_route(buf, false, &r, 5, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_NOWHERE);
	assert_int_equal(rtm->rtm_type, RTN_UNSPEC);
	assert_int_equal(rtm->rtm_protocol, RTPROT_UNSPEC);
	check_attrs(nlh, sizeof(*rtm), via, 4);
}

static void test_route_default_v6(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	struct tw_route r = {.dst = pfx("default"), .has_gateway = true, .gateway = pfx("fd00::1")};
	struct nlmsghdr *nlh = twi_nlb_route(buf, true, &r, 0, TW_ROUTE_REPLACE);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct in6_addr gw;
	inet_pton(AF_INET6, "fd00::1", &gw);
	const struct want_attr want[] = {{RTA_GATEWAY, 16, &gw}}; /* default: no RTA_DST */

	assert_int_equal(nlh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	assert_int_equal(rtm->rtm_family, AF_INET6); /* taken from the gateway */
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	check_attrs(nlh, sizeof(*rtm), want, 1);

	/* a table past 255 goes in RTA_TABLE */
	uint32_t table = 1000, oif = 2;
	const struct want_attr want2[] = {
	    {RTA_TABLE, 4, &table}, {RTA_GATEWAY, 16, &gw}, {RTA_OIF, 4, &oif}};
	r.table = 1000;
	nlh = twi_nlb_route(buf, true, &r, 2, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_table, RT_TABLE_UNSPEC);
	check_attrs(nlh, sizeof(*rtm), want2, 3);

	/* inconsistent requests are refused */
	r.gateway = pfx("198.51.100.1");
	r.dst = pfx("fd00:5::/64");
	assert_null(twi_nlb_route(buf, true, &r, 2, 0)); /* families differ */
	r.has_gateway = false;
	assert_null(twi_nlb_route(buf, true, &r, 0, 0)); /* neither dev nor gateway */
	/* "default" without a gateway is IPv4 */
	r.dst = pfx("default");
	nlh = twi_nlb_route(buf, true, &r, 2, 0);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
}

static void test_prefix_parse(void **state)
{
	static const struct {
		const char *s;
		unsigned flags;
		int family; /* -1: must fail */
		unsigned plen;
	} cases[] = {
	    {"198.51.100.1/24", 0, AF_INET, 24},
	    {"198.51.100.1", 0, AF_INET, 32},
	    {"198.51.100.1/0", 0, AF_INET, 0},
	    {"198.51.100.1/32", 0, AF_INET, 32},
	    {"fd00::1/64", 0, AF_INET6, 64},
	    {"fd00::1", 0, AF_INET6, 128},
	    {"::/0", 0, AF_INET6, 0},
	    {"fd00::/128", 0, AF_INET6, 128},
	    {"default", TW_PREFIX_DEFAULT, AF_UNSPEC, 0},
	    {"default", 0, -1, 0},
	    {"198.51.100.300/24", 0, -1, 0},
	    {"198.51.100.1/33", 0, -1, 0},
	    {"fd00::/129", 0, -1, 0},
	    {"198.51.100/24", 0, -1, 0},
	    {"198.51.100.01/24", 0, -1, 0},
	    {"198.51.100.1/", 0, -1, 0},
	    {"198.51.100.1/+4", 0, -1, 0},
	    {"198.51.100.1/-1", 0, -1, 0},
	    {"198.51.100.1/24x", 0, -1, 0},
	    {"198.51.100.1/ 24", 0, -1, 0},
	    {"198.51.100.1/1000", 0, -1, 0},
	    {"/24", 0, -1, 0},
	    {"", 0, -1, 0},
	    {"garbage", 0, -1, 0},
	    {"fd00:::1/64", 0, -1, 0},
	    {"fd00::1%lo", 0, -1, 0},
	    {"198.51.100.1 /24", 0, -1, 0},
	    {"198.51.100.1", TW_PREFIX_NEED_LEN, -1, 0},
	    {"198.51.100.1/24", TW_PREFIX_NO_LEN, -1, 0},
	    {"198.51.100.1", TW_PREFIX_NO_LEN, AF_INET, 32},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tw_prefix p = {.family = 99};
		int err = tw_prefix_parse(cases[i].s, cases[i].flags, &p);

		if (cases[i].family < 0) {
			if (err != -EINVAL)
				fail_msg("\"%s\" accepted", cases[i].s);
			assert_int_equal(p.family, 99); /* untouched */
			continue;
		}
		if (err)
			fail_msg("\"%s\" refused", cases[i].s);
		assert_int_equal(p.family, cases[i].family);
		assert_int_equal(p.prefixlen, cases[i].plen);
	}
	assert_int_equal(tw_prefix_parse(NULL, 0, &(struct tw_prefix){0}), -EINVAL);
}

static void test_prefix_format(void **state)
{
	char buf[TW_PREFIX_STRLEN];
	struct tw_prefix p = pfx("198.51.100.7/24");

	assert_int_equal(tw_prefix_format(&p, 0, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "198.51.100.7/24");
	tw_prefix_format(&p, TW_PREFIX_NO_LEN, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.7");
	tw_prefix_mask(&p);
	tw_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.0/24");

	p = pfx("fd00:1:2:3:4:5:6:7/61");
	tw_prefix_mask(&p);
	tw_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "fd00:1:2::/61");
	p = pfx("fd00::9");
	tw_prefix_format(&p, TW_PREFIX_SHORT, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::9");
	p = pfx("0.0.0.0/0");
	tw_prefix_format(&p, TW_PREFIX_DEFAULT, buf, sizeof(buf));
	assert_string_equal(buf, "default");
	tw_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "0.0.0.0/0");
	p = pfx("default");
	tw_prefix_format(&p, 0, buf, sizeof(buf));
	assert_string_equal(buf, "default");

	/* the longest IPv6 form fits TW_PREFIX_STRLEN */
	p = pfx("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128");
	assert_true(tw_prefix_format(&p, 0, buf, sizeof(buf)) > 0);
	assert_int_equal(tw_prefix_format(&p, 0, buf, 8), -ENOSPC);
	assert_true(tw_prefix_equal(&p, &p));
}

/* An NLMSG_ERROR as the kernel writes it: error, the request (whole or capped), TLVs. */
static struct nlmsghdr *error_msg(uint8_t *buf, bool capped, const char *msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *err;
	uint8_t req[NLB_BUFSIZE];
	struct tw_prefix p = pfx("198.51.100.1/24");
	struct nlmsghdr *orig = twi_nlb_addr(req, true, 3, &p, 0);

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = -EINVAL;
	err->msg = *orig;
	if (!capped) /* the request's payload follows its header */
		memcpy(mnl_nlmsg_put_extra_header(nlh, orig->nlmsg_len - sizeof(*orig)),
		       mnl_nlmsg_get_payload(orig), orig->nlmsg_len - sizeof(*orig));
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh;
}

static void test_extack(void **state)
{
	uint8_t buf[NLB_BUFSIZE];
	char out[64];

	twi_nl_parse_extack(error_msg(buf, true, "Invalid prefix for given prefix length"), out,
			    sizeof(out));
	assert_string_equal(out, "Invalid prefix for given prefix length");
	twi_nl_parse_extack(error_msg(buf, false, "mtu less than device minimum"), out,
			    sizeof(out));
	assert_string_equal(out, "mtu less than device minimum");
	/* no TLVs: empty text */
	strcpy(out, "stale");
	twi_nl_parse_extack(error_msg(buf, false, NULL), out, sizeof(out));
	assert_string_equal(out, "");
	/* truncated into a small buffer, still terminated */
	twi_nl_parse_extack(error_msg(buf, true, "a rather long kernel message"), out, 8);
	assert_string_equal(out, "a rathe");

	/* a lying request length (past the message) gives no text, no overread */
	struct nlmsghdr *nlh = error_msg(buf, false, "x");
	struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	e->msg.nlmsg_len = 4000;
	strcpy(out, "stale");
	twi_nl_parse_extack(nlh, out, sizeof(out));
	assert_string_equal(out, "");
	/* found by fuzz_netlink: lengths that wrapped the bound check (near 2^32,
	 * and below a header's size) */
	e->msg.nlmsg_len = 0xfffffff8u;
	strcpy(out, "stale");
	twi_nl_parse_extack(nlh, out, sizeof(out));
	assert_string_equal(out, "");
	e->msg.nlmsg_len = 3;
	twi_nl_parse_extack(nlh, out, sizeof(out));
	assert_string_equal(out, "");
	/* a message that is not NUL-terminated is ignored */
	nlh = error_msg(buf, true, NULL);
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, 3, "abc");
	twi_nl_parse_extack(nlh, out, sizeof(out));
	assert_string_equal(out, "");
}

/* Found by fuzz_netlink: a reply whose length libmnl reads as negative. */
static void test_reply_valid(void **state)
{
	uint8_t buf[NLB_BUFSIZE] __attribute__((aligned(4)));
	struct nlmsghdr *a = mnl_nlmsg_put_header(buf), *b;
	size_t len;

	a->nlmsg_type = NLMSG_NOOP;
	mnl_nlmsg_put_extra_header(a, 6); /* 22 bytes, padded to 24 */
	b = mnl_nlmsg_put_header(buf + MNL_ALIGN(a->nlmsg_len));
	b->nlmsg_type = NLMSG_DONE;
	len = MNL_ALIGN(a->nlmsg_len) + b->nlmsg_len;
	assert_true(twi_nl_reply_valid(buf, len));
	assert_true(twi_nl_reply_valid(buf, 0));
	assert_false(twi_nl_reply_valid(buf, len - 1)); /* the last message cut short */
	assert_false(twi_nl_reply_valid(buf, 8));	/* not even a header */
	b->nlmsg_len = 0x80000010u;			/* negative as an int */
	assert_false(twi_nl_reply_valid(buf, len));
	b->nlmsg_len = 8; /* shorter than a header */
	assert_false(twi_nl_reply_valid(buf, len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_set),	     cmocka_unit_test(test_link_down_nomaster_addr),
	    cmocka_unit_test(test_link_get),	     cmocka_unit_test(test_addr_v4),
	    cmocka_unit_test(test_addr_v6),	     cmocka_unit_test(test_route_v4),
	    cmocka_unit_test(test_route_default_v6), cmocka_unit_test(test_prefix_parse),
	    cmocka_unit_test(test_prefix_format),    cmocka_unit_test(test_extack),
	    cmocka_unit_test(test_reply_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
