// SPDX-License-Identifier: MIT
/* Argument parsing of `tapwire link set`, `addr add|del` and `route add|del`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "netcfg.h"

enum { LINK, ADDR_ADD, ADDR_DEL, ROUTE_ADD, ROUTE_DEL };

/* Splits @line in place (words separated by single spaces). */
static int split(char *line, char **argv)
{
	int argc = 0;

	for (char *w = strtok(line, " "); w; w = strtok(NULL, " "))
		argv[argc++] = w;
	return argc;
}

static char errbuf[512];

/* Runs one parser on @line with stderr captured in errbuf. */
static int parse(int which, const char *line, void *ret)
{
	struct cli c = {0};
	static char buf[256]; /* the parsers keep pointers into it */
	char *argv[32];
	int argc, saved = dup(2), rc;
	FILE *f = tmpfile();
	size_t n;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split(buf, argv);
	fflush(stderr);
	dup2(fileno(f), 2);
	switch (which) {
	case LINK:
		rc = link_parse_set(&c, argc, argv, ret);
		break;
	case ADDR_ADD:
	case ADDR_DEL:
		rc = addr_parse_change(&c, argc, argv, which == ADDR_ADD, ret);
		break;
	default:
		rc = route_parse_change(&c, argc, argv, which == ROUTE_ADD, ret);
		break;
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(errbuf, 1, sizeof(errbuf) - 1, f);
	errbuf[n] = '\0';
	fclose(f);
	return rc;
}

/* Rejections: exit code 2, an "Error:" line that names @word, output untouched. */
static void reject(int which, const char *line, const char *word)
{
	char ret[sizeof(struct tw_route) + sizeof(struct link_set_args) + 64];

	memset(ret, 0xa5, sizeof(ret));
	if (parse(which, line, ret) != CLI_USAGE)
		fail_msg("accepted: %s", line);
	if (strncmp(errbuf, "Error: ", 7) || !strstr(errbuf, word))
		fail_msg("\"%s\": message \"%s\" does not name \"%s\"", line, errbuf, word);
	for (size_t i = 0; i < sizeof(ret); i++)
		assert_int_equal((unsigned char)ret[i], 0xa5);
}

static void test_link_set(void **state)
{
	struct link_set_args a;

	assert_int_equal(parse(LINK,
			       "tap0 up mtu 1400 txqueuelen 77 address 02:00:5e:00:00:09 "
			       "name tap1 master br0",
			       &a),
			 CLI_OK);
	assert_string_equal(a.dev, "tap0");
	assert_int_equal(a.req.mask, TW_LINK_SET_UP | TW_LINK_SET_MTU | TW_LINK_SET_TXQLEN |
					 TW_LINK_SET_ADDRESS | TW_LINK_SET_NAME |
					 TW_LINK_SET_MASTER);
	assert_true(a.req.up);
	assert_int_equal(a.req.mtu, 1400);
	assert_int_equal(a.req.txqlen, 77);
	assert_int_equal(a.req.address_len, 6);
	assert_int_equal(a.req.address[5], 9);
	assert_string_equal(a.req.name, "tap1");
	assert_string_equal(a.req.master, "br0");

	assert_int_equal(parse(LINK, "dev tap0 down nomaster", &a), CLI_OK);
	assert_string_equal(a.dev, "tap0");
	assert_int_equal(a.req.mask, TW_LINK_SET_UP | TW_LINK_SET_MASTER);
	assert_false(a.req.up);
	assert_string_equal(a.req.master, "");
	assert_int_equal(parse(LINK, "tap0 txqlen 0", &a), CLI_OK);
	assert_int_equal(a.req.txqlen, 0);
}

static void test_link_set_rejects(void **state)
{
	reject(LINK, "", "missing");
	reject(LINK, "dev", "dev");
	reject(LINK, "tap0", "nothing to set");
	reject(LINK, "1234567890123456 up", "1234567890123456");
	reject(LINK, "a/b up", "a/b");
	reject(LINK, ". up", ".");
	reject(LINK, "tap0 mtu", "mtu");
	reject(LINK, "tap0 mtu 0", "0");
	reject(LINK, "tap0 mtu -5", "-5");
	reject(LINK, "tap0 mtu 1500x", "1500x");
	reject(LINK, "tap0 mtu 4294967296", "4294967296");
	reject(LINK, "tap0 txqueuelen 4294967296", "4294967296");
	reject(LINK, "tap0 up down", "down");
	reject(LINK, "tap0 mtu 1400 mtu 1500", "mtu");
	reject(LINK, "tap0 master br0 nomaster", "nomaster");
	reject(LINK, "tap0 address 02:00:5e:00:00:", "02:00:5e:00:00:");
	reject(LINK, "tap0 address 02:00:5e:00:00:zz", "02:00:5e:00:00:zz");
	reject(LINK, "tap0 name ..", "..");
	reject(LINK, "tap0 name 1234567890123456", "1234567890123456");
	reject(LINK, "tap0 master br/0", "br/0");
	reject(LINK, "tap0 UP", "UP");	    /* exact words only */
	reject(LINK, "tap0 mt 1400", "mt"); /* no prefix guessing */
	reject(LINK, "tap0 up garbage", "garbage");
}

static void test_addr(void **state)
{
	struct addr_args a;
	char buf[TW_PREFIX_STRLEN];

	assert_int_equal(parse(ADDR_ADD, "198.51.100.7/24 dev tap0", &a), CLI_OK);
	assert_string_equal(a.dev, "tap0");
	assert_int_equal(a.prefix.family, AF_INET);
	tw_prefix_format(&a.prefix, 0, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.7/24");
	assert_int_equal(a.flags, 0);

	assert_int_equal(parse(ADDR_ADD, "dev tap0 fd00::7/64 nodad", &a), CLI_OK);
	assert_int_equal(a.prefix.family, AF_INET6);
	assert_int_equal(a.prefix.prefixlen, 64);
	assert_int_equal(a.flags, TW_ADDR_NODAD);
	assert_int_equal(parse(ADDR_DEL, "fd00::7/64 dev tap0", &a), CLI_OK);

	reject(ADDR_ADD, "198.51.100.300/24 dev tap0", "198.51.100.300/24");
	reject(ADDR_ADD, "198.51.100.1/33 dev tap0", "198.51.100.1/33");
	reject(ADDR_ADD, "fd00::/129 dev tap0", "fd00::/129");
	reject(ADDR_ADD, "garbage dev tap0", "garbage");
	reject(ADDR_ADD, "198.51.100.1 dev tap0", "198.51.100.1");
	reject(ADDR_ADD, "198.51.100.1/24", "dev");
	reject(ADDR_ADD, "dev tap0", "missing");
	reject(ADDR_ADD, "198.51.100.1/24 dev", "dev");
	reject(ADDR_ADD, "198.51.100.1/24 dev tap0 dev tap1", "tap1");
	reject(ADDR_ADD, "198.51.100.1/24 dev 1234567890123456", "1234567890123456");
	reject(ADDR_ADD, "198.51.100.1/24 198.51.100.2/24 dev tap0", "198.51.100.2/24");
	reject(ADDR_ADD, "198.51.100.1/24 dev tap0 brd", "brd");
	reject(ADDR_DEL, "198.51.100.1/24 dev tap0 nodad", "nodad");
}

static void test_route(void **state)
{
	struct tw_route r;
	char buf[TW_PREFIX_STRLEN];

	assert_int_equal(parse(ROUTE_ADD, "203.0.113.0/24 dev tap0", &r), CLI_OK);
	assert_string_equal(r.dev, "tap0");
	assert_false(r.has_gateway);
	assert_int_equal(r.dst.prefixlen, 24);

	assert_int_equal(parse(ROUTE_ADD, "default via 198.51.100.1 dev tap0 metric 50", &r),
			 CLI_OK);
	assert_int_equal(r.dst.family, AF_UNSPEC);
	assert_true(r.has_gateway);
	tw_prefix_format(&r.gateway, TW_PREFIX_NO_LEN, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.1");
	assert_int_equal(r.metric, 50);

	assert_int_equal(parse(ROUTE_ADD, "fd00:5::/64 via fd00::1", &r), CLI_OK);
	assert_int_equal(r.dst.family, AF_INET6);
	assert_string_equal(r.dev, "");
	assert_int_equal(parse(ROUTE_ADD, "203.0.113.9 dev tap0", &r), CLI_OK);
	assert_int_equal(r.dst.prefixlen, 32); /* a host route */
	assert_int_equal(parse(ROUTE_DEL, "203.0.113.0/24", &r), CLI_OK);

	reject(ROUTE_ADD, "203.0.113.1/24 dev tap0", "203.0.113.1/24");
	reject(ROUTE_ADD, "203.0.113.0/33 dev tap0", "203.0.113.0/33");
	reject(ROUTE_ADD, "fd00::/129 dev tap0", "fd00::/129");
	reject(ROUTE_ADD, "garbage dev tap0", "garbage");
	reject(ROUTE_ADD, "203.0.113.0/24", "missing");
	reject(ROUTE_ADD, "dev tap0", "missing");
	reject(ROUTE_ADD, "203.0.113.0/24 via 198.51.100.300", "198.51.100.300");
	reject(ROUTE_ADD, "203.0.113.0/24 via 198.51.100.1/24", "198.51.100.1/24");
	reject(ROUTE_ADD, "203.0.113.0/24 via fd00::1", "203.0.113.0/24");
	reject(ROUTE_ADD, "203.0.113.0/24 via", "via");
	reject(ROUTE_ADD, "203.0.113.0/24 dev tap0 metric 0", "0");
	reject(ROUTE_ADD, "203.0.113.0/24 dev tap0 metric x", "x");
	reject(ROUTE_ADD, "203.0.113.0/24 dev tap0 dev tap1", "tap1");
	reject(ROUTE_ADD, "203.0.113.0/24 dev tap0 203.0.113.0/25", "203.0.113.0/25");
	reject(ROUTE_ADD, "203.0.113.0/24 dev tap0 table 5", "table");
	reject(ROUTE_ADD, "Default dev tap0", "Default");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_set),
	    cmocka_unit_test(test_link_set_rejects),
	    cmocka_unit_test(test_addr),
	    cmocka_unit_test(test_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
