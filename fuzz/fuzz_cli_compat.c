// SPDX-License-Identifier: MIT
/*
 * The tunctl and brctl personalities: `tapwire` run under those names (as
 * the symlinks are). The first input byte picks the name, the rest is split
 * into words at NUL and newline bytes. As in fuzz_cli_words, commands run for
 * real inside a private network namespace. tunctl's -f (another clone
 * device path, also inside grouped options) is not fuzzed: it would open
 * arbitrary files.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz_sandbox.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_sandbox_enter();
	return 0;
}

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const names[] = {"brctl", "/usr/sbin/tunctl", "tunctl", "/sbin/brctl"};
	char *buf, *argv[MAX_WORDS + 2];
	int argc = 0;
	size_t i, start = 0;

	if (size < 1 || size > 4096)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	size--;
	buf[size] = '\0';
	argv[argc++] = names[data[0] % 4];
	for (i = 0; i <= size && argc < MAX_WORDS; i++) {
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	for (int k = 1; k < argc; k++) {
		if (strstr(argv[0], "tunctl") && argv[k][0] == '-' && strchr(argv[k], 'f')) {
			free(buf);
			return 0;
		}
	}
	cli_main(argc, argv);
	free(buf);
	return 0;
}
