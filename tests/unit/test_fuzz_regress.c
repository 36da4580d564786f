// SPDX-License-Identifier: MIT
/*
 * Bugs the fuzzers (fuzz/) found in the CLI, each reproduced on the call
 * that crashed. Most show only under the sanitizers (the suite's second run).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"

int cli_tunctl_main(int argc, char **argv);

/* Runs @fn(argc, argv) with stderr going to @buf (@len bytes, NUL-terminated). */
static int run_capture(int (*fn)(int, char **), int argc, char **argv, char *buf, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO), ret;
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	ret = fn(argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return ret;
}

/*
 * fuzz_cli_compat (heap-use-after-free): tunctl reset getopt with
 * optind = 1, which in glibc keeps the position inside the previous call's
 * last option cluster; the next call then went on reading that (by then
 * freed) argv. Both calls here fail in parsing, before any system call.
 */
static void test_tunctl_getopt_reset(void **state)
{
	char first_word[] = "-xu5", *first[] = {"tunctl", first_word, NULL};
	char *second[] = {"tunctl", "-Z", NULL};
	char err[1024];

	/* unknown -x: usage, with "u5" of the cluster left unread */
	assert_int_equal(run_capture(cli_tunctl_main, 2, first, err, sizeof(err)), 1);
	memcpy(first_word, "-xu!", 4); /* what the old argv holds now */
	assert_int_equal(run_capture(cli_tunctl_main, 2, second, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "invalid option -- 'Z'"));
	assert_null(strstr(err, "neither"));
}

/* Runs `tapwire -b @path`; returns its exit code, its stderr in @err. */
static int batch(const char *path, char *err, size_t len)
{
	char *argv[] = {"tapwire", "-b", (char *)path, NULL};

	return run_capture(cli_main, 3, argv, err, len);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * Found by the load tests (tests/integration/cli_fault_load.sh): batch mode
 * read each line with getline(), so a file without newlines (/dev/zero)
 * took memory without bound; a NUL byte silently cut its line short; and
 * a directory read as an empty file (exit 0).
 */
static void test_batch_bounds(void **state)
{
	char dir[] = "/tmp/tw-test-batch.XXXXXX", path[64], err[1024];
	static char big[CLI_BATCH_LINE_MAX + 10];

	assert_non_null(mkdtemp(dir));
	assert_int_equal(batch(dir, err, sizeof(err)), CLI_FAIL);
	assert_non_null(strstr(err, "Is a directory"));

	assert_int_equal(batch("/dev/zero", err, sizeof(err)), CLI_USAGE);
	assert_non_null(strstr(err, "/dev/zero:1: Error: NUL byte in the line"));

	snprintf(path, sizeof(path), "%s/nul", dir);
	static const char nul[] = "# fine\nlink show \0; bridge del br0\n";
	write_file(path, nul, sizeof(nul) - 1);
	assert_int_equal(batch(path, err, sizeof(err)), CLI_USAGE);
	assert_non_null(strstr(err, ":2: Error: NUL byte in the line"));

	memset(big, 'a', sizeof(big));
	big[0] = '#';
	write_file(path, big, sizeof(big));
	assert_int_equal(batch(path, err, sizeof(err)), CLI_USAGE);
	assert_non_null(strstr(err, ":1: Error: line longer than 65535 bytes"));

	/* the longest line allowed still runs (a comment: no system call) */
	big[CLI_BATCH_LINE_MAX - 1] = '\n';
	write_file(path, big, CLI_BATCH_LINE_MAX);
	assert_int_equal(batch(path, err, sizeof(err)), CLI_OK);
	/* and so does a last line without its newline */
	write_file(path, "# one\n# two", 11);
	assert_int_equal(batch(path, err, sizeof(err)), CLI_OK);
	assert_string_equal(err, "");

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tunctl_getopt_reset),
	    cmocka_unit_test(test_batch_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
