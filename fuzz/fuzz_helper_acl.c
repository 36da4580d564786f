// SPDX-License-Identifier: MIT
/*
 * tapwire-bridge-helper's ACL reader. The input becomes two files in a
 * private directory, main.conf and a.conf (the same bytes, so "include
 * a.conf" recurses and "include main.conf" loops), and main.conf is checked
 * for bridge br0. The input also runs as a command line (words split at NUL
 * and newline bytes). Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/tw-fuzz-acl.XXXXXX";
static char main_path[64], a_path[64];

static void cleanup(void)
{
	unlink(main_path);
	unlink(a_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(main_path, sizeof(main_path), "%s/main.conf", dir);
	snprintf(a_path, sizeof(a_path), "%s/a.conf", dir);
	return 0;
}

static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

static void run_args(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[34] = {"tapwire-bridge-helper"}, err[256];
	struct helper_args a;
	int argc = 1;
	size_t start = 0;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i <= size && argc < 33; i++) {
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	helper_parse_args(argc, argv, &a, err, sizeof(err));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acl_ctx acl;

	if (size > 3 * ACL_MAX_LINE)
		return 0;
	put(main_path, data, size);
	put(a_path, data, size);
	acl_init(&acl, "br0");
	if (acl_read_file(&acl, main_path) == 0)
		(void)acl_permits(&acl);
	run_args(data, size);
	return 0;
}
