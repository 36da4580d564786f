// SPDX-License-Identifier: MIT
/* The topology file parser: good files give the right model, every bad one names its line. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "apply.h"

static int parse(const char *text, struct apply_model *m, struct apply_error *err)
{
	return apply_parse(text, strlen(text), m, err);
}

static void test_full_file(void **state)
{
	static const char text[] = "# a lab\n"
				   "[tap tap0]\n"
				   "user = 0\n"
				   "group = 0\n"
				   "vnet_hdr = on\n"
				   "multi_queue = on\n"
				   "pi = off\n"
				   "mtu = 1400   # jumbo later\n"
				   "mac = 02:00:5e:00:53:01\n"
				   "\n"
				   "; an INI-style comment\n"
				   "[tun tun0]\n"
				   "  address = 198.51.100.1/24\n"
				   "address=fd00::1/64\n"
				   "route = 203.0.113.0/24 via 198.51.100.254\n"
				   "route = fd00:1::/48\n"
				   "state = down\n"
				   "[bridge br0]\r\n"
				   "stp = on\n"
				   "forward_delay = 4\n"
				   "hello_time = 1.5\n"
				   "max_age = 12\n"
				   "ageing_time = 0.25\n"
				   "priority = 4096\n"
				   "[port tap0]\n"
				   "bridge = br0\n"
				   "cost = 100\n"
				   "priority = 63\n"
				   "hairpin = on\n"
				   "[link veth0]\n"
				   "address = 198.51.100.9\n"
				   "[port veth0]\n"
				   "bridge = br0";
	struct apply_model m = {0};
	struct apply_error err;
	const struct apply_if *i;
	char buf[TW_PREFIX_STRLEN];

	assert_int_equal(parse(text, &m, &err), 0);
	assert_int_equal(m.n_ifs, 4);
	assert_int_equal(m.n_ports, 2);

	i = apply_model_find(&m, "tap0");
	assert_non_null(i);
	assert_int_equal(i->kind, APPLY_TAP);
	assert_int_equal(i->line, 2);
	assert_true(i->has_user && i->has_group);
	assert_int_equal(i->tun_flags, TW_TUN_VNET_HDR | TW_TUN_MULTI_QUEUE);
	assert_int_equal(i->mtu, 1400);
	assert_int_equal(i->up, -1);
	assert_true(i->has_mac);
	assert_int_equal(i->mac[5], 1);

	i = apply_model_find(&m, "tun0");
	assert_int_equal(i->kind, APPLY_TUN);
	assert_int_equal(i->up, 0);
	assert_int_equal(i->n_addrs, 2);
	tw_prefix_format(&i->addrs[1].prefix, 0, buf, sizeof(buf));
	assert_string_equal(buf, "fd00::1/64");
	assert_int_equal(i->addrs[1].line, 14);
	assert_int_equal(i->n_routes, 2);
	assert_true(i->routes[0].has_via);
	tw_prefix_format(&i->routes[0].via, TW_PREFIX_NO_LEN, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.254");
	assert_false(i->routes[1].has_via);
	assert_int_equal(i->routes[1].dst.prefixlen, 48);

	i = apply_model_find(&m, "br0");
	assert_int_equal(i->kind, APPLY_BRIDGE);
	assert_int_equal(i->br_set, (1u << APPLY_BR_N) - 1);
	assert_int_equal(i->br_val[APPLY_BR_STP], 1);
	assert_int_equal(i->br_val[APPLY_BR_FORWARD_DELAY], 400);
	assert_int_equal(i->br_val[APPLY_BR_HELLO_TIME], 150);
	assert_int_equal(i->br_val[APPLY_BR_MAX_AGE], 1200);
	assert_int_equal(i->br_val[APPLY_BR_AGEING_TIME], 25);
	assert_int_equal(i->br_val[APPLY_BR_PRIORITY], 4096);

	assert_string_equal(m.ports[0].name, "tap0");
	assert_string_equal(m.ports[0].bridge, "br0");
	assert_int_equal(m.ports[0].set, 7);
	assert_int_equal(m.ports[0].val[APPLY_PORT_COST], 100);
	assert_int_equal(m.ports[0].val[APPLY_PORT_PRIORITY], 63);
	assert_int_equal(m.ports[0].val[APPLY_PORT_HAIRPIN], 1);

	i = apply_model_find(&m, "veth0");
	assert_int_equal(i->kind, APPLY_LINK);
	assert_int_equal(i->addrs[0].prefix.prefixlen, 32);
	assert_int_equal(m.ports[1].set, 0);
	apply_model_free(&m);
	apply_model_free(&m); /* twice is harmless */
	apply_model_free(NULL);
}

static void test_empty_sections(void **state)
{
	struct apply_model m = {0};
	struct apply_error err;

	/* A section with no keys still declares its device. */
	assert_int_equal(parse("[bridge br0]\n[tap tap0]\n", &m, &err), 0);
	assert_int_equal(m.n_ifs, 2);
	apply_model_free(&m);
	assert_int_equal(parse("", &m, &err), 0);
	assert_int_equal(m.n_ifs, 0);
	assert_int_equal(parse("\n# nothing\n   \n", &m, &err), 0);
	apply_model_free(&m);
}

static void test_many_addresses(void **state)
{
	size_t cap = 64 * 1024, len = 0;
	char *text = malloc(cap);
	struct apply_model m = {0};
	struct apply_error err;

	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "[tap tap0]\n");
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len, "address = fd00::%x/64\n", i + 1);
	assert_int_equal(apply_parse(text, len, &m, &err), 0);
	assert_int_equal(m.ifs[0].n_addrs, 1000);
	assert_int_equal(m.ifs[0].addrs[999].line, 1001);
	apply_model_free(&m);
	free(text);
}

/* Every way a file can be wrong: the line it names and the words it says. */
static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		unsigned line;
		const char *msg;
	} cases[] = {
	    {"mtu = 1500\n", 1, "\"mtu\" is outside any section"},
	    {"[tapp tap0]\n", 1, "unknown section \"tapp\""},
	    {"[tap]\n", 1, "needs an interface name"},
	    {"[]\n", 1, "empty section header"},
	    {"[tap tap0 x]\n", 1, "unexpected \"x\" in the section header"},
	    {"[tap tap0\n", 1, "without \"]\""},
	    {"[tap tap0] x\n", 1, "unexpected \" x\" after the section header"},
	    {"[tap 1234567890123456]\n", 1, "not a valid interface name"},
	    {"[tap a/b]\n", 1, "not a valid interface name"},
	    {"[tap tap0]\n\n[bridge tap0]\n", 3, "\"tap0\" is already declared at line 1"},
	    {"[port p0]\nbridge=br0\n[port p0]\nbridge=br0\n", 3, "already declared at line 1"},
	    {"[tap tap0]\nmtu\n", 2, "expected \"KEY = VALUE\""},
	    {"[tap tap0]\n= 5\n", 2, "a key is missing"},
	    {"[tap tap0]\nMTU = 5\n", 2, "\"MTU\" is not a key"},
	    {"[tap tap0]\nmtu: 1500\n", 2, "expected \"KEY = VALUE\""},
	    {"[tap tap0]\nmtu =\n", 2, "\"mtu\" needs a value"},
	    {"[tap tap0]\nmtu = # none\n", 2, "\"mtu\" needs a value"},
	    {"[tap tap0]\nstp = on\n", 2, "unknown key \"stp\" in a tap section"},
	    {"[tun tun0]\nmac = 02:00:00:00:00:01\n", 2, "unknown key \"mac\" in a tun section"},
	    {"[bridge br0]\nuser = 0\n", 2, "unknown key \"user\" in a bridge section"},
	    {"[port p0]\nmtu = 1500\n", 2, "unknown key \"mtu\" in a port section"},
	    {"[link eth0]\nvnet_hdr = on\n", 2, "unknown key \"vnet_hdr\" in a link section"},
	    {"[tap tap0]\nmtu = 67\n", 2,
	     "\"mtu\" must be an integer from 68 to 65535, not \"67\""},
	    {"[tap tap0]\nmtu = 65536\n", 2, "from 68 to 65535"},
	    {"[tap tap0]\nmtu = 0x100\n", 2, "not \"0x100\""},
	    {"[tap tap0]\nmtu = -1\n", 2, "not \"-1\""},
	    {"[tap tap0]\nmtu = 99999999999999999999999\n", 2, "from 68 to 65535"},
	    {"[tap tap0]\nmtu = 1500 1400\n", 2, "unexpected \"1400\" after the value of \"mtu\""},
	    {"[tap tap0]\nmtu = 1500\nmtu = 1400\n", 3, "\"mtu\" is already given at line 2"},
	    {"[tap tap0]\nvnet_hdr = yes\n", 2,
	     "\"vnet_hdr\" must be \"on\" or \"off\", not \"yes\""},
	    {"[tap tap0]\nstate = on\n", 2, "\"state\" must be \"up\" or \"down\""},
	    {"[tap tap0]\nuser = no-such-user-here\n", 2, "no such user \"no-such-user-here\""},
	    {"[tap tap0]\ngroup = no-such-group-here\n", 2, "no such group"},
	    {"[tap tap0]\nuser = 4294967295\n", 2, "user id \"4294967295\" is out of range"},
	    {"[tap tap0]\nmac = 02:00:5e:00:53\n", 2, "six hex bytes"},
	    {"[tap tap0]\nmac = 02:00:5e:00:53:1\n", 2, "six hex bytes"},
	    {"[tap tap0]\nmac = 02-00-5e-00-53-01\n", 2, "six hex bytes"},
	    {"[tap tap0]\nmac = 01:00:5e:00:53:01\n", 2, "multicast"},
	    {"[tap tap0]\nmac = 00:00:00:00:00:00\n", 2, "all zeros"},
	    {"[tap tap0]\naddress = 198.51.100.300/24\n", 2,
	     "\"198.51.100.300\" is not an IPv4 address"},
	    {"[tap tap0]\naddress = 198.51.100.1/33\n", 2, "prefix length 33 > 32"},
	    {"[tap tap0]\naddress = fd00::1/64\naddress = fd00::1/64\n", 3,
	     "address fd00::1/64 is already declared at line 2"},
	    {"[tap tap0]\nroute = 203.0.113.1/24\n", 2, "host bits set"},
	    {"[tap tap0]\nroute = 203.0.113.0/24 dev x\n", 2, "unexpected \"dev\" in a route"},
	    {"[tap tap0]\nroute = 203.0.113.0/24 via\n", 2, "\"via\" needs a gateway"},
	    {"[tap tap0]\nroute = 203.0.113.0/24 via 198.51.100.1/32\n", 2,
	     "gateway \"198.51.100.1/32\" is not an IPv4 or IPv6 address"},
	    {"[tap tap0]\nroute = 203.0.113.0/24 via fd00::1\n", 2, "not of the same family"},
	    {"[tap tap0]\nroute = 203.0.113.0/24 via 198.51.100.1 via 198.51.100.2\n", 2,
	     "\"via\" is given twice"},
	    {"[tap tap0]\nroute = 203.0.113.0/24\n\nroute = 203.0.113.0/24 via 198.51.100.1\n", 4,
	     "a route to 203.0.113.0/24 is already declared at line 2"},
	    {"[tap tap0]\nroute = a b c d e f g h i\n", 2, "too many words"},
	    {"[bridge br0]\nforward_delay = 31\n", 2,
	     "\"forward_delay\" must be seconds from 0 to 30"},
	    {"[bridge br0]\nforward_delay = 1.555\n", 2, "at most two decimals"},
	    {"[bridge br0]\nforward_delay = 1.\n", 2, "not \"1.\""},
	    {"[bridge br0]\nforward_delay = .5\n", 2, "not \".5\""},
	    {"[bridge br0]\nstp = on\nforward_delay = 1\n", 3,
	     "\"forward_delay\" must be from 2 to 30 seconds when stp is on"},
	    {"[bridge br0]\nforward_delay = 0\nstp = on\n[tap t]\n", 2, "when stp is on"},
	    {"[bridge br0]\nhello_time = 0.5\n", 2, "\"hello_time\" must be seconds from 1 to 10"},
	    {"[bridge br0]\nmax_age = 41\n", 2, "\"max_age\" must be seconds from 6 to 40"},
	    {"[bridge br0]\npriority = 65536\n", 2,
	     "\"priority\" must be an integer from 0 to 65535"},
	    {"[port tap0]\ncost = 1\n", 1, "[port tap0] needs \"bridge = NAME\""},
	    {"[port tap0]\nbridge = tap0\n", 2, "cannot be a port of itself"},
	    {"[port tap0]\nbridge = a:b\n", 2, "\"a:b\" is not a valid interface name"},
	    {"[port tap0]\nbridge = br0\ncost = 0\n", 3,
	     "\"cost\" must be an integer from 1 to 65535"},
	    {"[port tap0]\nbridge = br0\npriority = 64\n", 3, "from 0 to 63"},
	    {"[port tap0]\nbridge = br0\nhairpin = 1\n", 3,
	     "\"hairpin\" must be \"on\" or \"off\""},
	    {"[tun tun0]\n[port tun0]\nbridge = br0\n", 2, "\"tun0\" is a tun device"},
	    {"[bridge b1]\n[port b1]\nbridge = br0\n", 2, "\"b1\" is a bridge (line 1)"},
	    {"[tap tap0]\n[tap tap1]\n[port tap0]\nbridge = tap1\n", 4,
	     "\"tap1\" is declared as a tap at line 2, not a bridge"},
	    {"[tap tap0]\nmtu = 15\x01\n", 2, "control character 0x01"},
	};
	struct apply_model m = {0};
	struct apply_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = parse(cases[i].text, &m, &err);

		if (r != -EINVAL || err.line != cases[i].line || !strstr(err.msg, cases[i].msg))
			fail_msg("case %zu (%s): ret %d, line %u, \"%s\"; want line %u, \"%s\"", i,
				 cases[i].text, r, err.line, err.msg, cases[i].line, cases[i].msg);
		assert_int_equal(m.n_ifs, 0); /* nothing handed back */
	}
}

static void test_raw_bytes(void **state)
{
	struct apply_model m = {0};
	struct apply_error err;
	char longline[APPLY_MAX_LINE + 40];
	static const char nul[] = "[tap tap0]\nmtu = 1\0 500\n";

	assert_int_equal(apply_parse(nul, sizeof(nul) - 1, &m, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "NUL byte"));

	memset(longline, ' ', sizeof(longline));
	memcpy(longline, "[tap tap0]\n#", 12);
	longline[sizeof(longline) - 1] = '\n';
	assert_int_equal(apply_parse(longline, sizeof(longline), &m, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "line longer than"));
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_apply_parse.XXXXXX";
	int fd = mkstemp(path);
	struct apply_model m = {0};
	struct apply_error err;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[tap tap0]\nmtu = 9000\n", 22), 22);
	close(fd);
	assert_int_equal(apply_load(path, &m, &err), 0);
	assert_int_equal(m.ifs[0].mtu, 9000);
	apply_model_free(&m);
	unlink(path);
	assert_int_equal(apply_load(path, &m, &err), -ENOENT);
}

/* The shipped example must stay valid. */
static void test_example(void **state)
{
	struct apply_model m = {0};
	struct apply_error err;
	int r = apply_load(TW_SOURCE_DIR "/examples/tapwire-lab.conf", &m, &err);

	if (r)
		fail_msg("examples/tapwire-lab.conf:%u: %s", err.line, err.msg);
	assert_int_equal(m.n_ifs, 5);
	assert_int_equal(m.n_ports, 3);
	apply_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_file),	   cmocka_unit_test(test_empty_sections),
	    cmocka_unit_test(test_many_addresses), cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_raw_bytes),	   cmocka_unit_test(test_load),
	    cmocka_unit_test(test_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
