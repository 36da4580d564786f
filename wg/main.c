// SPDX-License-Identifier: MIT
/*
 * tapwire-wg [-f|--foreground] IFNAME — a drop-in for wireguard-go.
 *
 * Opens the TUN (or takes WG_TUN_FD) and the UAPI socket (or WG_UAPI_FD) in
 * the foreground so that errors reach the caller, then, unless told to stay
 * in the foreground, forks: the parent waits until the child's device is
 * running and exits 0 (or 1 if the child failed before that).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include <tapwire/tapwire.h>

#include "aead.h"
#include "crypto.h"
#include "device.h"
#include "log.h"
#include "loop.h"
#include "uapi.h"

#define TUN_TXQUEUELEN	 2000
#define SLICE_US_DEFAULT 10000 /* TW_WG_SLICE_US */
#define SLICE_US_MIN	 100   /* the kernel's bounds for a custom slice */
#define SLICE_US_MAX	 100000
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif

static void usage(FILE *f, const char *argv0)
{
	fprintf(f, "Usage: %s [-f/--foreground] INTERFACE-NAME\n", argv0);
}

/* --help: wireguard-go's usage line, then what a new user needs to know. */
static void help(const char *argv0)
{
	usage(stdout, argv0);
	fputs("\nA WireGuard daemon on a TUN device, configured through\n"
	      "/var/run/wireguard/INTERFACE-NAME.sock by wg(8) and wg-quick(8).\n"
	      "Without -f it goes to the background once the interface and socket exist.\n"
	      "\n"
	      "  -f, --foreground  stay in the foreground (also WG_PROCESS_FOREGROUND=1)\n"
	      "      --version     print the version\n"
	      "  -h, --help        print this help\n"
	      "\n"
	      "Environment: LOG_LEVEL=silent|error|verbose, WG_TUN_FD, WG_UAPI_FD,\n"
	      "TW_WG_OFFLOAD, TW_WG_WORKERS, TW_WG_SLICE_US; see tapwire-wg(8).\n",
	      stdout);
}

static void version(void)
{
	printf("tapwire-wg v%s\n\nUserspace WireGuard daemon for Linux (tapwire), a drop-in for "
	       "wireguard-go.\nInformation available at https://www.wireguard.com.\n",
	       TAPWIRE_VERSION);
}

/* An fd number from the environment, or -1 when the variable is absent. */
static int env_fd(const char *name, int *ret_fd)
{
	const char *s = getenv(name);
	char *end;
	long v;

	*ret_fd = -1;
	if (!s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 1 << 20 || fcntl((int)v, F_GETFD) < 0)
		return -EBADF;
	*ret_fd = (int)v;
	return 0;
}

/* TW_WG_OFFLOAD=0 switches every offload off (documented in tapwire-wg(8)). */
static bool offloads_wanted(void)
{
	const char *s = getenv("TW_WG_OFFLOAD");

	return !s || strcmp(s, "0") != 0;
}

/*
 * Crypto threads besides the event loop's: TW_WG_WORKERS=N, or by default
 * one per further online CPU, at most 3.
 */
static unsigned workers_wanted(void)
{
	const char *s = getenv("TW_WG_WORKERS");
	long n;

	if (s && *s) {
		n = strtol(s, NULL, 10);
		return n > 0 && n <= 64 ? (unsigned)n : 0;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	return n > 0 ? (unsigned)(n > 3 ? 3 : n) : 0;
}

/*
 * The daemon's time slice (Linux 6.12+ lets a SCHED_OTHER thread choose its
 * own, via sched_setattr's sched_runtime). Under EEVDF a longer slice keeps
 * the same share of CPU but a later virtual deadline, so the tasks the
 * daemon wakes (an application reading the packets it wrote to the TUN)
 * get the CPU sooner instead of waiting for it to sleep, and drain their
 * socket buffers before these overflow; the daemon, for its part, handles
 * larger batches a wake-up. TW_WG_SLICE_US=N sets it (100-100000 us), 0
 * keeps the kernel's. The policy (SCHED_OTHER, BATCH or IDLE) and nice value
 * the daemon was started with stay; under a real-time policy it does nothing.
 * Threads created afterwards inherit it. Kernels before 6.12 ignore it.
 */
struct sched_attr_v0 { /* the kernel's struct sched_attr, first version (48 bytes) */
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static void set_time_slice(void)
{
	const char *s = getenv("TW_WG_SLICE_US");
	struct sched_attr_v0 attr = {0};
	long us = SLICE_US_DEFAULT;
	char *end;

	if (s) {
		errno = 0;
		us = strtol(s, &end, 10);
		if (!*s || *end || errno || (us && (us < SLICE_US_MIN || us > SLICE_US_MAX))) {
			log_err("TW_WG_SLICE_US=%s: not 0 or %d-%d microseconds; keeping the "
				"kernel's time slice",
				s, SLICE_US_MIN, SLICE_US_MAX);
			return;
		}
		if (!us)
			return;
	}
	/* keep the policy, nice value and reset-on-fork flag the daemon was started with */
	if (syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) < 0) {
		log_info("Time slice: kernel default (sched_getattr: %s)", strerror(errno));
		return;
	}
	if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH &&
	    attr.sched_policy != SCHED_IDLE) {
		log_info("Time slice: left to the real-time policy %u", attr.sched_policy);
		return;
	}
	attr.size = sizeof(attr);
	attr.sched_flags &= SCHED_FLAG_RESET_ON_FORK;
	attr.sched_runtime = (uint64_t)us * 1000;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		log_info("Time slice: kernel default (sched_setattr: %s)", strerror(errno));
		return;
	}
	attr = (struct sched_attr_v0){0};
	if (syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) == 0 &&
	    attr.sched_runtime == (uint64_t)us * 1000)
		log_info("Time slice: %ld us", us);
	else
		log_info("Time slice: kernel default (no custom slices before Linux 6.12)");
}

static int open_tun(const char *name, char *ret_name)
{
	unsigned flags = TW_TUN_CLOEXEC | TW_TUN_NONBLOCK;
	struct tw_nl *nl = NULL;
	int fd, err;

	if (offloads_wanted())
		flags |= TW_TUN_VNET_HDR;
	fd = tw_tun_open(name, TW_TUN_MODE_TUN, flags, ret_name);
	if (fd == -EINVAL && (flags & TW_TUN_VNET_HDR))
		fd = tw_tun_open(name, TW_TUN_MODE_TUN, flags & ~TW_TUN_VNET_HDR, ret_name);
	if (fd < 0)
		return fd;
	err = tw_nl_open(&nl);
	if (!err)
		err = tw_link_set_mtu(nl, ret_name, WG_DEFAULT_MTU);
	/*
	 * A deeper queue than the TUN's 500 rides out the moments the daemon's
	 * one thread is not scheduled on a busy machine, instead of dropping.
	 */
	if (!err)
		err = tw_link_set_txqueuelen(nl, ret_name, TUN_TXQUEUELEN);
	tw_nl_close(nl);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

/* The name of the device behind an inherited TUN fd. */
static int tun_fd_name(int fd, char *ret_name)
{
	struct ifreq ifr = {0};

	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	memcpy(ret_name, ifr.ifr_name, IFNAMSIZ);
	ret_name[IFNAMSIZ - 1] = '\0';
	return 0;
}

static void set_nonblock_cloexec(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/*
 * " (in another network namespace)" when @pid's network namespace is not
 * ours: /var/run/wireguard is shared by every namespace of this mount
 * namespace, so wg0 in one namespace and wg0 in another share a socket path.
 * "?" when @pid's namespace cannot be read.
 */
static const char *netns_hint(pid_t pid)
{
	char path[64];
	struct stat mine, theirs;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &mine) < 0 || stat(path, &theirs) < 0)
		return " (in another network namespace?)";
	if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev)
		return " (in another network namespace)";
	return "";
}

/* ": held by process PID (COMM)" for the processes attaching TUN @name. */
static const char *tun_holders(const char *name)
{
	static char buf[256];
	struct tw_tun_info *list = NULL;
	struct tw_nl *nl = NULL;
	size_t n = 0, len = 0;

	buf[0] = '\0';
	if (tw_nl_open(&nl) < 0)
		return buf;
	if (tw_tun_list(nl, name, TW_TUN_LIST_PROCS, &list, &n) == 0 && n == 1 && list[0].n_procs) {
		for (size_t i = 0; i < list[0].n_procs && len < sizeof(buf) - 40; i++)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s process %d (%s)",
						i ? "," : ": held by", (int)list[0].procs[i].pid,
						list[0].procs[i].comm);
	}
	tw_tun_list_free(list, n);
	tw_nl_close(nl);
	return buf;
}

/* Fork; the parent returns only to exit with the child's verdict. */
static int daemonize(int *ret_ready_fd)
{
	int pipefd[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(pipefd[1]);
		do
			n = read(pipefd[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 && c == 0 ? 0 : 1);
	}
	close(pipefd[0]);
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	*ret_ready_fd = pipefd[1];
	return 0;
}

/*
 * Tells the waiting parent the daemon is up. Until then the daemon's errors
 * reach the caller's terminal; from then on a silent daemon (no LOG_LEVEL,
 * as wireguard-go) holds no terminal, so `x=$(tapwire-wg wg0)` returns.
 */
static void ready(int *fd)
{
	char c = 0;
	int null;

	if (*fd < 0)
		return;
	if (log_get_level() == LOG_SILENT && (null = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	if (write(*fd, &c, 1) < 0) {
		/* parent gone: nothing to tell */
	}
	close(*fd);
	*fd = -1;
}

int main(int argc, char **argv)
{
	char ifname[IFNAMSIZ] = "", uapi_path[108] = "";
	const char *name = NULL, *fg_env = getenv("WG_PROCESS_FOREGROUND");
	bool foreground = fg_env && !strcmp(fg_env, "1"), bad = false;
	int tun_fd = -1, uapi_fd = -1, ready_fd = -1, err, rc = 1;
	struct wg_device *dev = NULL;
	struct wg_loop *loop = NULL;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		version();
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		help(argv[0]);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--foreground"))
			foreground = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			bad = true;
	}
	if (bad || !name || tw_ifname_valid(name) < 0) {
		usage(stderr, argv[0]);
		return 1;
	}
	log_init(log_level_parse(getenv("LOG_LEVEL")), name);
	/* from here on every failure logs and goes to the one clean-up below */
	if (wg_crypto_init() < 0) {
		log_err("Failed to initialise the crypto libraries");
		goto out;
	}
	if (env_fd("WG_TUN_FD", &tun_fd) < 0) {
		log_err("Failed to create TUN device: WG_TUN_FD is not an open file descriptor");
		goto out;
	}
	if (tun_fd >= 0) {
		set_nonblock_cloexec(tun_fd);
		err = tun_fd_name(tun_fd, ifname);
	} else {
		tun_fd = err = open_tun(name, ifname);
	}
	if (err < 0) {
		if (err == -EBUSY)
			log_err("Failed to create TUN device: %s is in use%s", name,
				tun_holders(name));
		else
			log_err("Failed to create TUN device: %s", strerror(-err));
		goto out;
	}
	log_init(log_get_level(), ifname);

	if (env_fd("WG_UAPI_FD", &uapi_fd) < 0) {
		log_err("Failed to open UAPI socket: WG_UAPI_FD is not an open file descriptor");
		goto out;
	}
	/*
	 * Into the background before the socket listens: a unix socket's peer
	 * is the process that called listen(), and a second daemon names the
	 * holder by it, so it must be the daemon, not a parent long gone.
	 */
	if (!foreground && (err = daemonize(&ready_fd)) < 0) {
		log_err("Failed to daemonize: %s", strerror(-err));
		goto out;
	}
	if (uapi_fd >= 0) {
		set_nonblock_cloexec(uapi_fd);
		snprintf(uapi_path, sizeof(uapi_path), "/var/run/wireguard/%s.sock", ifname);
	} else {
		pid_t holder = 0;

		uapi_fd = wg_uapi_listen(ifname, uapi_path, sizeof(uapi_path), &holder);
		if (uapi_fd == -EADDRINUSE && holder > 0)
			log_err("Failed to open UAPI socket /var/run/wireguard/%s.sock: process %d "
				"still serves %s there%s",
				ifname, (int)holder, ifname, netns_hint(holder));
		else if (uapi_fd < 0)
			log_err("Failed to open UAPI socket /var/run/wireguard/%s.sock: %s", ifname,
				strerror(-uapi_fd));
		if (uapi_fd < 0)
			goto out; /* the path is another daemon's, or nobody's: not ours to remove
				   */
	}

	set_time_slice();
	err = wg_device_new(ifname, &dev);
	if (!err) {
		err = wg_device_start(dev, tun_fd);
		tun_fd = -1; /* the device's now */
	}
	if (!err) {
		err = wg_loop_new(dev, uapi_fd, uapi_path, &loop);
		uapi_fd = -1; /* the loop's now, even on failure */
	}
	if (!err)
		err = wg_device_setup_offloads(dev, offloads_wanted());
	if (!err)
		err = wg_device_setup_workers(dev, workers_wanted());
	if (err < 0) {
		log_err("Failed to start the device: %s", strerror(-err));
		goto out;
	}
	log_info("Device started");
	log_info("ChaCha20-Poly1305: %s for 1420-byte packets, %s for 64-byte ones",
		 wg_aead_path_name(wg_aead_path_for(1420)),
		 wg_aead_path_name(wg_aead_path_for(64)));
	ready(&ready_fd);
	rc = wg_loop_run(loop);
	log_info("Shutting down");
out:
	/* what the loop or the device has not taken yet is still ours */
	wg_loop_free(loop);
	wg_device_free(dev);
	if (tun_fd >= 0)
		close(tun_fd);
	if (uapi_fd >= 0) {
		close(uapi_fd);
		unlink(uapi_path);
	}
	if (ready_fd >= 0) /* a daemon that failed: its parent reads EOF and exits 1 */
		close(ready_fd);
	return rc;
}
