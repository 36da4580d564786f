/* SPDX-License-Identifier: MIT */
/*
 * For harnesses that run CLI commands for real: move the fuzzer into a
 * private network namespace (whatever it creates vanishes with the process)
 * and silence stdout. Call from LLVMFuzzerInitialize().
 */
#ifndef TAPWIRE_FUZZ_SANDBOX_H
#define TAPWIRE_FUZZ_SANDBOX_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static inline void fuzz_sandbox_enter(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		abort();
	}
	if (!freopen("/dev/null", "w", stdout))
		abort();
}

#endif
