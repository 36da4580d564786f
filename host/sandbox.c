// SPDX-License-Identifier: MIT
/*
 * tapwire-host's seccomp filter (libseccomp), installed once the device is
 * open, every service listens and privileges are dropped. From then on the
 * daemon only moves bytes between the device, its sockets and the HTTP
 * directory: the system calls below, sockets of the Internet families only.
 * Anything else ends the process (SIGSYS), as passt's filter does: a
 * compromised stack can neither execute nor open sockets of other families
 * (netlink, packet, Unix) nor change credentials. The list is what the
 * daemon calls in the integration tests (tests/integration/host_*.sh): run
 * with a filter that trapped and recorded every call outside it, they
 * recorded none. A sanitizer build has no filter (-EOPNOTSUPP).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <seccomp.h>

#include "sandbox.h"

/* Every call the event loop, the services, glibc's malloc and stdio and abort() make. */
/* clang-format off */
static const char *const allowed[] = {
	/* device, sockets, files */
	"read", "write", "readv", "writev", "pread64", "close", "lseek", "fcntl",
	"openat", "openat2", "dup2", "dup3", "fstat", "newfstatat", "statx", "getdents64",
	"epoll_wait", "epoll_pwait", "epoll_ctl",
	"connect", "accept", "accept4", "bind", "listen", "shutdown",
	"setsockopt", "getsockopt", "getsockname", "getpeername",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	/* time and randomness */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep", "getrandom",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect",
	/* signals, exit, glibc's internals */
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "restart_syscall",
	"getpid", "gettid", "tgkill", "futex", "exit", "exit_group",
};
/* clang-format on */

int twh_sandbox(bool on)
{
	scmp_filter_ctx ctx;
	int err = 0;

	if (!on)
		return 0;
#if defined(TW_SANITIZED) || defined(TW_FUZZING)
	/* the sanitizers' runtime needs calls of its own (LSan stops the world with ptrace) */
	return -EOPNOTSUPP;
#endif
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !err; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);

		if (nr != __NR_SCMP_ERROR) /* a call this architecture lacks: nothing to allow */
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* sockets: IPv4 and IPv6 only */
	for (int i = 0; i < 2 && !err; i++) {
		const struct scmp_arg_cmp family = {
		    .arg = 0, .op = SCMP_CMP_EQ, .datum_a = i ? AF_INET6 : AF_INET, .datum_b = 0};

		err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &family);
	}
	/* ioctl: only TUNGETIFF, which tells a device that is down from one that is gone */
	if (!err) {
		const struct scmp_arg_cmp req = {
		    .arg = 1, .op = SCMP_CMP_EQ, .datum_a = TUNGETIFF, .datum_b = 0};

		err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, &req);
	}
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}
