// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include "clock.h"
#include "crypto.h"
#include "log.h"
#include "loop.h"
#include "queueing.h"
#include "ratelimiter.h"
#include "udp.h"
#include "timers.h"
#include "tun.h"
#include "uapi.h"

static int watch(struct wg_loop *loop, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	if (fd < 0)
		return 0;
	return epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int rewatch(struct wg_loop *loop, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

/*
 * Watches the device's UDP sockets if they are new: a listen-port change
 * (UAPI) binds new ones, and closing the old ones took them out of epoll.
 */
static int sync_sockets(struct wg_loop *loop)
{
	struct tw_udp *s = &loop->dev->sock;
	int err = 0;

	if (s->fd4 != loop->fd4 && !(err = watch(loop, s->fd4, EPOLLIN, WG_EV_SOCK4)))
		loop->fd4 = s->fd4;
	if (!err && s->fd6 != loop->fd6 && !(err = watch(loop, s->fd6, EPOLLIN, WG_EV_SOCK6)))
		loop->fd6 = s->fd6;
	return err;
}

/*
 * Removes the UAPI socket's file (only if it is still the one we made: a
 * daemon started after us may have its own there) before closing the
 * socket, so a new daemon that waits for it never finds a closed socket
 * still on disk, and then stops listening. The UDP sockets close first: a
 * new daemon takes the name as soon as the file is gone, and its `wg
 * setconf` must find the listen port free.
 */
static void release_uapi(struct wg_loop *loop)
{
	struct stat st;

	tw_udp_close(&loop->dev->sock);

	if (loop->uapi_path[0] && stat(loop->uapi_path, &st) == 0 && st.st_dev == loop->uapi_dev &&
	    st.st_ino == loop->uapi_ino)
		unlink(loop->uapi_path);
	loop->uapi_path[0] = '\0';
	if (loop->uapi_fd >= 0)
		close(loop->uapi_fd);
	loop->uapi_fd = -1;
}

/* `wg-quick down` removes the socket of a userspace daemon to stop it: watch for that. */
static void watch_uapi_path(struct wg_loop *loop)
{
	char dir[sizeof(loop->uapi_path)];

	if (!loop->uapi_path[0])
		return;
	snprintf(dir, sizeof(dir), "%s", loop->uapi_path);
	loop->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (loop->inotify_fd < 0)
		return;
	if (inotify_add_watch(loop->inotify_fd, dirname(dir),
			      IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(loop->inotify_fd);
		loop->inotify_fd = -1;
	}
}

static void stop(struct wg_loop *loop, int code)
{
	loop->stopping = true;
	loop->exit_code = code;
}

static void on_inotify(struct wg_loop *loop)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char path[sizeof(loop->uapi_path)];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", loop->uapi_path);
	base = basename(path);
	while ((n = read(loop->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			bool gone = (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) ||
				    (ev->len && !strcmp(ev->name, base));

			if (gone && !loop->stopping) {
				log_info("UAPI socket %s was removed, shutting down",
					 loop->uapi_path);
				/* whatever is at that path now is not ours to unlink */
				loop->uapi_path[0] = '\0';
				stop(loop, 0);
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

int wg_loop_new(struct wg_device *dev, int uapi_fd, const char *uapi_path,
		struct wg_loop **ret_loop)
{
	struct wg_loop *loop = calloc(1, sizeof(*loop));
	sigset_t mask;
	int err;

	if (!loop) {
		if (uapi_fd >= 0)
			close(uapi_fd);
		return -ENOMEM;
	}
	loop->dev = dev;
	loop->epfd = loop->sigfd = loop->timerfd = loop->inotify_fd = -1;
	loop->fd4 = loop->fd6 = -1;
	loop->uapi_fd = uapi_fd;
	snprintf(loop->uapi_path, sizeof(loop->uapi_path), "%s", uapi_path ? uapi_path : "");
	if (loop->uapi_path[0]) {
		struct stat st;

		if (stat(loop->uapi_path, &st) == 0) {
			loop->uapi_dev = st.st_dev;
			loop->uapi_ino = st.st_ino;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	loop->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	loop->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->sigfd < 0 || loop->timerfd < 0 || loop->epfd < 0) {
		err = -errno;
		goto fail;
	}
	watch_uapi_path(loop);
	if ((err = watch(loop, loop->sigfd, EPOLLIN, WG_EV_SIGNAL)) ||
	    (err = watch(loop, loop->timerfd, EPOLLIN, WG_EV_TIMER)) ||
	    (err = watch(loop, dev->tun.fd, EPOLLIN, WG_EV_TUN)) ||
	    (err = watch(loop, loop->uapi_fd, EPOLLIN, WG_EV_UAPI)) ||
	    (err = watch(loop, loop->inotify_fd, EPOLLIN, WG_EV_INOTIFY)) ||
	    (err = sync_sockets(loop)))
		goto fail;
	loop->next_gc = wg_now_ns() + NSEC_PER_SEC;
	dev->timers_dirty = true;
	*ret_loop = loop;
	return 0;
fail:
	wg_loop_free(loop);
	return err;
}

/* ---- the UAPI connections ---- */

static void close_conn(struct wg_loop *loop, unsigned slot)
{
	struct wg_uapi_conn *c = loop->conns[slot];

	if (!c)
		return;
	close(c->fd);
	wg_uapi_conn_clear(c);
	free(c);
	loop->conns[slot] = NULL;
}

/* A free connection slot, or the one idle longest if that is past WG_UAPI_IDLE_NS. */
static unsigned conn_slot(struct wg_loop *loop, uint64_t now)
{
	unsigned i, oldest = 0;

	for (i = 0; i < WG_UAPI_MAX_CONNS; i++) {
		if (!loop->conns[i])
			return i;
		if (loop->conns[i]->active_ns < loop->conns[oldest]->active_ns)
			oldest = i;
	}
	if (now - loop->conns[oldest]->active_ns < WG_UAPI_IDLE_NS)
		return WG_UAPI_MAX_CONNS;
	log_info("UAPI: closing a connection idle for %" PRIu64 " ms to make room",
		 (uint64_t)((now - loop->conns[oldest]->active_ns) / NSEC_PER_MSEC));
	close_conn(loop, oldest);
	return oldest;
}

static void on_uapi(struct wg_loop *loop)
{
	int fd;

	while ((fd = accept4(loop->uapi_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct wg_uapi_conn *c;
		uint64_t now = wg_now_ns();
		unsigned i = conn_slot(loop, now);

		c = i < WG_UAPI_MAX_CONNS ? malloc(sizeof(*c)) : NULL;
		if (!c) {
			close(fd); /* too many clients at once */
			continue;
		}
		wg_uapi_conn_init(c, fd);
		c->active_ns = now;
		if (watch(loop, fd, EPOLLIN, WG_EV_CONN + i) < 0) {
			wg_uapi_conn_clear(c);
			free(c);
			close(fd);
			continue;
		}
		loop->conns[i] = c;
	}
}

static void on_conn(struct wg_loop *loop, unsigned slot, uint32_t events)
{
	struct wg_uapi_conn *c = loop->conns[slot];
	char buf[4096];
	bool closing = false;
	ssize_t n;

	if (events & EPOLLIN) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			closing = true;
		else if (n > 0 && wg_uapi_feed(loop->dev, c, buf, (size_t)n) < 0)
			closing = true;
		if (n > 0)
			c->active_ns = wg_now_ns();
		wg_wipe(buf, sizeof(buf));
		/* a listen-port in the request may have bound new sockets */
		if (sync_sockets(loop) < 0)
			log_err("Failed to watch the new UDP sockets: %s", strerror(errno));
	}
	if (!wg_uapi_conn_flush(c) && errno != EAGAIN && errno != EWOULDBLOCK)
		closing = true;
	if (closing || (events & (EPOLLERR | EPOLLHUP))) {
		wg_uapi_conn_flush(c);
		close_conn(loop, slot);
		return;
	}
	/* while a reply is pending, read nothing more: a client that never reads can't grow it */
	rewatch(loop, c->fd, c->out_len > c->out_off ? EPOLLOUT : EPOLLIN, WG_EV_CONN + slot);
}

/* ---- timers, signals, the TUN and the sockets ---- */

static void arm_timerfd(struct wg_loop *loop)
{
	struct wg_device *dev = loop->dev;
	uint64_t next = wg_timers_next_deadline(dev), now = wg_now_ns(), wait;
	struct itimerspec its = {0};

	if (!next || loop->next_gc < next)
		next = loop->next_gc;
	wait = next > now ? wg_clock_real_ns(next - now) : 1;
	if (!wait)
		wait = 1;
	its.it_value.tv_sec = (time_t)(wait / NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(wait % NSEC_PER_SEC);
	timerfd_settime(loop->timerfd, 0, &its, NULL);
	dev->timer_armed_at = next;
	dev->timers_dirty = false;
}

static void on_timer(struct wg_loop *loop)
{
	struct wg_device *dev = loop->dev;
	uint64_t ticks, now = wg_now_ns();

	if (read(loop->timerfd, &ticks, sizeof(ticks)) < 0) {
		/* spurious: nothing to read */
	}
	wg_timers_expire(dev, now);
	if (now >= loop->next_gc) {
		wg_ratelimiter_gc(dev->ratelimiter, now);
		wg_tun_read_mtu(dev);
		/* a raised MTU: room before its packets come (no batch is open here) */
		if (dev->mtu > dev->tun_slot && dev->mtu <= WG_TUN_SLOT_MAX)
			wg_tun_grow_slots(dev, dev->mtu);
		loop->next_gc = now + NSEC_PER_SEC;
	}
	dev->timers_dirty = true;
}

static void on_signal(struct wg_loop *loop)
{
	struct signalfd_siginfo si;

	while (read(loop->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			continue;
		log_info("Received signal %u, shutting down", si.ssi_signo);
		stop(loop, 0);
	}
}

/*
 * The TUN is gone: the UAPI socket goes at once, so a new daemon can take
 * the name. That is how `wg-quick down` ends every daemon, so it is no
 * error: logged verbose and status 0, as wireguard-go ends then.
 */
static void tun_gone(struct wg_loop *loop)
{
	log_info("TUN device %s was removed, shutting down", loop->dev->ifname);
	release_uapi(loop);
	stop(loop, 0);
}

static void on_tun(struct wg_loop *loop, uint32_t events)
{
	int n;

	/* a bounded number of batches, so the UDP side gets its turn */
	for (int i = 0; i < 4; i++) {
		n = wg_send_from_tun(loop->dev);
		if (n < 0) {
			if (n == -EBADFD || n == -EIO || n == -ENODEV || n == -EINVAL)
				tun_gone(loop);
			return;
		}
		if (n < WG_TUN_BATCH / 2)
			break;
	}
	if (n == 0 && (events & (EPOLLERR | EPOLLHUP)))
		tun_gone(loop);
}

static void on_udp(struct wg_device *dev, int fd)
{
	for (int i = 0; i < 4; i++) {
		int n = tw_udp_recv_batch(fd, dev->rx);

		if (n <= 0)
			return;
		wg_receive_batch(dev, dev->rx);
		if (n < TW_UDP_BATCH)
			return;
	}
}

static void dispatch(struct wg_loop *loop, const struct epoll_event *ev)
{
	struct wg_device *dev = loop->dev;
	uint64_t tag = ev->data.u64;

	switch (tag) {
	case WG_EV_TUN:
		on_tun(loop, ev->events);
		break;
	case WG_EV_SOCK4:
		if (dev->sock.fd4 >= 0)
			on_udp(dev, dev->sock.fd4);
		break;
	case WG_EV_SOCK6:
		if (dev->sock.fd6 >= 0)
			on_udp(dev, dev->sock.fd6);
		break;
	case WG_EV_UAPI:
		on_uapi(loop);
		break;
	case WG_EV_SIGNAL:
		on_signal(loop);
		break;
	case WG_EV_TIMER:
		on_timer(loop);
		break;
	case WG_EV_INOTIFY:
		on_inotify(loop);
		break;
	default:
		if (tag >= WG_EV_CONN && tag < WG_EV_CONN + WG_UAPI_MAX_CONNS &&
		    loop->conns[tag - WG_EV_CONN])
			on_conn(loop, (unsigned)(tag - WG_EV_CONN), ev->events);
		break;
	}
}

int wg_loop_run(struct wg_loop *loop)
{
	struct wg_device *dev = loop->dev;
	struct epoll_event evs[32];
	int n;

	while (!loop->stopping) {
		if (dev->timers_dirty)
			arm_timerfd(loop);
		n = epoll_wait(loop->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n && !loop->stopping; i++)
			dispatch(loop, &evs[i]);
	}
	if (dev->tun.vnet)
		log_info("Offloads: %" PRIu64 " TUN super-packets split into %" PRIu64
			 " packets, %" PRIu64 " coalesced TUN writes of %" PRIu64 " packets",
			 dev->tun.gso_reads, dev->tun.gso_segs, dev->tun.gro_writes,
			 dev->tun.gro_pkts);
	return loop->exit_code;
}

void wg_loop_free(struct wg_loop *loop)
{
	if (!loop)
		return;
	for (unsigned i = 0; i < WG_UAPI_MAX_CONNS; i++)
		close_conn(loop, i);
	release_uapi(loop);
	if (loop->epfd >= 0)
		close(loop->epfd);
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	if (loop->timerfd >= 0)
		close(loop->timerfd);
	if (loop->inotify_fd >= 0)
		close(loop->inotify_fd);
	free(loop);
}
