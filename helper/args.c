// SPDX-License-Identifier: MIT
/* The helper's command line, exactly as QEMU writes it, and its ACL path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tapwire/tapwire.h>

#include "helper.h"

static int parse_fd(const char *s, int *ret)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int helper_check_name(const char *br, char *err, size_t errlen)
{
	size_t len = strlen(br);

	/* CVE-2019-13164: never let a long name be cut down to an allowed one. */
	if (len >= IFNAMSIZ) {
		snprintf(err, errlen, "name `%s' too long: %zu", br, len);
		return -EINVAL;
	}
	if (tw_ifname_valid(br) < 0) {
		snprintf(err, errlen, "invalid bridge name `%s'", br);
		return -EINVAL;
	}
	return 0;
}

int helper_parse_args(int argc, char **argv, struct helper_args *ret, char *err, size_t errlen)
{
	struct helper_args a = {.fd = -1};
	int i;

	err[0] = '\0';
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "--use-vnet")) {
			a.use_vnet = true;
		} else if (!strcmp(w, "--help") || !strcmp(w, "-h")) {
			a.help = true;
		} else if (!strncmp(w, "--br=", 5) && !a.bridge) {
			a.bridge = w + 5;
			if (helper_check_name(a.bridge, err, errlen) < 0)
				return -EINVAL;
		} else if (!strncmp(w, "--fd=", 5) && a.fd < 0) {
			if (parse_fd(w + 5, &a.fd) < 0) {
				snprintf(err, errlen, "invalid file descriptor `%s'", w + 5);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "unexpected argument `%s'", w);
			return -EINVAL;
		}
	}
	if (!a.help && (!a.bridge || a.fd < 0)) {
		snprintf(err, errlen, "%s missing", !a.bridge ? "--br=bridge" : "--fd=unixfd");
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

const char *helper_acl_path(void)
{
	/* secure_getenv: NULL under AT_SECURE (setuid, setgid, file caps). */
	const char *p = secure_getenv(TW_HELPER_ACL_ENV);

	return p && *p ? p : TW_HELPER_ACL_FILE;
}
