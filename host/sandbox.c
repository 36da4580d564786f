// SPDX-License-Identifier: MIT
/*
 * tapwire-host's seccomp filter (libseccomp), installed once the device is
 * open, every service listens and privileges are dropped. From then on the
 * daemon only moves bytes between the device, its sockets and the HTTP
 * directory. The filter allows the union of the lists each file keeps of
 * the calls it makes (sandbox.h), plus the event loop's and the C
 * library's below, some only with checked arguments; anything else ends the
 * process (SIGSYS), as passt's filter does: a compromised stack can neither
 * execute code it wrote (no PROT_EXEC mappings), nor write or create files,
 * nor open sockets other than TCP and UDP over IPv4 and IPv6 (no netlink,
 * packet or Unix sockets), nor change credentials. A sanitizer build has no
 * filter (-EOPNOTSUPP).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <seccomp.h>

#include "sandbox.h"

/* main.c's event loop: epoll, its signalfd, logging, detaching from the
 * caller (dup2 over standard output and error), its end */
static const char *const loop[] = {
    "epoll_wait", "epoll_pwait",   "read",	   "write", "writev", "close",	    "dup2",
    "dup3",	  "clock_gettime", "gettimeofday", "time",  "exit",   "exit_group", NULL,
};

/* the C library underneath: malloc, stdio, signals, abort() */
static const char *const runtime[] = {
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "madvise",
    "mprotect",
    "futex",
    "rt_sigreturn",
    "rt_sigprocmask",
    "rt_sigaction",
    "restart_syscall",
    "getpid",
    "gettid",
    "tgkill",
    "lseek",
    "nanosleep",
    "clock_nanosleep",
    "clock_getres",
    "getrandom",
    NULL,
};

static const char *const *const lists[] = {
    loop,
    runtime,
    twh_syscalls_host,
    twh_syscalls_guard,
    twh_syscalls_neigh,
    twh_syscalls_udp,
    twh_syscalls_dns,
    twh_syscalls_dhcp,
    twh_syscalls_services,
    twh_syscalls_svc_simple,
    twh_syscalls_svc_http,
    twh_syscalls_svc_tcp_relay,
    twh_syscalls_svc_udp_relay,
};

#define A(n_, op_, a_, b_)                                                                         \
	((struct scmp_arg_cmp){.arg = (n_), .op = (op_), .datum_a = (a_), .datum_b = (b_)})

/* The calls allowed only with some arguments: their rules. 1 if @nr is one. */
static int add_checked(scmp_filter_ctx ctx, int nr, int *err)
{
	/* opening for writing, creating, truncating or appending */
	const scmp_datum_t wr = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE;

	if (nr == SCMP_SYS(openat)) {
		*err =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, A(2, SCMP_CMP_MASKED_EQ, wr, 0));
	} else if (nr == SCMP_SYS(mmap) || nr == SCMP_SYS(mprotect)) {
		*err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					A(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	} else if (nr == SCMP_SYS(ioctl)) {
		*err =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, A(1, SCMP_CMP_EQ, TUNGETIFF, 0));
	} else if (nr == SCMP_SYS(socket)) {
		static const int fam[] = {AF_INET, AF_INET6}, type[] = {SOCK_STREAM, SOCK_DGRAM};

		*err = 0;
		for (int f = 0; f < 2 && !*err; f++)
			for (int t = 0; t < 2 && !*err; t++)
				*err = seccomp_rule_add(
				    ctx, SCMP_ACT_ALLOW, nr, 2,
				    A(0, SCMP_CMP_EQ, (scmp_datum_t)fam[f], 0),
				    A(1, SCMP_CMP_MASKED_EQ, 0xf, (scmp_datum_t)type[t]));
	} else {
		return 0;
	}
	return 1;
}

int twh_sandbox(bool on)
{
	int done[512], n_done = 0;
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
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]) && !err; l++)
		for (const char *const *name = lists[l]; *name && !err; name++) {
			int nr = seccomp_syscall_resolve_name(*name);
			bool seen = false;

			if (nr == __NR_SCMP_ERROR) /* a call this architecture lacks */
				continue;
			for (int i = 0; i < n_done && !seen; i++)
				seen = done[i] == nr;
			if (seen || n_done == (int)(sizeof(done) / sizeof(done[0])))
				continue;
			done[n_done++] = nr;
			if (!add_checked(ctx, nr, &err))
				err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		}
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}
