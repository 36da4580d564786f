// SPDX-License-Identifier: MIT
/*
 * `tapwire -b FILE`: the input is the batch file. Lines are split into words
 * (quotes, comments) and each runs as a command, for real, inside a private
 * network namespace. The file is a memfd read through /proc/self/fd. Lines
 * running `apply` or `down` are left out (they read other files).
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz_sandbox.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_sandbox_enter();
	return 0;
}

/* False if a line would run apply or down. Splits copies, as the CLI does. */
static bool lines_allowed(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *line, *save = NULL, *argv[256];
	bool ok = true;

	if (!copy)
		return false;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = strtok_r(copy, "\n", &save); line && ok; line = strtok_r(NULL, "\n", &save)) {
		int argc = cli_split_line(line, argv, 256);

		if (argc > 0 && (!strcmp(argv[0], "apply") || !strcmp(argv[0], "down")))
			ok = false;
	}
	free(copy);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];
	char *argv[] = {"tapwire", "-b", path, NULL};

	if (size > 8192 || memchr(data, '\0', size) || !lines_allowed(data, size))
		return 0;
	if (fd < 0 && (fd = memfd_create("batch", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cli_main(3, argv);
	return 0;
}
