/* SPDX-License-Identifier: MIT */
/*
 * A daemon's control socket: a unix stream socket at a path in a directory
 * shared by every network namespace of the mount namespace (as wg(8)'s
 * /var/run/wireguard/NAME.sock). Before taking the path the daemon waits
 * for one still answering there to go (a daemon being replaced removes its
 * socket as it stops), then removes a stale one; the socket is 0600, so
 * only its owner and root talk to it.
 *
 * Internal to the project (io/), used by tapwire-wg (UAPI) and
 * tapwire-vxlan.
 */
#ifndef TW_IO_CTL_H
#define TW_IO_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The directories a daemon named @name (e.g. "tapwire-vxlan") puts its
 * control sockets in by default, most privileged first: /run/NAME, then
 * $XDG_RUNTIME_DIR/NAME when that is set (a user's). Fills @dirs and returns
 * how many; the daemon takes the first it can write, clients look in each.
 */
#define TW_CTL_DIR_MAX 100
size_t tw_ctl_dirs(const char *name, char dirs[2][TW_CTL_DIR_MAX]);

/* Whether a process listens on @path; its pid in @ret_pid when the kernel says. */
bool tw_ctl_alive(const char *path, pid_t *ret_pid);

/*
 * Listens on @path (non-blocking, close-on-exec, mode 0600), after waiting
 * up to @wait_ms for a live listener to go. The fd, or -EADDRINUSE (the
 * holder's pid in @ret_holder, 0 if unknown), -ENAMETOOLONG or -errno.
 */
int tw_ctl_listen(const char *path, unsigned wait_ms, pid_t *ret_holder);

/*
 * Connects to @path and sends @req; returns the connected fd (to read the
 * reply from) or -errno (-ECONNREFUSED or -ENOENT: nobody there).
 */
int tw_ctl_request(const char *path, const char *req);

#endif
