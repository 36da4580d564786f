/* SPDX-License-Identifier: MIT */
/*
 * Going into the background the way tapwire's daemons do (tapwire-host,
 * tapwire-vxlan): fork before anything is opened, so that the device, the
 * sockets and the signalfd all belong to the process that runs the loop (a
 * signalfd registered in epoll by the parent would never wake the child).
 * The parent waits for the child's word and exits 0 once it is up, or with
 * the child's status if it failed first: errors still reach the caller's
 * terminal, and `x=$(daemon ...)` returns.
 */
#ifndef TW_IO_DAEMON_H
#define TW_IO_DAEMON_H

/*
 * Forks. In the child (a new session) returns the fd to hand to
 * tw_daemon_ready(); the parent never returns. -errno if the pipe or the
 * fork fails (nothing forked).
 */
int tw_daemon_start(void);

/*
 * Up: the parent may go. Standard input, and standard output and error
 * unless they are files (`>log 2>&1` keeps the log), become /dev/null: a
 * pipe or a terminal held by the daemon would keep a caller waiting. @null
 * is an open /dev/null (taken and closed; -1: opened here, for a daemon
 * that cannot open it any more, e.g. in a sandbox, open it before).
 */
void tw_daemon_ready(int ready_fd, int null);

#endif
