// SPDX-License-Identifier: MIT
/* tapwire-bridge-helper: the ACL file reader and the command line, table driven. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "helper.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

enum want { PERMIT, DENY, ERROR };

/* Up to three files: main.conf (read first), a.conf, b.conf. "@" stands for the directory. */
struct acl_case {
	const char *what;
	const char *main, *a, *b;
	const char *bridge;
	enum want want;
	const char *err; /* substring of the error message */
};

static const struct acl_case acl_cases[] = {
    {"empty file: default deny", "", NULL, NULL, "br0", DENY, NULL},
    {"only comments", "# allow br0\n  # allow all\n\n", NULL, NULL, "br0", DENY, NULL},
    {"allow one", "allow br0\n", NULL, NULL, "br0", PERMIT, NULL},
    {"allow one, other bridge", "allow br0\n", NULL, NULL, "br1", DENY, NULL},
    {"no final newline", "allow br0", NULL, NULL, "br0", PERMIT, NULL},
    {"allow all", "allow all\n", NULL, NULL, "virbr0", PERMIT, NULL},
    {"deny wins after", "allow all\ndeny br0\n", NULL, NULL, "br0", DENY, NULL},
    {"deny only its bridge", "allow all\ndeny br0\n", NULL, NULL, "br1", PERMIT, NULL},
    {"deny wins before", "deny br0\nallow br0\n", NULL, NULL, "br0", DENY, NULL},
    {"deny all wins", "deny all\nallow br0\n", NULL, NULL, "br0", DENY, NULL},
    {"deny other bridge", "deny br1\nallow br0\n", NULL, NULL, "br0", PERMIT, NULL},
    {"white space and CRLF", "  \tallow \t br0 \t\r\n", NULL, NULL, "br0", PERMIT, NULL},
    {"comment between", "# x\nallow br0\n# y\n", NULL, NULL, "br0", PERMIT, NULL},
    {"15-byte name", "allow abcdefghijklmno\n", NULL, NULL, "abcdefghijklmno", PERMIT, NULL},
    {"prefix does not match", "allow br\n", NULL, NULL, "br0", DENY, NULL},
    {"include chain", "include a.conf\n", "include b.conf\n", "allow br0\n", "br0", PERMIT, NULL},
    {"include absolute", "include @/a.conf\n", "allow br0\n", NULL, "br0", PERMIT, NULL},
    {"deny deep in chain wins", "allow all\ninclude a.conf\n", "include b.conf\n", "deny br0\n",
     "br0", DENY, NULL},
    {"allow in include, deny at top", "deny br0\ninclude a.conf\n", "allow br0\n", NULL, "br0",
     DENY, NULL},
    {"include twice is no loop", "include a.conf\ninclude a.conf\n", "allow br0\n", NULL, "br0",
     PERMIT, NULL},
    {"missing include skipped", "include nope.conf\nallow br0\n", NULL, NULL, "br0", PERMIT, NULL},
    {"include loop", "include a.conf\n", "include b.conf\n", "include main.conf\n", "br0", ERROR,
     "b.conf:1: include loop: `@/main.conf' is already being read"},
    {"include self", "allow br0\ninclude main.conf\n", NULL, NULL, "br0", ERROR,
     "main.conf:2: include loop"},
    {"include self by absolute path", "include @/main.conf\n", NULL, NULL, "br0", ERROR,
     "include loop"},
    {"error in include names the file", "allow br0\ninclude a.conf\n", "\nbogus br0\n", NULL, "br0",
     ERROR, "a.conf:2: unknown command `bogus'"},
    {"name too long (CVE-2019-13164)", "allow abcdefghijklmnop\n", NULL, NULL, "abcdefghijklmno",
     ERROR, "main.conf:1: name `abcdefghijklmnop' too long: 16"},
    {"unknown command", "allow br0\nALLOW br1\n", NULL, NULL, "br0", ERROR,
     "main.conf:2: unknown command `ALLOW'"},
    {"allow without name", "allow\n", NULL, NULL, "br0", ERROR,
     "`allow' needs a bridge name or `all'"},
    {"deny without name", "deny   \n", NULL, NULL, "br0", ERROR, "`deny' needs"},
    {"include without file", "include\n", NULL, NULL, "br0", ERROR, "`include' needs a file name"},
    {"two names", "allow br0 br1\n", NULL, NULL, "br0", ERROR, "invalid bridge name `br0 br1'"},
    {"trailing comment is no comment", "allow br0 # lab\n", NULL, NULL, "br0", ERROR,
     "invalid bridge name"},
    {"slash in name", "allow a/b\n", NULL, NULL, "br0", ERROR, "invalid bridge name `a/b'"},
    {"dot name", "deny ..\n", NULL, NULL, "br0", ERROR, "invalid bridge name `..'"},
    {"include a directory", "include .\n", NULL, NULL, "br0", ERROR, "not a file"},
};

static char *tmpdir;

static void expand(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (const char *p = in; *p && o + 300 < size; p++) {
		if (*p == '@')
			o += (size_t)snprintf(out + o, size - o, "%s", tmpdir);
		else
			out[o++] = *p;
	}
	out[o] = '\0';
}

static void put(const char *name, const char *text)
{
	char path[512], buf[8192];
	FILE *f;

	expand(text, buf, sizeof(buf));
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(buf, f);
	fclose(f);
}

static void clear_dir(void)
{
	static const char *const names[] = {"main.conf", "a.conf", "b.conf"};
	char path[512];

	for (size_t i = 0; i < N(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
}

static int check(const char *bridge, struct acl_ctx *acl)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	acl_init(acl, bridge);
	return acl_read_file(acl, path);
}

static void test_acl_table(void **state)
{
	for (size_t i = 0; i < N(acl_cases); i++) {
		const struct acl_case *c = &acl_cases[i];
		struct acl_ctx acl;
		char want_err[1024];
		int r;

		clear_dir();
		put("main.conf", c->main);
		if (c->a)
			put("a.conf", c->a);
		if (c->b)
			put("b.conf", c->b);
		r = check(c->bridge, &acl);
		print_message("case %zu: %s -> %d %s\n", i, c->what, r, r < 0 ? acl.err : "");
		if (c->want == ERROR) {
			assert_true(r < 0);
			expand(c->err, want_err, sizeof(want_err));
			assert_non_null(strstr(acl.err, want_err));
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(acl_permits(&acl), c->want == PERMIT);
		}
	}
}

static void test_acl_missing_file(void **state)
{
	struct acl_ctx acl;

	clear_dir();
	assert_int_equal(check("br0", &acl), -ENOENT);
	assert_non_null(strstr(acl.err, "failed to open ACL file `"));
	assert_non_null(strstr(acl.err, "main.conf': No such file or directory"));
	assert_false(acl_permits(&acl));
}

static void test_acl_long_lines(void **state)
{
	char *text = malloc(ACL_MAX_LINE + 64);
	struct acl_ctx acl;

	assert_non_null(text);
	/* the longest line that fits: 4095 bytes and its newline */
	memset(text, ' ', ACL_MAX_LINE - 1);
	memcpy(text + ACL_MAX_LINE - 1 - 9, "allow br0", 9);
	strcpy(text + ACL_MAX_LINE - 1, "\n");
	clear_dir();
	put("main.conf", text);
	assert_int_equal(check("br0", &acl), 0);
	assert_true(acl_permits(&acl));
	/* one byte more is refused, not cut: the cut could change the meaning */
	memset(text, ' ', ACL_MAX_LINE);
	memcpy(text + ACL_MAX_LINE - 9, "allow br0", 9);
	strcpy(text + ACL_MAX_LINE, "\n");
	put("main.conf", text);
	assert_int_equal(check("br0", &acl), -EINVAL);
	assert_non_null(strstr(acl.err, "main.conf:1: line longer than 4095 bytes"));
	free(text);
}

static void test_acl_nul_byte(void **state)
{
	static const char text[] = "allow br0\0 junk\n";
	char path[512];
	struct acl_ctx acl;
	FILE *f;

	clear_dir();
	snprintf(path, sizeof(path), "%s/main.conf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	assert_int_equal(check("br0", &acl), -EINVAL);
	assert_non_null(strstr(acl.err, "main.conf:1: NUL byte"));
}

/* A chain main -> f1 -> ... -> fN; the depth limit stops it, not the stack. */
static void test_acl_depth(void **state)
{
	char name[32], text[64];
	struct acl_ctx acl;
	int r;

	for (int depth = ACL_MAX_DEPTH - 1; depth <= ACL_MAX_DEPTH; depth++) {
		clear_dir();
		put("main.conf", "include f1.conf\n");
		for (int i = 1; i <= depth; i++) {
			snprintf(name, sizeof(name), "f%d.conf", i);
			if (i < depth)
				snprintf(text, sizeof(text), "include f%d.conf\n", i + 1);
			else
				snprintf(text, sizeof(text), "allow br0\n");
			put(name, text);
		}
		r = check("br0", &acl);
		if (depth < ACL_MAX_DEPTH) {
			assert_int_equal(r, 0);
			assert_true(acl_permits(&acl));
		} else {
			assert_int_equal(r, -EINVAL);
			assert_non_null(strstr(acl.err, "includes nested deeper than 8"));
		}
		for (int i = 1; i <= depth; i++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/f%d.conf", tmpdir, i);
			unlink(path);
		}
	}
}

static void test_parse_line(void **state)
{
	static const struct {
		const char *line;
		int ret;
		enum acl_kind kind;
		bool all;
		const char *arg;
	} cases[] = {
	    {"", 0, ACL_BLANK, false, NULL},
	    {"   ", 0, ACL_BLANK, false, NULL},
	    {"#allow all", 0, ACL_BLANK, false, NULL},
	    {" # x", 0, ACL_BLANK, false, NULL},
	    {"allow all", 0, ACL_ALLOW, true, "all"},
	    {"deny all", 0, ACL_DENY, true, "all"},
	    {"allow br0", 0, ACL_ALLOW, false, "br0"},
	    {"deny\tvirbr0", 0, ACL_DENY, false, "virbr0"},
	    {"include /etc/qemu/x y.conf ", 0, ACL_INCLUDE, false, "/etc/qemu/x y.conf"},
	    {"allowbr0", -EINVAL, ACL_BLANK, false, NULL},
	    {"allow 1234567890123456", -EINVAL, ACL_BLANK, false, NULL},
	    {"allow a:b", -EINVAL, ACL_BLANK, false, NULL},
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct acl_rule rule = {ACL_INCLUDE, true, "x"};
		char line[128], err[128];

		snprintf(line, sizeof(line), "%s", cases[i].line);
		assert_int_equal(acl_parse_line(line, &rule, err, sizeof(err)), cases[i].ret);
		if (cases[i].ret < 0)
			continue;
		assert_int_equal(rule.kind, cases[i].kind);
		assert_int_equal(rule.all, cases[i].all);
		if (cases[i].arg)
			assert_string_equal(rule.arg, cases[i].arg);
	}
}

static void test_args(void **state)
{
	static const struct {
		const char *argv[6];
		int ret;
		bool vnet;
		int fd;
		const char *br;
		const char *err;
	} cases[] = {
	    {{"h", "--use-vnet", "--fd=3", "--br=br0"}, 0, true, 3, "br0", NULL},
	    {{"h", "--br=br0", "--fd=12"}, 0, false, 12, "br0", NULL},
	    {{"h", "--help"}, 0, false, -1, NULL, NULL},
	    {{"h", "--br=br0"}, -EINVAL, 0, 0, NULL, "--fd=unixfd missing"},
	    {{"h", "--fd=3"}, -EINVAL, 0, 0, NULL, "--br=bridge missing"},
	    {{"h"}, -EINVAL, 0, 0, NULL, "missing"},
	    {{"h", "--fd=abc", "--br=br0"}, -EINVAL, 0, 0, NULL, "invalid file descriptor `abc'"},
	    {{"h", "--fd=", "--br=br0"}, -EINVAL, 0, 0, NULL, "invalid file descriptor `'"},
	    {{"h", "--fd=-1", "--br=br0"}, -EINVAL, 0, 0, NULL, "invalid file descriptor"},
	    {{"h", "--fd=3x", "--br=br0"}, -EINVAL, 0, 0, NULL, "invalid file descriptor"},
	    {{"h", "--fd=99999999999", "--br=br0"}, -EINVAL, 0, 0, NULL, "invalid file"},
	    {{"h", "--fd=3", "--br=abcdefghijklmnop"},
	     -EINVAL,
	     0,
	     0,
	     NULL,
	     "name `abcdefghijklmnop' too long: 16"},
	    {{"h", "--fd=3", "--br="}, -EINVAL, 0, 0, NULL, "invalid bridge name `'"},
	    {{"h", "--fd=3", "--br=a/b"}, -EINVAL, 0, 0, NULL, "invalid bridge name `a/b'"},
	    {{"h", "--fd=3", "--br=br0", "--br=br1"}, -EINVAL, 0, 0, NULL, "`--br=br1'"},
	    {{"h", "--fd=3", "--fd=4", "--br=br0"}, -EINVAL, 0, 0, NULL, "`--fd=4'"},
	    {{"h", "--fd", "3", "--br=br0"}, -EINVAL, 0, 0, NULL, "unexpected argument `--fd'"},
	    {{"h", "--vnet", "--fd=3", "--br=br0"}, -EINVAL, 0, 0, NULL, "`--vnet'"},
	};

	for (size_t i = 0; i < N(cases); i++) {
		struct helper_args a = {.fd = 77};
		char err[256];
		int argc = 0;

		while (argc < 6 && cases[i].argv[argc])
			argc++;
		assert_int_equal(
		    helper_parse_args(argc, (char **)cases[i].argv, &a, err, sizeof(err)),
		    cases[i].ret);
		if (cases[i].ret < 0) {
			assert_non_null(strstr(err, cases[i].err));
			assert_int_equal(a.fd, 77); /* untouched */
			continue;
		}
		assert_int_equal(a.use_vnet, cases[i].vnet);
		assert_int_equal(a.fd, cases[i].fd);
		if (cases[i].br)
			assert_string_equal(a.bridge, cases[i].br);
	}
}

/* Not setuid here, so the environment may choose the file. */
static void test_acl_path(void **state)
{
	unsetenv(TW_HELPER_ACL_ENV);
	assert_string_equal(helper_acl_path(), TW_HELPER_ACL_FILE);
	setenv(TW_HELPER_ACL_ENV, "/tmp/x.conf", 1);
	assert_string_equal(helper_acl_path(), "/tmp/x.conf");
	setenv(TW_HELPER_ACL_ENV, "", 1);
	assert_string_equal(helper_acl_path(), TW_HELPER_ACL_FILE);
	unsetenv(TW_HELPER_ACL_ENV);
}

static int setup(void **state)
{
	static char tmpl[] = "/tmp/tw-helper-acl.XXXXXX";

	tmpdir = mkdtemp(tmpl);
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	clear_dir();
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_acl_table),	   cmocka_unit_test(test_acl_missing_file),
	    cmocka_unit_test(test_acl_long_lines), cmocka_unit_test(test_acl_nul_byte),
	    cmocka_unit_test(test_acl_depth),	   cmocka_unit_test(test_parse_line),
	    cmocka_unit_test(test_args),	   cmocka_unit_test(test_acl_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
