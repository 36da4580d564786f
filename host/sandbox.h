/* SPDX-License-Identifier: MIT */
#ifndef TWH_SANDBOX_H
#define TWH_SANDBOX_H

#include <stdbool.h>

/*
 * Installs the daemon's seccomp filter (sandbox.c) if @on: from then on a
 * system call it does not allow ends the process. 0 or -errno.
 */
int twh_sandbox(bool on);

#endif
