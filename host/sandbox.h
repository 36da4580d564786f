/* SPDX-License-Identifier: MIT */
#ifndef TWH_SANDBOX_H
#define TWH_SANDBOX_H

#include <stdbool.h>

/*
 * Installs the daemon's seccomp filter (sandbox.c) if @on: from then on a
 * system call it does not allow ends the process. 0 or -errno.
 */
int twh_sandbox(bool on);

/*
 * The system calls each file of the daemon makes once the filter is on,
 * NULL-terminated; the filter allows their union and nothing else. Each
 * file's list stands at its top, beside the opening comment that says why.
 * Some are allowed only with arguments sandbox.c checks: openat read-only,
 * mmap and mprotect without PROT_EXEC, socket for TCP and UDP over IPv4 and
 * IPv6, ioctl for TUNGETIFF.
 */
extern const char *const twh_syscalls_host[];	       /* host.c: the device */
extern const char *const twh_syscalls_neigh[];	       /* neigh.c: the table's clock */
extern const char *const twh_syscalls_udp[];	       /* udp.c */
extern const char *const twh_syscalls_guard[];	       /* guard.c: the ISN key, clocks */
extern const char *const twh_syscalls_dns[];	       /* dns.c */
extern const char *const twh_syscalls_dhcp[];	       /* dhcp.c */
extern const char *const twh_syscalls_services[];      /* services.c: what they share */
extern const char *const twh_syscalls_svc_simple[];    /* svc_simple.c: echo, discard */
extern const char *const twh_syscalls_svc_http[];      /* svc_http.c */
extern const char *const twh_syscalls_svc_tcp_relay[]; /* svc_tcp_relay.c */
extern const char *const twh_syscalls_svc_udp_relay[]; /* svc_udp_relay.c */

#endif
