// SPDX-License-Identifier: MIT
/* The CLI's shared pieces: name checks, numbers, batch word splitting, JSON. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

static void test_ifname(void **state)
{
	static const struct {
		const char *name;
		int valid;
	} cases[] = {
	    {"tap0", 1},
	    {"a", 1},
	    {"123456789012345", 1},
	    {"1234567890123456", 0},
	    {"", 0},
	    {".", 0},
	    {"..", 0},
	    {"a/b", 0},
	    {"a b", 0},
	    {"a\tb", 0},
	    {"a:b", 0},
	    {"...", 1},
	    {"tap%d", 1},
	    {"br-0", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(tw_ifname_valid(cases[i].name) == 0, cases[i].valid);
	assert_int_equal(tw_ifname_valid(NULL), -EINVAL);
}

static void test_uint(void **state)
{
	struct cli c = {0};
	unsigned long long v = 7;

	assert_int_equal(arg_uint(&c, "mtu", "1500", 68, 65535, &v), CLI_OK);
	assert_int_equal(v, 1500);
	assert_int_equal(arg_uint(&c, "mtu", "0x10", 0, 65535, &v), CLI_OK);
	assert_int_equal(v, 16);
	v = 7;
	assert_int_equal(arg_uint(&c, "mtu", "67", 68, 65535, &v), CLI_USAGE);
	assert_int_equal(arg_uint(&c, "mtu", "-1", 0, 65535, &v), CLI_USAGE);
	assert_int_equal(arg_uint(&c, "mtu", "12x", 0, 65535, &v), CLI_USAGE);
	assert_int_equal(arg_uint(&c, "mtu", "", 0, 65535, &v), CLI_USAGE);
	assert_int_equal(arg_uint(&c, "mtu", "99999999999999999999999", 0, ~0ull, &v), CLI_USAGE);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_mac(void **state)
{
	struct cli c = {0};
	uint8_t mac[32];
	size_t len = 0;

	assert_int_equal(arg_mac(&c, "02:00:5e:10:00:01", mac, &len), CLI_OK);
	assert_int_equal(len, 6);
	assert_int_equal(mac[0], 2);
	assert_int_equal(mac[5], 1);
	assert_int_equal(arg_mac(&c, "02:00:5e:10:00:", mac, &len), CLI_USAGE);
	assert_int_equal(arg_mac(&c, "02:100:5e", mac, &len), CLI_USAGE);
	assert_int_equal(arg_mac(&c, "zz", mac, &len), CLI_USAGE);
}

static void test_split(void **state)
{
	char line[] = "  tuntap add \"tap 0\" mode tap # comment\n";
	char *argv[8];

	assert_int_equal(cli_split_line(line, argv, 8), 5);
	assert_string_equal(argv[0], "tuntap");
	assert_string_equal(argv[2], "tap 0");
	assert_string_equal(argv[4], "tap");

	char empty[] = "   # only a comment";
	assert_int_equal(cli_split_line(empty, argv, 8), 0);
	char open[] = "a \"b";
	assert_int_equal(cli_split_line(open, argv, 8), -EINVAL);
	char many[] = "a b c";
	assert_int_equal(cli_split_line(many, argv, 2), -E2BIG);
}

static char *capture(void (*fn)(struct out *o), bool json, bool pretty)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out o;

	out_init(&o, f, json, pretty);
	fn(&o);
	fclose(f);
	return buf;
}

static void emit(struct out *o)
{
	out_open_array(o, NULL);
	out_open_object(o, NULL);
	out_str(o, "ifname", "%s:", "tap\"0");
	out_uint(o, "mtu", " mtu %llu", 1500);
	out_bool(o, "persist", " persist", true);
	out_bool(o, "pi", " pi", false);
	out_open_array(o, "processes");
	out_close_array(o);
	out_nl(o);
	out_close_object(o);
	out_close_array(o);
}

static void test_json(void **state)
{
	char *s = capture(emit, true, false);

	assert_string_equal(s, "[{\"ifname\":\"tap\\\"0\",\"mtu\":1500,\"persist\":true,\"pi\":"
			       "false,\"processes\":[]}]\n");
	free(s);
	s = capture(emit, false, false);
	assert_string_equal(s, "tap\"0: mtu 1500 persist\n");
	free(s);
	s = capture(emit, true, true);
	assert_non_null(strstr(s, "\n    {\n        \"ifname\": \"tap\\\"0\",\n"));
	free(s);
}

static void test_json_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	out_json_string(f, "a\\b\n\x01");
	fclose(f);
	assert_string_equal(buf, "\"a\\\\b\\n\\u0001\"");
	free(buf);
}

static int called;
static int fn_called(struct cli *c, int argc, char **argv)
{
	called = argc;
	return CLI_OK;
}

static void test_dispatch(void **state)
{
	static const struct cli_cmd sub[] = {{"show", fn_called, NULL, "[NAME]", "list"}, {0}};
	static const struct cli_cmd top[] = {{"obj", NULL, sub, "", "an object"}, {0}};
	struct cli c = {0};
	char *ok[] = {"obj", "show", "x", "y"};
	char *prefix[] = {"obj", "sh"};
	char *unknown[] = {"nope"};

	called = -1;
	assert_int_equal(cli_dispatch(&c, top, "t", 4, ok), CLI_OK);
	assert_int_equal(called, 2);
	/* exact keywords only: no prefix guessing */
	assert_int_equal(cli_dispatch(&c, top, "t", 2, prefix), CLI_USAGE);
	assert_int_equal(cli_dispatch(&c, top, "t", 1, unknown), CLI_USAGE);
	assert_int_equal(cli_dispatch(&c, top, "t", 0, NULL), CLI_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ifname),   cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_mac),	     cmocka_unit_test(test_split),
	    cmocka_unit_test(test_json),     cmocka_unit_test(test_json_escape),
	    cmocka_unit_test(test_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
