// SPDX-License-Identifier: MIT
/*
 * tapwire-host: a virtual host in one process, on a TAP or TUN device
 * (tapwire-host(8)).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>

#include <tapwire/addr.h>
#include <tapwire/host.h>
#include <tapwire/tun.h>
#include <tapwire/version.h>

#include "daemon.h"
#include "sandbox.h"
#include "services.h"

#define MAX_FWD 32

static const char usage_text[] =
    "usage: tapwire-host [-f] (--dev NAME | --fd N) [--tun] [--mac MAC] [--mtu N]\n"
    "                    [--dhcp | --addr ADDR/PLEN [--gw ADDR]] [--addr6 ADDR/64]\n"
    "                    [--dns ADDR] [--lookup NAME] [--echo] [--discard]\n"
    "                    [--http DIR] [--http-status] [--http-port PORT]\n"
    "                    [--forward tcp|udp:PORT=HOST:PORT]...\n"
    "                    [--reverse tcp|udp:[BIND:]PORT=ADDR:PORT]... [--max-conns N]\n"
    "                    [--max-conns-per-source N] [--idle-timeout SECONDS]\n"
    "                    [--user NAME] [--no-seccomp]\n"
    "       tapwire-host --version | --help\n"
    "At least one of --dhcp, --addr and --addr6. See tapwire-host(8).\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tapwire-host: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void usage_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tapwire-host: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fputs("Try 'tapwire-host --help'.\n", stderr);
	exit(2);
}

static unsigned long number(const char *what, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		usage_die("%s: \"%s\" is not a number", what, s);
	v = strtoul(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		usage_die("%s: \"%s\" is not a number from %lu to %lu", what, s, lo, hi);
	return v;
}

/* "HOST:PORT" or "[V6]:PORT"; HOST a name or an address, resolved now.
 * @numeric: an address only (the virtual side has no resolver of ours). */
static void parse_hostport(const char *what, const char *s, bool numeric,
			   struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon, *port;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	int rc;

	if (s[0] == '[') {
		const char *close_ = strchr(s, ']');

		if (!close_ || close_[1] != ':' || (size_t)(close_ - s - 1) >= sizeof(host))
			usage_die("%s: \"%s\": write an IPv6 address as [ADDR]:PORT", what, s);
		memcpy(host, s + 1, (size_t)(close_ - s - 1));
		host[close_ - s - 1] = 0;
		port = close_ + 2;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host) || colon == s)
			usage_die("%s: \"%s\" is not HOST:PORT", what, s);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = 0;
		if (strchr(host, ':'))
			usage_die("%s: \"%s\": write an IPv6 address as [ADDR]:PORT", what, s);
		port = colon + 1;
	}
	number(what, port, 1, 65535);
	if (numeric)
		hints.ai_flags = AI_NUMERICHOST;
	hints.ai_flags |= AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc && numeric)
		usage_die("%s: \"%s\" is not an address", what, host);
	if (rc) /* the words were right: the name did not resolve */
		die("%s: \"%s\": %s", what, host, gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
}

/* --forward tcp:8080=127.0.0.1:80, --reverse tcp:[127.0.0.1:]2222=198.51.100.10:22 */
static void parse_forward(const char *opt, const char *s, bool reverse, struct svc_forward *f)
{
	const char *eq = strchr(s, '='), *rest;
	char left[160];

	memset(f, 0, sizeof(*f));
	f->reverse = reverse;
	snprintf(f->spec, sizeof(f->spec), "%s", s);
	if (!strncmp(s, "tcp:", 4))
		rest = s + 4;
	else if (!strncmp(s, "udp:", 4)) {
		rest = s + 4;
		f->udp = true;
	} else
		usage_die("%s %s: begin with tcp: or udp:", opt, s);
	if (!eq || (size_t)(eq - rest) >= sizeof(left) || eq < rest)
		usage_die("%s %s: not PROTO:PORT=HOST:PORT", opt, s);
	memcpy(left, rest, (size_t)(eq - rest));
	left[eq - rest] = 0;
	if (!reverse) {
		f->port = (uint16_t)number(opt, left, 1, 65535);
		parse_hostport(opt, eq + 1, false, &f->to, &f->to_len);
	} else {
		socklen_t bl;

		if (strchr(left, ':'))
			parse_hostport(opt, left, true, &f->bind, &bl);
		else {
			struct sockaddr_in *b4 = (struct sockaddr_in *)&f->bind;

			b4->sin_family = AF_INET;
			b4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			b4->sin_port = htons((uint16_t)number(opt, left, 1, 65535));
		}
		parse_hostport(opt, eq + 1, true, &f->to, &f->to_len);
	}
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6 ||
	    strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1 || !memcmp(mac, "\0\0\0\0\0\0", 6))
		return -EINVAL;
	return 0;
}

struct opts {
	bool foreground, tun, dhcp, tun_given, no_seccomp;
	const char *dev;
	int fd;
	uint8_t mac[6];
	unsigned mtu, max_conns, max_per_source, idle_timeout;
	bool idle_given;
	struct tw_prefix addr, gw, addr6;
	bool have_addr, have_gw, have_addr6;
	struct sockaddr_storage dns[3];
	size_t n_dns;
	const char *lookup, *user;
	struct svc_config svc;
	struct svc_forward fwd[MAX_FWD];
};

static struct tw_host *host;
static struct opts O;
static bool lookup_sent;

/* The addresses as they change: each gained or lost one once, not the whole set again. */
static void print_addrs(void *arg, struct tw_host *h)
{
	static struct in_addr last4, lastgw;
	static unsigned lastplen;
	static bool had4;
	static struct in6_addr last6[8];
	static size_t n_last6;
	char a[INET6_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	struct in_addr a4, gw;
	struct in6_addr a6[8];
	unsigned plen;
	size_t n = tw_host_get_addr6(h, a6, 8);
	bool has4 = !tw_host_get_addr4(h, &a4, &plen, &gw);

	if (has4 &&
	    (!had4 || a4.s_addr != last4.s_addr || plen != lastplen || gw.s_addr != lastgw.s_addr))
		fprintf(stderr, "tapwire-host: %s: inet %s/%u%s%s%s\n", O.svc.ifname,
			inet_ntop(AF_INET, &a4, a, sizeof(a)), plen, gw.s_addr ? " gateway " : "",
			gw.s_addr ? inet_ntop(AF_INET, &gw, g, sizeof(g)) : "",
			O.dhcp ? " (DHCP)" : "");
	else if (!has4 && had4)
		fprintf(stderr, "tapwire-host: %s: no IPv4 address\n", O.svc.ifname);
	had4 = has4;
	if (has4) {
		last4 = a4;
		lastgw = gw;
		lastplen = plen;
	}
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < n_last6 && !seen; j++)
			seen = !memcmp(&a6[i], &last6[j], sizeof(a6[i]));
		if (!seen)
			fprintf(stderr, "tapwire-host: %s: inet6 %s/64\n", O.svc.ifname,
				inet_ntop(AF_INET6, &a6[i], a, sizeof(a)));
	}
	for (size_t j = 0; j < n_last6; j++) {
		bool kept = false;

		for (size_t i = 0; i < n && !kept; i++)
			kept = !memcmp(&a6[i], &last6[j], sizeof(a6[i]));
		if (!kept)
			fprintf(stderr, "tapwire-host: %s: inet6 %s/64 gone\n", O.svc.ifname,
				inet_ntop(AF_INET6, &last6[j], a, sizeof(a)));
	}
	memcpy(last6, a6, n * sizeof(a6[0]));
	n_last6 = n;
}

static void lookup_done(void *arg, int err, const struct sockaddr *sa)
{
	char a[INET6_ADDRSTRLEN];

	if (err)
		fprintf(stderr, "tapwire-host: lookup %s: %s\n", O.lookup,
			err == -ENOENT ? "no such name" : strerror(-err));
	else
		fprintf(
		    stderr, "tapwire-host: lookup %s: %s\n", O.lookup,
		    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a, sizeof(a)));
}

static int open_device(void)
{
	struct ifreq ifr = {0};
	char name[IFNAMSIZ];
	int fd;

	if (O.dev && !O.tun_given) {
		/* an existing device's kind is the kernel's to say (tun_flags: IFF_TUN
		 * or IFF_TAP), so --tun is needed only to create a TUN */
		char path[64], buf[32] = "";
		int sf;

		snprintf(path, sizeof(path), "/sys/class/net/%s/tun_flags", O.dev);
		sf = open(path, O_RDONLY | O_CLOEXEC);
		if (sf >= 0) {
			if (read(sf, buf, sizeof(buf) - 1) > 0 &&
			    (strtoul(buf, NULL, 16) & IFF_TUN))
				O.tun = true;
			close(sf);
		}
	}
	if (O.dev) {
		fd = tw_tun_open(O.dev, O.tun ? TW_TUN_MODE_TUN : TW_TUN_MODE_TAP,
				 TW_TUN_CLOEXEC | TW_TUN_NONBLOCK, name);
		if (fd < 0) {
			if ((fd == -EPERM || fd == -EACCES) && access("/dev/net/tun", R_OK | W_OK))
				die("cannot open /dev/net/tun: %s (it is not open to this user; "
				    "run as root, or have root open the device and pass it with "
				    "--fd)",
				    strerror(errno));
			if (fd == -EPERM || fd == -EACCES)
				die("cannot open %s: %s (as another user: make it with `tapwire "
				    "tuntap add %s mode %s user NAME`)",
				    O.dev, strerror(-fd), O.dev, O.tun ? "tun" : "tap");
			if (fd == -EINVAL)
				die("cannot open %s: %s (is it a %s?)", O.dev, strerror(-fd),
				    O.tun ? "TUN" : "TAP");
			die("cannot open %s: %s", O.dev, strerror(-fd));
		}
		snprintf((char *)O.svc.ifname, IFNAMSIZ, "%s", name);
		return fd;
	}
	fd = O.fd;
	if (fcntl(fd, F_GETFD) < 0)
		die("--fd %d: %s", fd, strerror(errno));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		die("--fd %d: not a TUN/TAP fd (%s)", fd, strerror(errno));
	if (ifr.ifr_flags & IFF_VNET_HDR)
		die("--fd %d: %s has a vnet header; open it without (QEMU: vnet_hdr=off)", fd,
		    ifr.ifr_name);
	if (!(ifr.ifr_flags & IFF_NO_PI))
		die("--fd %d: %s has packet information headers; open it with IFF_NO_PI", fd,
		    ifr.ifr_name);
	if (O.tun_given && O.tun != !!(ifr.ifr_flags & IFF_TUN))
		die("--fd %d: %s is a %s", fd, ifr.ifr_name,
		    (ifr.ifr_flags & IFF_TUN) ? "TUN" : "TAP");
	O.tun = !!(ifr.ifr_flags & IFF_TUN);
	snprintf((char *)O.svc.ifname, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

static void parse(int argc, char **argv)
{
	enum {
		OPT_DEV = 256,
		OPT_FD,
		OPT_TUN,
		OPT_MAC,
		OPT_MTU,
		OPT_DHCP,
		OPT_ADDR,
		OPT_GW,
		OPT_ADDR6,
		OPT_DNS,
		OPT_LOOKUP,
		OPT_ECHO,
		OPT_DISCARD,
		OPT_HTTP,
		OPT_STATUS,
		OPT_HTTP_PORT,
		OPT_FORWARD,
		OPT_REVERSE,
		OPT_MAX_CONNS,
		OPT_USER,
		OPT_NO_SECCOMP,
		OPT_PER_SOURCE,
		OPT_IDLE,
		OPT_VERSION,
	};
	static const struct option longopts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"dev", required_argument, NULL, OPT_DEV},
	    {"fd", required_argument, NULL, OPT_FD},
	    {"tun", no_argument, NULL, OPT_TUN},
	    {"mac", required_argument, NULL, OPT_MAC},
	    {"mtu", required_argument, NULL, OPT_MTU},
	    {"dhcp", no_argument, NULL, OPT_DHCP},
	    {"addr", required_argument, NULL, OPT_ADDR},
	    {"gw", required_argument, NULL, OPT_GW},
	    {"addr6", required_argument, NULL, OPT_ADDR6},
	    {"dns", required_argument, NULL, OPT_DNS},
	    {"lookup", required_argument, NULL, OPT_LOOKUP},
	    {"echo", no_argument, NULL, OPT_ECHO},
	    {"discard", no_argument, NULL, OPT_DISCARD},
	    {"http", required_argument, NULL, OPT_HTTP},
	    {"http-status", no_argument, NULL, OPT_STATUS},
	    {"http-port", required_argument, NULL, OPT_HTTP_PORT},
	    {"forward", required_argument, NULL, OPT_FORWARD},
	    {"reverse", required_argument, NULL, OPT_REVERSE},
	    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
	    {"user", required_argument, NULL, OPT_USER},
	    {"no-seccomp", no_argument, NULL, OPT_NO_SECCOMP},
	    {"max-conns-per-source", required_argument, NULL, OPT_PER_SOURCE},
	    {"idle-timeout", required_argument, NULL, OPT_IDLE},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {0},
	};
	static char ifname[IFNAMSIZ];
	int c;

	O.fd = -1;
	O.svc.http_port = 80;
	O.svc.fwd = O.fwd;
	O.svc.ifname = ifname;
	while ((c = getopt_long(argc, argv, "fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			O.foreground = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case OPT_DEV:
			if (!*optarg || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/') ||
			    strchr(optarg, '%'))
				usage_die("--dev %s: not an interface name", optarg);
			O.dev = optarg;
			break;
		case OPT_FD:
			O.fd = (int)number("--fd", optarg, 0, INT_MAX);
			break;
		case OPT_TUN:
			O.tun = O.tun_given = true;
			break;
		case OPT_MAC:
			if (parse_mac(optarg, O.mac))
				usage_die("--mac %s: not a unicast MAC (xx:xx:xx:xx:xx:xx)",
					  optarg);
			break;
		case OPT_MTU:
			O.mtu = (unsigned)number("--mtu", optarg, 576, 9000);
			break;
		case OPT_DHCP:
			O.dhcp = true;
			break;
		case OPT_ADDR:
			if (tw_prefix_parse(optarg, TW_PREFIX_NEED_LEN, &O.addr) ||
			    O.addr.family != AF_INET)
				usage_die("--addr %s: not an IPv4 ADDR/PLEN", optarg);
			O.have_addr = true;
			break;
		case OPT_GW:
			if (tw_prefix_parse(optarg, TW_PREFIX_NO_LEN, &O.gw) ||
			    O.gw.family != AF_INET)
				usage_die("--gw %s: not an IPv4 address", optarg);
			O.have_gw = true;
			break;
		case OPT_ADDR6:
			if (tw_prefix_parse(optarg, TW_PREFIX_NEED_LEN, &O.addr6) ||
			    O.addr6.family != AF_INET6)
				usage_die("--addr6 %s: not an IPv6 ADDR/PLEN", optarg);
			if (O.addr6.prefixlen != 64)
				usage_die("--addr6 %s: the prefix must be /64 (lwIP 2.1 knows no "
					  "other on-link length)",
					  optarg);
			O.have_addr6 = true;
			break;
		case OPT_DNS: {
			struct tw_prefix p;

			if (O.n_dns == 3)
				usage_die("--dns: three servers at most");
			if (tw_prefix_parse(optarg, TW_PREFIX_NO_LEN, &p))
				usage_die("--dns %s: not an address", optarg);
			if (p.family == AF_INET) {
				struct sockaddr_in *s = (struct sockaddr_in *)&O.dns[O.n_dns];

				s->sin_family = AF_INET;
				s->sin_addr = p.addr.v4;
			} else {
				struct sockaddr_in6 *s = (struct sockaddr_in6 *)&O.dns[O.n_dns];

				s->sin6_family = AF_INET6;
				s->sin6_addr = p.addr.v6;
			}
			O.n_dns++;
			break;
		}
		case OPT_LOOKUP:
			O.lookup = optarg;
			break;
		case OPT_ECHO:
			O.svc.echo = true;
			break;
		case OPT_DISCARD:
			O.svc.discard = true;
			break;
		case OPT_HTTP:
			O.svc.http_dir = optarg;
			break;
		case OPT_STATUS:
			O.svc.status = true;
			break;
		case OPT_HTTP_PORT:
			O.svc.http_port = (uint16_t)number("--http-port", optarg, 1, 65535);
			break;
		case OPT_FORWARD:
		case OPT_REVERSE:
			if (O.svc.n_fwd == MAX_FWD)
				usage_die("at most %d --forward and --reverse", MAX_FWD);
			parse_forward(c == OPT_FORWARD ? "--forward" : "--reverse", optarg,
				      c == OPT_REVERSE, &O.fwd[O.svc.n_fwd++]);
			break;
		case OPT_MAX_CONNS:
			O.max_conns = (unsigned)number("--max-conns", optarg, 1, 65536);
			break;
		case OPT_USER:
			O.user = optarg;
			break;
		case OPT_NO_SECCOMP:
			O.no_seccomp = true;
			break;
		case OPT_PER_SOURCE:
			O.max_per_source =
			    (unsigned)number("--max-conns-per-source", optarg, 1, 65536);
			break;
		case OPT_IDLE:
			O.idle_timeout = (unsigned)number("--idle-timeout", optarg, 0, 86400 * 7);
			O.idle_given = true;
			break;
		case OPT_VERSION:
			printf("tapwire-host %s\n", TAPWIRE_VERSION);
			exit(0);
		default:
			fputs("Try 'tapwire-host --help'.\n", stderr);
			exit(2);
		}
	}
	if (optind < argc)
		usage_die("unexpected argument \"%s\"", argv[optind]);
	if (!O.max_conns)
		O.max_conns = 1024;
	if (!O.max_per_source)
		O.max_per_source = O.max_conns / 4 ? O.max_conns / 4 : 1;
	if (!O.idle_given)
		O.idle_timeout = 300;
	if (!O.dev == (O.fd < 0))
		usage_die("give one of --dev NAME and --fd N");
	if (O.dhcp && O.have_addr)
		usage_die("--dhcp and --addr exclude each other");
	if (!O.dhcp && !O.have_addr && !O.have_addr6)
		usage_die("no address: give --dhcp, --addr or --addr6");
	if (O.have_gw && !O.have_addr)
		usage_die("--gw needs --addr");
	if (O.dhcp && O.tun)
		usage_die("--dhcp needs a TAP (a TUN has no link layer): give --addr");
	if (O.tun && memcmp(O.mac, "\0\0\0\0\0\0", 6))
		usage_die("--mac: a TUN has no MAC");
	for (size_t i = 0; i < O.svc.n_fwd; i++)
		for (size_t j = 0; j < i; j++)
			if (!O.fwd[i].reverse && !O.fwd[j].reverse &&
			    O.fwd[i].udp == O.fwd[j].udp && O.fwd[i].port == O.fwd[j].port)
				usage_die("--forward %s: port %u is forwarded twice", O.fwd[i].spec,
					  O.fwd[i].port);
}

/*
 * Every relay holds a descriptor, as does every UDP flow: the soft
 * RLIMIT_NOFILE is raised to the hard one, and --max-conns lowered (said)
 * when even that cannot hold them all with room to spare.
 */
static void fd_budget(void)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)O.max_conns + 256 /* UDP flows */ + 64 /* the rest */;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		unsigned fit =
		    rl.rlim_cur > 256 + 64 + 16 ? (unsigned)(rl.rlim_cur - 256 - 64) : 16;

		fprintf(stderr,
			"tapwire-host: warning: %llu descriptors at most (RLIMIT_NOFILE): "
			"--max-conns %u lowered to %u\n",
			(unsigned long long)rl.rlim_cur, O.max_conns, fit);
		O.max_conns = fit;
	}
}

static void drop_privileges(const struct passwd *pw)
{
	if (pw && (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)))
		die("--user %s: %s", O.user, strerror(errno));
	if (!pw && geteuid() == 0)
		fprintf(stderr, "tapwire-host: warning: running as root; give --user NAME to "
				"drop privileges once the device is open\n");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/*
 * Under a flood the out-of-order cap is dropping (a peer sending segments
 * after a hole as fast as it can), the loop would wake for every frame or
 * two: the wake-ups, not the frames, are then most of its CPU time. While
 * the cap drops, a round that did not fill its batch is followed by a
 * pause of FLOOD_PAUSE_US, so that the next round reads a batch. Only then:
 * for ordinary traffic a pause between rounds halves TCP throughput (ACKs
 * wait), so it is never taken otherwise; and a full batch (more frames
 * waiting) is never paused after, so a flood cannot cap the frame rate.
 */
#define FLOOD_PAUSE_US 200
#define FLOOD_BATCH    64 /* what one tw_host_process() reads at most (TWH_BATCH) */

static void flood_pause(const struct tw_host *h)
{
	static uint64_t dropped, frames;
	struct tw_host_limits l;
	struct tw_host_stats st;
	uint64_t read;

	tw_host_get_limits(h, &l, sizeof(l));
	tw_host_get_stats(h, &st);
	read = st.rx_frames - frames;
	frames = st.rx_frames;
	if (l.ooseq_dropped != dropped && read < FLOOD_BATCH) {
		struct timespec ts = {0, FLOOD_PAUSE_US * 1000};

		nanosleep(&ts, NULL);
	}
	dropped = l.ooseq_dropped;
}

int main(int argc, char **argv)
{
	struct tw_host_config cfg = {0};
	struct epoll_event ev, evs[64];
	struct passwd *pw = NULL;
	sigset_t mask;
	int fd, sfd, err, rc = 0, ready_fd = -1, null = -1;

	parse(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (O.user && !(pw = getpwnam(O.user)))
		usage_die("--user %s: no such user", O.user);
	/* without -f: forked before anything is opened (io/daemon.h) */
	if (!O.foreground && (ready_fd = tw_daemon_start()) < 0)
		die("fork: %s", strerror(-ready_fd));
	fd = open_device();
	if (O.dhcp && O.tun)
		die("--dhcp needs a TAP; %s is a TUN", O.svc.ifname);
	if (O.tun && memcmp(O.mac, "\0\0\0\0\0\0", 6))
		die("--mac: %s is a TUN, which has no MAC", O.svc.ifname);
	fd_budget();
	cfg.fd = fd;
	cfg.dev = O.tun ? TW_HOST_TUN : TW_HOST_TAP;
	memcpy(cfg.mac, O.mac, 6);
	cfg.mtu = O.mtu;
	cfg.max_conns = O.max_conns + 1; /* the services make room at O.max_conns */
	host = tw_host_open(&cfg, &err);
	if (!host)
		die("%s: %s", O.svc.ifname, strerror(-err));
	tw_host_on_addr(host, print_addrs, NULL);
	if (O.have_addr) {
		struct in_addr gw = O.gw.addr.v4;

		err =
		    tw_host_addr4(host, &O.addr.addr.v4, O.addr.prefixlen, O.have_gw ? &gw : NULL);
		if (err == -ENETUNREACH)
			die("--gw: not on the network of --addr");
		if (err)
			die("--addr: not a host address (%s)", strerror(-err));
	}
	if (O.have_addr6 && (err = tw_host_addr6(host, &O.addr6.addr.v6, O.addr6.prefixlen)))
		die("--addr6: not a host address (%s)", strerror(-err));
	if (O.n_dns && (err = tw_host_dns_set(host, O.dns, O.n_dns)))
		die("--dns: %s", strerror(-err));
	if (O.dhcp && (err = tw_host_dhcp_start(host)))
		die("DHCP: %s", strerror(-err));

	O.svc.max_conns = O.max_conns;
	O.svc.max_per_source = O.max_per_source;
	O.svc.idle_timeout = O.idle_timeout;
	O.svc.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (O.svc.epfd < 0)
		die("epoll: %s", strerror(errno));
	if (svc_start(host, &O.svc))
		exit(1);
	/* the device is open and every socket bound: privileges are no longer needed */
	drop_privileges(pw);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		die("signalfd: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = &sfd;
	epoll_ctl(O.svc.epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.ptr = &host;
	epoll_ctl(O.svc.epfd, EPOLL_CTL_ADD, fd, &ev);
	if (chdir("/") < 0) /* nothing is opened by a relative path from here on */
		die("chdir /: %s", strerror(errno));
	if (ready_fd >= 0 && (null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		die("/dev/null: %s", strerror(errno));
	err = twh_sandbox(!O.no_seccomp);
	if (err == -EOPNOTSUPP)
		fprintf(stderr, "tapwire-host: no seccomp filter in a sanitizer build\n");
	else if (err)
		die("seccomp: %s", strerror(-err));
	fprintf(stderr, "tapwire-host: %s: up (%s, pid %d)\n", O.svc.ifname, O.tun ? "tun" : "tap",
		(int)getpid());
	if (ready_fd >= 0)
		tw_daemon_ready(ready_fd, null);

	for (;;) {
		/* at least once a second: svc_tick() closes idle UDP flows */
		int wait_ms = tw_host_timeout(host), n;
		bool quit = false;

		if (wait_ms < 0 || wait_ms > 1000)
			wait_ms = 1000;
		n = epoll_wait(O.svc.epfd, evs, 64, wait_ms);

		if (n < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					fprintf(stderr, "tapwire-host: %s: signal %u, stopping\n",
						O.svc.ifname, si.ssi_signo);
				quit = true;
			} else if (evs[i].data.ptr != &host) {
				svc_event(evs[i].data.ptr, evs[i].events);
			}
		}
		/* the device every round: timers are due, or frames wait */
		err = tw_host_process(host);
		flood_pause(host);
		if (err == -ENODEV) {
			fprintf(stderr, "tapwire-host: %s: the device is gone\n", O.svc.ifname);
			rc = 1;
			break;
		}
		if (err) {
			fprintf(stderr, "tapwire-host: %s: %s\n", O.svc.ifname, strerror(-err));
			rc = 1;
			break;
		}
		if (O.lookup && !lookup_sent) {
			struct in_addr a;

			if (!tw_host_get_addr4(host, &a, NULL, NULL)) {
				lookup_sent = true;
				err = tw_host_resolve(host, O.lookup, AF_INET, lookup_done, NULL);
				if (err)
					fprintf(stderr, "tapwire-host: lookup %s: %s\n", O.lookup,
						err == -EDESTADDRREQ ? "no DNS server"
								     : strerror(-err));
			}
		}
		svc_tick();
		{
			/* a full transmit queue, or a device that is down, loses frames (TCP
			 * resends): say so, once a second */
			static uint64_t told;
			static time_t last;
			struct tw_host_stats st;

			tw_host_get_stats(host, &st);
			if (st.tx_dropped > told && time(NULL) != last) {
				fprintf(
				    stderr,
				    "tapwire-host: %s: device down or transmit queue full: %llu "
				    "frames dropped (%llu in all)\n",
				    O.svc.ifname, (unsigned long long)(st.tx_dropped - told),
				    (unsigned long long)st.tx_dropped);
				told = st.tx_dropped;
				last = time(NULL);
			}
		}
		if (quit)
			break;
	}
	svc_stop();
	tw_host_close(host);
	close(fd);
	return rc;
}
