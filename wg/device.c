// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>

#include <tapwire/vnet.h>

#include "clock.h"
#include "crypto.h"
#include "cryptpool.h"
#include "device.h"
#include "index.h"
#include "log.h"
#include "peer.h"
#include "queueing.h"
#include "timers.h"
#include "tun.h"
#include "uapi.h"

/*
 * Removes the UAPI socket's file (only if it is still the one we made: a
 * daemon started after us may have its own there) before closing the
 * socket, so a new daemon that waits for it never finds a closed socket
 * still on disk, and then stops listening.
 */
static void release_uapi(struct wg_device *dev)
{
	struct stat st;

	if (dev->uapi_path[0] && stat(dev->uapi_path, &st) == 0 && st.st_dev == dev->uapi_dev &&
	    st.st_ino == dev->uapi_ino)
		unlink(dev->uapi_path);
	dev->uapi_path[0] = '\0';
	if (dev->uapi_fd >= 0)
		close(dev->uapi_fd);
	dev->uapi_fd = -1;
}

int wg_device_new(const char *ifname, struct wg_device **ret_dev)
{
	struct wg_device *dev = calloc(1, sizeof(*dev));
	int err;

	if (!dev)
		return -ENOMEM;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	dev->tun_fd = dev->uapi_fd = dev->epfd = dev->sigfd = dev->timerfd = dev->inotify_fd = -1;
	dev->mtu = WG_DEFAULT_MTU;
	wg_socket_init(&dev->sock, false);
	wg_cookie_checker_init(&dev->cookie_checker, NULL);
	wg_allowedips_init(&dev->allowedips);
	err = wg_ratelimiter_new(&dev->ratelimiter, 0);
	if (!err)
		err = wg_index_new(&dev->index);
	/* the receive window is the only data route: every device has it */
	if (!err && !(dev->rx_jobs = calloc(WG_RX_WINDOW, sizeof(*dev->rx_jobs))))
		err = -ENOMEM;
	if (err < 0) {
		wg_device_free(dev);
		return err;
	}
	*ret_dev = dev;
	return 0;
}

void wg_device_free(struct wg_device *dev)
{
	if (!dev)
		return;
	for (unsigned i = 0; i < WG_UAPI_MAX_CONNS; i++)
		wg_uapi_close(dev, i);
	wg_device_remove_all_peers(dev);
	wg_socket_close(&dev->sock);
	release_uapi(dev);
	if (dev->tun_fd >= 0)
		close(dev->tun_fd);
	if (dev->epfd >= 0)
		close(dev->epfd);
	if (dev->sigfd >= 0)
		close(dev->sigfd);
	if (dev->timerfd >= 0)
		close(dev->timerfd);
	if (dev->inotify_fd >= 0)
		close(dev->inotify_fd);
	wg_allowedips_free(&dev->allowedips);
	wg_aip_index_free(&dev->aips);
	wg_index_free(dev->index);
	wg_ratelimiter_free(dev->ratelimiter);
	wg_cookie_checker_destroy(&dev->cookie_checker);
	free(dev->rx);
	free(dev->tx_buf);
	free(dev->tun_rbuf);
	wg_cryptpool_free(dev->pool);
	free(dev->jobs);
	free(dev->rx_jobs);
	tw_gro_free(dev->gro);
	wg_wipe(&dev->identity, sizeof(dev->identity));
	free(dev);
}

int wg_device_watch(struct wg_device *dev, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	if (fd < 0)
		return 0;
	return epoll_ctl(dev->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int wg_device_rewatch(struct wg_device *dev, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(dev->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

static int watch_sockets(struct wg_device *dev)
{
	int err = wg_device_watch(dev, dev->sock.fd4, EPOLLIN, WG_EV_SOCK4);

	return err ? err : wg_device_watch(dev, dev->sock.fd6, EPOLLIN, WG_EV_SOCK6);
}

/* Bytes of one half of the transmit slots, whatever their size. */
#define TX_HALF_BUDGET                                                                             \
	((size_t)WG_TUN_BATCH * (WG_TUN_SLOT_MIN + WG_MSG_DATA_OVERHEAD + WG_MESSAGE_PADDING))

int wg_device_grow_slots(struct wg_device *dev, size_t len)
{
	size_t slot, bytes;
	unsigned n;
	uint8_t *buf;

	if (len > WG_TUN_SLOT_MAX)
		return -EMSGSIZE;
	if (dev->tx_buf && len <= dev->tun_slot)
		return 0;
	/* whole cache lines, and never less than the first size */
	slot = len < WG_TUN_SLOT_MIN ? WG_TUN_SLOT_MIN : (len + 63) & ~(size_t)63;
	if (slot > WG_TUN_SLOT_MAX)
		slot = WG_TUN_SLOT_MAX;
	bytes = slot + WG_MSG_DATA_OVERHEAD + WG_MESSAGE_PADDING;
	/* a super-packet of up to 64 segments must fit (tw_gro's limit too) */
	n = (unsigned)(TX_HALF_BUDGET / bytes);
	if (n > WG_TUN_BATCH)
		n = WG_TUN_BATCH;
	if (n < WG_TUN_BATCH / 2)
		n = WG_TUN_BATCH / 2;
	buf = malloc(2 * n * bytes);
	if (!buf)
		return -ENOMEM;
	wg_prefault(buf, 2 * n * bytes);
	free(dev->tx_buf);
	dev->tx_buf = buf;
	dev->tun_slot = slot;
	dev->n_slots = n;
	if (slot > WG_TUN_SLOT_MIN)
		log_info("Transmit slots for %zu-byte packets: %u of them", slot, n);
	return 0;
}

static void read_mtu(struct wg_device *dev)
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev->ifname);
	/* fails once the interface moved to another namespace: keep the last value */
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		dev->mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
}

/* `wg-quick down` removes the socket of a userspace daemon to stop it: watch for that. */
static void watch_uapi_path(struct wg_device *dev)
{
	char dir[sizeof(dev->uapi_path)];

	if (!dev->uapi_path[0])
		return;
	snprintf(dir, sizeof(dir), "%s", dev->uapi_path);
	dev->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (dev->inotify_fd < 0)
		return;
	if (inotify_add_watch(dev->inotify_fd, dirname(dir),
			      IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		close(dev->inotify_fd);
		dev->inotify_fd = -1;
	}
}

static void on_inotify(struct wg_device *dev)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char path[sizeof(dev->uapi_path)];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s", dev->uapi_path);
	base = basename(path);
	while ((n = read(dev->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			bool gone = (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) ||
				    (ev->len && !strcmp(ev->name, base));

			if (gone && !dev->stopping) {
				log_info("UAPI socket %s was removed, shutting down",
					 dev->uapi_path);
				/* whatever is at that path now is not ours to unlink */
				dev->uapi_path[0] = '\0';
				dev->stopping = true;
				dev->exit_code = 0;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

int wg_device_start(struct wg_device *dev, int tun_fd, int uapi_fd, const char *uapi_path)
{
	sigset_t mask;
	int err;

	dev->tun_fd = tun_fd;
	dev->uapi_fd = uapi_fd;
	snprintf(dev->uapi_path, sizeof(dev->uapi_path), "%s", uapi_path ? uapi_path : "");
	if (dev->uapi_path[0]) {
		struct stat st;

		if (stat(dev->uapi_path, &st) == 0) {
			dev->uapi_dev = st.st_dev;
			dev->uapi_ino = st.st_ino;
		}
	}
	dev->rx = malloc(sizeof(*dev->rx));
	dev->jobs = calloc(WG_TUN_BATCH, sizeof(*dev->jobs));
	if (!dev->rx || !dev->jobs)
		return -ENOMEM;
	/*
	 * Touch every page of the batch buffers now: the daemon's memory is then
	 * what it will be under any load, instead of creeping up as bigger
	 * datagrams and trains reach pages not used before.
	 */
	wg_prefault(dev->rx, sizeof(*dev->rx));
	/* one super-packet as read (vnet mode), or a packet too big for the slots */
	dev->tun_rbuf = malloc(TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);
	if (!dev->tun_rbuf)
		return -ENOMEM;
	wg_prefault(dev->tun_rbuf, TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);
	read_mtu(dev);
	err = wg_device_grow_slots(dev, dev->mtu);
	if (err < 0)
		return err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	dev->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	dev->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	dev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dev->sigfd < 0 || dev->timerfd < 0 || dev->epfd < 0)
		return -errno;
	err = wg_socket_bind(&dev->sock, dev->listen_port, dev->fwmark);
	if (err < 0)
		return err;
	watch_uapi_path(dev);
	if ((err = wg_device_watch(dev, dev->sigfd, EPOLLIN, WG_EV_SIGNAL)) ||
	    (err = wg_device_watch(dev, dev->timerfd, EPOLLIN, WG_EV_TIMER)) ||
	    (err = wg_device_watch(dev, dev->tun_fd, EPOLLIN, WG_EV_TUN)) ||
	    (err = wg_device_watch(dev, dev->uapi_fd, EPOLLIN, WG_EV_UAPI)) ||
	    (err = wg_device_watch(dev, dev->inotify_fd, EPOLLIN, WG_EV_INOTIFY)) ||
	    (err = watch_sockets(dev)))
		return err;
	dev->next_gc = wg_now_ns() + NSEC_PER_SEC;
	dev->timers_dirty = true;
	return 0;
}

int wg_device_setup_offloads(struct wg_device *dev, bool enable)
{
	dev->sock.gso = enable;
	wg_socket_set_gro(&dev->sock, enable);
	return wg_tun_setup_offloads(dev, enable);
}

int wg_device_setup_workers(struct wg_device *dev, unsigned workers)
{
	if (!workers)
		return 0;
	log_info("Encrypting on %u threads", workers + 1);
	return wg_cryptpool_new(workers, &dev->pool);
}

/* ---- configuration ---- */

int wg_device_set_private_key(struct wg_device *dev, const uint8_t key[32])
{
	struct wg_peer *p, *next;
	int err;

	if (dev->identity.has_identity && wg_memeq(key, dev->identity.private_key, 32))
		return 0;
	err = wg_static_identity_set(&dev->identity, wg_is_zero(key, 32) ? NULL : key);
	if (err < 0)
		return err;
	if (dev->identity.has_identity) {
		/* a peer with our own public key makes no sense: drop it */
		p = wg_device_find_peer(dev, dev->identity.public_key);
		if (p)
			wg_peer_remove(p);
	}
	wg_cookie_checker_precompute(&dev->cookie_checker,
				     dev->identity.has_identity ? dev->identity.public_key : NULL);
	for (p = dev->peers; p; p = next) {
		next = p->next;
		wg_noise_handshake_precompute(&p->handshake);
		wg_keypairs_expire_current(&p->keypairs);
	}
	return 0;
}

static void forget_sources(struct wg_device *dev)
{
	for (struct wg_peer *p = dev->peers; p; p = p->next)
		p->endpoint.has_src = false;
}

int wg_device_set_listen_port(struct wg_device *dev, uint16_t port)
{
	int err;

	dev->listen_port = port;
	if (dev->epfd < 0)
		return 0; /* not started: bound at start */
	if (port && port == dev->sock.port)
		return 0;
	err = wg_socket_bind(&dev->sock, port, dev->fwmark);
	if (err < 0) {
		log_err("Failed to bind UDP port %u: %s", port, strerror(-err));
		return err == -EADDRINUSE ? err : -EADDRINUSE;
	}
	forget_sources(dev);
	return watch_sockets(dev);
}

int wg_device_set_fwmark(struct wg_device *dev, uint32_t mark)
{
	dev->fwmark = mark;
	if (dev->epfd < 0)
		return 0;
	forget_sources(dev);
	return wg_socket_set_fwmark(&dev->sock, mark);
}

void wg_device_remove_all_peers(struct wg_device *dev)
{
	while (dev->peers)
		wg_peer_remove(dev->peers);
}

/* ---- event loop ---- */

static void arm_timerfd(struct wg_device *dev)
{
	uint64_t next = wg_timers_next_deadline(dev), now = wg_now_ns(), wait;
	struct itimerspec its = {0};

	if (!next || dev->next_gc < next)
		next = dev->next_gc;
	wait = next > now ? wg_clock_real_ns(next - now) : 1;
	if (!wait)
		wait = 1;
	its.it_value.tv_sec = (time_t)(wait / NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(wait % NSEC_PER_SEC);
	timerfd_settime(dev->timerfd, 0, &its, NULL);
	dev->timer_armed_at = next;
	dev->timers_dirty = false;
}

static void on_timer(struct wg_device *dev)
{
	uint64_t ticks, now = wg_now_ns();

	if (read(dev->timerfd, &ticks, sizeof(ticks)) < 0) {
		/* spurious: nothing to read */
	}
	wg_timers_expire(dev, now);
	if (now >= dev->next_gc) {
		wg_ratelimiter_gc(dev->ratelimiter, now);
		read_mtu(dev);
		/* a raised MTU: room before its packets come (no batch is open here) */
		if (dev->mtu > dev->tun_slot && dev->mtu <= WG_TUN_SLOT_MAX)
			wg_device_grow_slots(dev, dev->mtu);
		dev->next_gc = now + NSEC_PER_SEC;
	}
	dev->timers_dirty = true;
}

static void on_signal(struct wg_device *dev)
{
	struct signalfd_siginfo si;

	while (read(dev->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			continue;
		log_info("Received signal %u, shutting down", si.ssi_signo);
		dev->stopping = true;
		dev->exit_code = 0;
	}
}

/*
 * The TUN is gone: the UAPI socket goes at once, so a new daemon can take
 * the name. That is how `wg-quick down` ends every daemon, so it is no
 * error: logged verbose and status 0, as wireguard-go ends then.
 */
static void tun_gone(struct wg_device *dev)
{
	log_info("TUN device %s was removed, shutting down", dev->ifname);
	release_uapi(dev);
	dev->stopping = true;
	dev->exit_code = 0;
}

static void on_tun(struct wg_device *dev, uint32_t events)
{
	int n;

	/* a bounded number of batches, so the UDP side gets its turn */
	for (int i = 0; i < 4; i++) {
		n = wg_send_from_tun(dev);
		if (n < 0) {
			if (n == -EBADFD || n == -EIO || n == -ENODEV || n == -EINVAL)
				tun_gone(dev);
			return;
		}
		if (n < WG_TUN_BATCH / 2)
			break;
	}
	if (n == 0 && (events & (EPOLLERR | EPOLLHUP)))
		tun_gone(dev);
}

static void on_udp(struct wg_device *dev, int fd)
{
	for (int i = 0; i < 4; i++) {
		int n = wg_socket_recv_batch(fd, dev->rx);

		if (n <= 0)
			return;
		wg_receive_batch(dev, dev->rx);
		if (n < WG_RX_BATCH)
			return;
	}
}

static void dispatch(struct wg_device *dev, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;

	switch (tag) {
	case WG_EV_TUN:
		on_tun(dev, ev->events);
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
		wg_uapi_accept(dev);
		break;
	case WG_EV_SIGNAL:
		on_signal(dev);
		break;
	case WG_EV_TIMER:
		on_timer(dev);
		break;
	case WG_EV_INOTIFY:
		on_inotify(dev);
		break;
	default:
		if (tag >= WG_EV_CONN && tag < WG_EV_CONN + WG_UAPI_MAX_CONNS &&
		    dev->conns[tag - WG_EV_CONN])
			wg_uapi_conn_event(dev, (unsigned)(tag - WG_EV_CONN), ev->events);
		break;
	}
}

int wg_device_run(struct wg_device *dev)
{
	struct epoll_event evs[32];
	int n;

	while (!dev->stopping) {
		if (dev->timers_dirty)
			arm_timerfd(dev);
		n = epoll_wait(dev->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n && !dev->stopping; i++)
			dispatch(dev, &evs[i]);
	}
	if (dev->vnet)
		log_info("Offloads: %" PRIu64 " TUN super-packets split into %" PRIu64
			 " packets, %" PRIu64 " coalesced TUN writes of %" PRIu64 " packets",
			 dev->gso_reads, dev->gso_segs, dev->gro_writes, dev->gro_pkts);
	return dev->exit_code;
}
