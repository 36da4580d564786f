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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tunctl_getopt_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
