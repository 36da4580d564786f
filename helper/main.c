// SPDX-License-Identifier: MIT
/*
 * tapwire-bridge-helper: a drop-in for qemu-bridge-helper. QEMU runs it as
 *     tapwire-bridge-helper [--use-vnet] --br=BRIDGE --fd=UNIXFD
 * and receives a TAP enslaved to BRIDGE over UNIXFD, if the ACL allows it.
 */
#include <errno.h>
#include <string.h>

#include "helper.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: tapwire-bridge-helper [--use-vnet] --br=bridge --fd=unixfd\n");
}

static void help(void)
{
	usage(stdout);
	printf("\nCreates a TAP device, attaches it to BRIDGE and passes its file descriptor\n"
	       "to QEMU over the unix socket UNIXFD, if the ACL file allows BRIDGE.\n"
	       "ACL file: %s\n",
	       TW_HELPER_ACL_FILE);
}

static int check_acl(const char *bridge)
{
	const char *path = helper_acl_path();
	struct acl_ctx acl;

	acl_init(&acl, bridge);
	if (acl_read_file(&acl, path) < 0) {
		fprintf(stderr, "%s\n", acl.err);
		fprintf(stderr, "failed to parse default acl file `%s'\n", path);
		return -EINVAL;
	}
	if (!acl_permits(&acl)) {
		fprintf(stderr, "access denied by acl file\n");
		return -EACCES;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct helper_args a;
	char err[512];

	/* First of all: whatever goes wrong below, go wrong without privileges. */
	if (helper_drop_privileges() < 0) {
		fprintf(stderr, "failed to drop privileges\n");
		return 1;
	}
	if (helper_parse_args(argc, argv, &a, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		usage(stderr);
		return 1;
	}
	if (a.help) {
		help();
		return 0;
	}
	if (check_acl(a.bridge) < 0)
		return 1;
	return helper_attach_tap(&a, stderr) < 0 ? 1 : 0;
}
