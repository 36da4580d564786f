// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <libgen.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <sys/uio.h>
#include <tapwire/vnet.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <tapwire/tun.h>

#include "clock.h"
#include "crypto.h"
#include "cryptpool.h"
#include "device.h"
#include "index.h"
#include "log.h"
#include "peer.h"
#include "queueing.h"
#include "timers.h"
#include "uapi.h"

/* epoll tags: what an event is about */
enum {
	EV_TUN = 1,
	EV_SOCK4,
	EV_SOCK6,
	EV_UAPI,
	EV_SIGNAL,
	EV_TIMER,
	EV_INOTIFY,
	EV_CONN = 16, /* + connection slot */
};

#define TX_SLOT_BYTES(slot) ((slot) + WG_MSG_DATA_HDR_LEN + WG_MESSAGE_PADDING + WG_AEAD_TAG_LEN)

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
	if (err < 0) {
		wg_device_free(dev);
		return err;
	}
	*ret_dev = dev;
	return 0;
}

static void conn_close(struct wg_device *dev, unsigned i)
{
	struct wg_uapi_conn *c = dev->conns[i];

	if (!c)
		return;
	close(c->fd);
	wg_uapi_conn_clear(c);
	free(c);
	dev->conns[i] = NULL;
}

void wg_device_free(struct wg_device *dev)
{
	if (!dev)
		return;
	for (unsigned i = 0; i < WG_UAPI_MAX_CONNS; i++)
		conn_close(dev, i);
	wg_device_remove_all_peers(dev);
	wg_socket_close(&dev->sock);
	if (dev->uapi_fd >= 0) {
		close(dev->uapi_fd);
		if (dev->uapi_path[0])
			unlink(dev->uapi_path);
	}
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
	free(dev->aip_hash);
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

static int ep_add(struct wg_device *dev, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	if (fd < 0)
		return 0;
	return epoll_ctl(dev->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int ep_mod(struct wg_device *dev, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(dev->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

static int watch_sockets(struct wg_device *dev)
{
	int err = ep_add(dev, dev->sock.fd4, EPOLLIN, EV_SOCK4);

	return err ? err : ep_add(dev, dev->sock.fd6, EPOLLIN, EV_SOCK6);
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

/* Writes to every page so it is resident (a plain memset may become calloc). */
static void prefault(void *p, size_t len)
{
	volatile uint8_t *b = p;

	for (size_t i = 0; i < len; i += 4096)
		b[i] = 0;
	if (len)
		b[len - 1] = 0;
}

int wg_device_start(struct wg_device *dev, int tun_fd, int uapi_fd, const char *uapi_path)
{
	sigset_t mask;
	int err;

	dev->tun_fd = tun_fd;
	dev->uapi_fd = uapi_fd;
	snprintf(dev->uapi_path, sizeof(dev->uapi_path), "%s", uapi_path ? uapi_path : "");
	dev->tun_slot = WG_MAX_DATAGRAM - WG_MSG_DATA_OVERHEAD - WG_MESSAGE_PADDING;
	dev->rx = malloc(sizeof(*dev->rx));
	dev->jobs = calloc(WG_TUN_BATCH, sizeof(*dev->jobs));
	dev->rx_jobs = calloc(WG_RX_WINDOW, sizeof(*dev->rx_jobs));
	if (!dev->jobs || !dev->rx_jobs)
		return -ENOMEM;
	dev->tx_buf = malloc(2 * WG_TUN_BATCH * TX_SLOT_BYTES(dev->tun_slot));
	if (!dev->rx || !dev->tx_buf)
		return -ENOMEM;
	/*
	 * Touch every page of the batch buffers now: the daemon's memory is then
	 * what it will be under any load, instead of creeping up as bigger
	 * datagrams and trains reach pages not used before.
	 */
	prefault(dev->rx, sizeof(*dev->rx));
	prefault(dev->tx_buf, 2 * WG_TUN_BATCH * TX_SLOT_BYTES(dev->tun_slot));
	read_mtu(dev);

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
	if ((err = ep_add(dev, dev->sigfd, EPOLLIN, EV_SIGNAL)) ||
	    (err = ep_add(dev, dev->timerfd, EPOLLIN, EV_TIMER)) ||
	    (err = ep_add(dev, dev->tun_fd, EPOLLIN, EV_TUN)) ||
	    (err = ep_add(dev, dev->uapi_fd, EPOLLIN, EV_UAPI)) ||
	    (err = ep_add(dev, dev->inotify_fd, EPOLLIN, EV_INOTIFY)) || (err = watch_sockets(dev)))
		return err;
	dev->next_gc = wg_now_ns() + NSEC_PER_SEC;
	dev->timers_dirty = true;
	return 0;
}

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

/* The offload sets to try, best first: each is refused with EINVAL if the kernel lacks a bit. */
static const unsigned offload_sets[] = {
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN | TUN_F_USO4 | TUN_F_USO6,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
    TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
    TUN_F_CSUM,
    0,
};

/*
 * Whether the TUN keeps packet information headers. TUNGETIFF cannot tell (it
 * reports IFF_NOFILTER, which has IFF_NO_PI's value); sysfs can, when its
 * view is of this network namespace (the ifindex matches).
 */
static bool tun_has_pi(const char *name)
{
	char path[64], buf[32];
	unsigned long flags = 0, ifindex = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	if ((f = fopen(path, "re"))) {
		if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lu", &ifindex) != 1)
			ifindex = 0;
		fclose(f);
	}
	if (!ifindex || ifindex != if_nametoindex(name))
		return false;
	snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", name);
	if (!(f = fopen(path, "re")))
		return false;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lx", &flags) != 1)
		flags = IFF_NO_PI;
	fclose(f);
	return !(flags & IFF_NO_PI);
}

int wg_device_setup_offloads(struct wg_device *dev, bool enable)
{
	struct ifreq ifr = {0};
	unsigned set = 0;
	size_t i;

	dev->sock.gso = enable;
	wg_socket_set_gro(&dev->sock, enable);
	if (ioctl(dev->tun_fd, TUNGETIFF, &ifr) < 0)
		return 0;
	/* wireguard-go makes its TUN without IFF_NO_PI and hands such fds on in
	 * WG_TUN_FD: carry the 4-byte packet information header then */
	dev->pi = tun_has_pi(ifr.ifr_name);
	if (dev->pi && (ifr.ifr_flags & IFF_VNET_HDR)) {
		log_err("TUN has both packet information and vnet headers: unsupported");
		return -EINVAL;
	}
	if (!(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	dev->vnet = true;
	dev->tun_rbuf = malloc(TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);
	if (!dev->tun_rbuf)
		return -ENOMEM;
	prefault(dev->tun_rbuf, TW_VNET_HDR_LEN + TW_VNET_MAX_PACKET);
	if (tw_gro_new(WG_TUN_OUT_MAX, &dev->gro) < 0)
		enable = false;
	for (i = enable ? 0 : sizeof(offload_sets) / sizeof(offload_sets[0]) - 1;
	     i < sizeof(offload_sets) / sizeof(offload_sets[0]); i++) {
		if (tw_tun_set_offload(dev->tun_fd, offload_sets[i]) == 0) {
			set = offload_sets[i];
			break;
		}
	}
	if ((set & (TUN_F_TSO4 | TUN_F_TSO6)) == (TUN_F_TSO4 | TUN_F_TSO6))
		dev->gro_flags |= TW_GRO_TCP;
	if ((set & (TUN_F_USO4 | TUN_F_USO6)) == (TUN_F_USO4 | TUN_F_USO6))
		dev->gro_flags |= TW_GRO_UDP;
	log_info("TUN offloads: vnet_hdr on, csum %s, tso %s, uso %s, gro %s%s",
		 set & TUN_F_CSUM ? "on" : "off", set & TUN_F_TSO4 ? "on" : "off",
		 set & TUN_F_USO4 ? "on" : "off", dev->gro_flags & TW_GRO_TCP ? "tcp" : "",
		 dev->gro_flags & TW_GRO_UDP ? " udp" : "");
	return 0;
}

static void tun_write_error(struct wg_device *dev, size_t pkts)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return;
	if (pkts > 1 && errno == EINVAL && dev->gro_flags) {
		/* the kernel refuses our super-packets: stop making them */
		log_err("TUN refused a coalesced write (%s): GRO off", strerror(errno));
		dev->gro_flags = 0;
		return;
	}
	log_info("Failed to write packet to TUN device: %s", strerror(errno));
}

/*
 * Writes the packets gathered in dev->tun_out. With @more (the buffer is full
 * and the receive batch goes on), a super-packet still growing at the end is
 * kept for the next round rather than cut: a bulk TCP flow then reaches the
 * TUN in full 64 KiB writes, not in pieces cut at every 64 packets (each
 * write also runs the kernel's TCP receive and may wake the application).
 */
static void flush_tun(struct wg_device *dev, bool more)
{
	struct virtio_net_hdr plain = {0};
	unsigned n = dev->n_tun_out;
	size_t held = 0;
	int writes, cnt;

	dev->n_tun_out = 0;
	if (!n)
		return;
	if (!dev->vnet) {
		for (unsigned i = 0; i < n; i++) {
			struct tun_pi pi = {
			    0, htons(dev->tun_out[i][0] >> 4 == 6 ? ETH_P_IPV6 : ETH_P_IP)};
			struct iovec iov[2] = {{&pi, sizeof(pi)},
					       {dev->tun_out[i], dev->tun_out_len[i]}};

			if (wg_tun_writev(dev->tun_fd, iov + !dev->pi, 2 - !dev->pi) < 0)
				tun_write_error(dev, 1);
		}
		return;
	}
	if (dev->gro_flags) {
		writes = more ? tw_gro_batch_more(dev->gro, dev->tun_out, dev->tun_out_len, n,
						  dev->gro_flags, &held)
			      : tw_gro_batch(dev->gro, dev->tun_out, dev->tun_out_len, n,
					     dev->gro_flags);
		for (int i = 0; i < writes; i++) {
			const struct iovec *iov = tw_gro_iov(dev->gro, (size_t)i, &cnt);
			size_t pkts = tw_gro_count(dev->gro, (size_t)i);

			if (wg_tun_writev(dev->tun_fd, iov, cnt) < 0) {
				tun_write_error(dev, pkts);
			} else if (pkts > 1) {
				dev->gro_writes++;
				dev->gro_pkts += pkts;
			}
		}
		if (writes >= 0) {
			/* the held packets (still in the receive batch's buffers) go first next
			 * time */
			memmove(dev->tun_out, dev->tun_out + n - held,
				held * sizeof(dev->tun_out[0]));
			memmove(dev->tun_out_len, dev->tun_out_len + n - held,
				held * sizeof(dev->tun_out_len[0]));
			dev->n_tun_out = (unsigned)held;
			return;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct iovec iov[2] = {{&plain, sizeof(plain)},
				       {dev->tun_out[i], dev->tun_out_len[i]}};

		if (wg_tun_writev(dev->tun_fd, iov, 2) < 0)
			tun_write_error(dev, 1);
	}
}

void wg_device_flush_tun(struct wg_device *dev)
{
	flush_tun(dev, false);
}

void wg_device_tun_room(struct wg_device *dev)
{
	flush_tun(dev, true);
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

static void on_tun(struct wg_device *dev, uint32_t events)
{
	int n;

	/* a bounded number of batches, so the UDP side gets its turn */
	for (int i = 0; i < 4; i++) {
		n = wg_send_from_tun(dev);
		if (n < 0) {
			if (n == -EBADFD || n == -EIO || n == -ENODEV || n == -EINVAL) {
				log_err("TUN device %s was removed, shutting down", dev->ifname);
				dev->stopping = true;
				dev->exit_code = 1;
			}
			return;
		}
		if (n < WG_TUN_BATCH / 2)
			break;
	}
	if (n == 0 && (events & (EPOLLERR | EPOLLHUP))) {
		log_err("TUN device %s was removed, shutting down", dev->ifname);
		dev->stopping = true;
		dev->exit_code = 1;
	}
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

/* A free connection slot, or the one idle longest if that is past WG_UAPI_IDLE_NS. */
static unsigned conn_slot(struct wg_device *dev, uint64_t now)
{
	unsigned i, oldest = 0;

	for (i = 0; i < WG_UAPI_MAX_CONNS; i++) {
		if (!dev->conns[i])
			return i;
		if (dev->conns[i]->active_ns < dev->conns[oldest]->active_ns)
			oldest = i;
	}
	if (now - dev->conns[oldest]->active_ns < WG_UAPI_IDLE_NS)
		return WG_UAPI_MAX_CONNS;
	log_info("UAPI: closing a connection idle for %" PRIu64 " ms to make room",
		 (uint64_t)((now - dev->conns[oldest]->active_ns) / NSEC_PER_MSEC));
	conn_close(dev, oldest);
	return oldest;
}

static void on_accept(struct wg_device *dev)
{
	int fd;

	while ((fd = accept4(dev->uapi_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct wg_uapi_conn *c;
		uint64_t now = wg_now_ns();
		unsigned i = conn_slot(dev, now);

		c = i < WG_UAPI_MAX_CONNS ? malloc(sizeof(*c)) : NULL;
		if (!c) {
			close(fd); /* too many clients at once */
			continue;
		}
		wg_uapi_conn_init(c, fd);
		c->active_ns = now;
		if (ep_add(dev, fd, EPOLLIN, EV_CONN + i) < 0) {
			wg_uapi_conn_clear(c);
			free(c);
			close(fd);
			continue;
		}
		dev->conns[i] = c;
	}
}

/* Sends what is pending; true if everything went. */
static bool conn_flush(struct wg_uapi_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return false;
		c->out_off += (size_t)n;
	}
	if (c->out)
		wg_wipe(c->out, c->out_len); /* sent: a get reply may have held the private key */
	c->out_off = c->out_len = 0;
	return true;
}

static void on_conn(struct wg_device *dev, unsigned i, uint32_t events)
{
	struct wg_uapi_conn *c = dev->conns[i];
	char buf[4096];
	bool closing = false;
	ssize_t n;

	if (events & EPOLLIN) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			closing = true;
		else if (n > 0 && wg_uapi_feed(dev, c, buf, (size_t)n) < 0)
			closing = true;
		if (n > 0)
			c->active_ns = wg_now_ns();
		wg_wipe(buf, sizeof(buf));
	}
	if (!conn_flush(c) && errno != EAGAIN && errno != EWOULDBLOCK)
		closing = true;
	if (closing || (events & (EPOLLERR | EPOLLHUP))) {
		conn_flush(c);
		conn_close(dev, i);
		return;
	}
	/* while a reply is pending, read nothing more: a client that never reads can't grow it */
	ep_mod(dev, c->fd, c->out_len > c->out_off ? EPOLLOUT : EPOLLIN, EV_CONN + i);
}

static void dispatch(struct wg_device *dev, const struct epoll_event *ev)
{
	uint64_t tag = ev->data.u64;

	switch (tag) {
	case EV_TUN:
		on_tun(dev, ev->events);
		break;
	case EV_SOCK4:
		if (dev->sock.fd4 >= 0)
			on_udp(dev, dev->sock.fd4);
		break;
	case EV_SOCK6:
		if (dev->sock.fd6 >= 0)
			on_udp(dev, dev->sock.fd6);
		break;
	case EV_UAPI:
		on_accept(dev);
		break;
	case EV_SIGNAL:
		on_signal(dev);
		break;
	case EV_TIMER:
		on_timer(dev);
		break;
	case EV_INOTIFY:
		on_inotify(dev);
		break;
	default:
		if (tag >= EV_CONN && tag < EV_CONN + WG_UAPI_MAX_CONNS &&
		    dev->conns[tag - EV_CONN])
			on_conn(dev, (unsigned)(tag - EV_CONN), ev->events);
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
