// SPDX-License-Identifier: MIT
/*
 * tapwire-vxlan: one Ethernet segment across hosts. Frames read from a TAP
 * go out as VXLAN (RFC 7348) in UDP to the remote their destination MAC was
 * learned behind, or, for broadcast, multicast and unknown destinations, to
 * every --remote (head-end replication) or to the --group; VXLAN packets
 * received for our VNI are written to the TAP, and their inner source MAC
 * learned behind their outer source address. Wire-compatible with the
 * kernel's vxlan device (`ip link add ... type vxlan id N dstport 4789`).
 *
 * No privilege is needed once the TAP exists (an unprivileged UDP socket and
 * a TAP the user may open, or one inherited with --fd); setting the TAP's
 * MTU needs CAP_NET_ADMIN in its network namespace and is skipped, said,
 * without it.
 *
 * One thread, one epoll loop: the TAP, the receiving sockets, a signalfd
 * and a one-second timerfd for ageing. Frames are read and datagrams
 * received in batches (io/tunio.c, io/udp.c: recvmmsg, sendmmsg with UDP
 * GSO runs); frames leave from a small set of sockets bound to ephemeral
 * ports, chosen by the inner flow's hash (the kernel's srcport range).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include <tapwire/link.h>
#include <tapwire/nl.h>
#include <tapwire/tapwire.h>
#include <tapwire/tun.h>

#include "ctl.h"
#include "daemon.h"
#include "fdb.h"
#include "tunio.h"
#include "udp.h"
#include "vxlan.h"

#ifndef UDP_NO_CHECK6_RX
#define UDP_NO_CHECK6_RX 102
#endif

#define MAX_REMOTES 64
#define TX_SOCKS    8 /* source ports the flows are spread over */
/*
 * Frames read per turn of the loop: two TCP super-frames (64 KiB each)
 * split at a 1500-byte MTU.
 */
#define BATCH 96

static struct {
	const char *dev;
	int fd;
	bool foreground, learning, raw, quiet;
	uint32_t vni;
	uint16_t port, remote_port; /* remote_port 0: --port */
	unsigned ageing, mtu, fdb_max;
	struct vx_addr local;
	bool has_local;
	struct vx_addr remotes[MAX_REMOTES];
	unsigned n_remotes;
	struct vx_addr group;
	bool has_group;
	const char *group_dev;
	const char *control; /* NULL: the default path; "" none */
	char args[2048];     /* the command line as given, for the control socket */
	struct {
		uint8_t mac[6];
		struct vx_addr addr;
	} fdb[MAX_REMOTES];
	unsigned n_fdb;
} O = {.fd = -1, .learning = true, .port = VX_PORT, .ageing = 300, .fdb_max = 4096};

static struct {
	char ifname[IFNAMSIZ];
	struct tw_tunio tap;
	struct tw_udp rx;	    /* bound to --port: VXLAN arrives here */
	struct tw_udp tx[TX_SOCKS]; /* ephemeral source ports */
	struct tw_udp_batch *batch;
	struct vx_fdb fdb;
	uint8_t *slots; /* BATCH frames as read, VXLAN header room before each */
	size_t slot;	/* their stride: the TAP's frames and VX_HDR_LEN */
	int epfd, sigfd, timerfd, ctlfd;
	char ctl_path[108];   /* the control socket, "" when none */
	struct vx_rx rx_path; /* its counters: rx_path.st */
	uint64_t tx_frames, tx_dropped;
	bool stopping;
} S = {.epfd = -1, .sigfd = -1, .timerfd = -1, .ctlfd = -1};

static void logmsg(bool error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logmsg(bool error, const char *fmt, ...)
{
	va_list ap;

	if (O.quiet && !error)
		return;
	fprintf(stderr, "tapwire-vxlan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void log_io(bool error, const char *msg)
{
	logmsg(error, "%s", msg);
}

static _Noreturn void usage(int status)
{
	fputs(
	    "Usage: tapwire-vxlan [-f] [-q] {--dev TAP | --fd N} --vni N [--local ADDR]\n"
	    "                     [--port 4789] [--remote ADDR]... [--group MCAST --group-dev IF]\n"
	    "                     [--no-learning] [--fdb MAC=ADDR]... [--ageing SECONDS]\n"
	    "                     [--fdb-max N] [--mtu N] [--control PATH]\n"
	    "       tapwire-vxlan [-f] --raw {--dev TAP | --fd N} --remote ADDR [--port PORT]\n"
	    "                     [--remote-port PORT]\n"
	    "       tapwire-vxlan --help | --version\n"
	    "One Ethernet segment across hosts: VXLAN (RFC 7348) between a TAP and UDP,\n"
	    "as the kernel's vxlan device speaks it (give it `dstport 4789`).\n"
	    "See tapwire-vxlan(8).\n",
	    status ? stderr : stdout);
	exit(status);
}

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tapwire-vxlan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- addresses ---- */

static bool parse_addr(const char *s, struct vx_addr *a)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		a->a.s6_addr[10] = a->a.s6_addr[11] = 0xff;
		memcpy(&a->a.s6_addr[12], &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, s, &a->a) == 1;
}

static bool is_v4(const struct vx_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(&a->a);
}

static const char *addr_str(const struct vx_addr *a, char *buf, size_t len)
{
	if (is_v4(a))
		inet_ntop(AF_INET, &a->a.s6_addr[12], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, &a->a, buf, (socklen_t)len);
	return buf;
}

/*
 * The endpoint a frame for @a goes to: its address, always at --port (or
 * --remote-port), never at a source port seen.
 */
static void endpoint_of(const struct vx_addr *a, struct tw_endpoint *ep)
{
	uint16_t port = O.remote_port ? O.remote_port : O.port;

	memset(ep, 0, sizeof(*ep));
	if (is_v4(a)) {
		ep->addr.in4.sin_family = AF_INET;
		ep->addr.in4.sin_port = htons(port);
		memcpy(&ep->addr.in4.sin_addr, &a->a.s6_addr[12], 4);
		if (O.has_local && is_v4(&O.local)) {
			memcpy(&ep->src4, &O.local.a.s6_addr[12], 4);
			ep->has_src = true;
		}
	} else {
		ep->addr.in6.sin6_family = AF_INET6;
		ep->addr.in6.sin6_port = htons(port);
		ep->addr.in6.sin6_addr = a->a;
		if (IN6_IS_ADDR_MULTICAST(&a->a) && O.group_dev)
			ep->addr.in6.sin6_scope_id = if_nametoindex(O.group_dev);
		if (O.has_local && !is_v4(&O.local)) {
			ep->src6 = O.local.a;
			ep->has_src = true;
		}
	}
}

static void addr_of(const struct tw_endpoint *ep, struct vx_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ep->addr.sa.sa_family == AF_INET) {
		a->a.s6_addr[10] = a->a.s6_addr[11] = 0xff;
		memcpy(&a->a.s6_addr[12], &ep->addr.in4.sin_addr, 4);
	} else {
		a->a = ep->addr.in6.sin6_addr;
	}
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

static unsigned long parse_num(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || *s == '-')
		die("%s: \"%s\" is not a number from 0 to %lu", opt, s, max);
	return v;
}

static void parse_args(int argc, char **argv)
{
	enum {
		OPT_DEV = 256,
		OPT_FD,
		OPT_VNI,
		OPT_LOCAL,
		OPT_PORT,
		OPT_REMOTE,
		OPT_GROUP,
		OPT_GROUP_DEV,
		OPT_NO_LEARNING,
		OPT_FDB,
		OPT_AGEING,
		OPT_FDB_MAX,
		OPT_MTU,
		OPT_RAW,
		OPT_REMOTE_PORT,
		OPT_CONTROL
	};
	static const struct option opts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"dev", required_argument, NULL, OPT_DEV},
	    {"fd", required_argument, NULL, OPT_FD},
	    {"vni", required_argument, NULL, OPT_VNI},
	    {"local", required_argument, NULL, OPT_LOCAL},
	    {"port", required_argument, NULL, OPT_PORT},
	    {"remote", required_argument, NULL, OPT_REMOTE},
	    {"group", required_argument, NULL, OPT_GROUP},
	    {"group-dev", required_argument, NULL, OPT_GROUP_DEV},
	    {"no-learning", no_argument, NULL, OPT_NO_LEARNING},
	    {"fdb", required_argument, NULL, OPT_FDB},
	    {"ageing", required_argument, NULL, OPT_AGEING},
	    {"fdb-max", required_argument, NULL, OPT_FDB_MAX},
	    {"mtu", required_argument, NULL, OPT_MTU},
	    {"raw", no_argument, NULL, OPT_RAW},
	    {"remote-port", required_argument, NULL, OPT_REMOTE_PORT},
	    {"control", required_argument, NULL, OPT_CONTROL},
	    {NULL, 0, NULL, 0},
	};
	bool have_vni = false;
	int c;

	for (int i = 1; i < argc; i++) {
		size_t l = strlen(O.args);

		snprintf(O.args + l, sizeof(O.args) - l, "%s%s", i > 1 ? " " : "", argv[i]);
	}

	while ((c = getopt_long(argc, argv, "fqhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			O.foreground = true;
			break;
		case 'q':
			O.quiet = true;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("tapwire-vxlan %s\n", tw_version());
			exit(0);
		case OPT_DEV:
			if (tw_ifname_valid(optarg) < 0)
				die("--dev: \"%s\" is not a valid interface name", optarg);
			O.dev = optarg;
			break;
		case OPT_FD:
			O.fd = (int)parse_num("--fd", optarg, 1 << 20);
			if (fcntl(O.fd, F_GETFD) < 0)
				die("--fd %d: not an open file descriptor", O.fd);
			break;
		case OPT_VNI:
			O.vni = (uint32_t)parse_num("--vni", optarg, VX_VNI_MAX);
			have_vni = true;
			break;
		case OPT_LOCAL:
			if (!parse_addr(optarg, &O.local))
				die("--local: \"%s\" is not an IPv4 or IPv6 address", optarg);
			O.has_local = true;
			break;
		case OPT_PORT:
			O.port = (uint16_t)parse_num("--port", optarg, 65535);
			if (!O.port)
				die("--port: 0 is no port");
			break;
		case OPT_REMOTE:
			if (O.n_remotes == MAX_REMOTES)
				die("--remote: at most %d", MAX_REMOTES);
			if (!parse_addr(optarg, &O.remotes[O.n_remotes]) ||
			    IN6_IS_ADDR_MULTICAST(&O.remotes[O.n_remotes].a))
				die("--remote: \"%s\" is not a unicast IPv4 or IPv6 address "
				    "(a multicast group is --group)",
				    optarg);
			O.n_remotes++;
			break;
		case OPT_GROUP:
			if (!parse_addr(optarg, &O.group) ||
			    !(is_v4(&O.group) ? (O.group.a.s6_addr[12] & 0xf0) == 0xe0
					      : IN6_IS_ADDR_MULTICAST(&O.group.a)))
				die("--group: \"%s\" is not a multicast address", optarg);
			O.has_group = true;
			break;
		case OPT_GROUP_DEV:
			O.group_dev = optarg;
			break;
		case OPT_NO_LEARNING:
			O.learning = false;
			break;
		case OPT_FDB: {
			char *eq = strchr(optarg, '=');

			if (O.n_fdb == MAX_REMOTES)
				die("--fdb: at most %d", MAX_REMOTES);
			if (!eq)
				die("--fdb: \"%s\" is not MAC=ADDR", optarg);
			*eq = '\0';
			if (!parse_mac(optarg, O.fdb[O.n_fdb].mac) ||
			    vx_mac_is_group(O.fdb[O.n_fdb].mac))
				die("--fdb: \"%s\" is not a unicast MAC address", optarg);
			if (!parse_addr(eq + 1, &O.fdb[O.n_fdb].addr))
				die("--fdb: \"%s\" is not an IPv4 or IPv6 address", eq + 1);
			O.n_fdb++;
			break;
		}
		case OPT_AGEING:
			O.ageing = (unsigned)parse_num("--ageing", optarg, 1000000);
			break;
		case OPT_FDB_MAX:
			O.fdb_max = (unsigned)parse_num("--fdb-max", optarg, 1 << 20);
			if (!O.fdb_max)
				die("--fdb-max: at least 1");
			break;
		case OPT_MTU:
			O.mtu = (unsigned)parse_num("--mtu", optarg, 65535 - VX_OVERHEAD6);
			if (O.mtu < 68)
				die("--mtu: at least 68");
			break;
		case OPT_RAW:
			O.raw = true;
			break;
		case OPT_CONTROL:
			if (*optarg && strlen(optarg) >= sizeof(S.ctl_path))
				die("--control: \"%s\" is longer than a unix socket path may be",
				    optarg);
			O.control = optarg;
			break;
		case OPT_REMOTE_PORT:
			O.remote_port = (uint16_t)parse_num("--remote-port", optarg, 65535);
			if (!O.remote_port)
				die("--remote-port: 0 is no port");
			break;
		default:
			usage(1);
		}
	}
	if (optind < argc)
		die("unexpected argument \"%s\" (see --help)", argv[optind]);
	if (!O.dev == (O.fd < 0))
		die("give one of --dev TAP and --fd N");
	if (!have_vni && !O.raw)
		die("--vni is required (the kernel's `id`)");
	if (!O.n_remotes && !O.has_group && !O.n_fdb)
		die("nowhere to send: give --remote, --group or --fdb");
	if (O.has_group && !O.group_dev)
		die("--group needs --group-dev: the interface the group is joined on");
	if (O.raw && O.n_remotes != 1)
		die("--raw speaks to exactly one --remote (QEMU's -netdev dgram)");
	if (O.remote_port && !O.raw)
		die("--remote-port is for --raw: VXLAN peers all listen on --port");
}

/* ---- the TAP ---- */

static void open_tap(void)
{
	struct ifreq ifr = {0};
	int fd = O.fd;

	if (fd < 0) {
		/*
		 * With vnet headers: whole TCP/UDP super-frames each way (TSO,
		 * GRO). TW_VXLAN_OFFLOAD=0 opens it without (for comparisons).
		 */
		const char *off = getenv("TW_VXLAN_OFFLOAD");
		unsigned vnet = off && !strcmp(off, "0") ? 0 : TW_TUN_VNET_HDR;

		fd = tw_tun_open(O.dev, TW_TUN_MODE_TAP, TW_TUN_CLOEXEC | TW_TUN_NONBLOCK | vnet,
				 S.ifname);
		if (fd < 0)
			die("--dev %s: %s", O.dev, strerror(-fd));
	} else {
		if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_TAP))
			die("--fd %d: not a TAP", fd);
		snprintf(S.ifname, sizeof(S.ifname), "%s", ifr.ifr_name);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	tw_tunio_init(&S.tap);
	S.tap.log = log_io;
	if (tw_tunio_open(&S.tap, fd) < 0 || tw_tunio_setup_offloads(&S.tap, true) < 0)
		die("%s: cannot set up its I/O", S.ifname);
	if (S.tap.pi)
		die("%s: a TAP with packet information headers is not supported: make it with "
		    "IFF_NO_PI",
		    S.ifname);
}

/* The MTU of the path to @a (the route's device), 0 if unknown. */
static unsigned path_mtu(const struct vx_addr *a)
{
	struct tw_endpoint ep;
	int fd, mtu = 0;
	socklen_t len = sizeof(mtu);

	endpoint_of(a, &ep);
	fd = socket(ep.addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, &ep.addr.sa,
		    ep.addr.sa.sa_family == AF_INET ? sizeof(ep.addr.in4) : sizeof(ep.addr.in6)) ||
	    getsockopt(fd, ep.addr.sa.sa_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		       ep.addr.sa.sa_family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &len))
		mtu = 0;
	close(fd);
	return mtu > 0 ? (unsigned)mtu : 0;
}

/*
 * The overlay's MTU: the smallest path MTU to a remote or the group, less
 * VXLAN's overhead (50 bytes over IPv4, 70 over IPv6), unless --mtu says.
 * Outer packets are never fragmented (DF), so a frame larger than this
 * would be lost: the TAP's MTU is set to it.
 */
static void set_mtu(void)
{
	unsigned mtu = O.mtu;
	struct tw_nl *nl;
	int err;

	if (!mtu) {
		struct vx_addr all[MAX_REMOTES * 2 + 1];
		unsigned n = 0;

		for (unsigned i = 0; i < O.n_remotes; i++)
			all[n++] = O.remotes[i];
		for (unsigned i = 0; i < O.n_fdb; i++)
			all[n++] = O.fdb[i].addr;
		if (O.has_group)
			all[n++] = O.group;
		for (unsigned i = 0; i < n; i++) {
			unsigned p = path_mtu(&all[i]);
			/* raw: the same headers but VXLAN's 8 bytes */
			unsigned over = (is_v4(&all[i]) ? VX_OVERHEAD4 : VX_OVERHEAD6) -
					(O.raw ? VX_HDR_LEN : 0);

			if (p > over && (!mtu || p - over < mtu))
				mtu = p - over;
		}
	}
	if (!mtu) {
		logmsg(false, "%s: no path MTU known: its MTU is left as it is", S.ifname);
		return;
	}
	err = tw_nl_open(&nl);
	if (!err) {
		err = tw_link_set_mtu(nl, S.ifname, mtu);
		tw_nl_close(nl);
	}
	if (err < 0)
		logmsg(true, "%s: could not set its MTU to %u (%s): frames above it are dropped",
		       S.ifname, mtu, strerror(-err));
	else
		logmsg(false, "%s: MTU %u", S.ifname, mtu);
}

/* ---- the sockets ---- */

static void never_fragment(const struct tw_udp *u)
{
	int v = IP_PMTUDISC_DO, on = 1;

	if (u->fd4 >= 0)
		setsockopt(u->fd4, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
	if (u->fd6 >= 0) {
		v = IPV6_PMTUDISC_DO;
		setsockopt(u->fd6, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
		setsockopt(u->fd6, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof(on));
	}
}

static void join_group(void)
{
	unsigned ifindex = if_nametoindex(O.group_dev);
	int r;

	if (!ifindex)
		die("--group-dev %s: no such interface", O.group_dev);
	if (is_v4(&O.group)) {
		struct ip_mreqn m = {.imr_ifindex = (int)ifindex};

		memcpy(&m.imr_multiaddr, &O.group.a.s6_addr[12], 4);
		r = setsockopt(S.rx.fd4, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m));
		for (int i = 0; !r && i < TX_SOCKS; i++) {
			struct ip_mreqn out = {.imr_ifindex = (int)ifindex};

			setsockopt(S.tx[i].fd4, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof(out));
			setsockopt(S.tx[i].fd4, IPPROTO_IP, IP_MULTICAST_LOOP, &(int){0},
				   sizeof(int));
		}
	} else {
		struct ipv6_mreq m = {.ipv6mr_multiaddr = O.group.a, .ipv6mr_interface = ifindex};

		r = setsockopt(S.rx.fd6, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof(m));
		for (int i = 0; !r && i < TX_SOCKS; i++) {
			setsockopt(S.tx[i].fd6, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex,
				   sizeof(ifindex));
			setsockopt(S.tx[i].fd6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &(int){0},
				   sizeof(int));
		}
	}
	if (r < 0)
		die("--group: cannot join it on %s: %s", O.group_dev, strerror(errno));
}

static void open_sockets(void)
{
	int err, on = 1;

	tw_udp_init(&S.rx, false);
	S.rx.log = log_io;
	err = tw_udp_bind(&S.rx, O.port, 0);
	if (err < 0)
		die("UDP port %u: %s", O.port, strerror(-err));
	/* IPv6 peers may send without a UDP checksum, as the kernel allows with udp6zerocsumrx */
	if (S.rx.fd6 >= 0)
		setsockopt(S.rx.fd6, SOL_UDP, UDP_NO_CHECK6_RX, &on, sizeof(on));
	/* trains of datagrams from one sender in one receive */
	tw_udp_set_gro(&S.rx, true);
	for (int i = 0; i < TX_SOCKS; i++) {
		tw_udp_init(&S.tx[i], true);
		S.tx[i].log = log_io;
		err = tw_udp_bind(&S.tx[i], 0, 0);
		if (err < 0)
			die("UDP source ports: %s", strerror(-err));
		never_fragment(&S.tx[i]);
	}
	if (O.has_group)
		join_group();
}

/* ---- the data path ---- */

/* Sends @n frames (each with VX_HDR_LEN of room before it, unless raw) to @a. */
static void send_to(const struct vx_addr *a, struct tw_udp *u, struct iovec *iov, unsigned n)
{
	struct tw_endpoint ep;
	int sent;

	endpoint_of(a, &ep);
	sent = tw_udp_send_batch(u, &ep, iov, n);
	if (sent < (int)n)
		S.tx_dropped += n - (unsigned)(sent > 0 ? sent : 0);
	S.tx_frames += sent > 0 ? (unsigned)sent : 0;
}

static void flood(struct iovec *iov, struct tw_udp *u)
{
	if (O.has_group)
		send_to(&O.group, u, iov, 1);
	for (unsigned i = 0; i < O.n_remotes; i++)
		send_to(&O.remotes[i], u, iov, 1);
}

/*
 * Frames read from the TAP, each to where its destination MAC is, or
 * flooded. Runs of frames to one remote from one source socket leave in one
 * sendmmsg (and equal-sized ones in UDP GSO runs).
 */
/*
 * Slots of @cap bytes (a frame and the VXLAN header before it), rounded to
 * cache lines; false if there is no memory for them (the old ones stay).
 */
static bool slots_resize(size_t cap)
{
	size_t stride = (VX_HDR_LEN + cap + 63) & ~(size_t)63;
	uint8_t *p = malloc(BATCH * stride);

	if (!p)
		return false;
	free(S.slots);
	S.slots = p;
	S.slot = stride;
	return true;
}

static void on_tap(void)
{
	unsigned hdr = O.raw ? 0 : VX_HDR_LEN;
	bool more = true;

	for (int turn = 0; turn < 4 && more; turn++) {
		struct tw_tunio_slots s = {.base = S.slots + VX_HDR_LEN,
					   .stride = S.slot,
					   .cap = S.slot - VX_HDR_LEN,
					   .n = BATCH};
		uint8_t *pkts[BATCH + 128];
		uint16_t lens[BATCH + 128];
		struct iovec run[BATCH];
		const struct vx_addr *run_to = NULL;
		struct tw_udp *run_sock = NULL;
		unsigned n = 0, k = 0;
		int r;

		more = false;
		while (n < BATCH) {
			r = tw_tunio_read(&S.tap, &s, n, pkts + n, lens + n);
			if (r == -EMSGSIZE) {
				/* a frame larger than the slots (the MTU was raised): grow them */
				if (S.tap.need > 65535 || !slots_resize(S.tap.need))
					tw_tunio_drop(&S.tap);
				more = true;
				break;
			}
			if (r == -ENOBUFS) {
				more = true; /* a super-frame waits for the next turn */
				break;
			}
			if (r == -EAGAIN)
				break;
			if (r < 0) {
				if (r == -EINTR)
					continue;
				logmsg(true, "%s: %s", S.ifname, strerror(-r));
				S.stopping = true;
				return;
			}
			n += (unsigned)r;
		}
		if (n == BATCH)
			more = true;
		for (unsigned i = 0; i < n; i++) {
			uint8_t *frame = pkts[i];
			const struct vx_fdb_entry *e;
			struct tw_udp *u;
			struct iovec v;

			if (lens[i] < VX_ETH_HDR_LEN)
				continue;
			if (!O.raw)
				vx_hdr_write(frame - VX_HDR_LEN, O.vni);
			v = (struct iovec){frame - hdr, lens[i] + hdr};
			u = &S.tx[vx_flow_hash(frame, lens[i]) % TX_SOCKS];
			e = O.raw ? NULL : vx_fdb_lookup(&S.fdb, frame);
			if (!e && !O.raw) {
				flood(&v, u);
				continue;
			}
			const struct vx_addr *to = e ? &e->remote : &O.remotes[0];

			if (k && (u != run_sock || memcmp(to, run_to, sizeof(*to)))) {
				send_to(run_to, run_sock, run, k);
				k = 0;
			}
			run_to = to;
			run_sock = u;
			run[k++] = v;
		}
		if (k)
			send_to(run_to, run_sock, run, k);
	}
}

/* The @k-th datagram of receive slot @i: the whole, or one segment of a GRO train. */
static size_t datagram_at(const struct tw_udp_batch *b, unsigned i, size_t off)
{
	size_t total = b->msgs[i].msg_len, seg = b->seg[i] ? b->seg[i] : total;

	if (off >= total)
		return 0;
	return total - off < seg ? total - off : seg;
}

/* The monotonic clock in nanoseconds: the FDB's time. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The largest frame the TAP takes: its MTU, an Ethernet header and a VLAN
 * tag (as the kernel's vxlan allows). Looked up again every second, so a
 * changed MTU is followed; unknown (a TAP in another namespace): no limit.
 */
static void track_mtu(void)
{
	struct ifreq ifr = {0};
	int fd = S.rx.fd4 >= 0 ? S.rx.fd4 : S.rx.fd6;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", S.ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		S.rx_path.max_frame = (size_t)ifr.ifr_mtu + VX_ETH_HDR_LEN + 4;
	else
		S.rx_path.max_frame = 65535;
}

static void on_udp(int fd)
{
	uint64_t now = now_ns();
	for (int turn = 0; turn < 4; turn++) {
		int n = tw_udp_recv_batch(fd, S.batch);

		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct vx_addr from;

			addr_of(&S.batch->ep[i], &from);
			for (size_t off = 0, len; (len = datagram_at(S.batch, (unsigned)i, off));
			     off += len) {
				uint8_t *d = S.batch->data[i] + off;
				size_t at, flen = vx_rx(&S.rx_path, d, len, &from, now, &at);

				if (flen)
					tw_tunio_queue(&S.tap, d + at, flen);
			}
		}
		tw_tunio_flush(&S.tap);
		if (n < TW_UDP_BATCH)
			return;
	}
}

static void on_timer(void)
{
	uint64_t ticks;

	if (read(S.timerfd, &ticks, sizeof(ticks)) < 0) {
		/* nothing to read */
	}
	vx_fdb_age(&S.fdb, now_ns());
	track_mtu();
}

/* The counters, by the names the log and the control socket give them. */
static void counters(const char *names[10], uint64_t vals[10])
{
	static const char *const n[10] = {
	    "rx_frames",  "tx_frames",	"rx_truncated", "rx_bad_flags", "rx_other_vni",
	    "rx_too_big", "tx_dropped", "learned",	"moved",	"refused"};
	const uint64_t v[10] = {S.rx_path.st.frames,
				S.tx_frames,
				S.rx_path.st.truncated,
				S.rx_path.st.bad_flags,
				S.rx_path.st.other_vni,
				S.rx_path.st.too_big,
				S.tx_dropped,
				S.fdb.learned,
				S.fdb.moved,
				S.fdb.refused};

	memcpy(names, n, sizeof(n));
	memcpy(vals, v, sizeof(v));
}

/*
 * The FDB and the counters on @f: with @ctl as the control socket's
 * key=value lines (tapwire-vxlan(8), CONTROL SOCKET), else as the log's
 * `bridge fdb show` lines (SIGUSR1).
 */
static void state_write(FILE *f, bool ctl)
{
	uint64_t now = now_ns(), vals[10];
	const char *names[10];
	char a[INET6_ADDRSTRLEN];

	if (ctl) {
		fprintf(f, "ifname=%s\npid=%ld\nmode=%s\nvni=%u\nport=%u\nlearning=%d\n", S.ifname,
			(long)getpid(), O.raw ? "raw" : "vxlan", O.vni, O.port, O.learning);
		struct stat st;

		if (stat("/proc/self/ns/net", &st) == 0)
			fprintf(f, "netns=%lu\n", (unsigned long)st.st_ino);
		fprintf(f, "ageing=%u\nfdb_max=%u\nmtu=%zu\n", O.ageing, O.fdb_max,
			S.rx_path.max_frame - VX_ETH_HDR_LEN - 4);
		if (O.has_local)
			fprintf(f, "local=%s\n", addr_str(&O.local, a, sizeof(a)));
		for (unsigned i = 0; i < O.n_remotes; i++)
			fprintf(f, "remote=%s\n", addr_str(&O.remotes[i], a, sizeof(a)));
		if (O.has_group)
			fprintf(f, "group=%s %s\n", addr_str(&O.group, a, sizeof(a)), O.group_dev);
		fprintf(f, "args=%s\n", O.args);
	}
	for (size_t i = 0; i < S.fdb.cap; i++) {
		const struct vx_fdb_entry *e = &S.fdb.slots[i];
		char mac[18];

		if (!e->used)
			continue;
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->mac[0], e->mac[1],
			 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
		addr_str(&e->remote, a, sizeof(a));
		if (ctl && e->is_static)
			fprintf(f, "fdb=%s %s static\n", mac, a);
		else if (ctl)
			fprintf(f, "fdb=%s %s %" PRIu64 "\n", mac, a,
				(now - e->seen_ns) / 1000000000u);
		else if (e->is_static)
			fprintf(f, "fdb %s dev %s dst %s static\n", mac, S.ifname, a);
		else
			fprintf(f, "fdb %s dev %s dst %s learned %" PRIu64 "s ago\n", mac, S.ifname,
				a, (now - e->seen_ns) / 1000000000u);
	}
	counters(names, vals);
	if (!ctl)
		fputs("counters", f);
	for (int i = 0; i < 10; i++)
		fprintf(f, ctl ? "%s=%" PRIu64 "\n" : " %s %" PRIu64, names[i], vals[i]);
	fputc('\n', f);
	fflush(f);
}

/* ---- the control socket ---- */

/*
 * The control socket's path: --control, or IFNAME.sock in /run/tapwire-vxlan
 * (made if need be: root) or else in $XDG_RUNTIME_DIR/tapwire-vxlan (a
 * user's); "" when there is none to be had.
 */
static void control_path(void)
{
	char dirs[2][TW_CTL_DIR_MAX];
	size_t n = tw_ctl_dirs("tapwire-vxlan", dirs);

	S.ctl_path[0] = '\0';
	if (O.control) {
		snprintf(S.ctl_path, sizeof(S.ctl_path), "%s", O.control);
		return;
	}
	for (size_t i = 0; i < n && !S.ctl_path[0]; i++)
		if (mkdir(dirs[i], i ? 0700 : 0755) == 0 ||
		    (errno == EEXIST && access(dirs[i], W_OK) == 0))
			if (snprintf(S.ctl_path, sizeof(S.ctl_path), "%s/%s.sock", dirs[i],
				     S.ifname) >= (int)sizeof(S.ctl_path))
				S.ctl_path[0] = '\0'; /* too long to bind: none */
}

static void open_control(void)
{
	pid_t holder = 0;

	control_path();
	if (!S.ctl_path[0]) {
		if (!O.control)
			logmsg(false, "no control socket: /run/tapwire-vxlan is not writable and "
				      "XDG_RUNTIME_DIR is not set (give --control PATH)");
		return;
	}
	S.ctlfd = tw_ctl_listen(S.ctl_path, 1000, &holder);
	if (S.ctlfd == -EADDRINUSE)
		die("%s: another tapwire-vxlan (process %ld) serves it: give --control PATH",
		    S.ctl_path, (long)holder);
	if (S.ctlfd < 0)
		die("%s: %s", S.ctl_path, strerror(-S.ctlfd));
}

/*
 * One client: a request line ("show"), the reply, closed. The client gets
 * a second to ask and to read; meanwhile the data path waits, so only the
 * socket's owner (and root) may connect (mode 0600).
 */
static void on_control(void)
{
	struct timeval tv = {1, 0};
	char req[64], *buf = NULL;
	size_t len = 0, got = 0;
	FILE *f;
	int fd = accept4(S.ctlfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1 && !memchr(req, '\n', got)) {
		ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req[got] = '\0';
	if ((f = open_memstream(&buf, &len))) {
		if (!strcmp(req, "show\n"))
			state_write(f, true);
		else
			fputs("error=unknown request (this daemon knows \"show\")\n", f);
		fclose(f);
		for (size_t off = 0; buf && off < len;) {
			ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		free(buf);
	}
	close(fd);
}

static void on_signal(void)
{
	struct signalfd_siginfo si;

	while (read(S.sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			state_write(stderr, false);
		else if (si.ssi_signo != SIGHUP)
			S.stopping = true;
	}
}

static int watch(int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	return fd < 0 ? 0 : epoll_ctl(S.epfd, EPOLL_CTL_ADD, fd, &ev);
}

enum { EV_TAP = 1, EV_RX4, EV_RX6, EV_SIGNAL, EV_TIMER, EV_CTL };

static void loop(void)
{
	struct itimerspec its = {.it_interval.tv_sec = 1, .it_value.tv_sec = 1};
	struct epoll_event evs[16];
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	S.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	S.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	S.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (S.sigfd < 0 || S.timerfd < 0 || S.epfd < 0 ||
	    timerfd_settime(S.timerfd, 0, &its, NULL) < 0 || watch(S.tap.fd, EV_TAP) ||
	    watch(S.rx.fd4, EV_RX4) || watch(S.rx.fd6, EV_RX6) || watch(S.sigfd, EV_SIGNAL) ||
	    watch(S.timerfd, EV_TIMER) || watch(S.ctlfd, EV_CTL))
		die("event loop: %s", strerror(errno));
	while (!S.stopping) {
		int n = epoll_wait(S.epfd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (int i = 0; i < n && !S.stopping; i++) {
			switch (evs[i].data.u64) {
			case EV_TAP:
				on_tap();
				break;
			case EV_RX4:
				on_udp(S.rx.fd4);
				break;
			case EV_RX6:
				on_udp(S.rx.fd6);
				break;
			case EV_SIGNAL:
				on_signal();
				break;
			case EV_TIMER:
				on_timer();
				break;
			case EV_CTL:
				on_control();
				break;
			}
		}
	}
}

int main(int argc, char **argv)
{
	int ready_fd = -1, err;

	parse_args(argc, argv);
	/* without -f: forked before anything is opened (io/daemon.h) */
	if (!O.foreground && (ready_fd = tw_daemon_start()) < 0)
		die("fork: %s", strerror(-ready_fd));
	open_tap();
	open_sockets();
	err = vx_fdb_init(&S.fdb, O.fdb_max, O.ageing);
	S.batch = malloc(sizeof(*S.batch));
	if (err < 0 || !S.batch)
		die("out of memory");
	for (unsigned i = 0; i < O.n_fdb; i++)
		if (vx_fdb_add_static(&S.fdb, O.fdb[i].mac, &O.fdb[i].addr) < 0)
			die("--fdb: the table is full (--fdb-max %u)", O.fdb_max);
	set_mtu();
	open_control();
	S.rx_path =
	    (struct vx_rx){.vni = O.vni, .raw = O.raw, .learning = O.learning, .fdb = &S.fdb};
	track_mtu();
	if (!slots_resize(S.rx_path.max_frame))
		die("out of memory");
	if (O.raw)
		logmsg(false, "%s: raw frames, UDP port %u, to one remote at port %u", S.ifname,
		       O.port, O.remote_port ? O.remote_port : O.port);
	else
		logmsg(false, "%s: VNI %u, UDP port %u, %u remote(s)%s%s", S.ifname, O.vni, O.port,
		       O.n_remotes, O.has_group ? ", a group" : "", O.learning ? ", learning" : "");
	if (ready_fd >= 0)
		tw_daemon_ready(ready_fd, -1);
	loop();
	logmsg(false, "stopping: %" PRIu64 " frames received, %" PRIu64 " sent",
	       S.rx_path.st.frames, S.tx_frames);
	if (S.ctlfd >= 0) {
		close(S.ctlfd);
		unlink(S.ctl_path);
	}
	tw_tunio_close(&S.tap);
	tw_udp_close(&S.rx);
	for (int i = 0; i < TX_SOCKS; i++)
		tw_udp_close(&S.tx[i]);
	vx_fdb_free(&S.fdb);
	free(S.batch);
	free(S.slots);
	close(S.epfd);
	close(S.sigfd);
	close(S.timerfd);
	return 0;
}
