// SPDX-License-Identifier: MIT
/*
 * The whole `tapwire` argument path: the input is split into words (at NUL
 * and newline bytes) and run as one command line. Commands that parse are
 * really executed, so the harness first moves itself into a private network
 * namespace: whatever the fuzzer creates there vanishes with the process.
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
	char *buf, *argv[MAX_WORDS + 2];
	int argc = 0;
	size_t i, start = 0;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "tapwire";
	for (i = 0; i <= size && argc < MAX_WORDS; i++) {
		if (i == size || buf[i] == '\0' || buf[i] == '\n') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	/* Options that leave the sandbox (other namespaces, files) are not fuzzed. */
	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "-n") || !strcmp(argv[k], "--netns") ||
		    !strcmp(argv[k], "-b") || !strcmp(argv[k], "--batch") ||
		    !strcmp(argv[k], "apply") || !strcmp(argv[k], "down")) {
			free(buf);
			return 0;
		}
	}
	cli_main(argc, argv);
	free(buf);
	return 0;
}
