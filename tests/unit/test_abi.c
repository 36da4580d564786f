// SPDX-License-Identifier: MIT
/*
 * The sized listings (lib/abi.c): an array handed over in the caller's
 * element size, as a program built against an older or newer header asks.
 * Reads the links of the test's own network namespace (only lo, at least).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tapwire/tapwire.h>

#define PAD 24

static void test_link_list_strides(void **state)
{
	struct tw_link_info *plain = NULL;
	unsigned char *wide = NULL;
	size_t n_plain = 0, n_wide = 0, stride = sizeof(struct tw_link_info) + PAD;
	struct tw_nl *nl = NULL;

	assert_int_equal(tw_nl_open(&nl), 0);
	assert_int_equal(tw_link_list(nl, NULL, &plain, &n_plain), 0);
	assert_true(n_plain >= 1);
	assert_int_equal(
	    tw_link_list_sized(nl, NULL, stride, (struct tw_link_info **)&wide, &n_wide), 0);
	assert_int_equal(n_wide, n_plain);
	for (size_t i = 0; i < n_wide; i++) {
		const struct tw_link_info *e = (const void *)(wide + i * stride);
		static const unsigned char zero[PAD];

		assert_int_equal(e->ifindex, plain[i].ifindex);
		assert_string_equal(e->name, plain[i].name);
		assert_int_equal(e->mtu, plain[i].mtu);
		/* the fields this library does not know are zero */
		assert_memory_equal(wide + i * stride + sizeof(struct tw_link_info), zero, PAD);
	}
	free(wide);
	free(plain);
	tw_nl_close(nl);
}

static void test_too_small_refused(void **state)
{
	struct tw_link_info *l = (void *)0x1;
	struct tw_tun_info *t = (void *)0x1;
	size_t n = 7;
	struct tw_nl *nl = NULL;

	assert_int_equal(tw_nl_open(&nl), 0);
	assert_int_equal(tw_link_list_sized(nl, NULL, sizeof(*l) - 8, &l, &n), -EINVAL);
	assert_int_equal(tw_tun_list_sized(nl, NULL, 0, sizeof(*t) - 8, &t, &n), -EINVAL);
	/* ret_* untouched on failure */
	assert_ptr_equal(l, (void *)0x1);
	assert_ptr_equal(t, (void *)0x1);
	assert_int_equal(n, 7);
	tw_nl_close(nl);
}

static void test_version(void **state)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", TAPWIRE_VERSION_MAJOR, TAPWIRE_VERSION_MINOR,
		 TAPWIRE_VERSION_PATCH);
	assert_string_equal(tw_version(), TAPWIRE_VERSION);
	assert_string_equal(TAPWIRE_VERSION, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_link_list_strides),
	    cmocka_unit_test(test_too_small_refused),
	    cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
