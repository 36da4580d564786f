/* SPDX-License-Identifier: MIT */
/*
 * The event loop above everything: one epoll for the TUN, the UDP sockets,
 * the UAPI listener and its connections, a signalfd, the protocol timerfd and
 * an inotify watch on the UAPI socket's directory. It dispatches to send.c,
 * receive.c, timers.c and the UAPI protocol (uapi.c); none of them, nor the
 * device model (device.c), calls back into it.
 *
 * The loop owns the UAPI listener and its connections: uapi.c only parses
 * and answers requests on a connection it is handed.
 */
#ifndef TWWG_LOOP_H
#define TWWG_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "device.h"

struct wg_uapi_conn;

struct wg_loop {
	struct wg_device *dev;
	int epfd, sigfd, timerfd;
	int inotify_fd; /* watches the UAPI socket: its removal stops the daemon */
	int uapi_fd;	/* listening socket, -1 if none */
	char uapi_path[108];
	dev_t uapi_dev; /* the socket file we made, to unlink only that */
	ino_t uapi_ino;
	struct wg_uapi_conn *conns[WG_UAPI_MAX_CONNS];
	int fd4, fd6;	  /* the UDP sockets being watched (they change with listen-port) */
	uint64_t next_gc; /* next housekeeping: rate limiter, MTU */
	bool stopping;
	int exit_code;
};

/*
 * Makes the loop of a started device (wg_device_start()): takes @uapi_fd
 * (-1: none) and the path of its socket file, blocks SIGINT, SIGTERM and
 * SIGHUP into a signalfd, watches everything. On failure the loop is freed,
 * @uapi_fd included. 0 or -errno.
 */
int wg_loop_new(struct wg_device *dev, int uapi_fd, const char *uapi_path,
		struct wg_loop **ret_loop);

/* Runs until a signal, the TUN's or the UAPI socket's removal, or a fatal error; the exit code. */
int wg_loop_run(struct wg_loop *loop);

/*
 * Closes the UAPI connections and the listener (unlinking its socket file if
 * it is still ours) and the loop's descriptors; the device stays. NULL is fine.
 */
void wg_loop_free(struct wg_loop *loop);

/* The epoll tags, exposed for the tests: what an event of the loop is about. */
enum {
	WG_EV_TUN = 1,
	WG_EV_SOCK4,
	WG_EV_SOCK6,
	WG_EV_UAPI,
	WG_EV_SIGNAL,
	WG_EV_TIMER,
	WG_EV_INOTIFY,
	WG_EV_CONN = 16, /* + UAPI connection slot */
};

#endif
