// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/udp.h>

#include "udp.h"

/* Large buffers absorb bursts between two turns of the event loop. */
#define SOCK_BUF_BYTES (4 << 20)

#ifndef UDP_GRO
#define UDP_GRO 104
#endif

void tw_udp_init(struct tw_udp *s, bool gso)
{
	s->gso = gso;
	s->gso_seg_max = TW_UDP_MAX_DATAGRAM;
	s->gro = false;
	s->fd4 = -1;
	s->fd6 = -1;
	s->port = 0;
	s->fwmark = 0;
	s->log = NULL;
}

static void note(const struct tw_udp *s, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(const struct tw_udp *s, bool error, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!s->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log(error, msg);
}

static void set_bufs(int fd)
{
	int v = SOCK_BUF_BYTES;

	/* FORCE needs CAP_NET_ADMIN, which we have; fall back quietly if not. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

static void apply_gro(int fd, bool on)
{
	int v = on;

	if (fd >= 0)
		setsockopt(fd, SOL_UDP, UDP_GRO, &v, sizeof(v)); /* absent: single datagrams */
}

void tw_udp_set_gro(struct tw_udp *s, bool on)
{
	s->gro = on;
	apply_gro(s->fd4, on);
	apply_gro(s->fd6, on);
}

static int open_one(int family, uint16_t port, uint32_t fwmark, uint16_t *ret_port)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} a = {0};
	socklen_t alen;
	int fd, on = 1, err;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
		alen = sizeof(a.in6);
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
		a.in4.sin_family = AF_INET;
		a.in4.sin_port = htons(port);
		alen = sizeof(a.in4);
	}
	if (fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		goto err;
	set_bufs(fd);
	if (bind(fd, &a.sa, alen) < 0)
		goto err;
	alen = sizeof(a);
	if (getsockname(fd, &a.sa, &alen) < 0)
		goto err;
	*ret_port = ntohs(family == AF_INET6 ? a.in6.sin6_port : a.in4.sin_port);
	return fd;
err:
	err = -errno;
	close(fd);
	return err;
}

/* Both families on one port; an absent IPv6 stack is not an error. */
static int open_pair(uint16_t port, uint32_t fwmark, int *fd4, int *fd6, uint16_t *ret_port)
{
	uint16_t got = 0, got6;
	int a, b;

	a = open_one(AF_INET, port, fwmark, &got);
	if (a < 0 && a != -EAFNOSUPPORT)
		return a;
	b = open_one(AF_INET6, a >= 0 ? got : port, fwmark, &got6);
	if (b < 0 && b != -EAFNOSUPPORT && b != -EADDRNOTAVAIL) {
		if (a >= 0)
			close(a);
		return b;
	}
	if (a < 0 && b < 0)
		return a;
	*fd4 = a;
	*fd6 = b;
	*ret_port = a >= 0 ? got : got6;
	return 0;
}

int tw_udp_bind(struct tw_udp *s, uint16_t port, uint32_t fwmark)
{
	int fd4 = -1, fd6 = -1, err = -EADDRINUSE, tries;
	uint16_t got = 0;

	/* A random IPv4 port may be taken for IPv6: try a few. */
	for (tries = 0; tries < (port ? 1 : 16); tries++) {
		err = open_pair(port, fwmark, &fd4, &fd6, &got);
		if (err != -EADDRINUSE)
			break;
	}
	if (err < 0)
		return err;
	tw_udp_close(s);
	s->fd4 = fd4;
	s->fd6 = fd6;
	s->port = got;
	tw_udp_set_gro(s, s->gro);
	s->fwmark = fwmark;
	return 0;
}

int tw_udp_set_fwmark(struct tw_udp *s, uint32_t fwmark)
{
	int fds[2] = {s->fd4, s->fd6};

	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0 &&
		    setsockopt(fds[i], SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
			return -errno;
	}
	s->fwmark = fwmark;
	return 0;
}

void tw_udp_close(struct tw_udp *s)
{
	if (s->fd4 >= 0)
		close(s->fd4);
	if (s->fd6 >= 0)
		close(s->fd6);
	s->fd4 = -1;
	s->fd6 = -1;
	s->port = 0;
}

static void parse_cmsgs(struct msghdr *mh, struct tw_endpoint *ep, uint16_t *seg)
{
	struct cmsghdr *c;

	ep->has_src = false;
	*seg = 0;
	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof(v));
			*seg = v > 0 && v < 65536 ? (uint16_t)v : 0;
			continue;
		}
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ep->src4 = pi.ipi_addr;
			ep->src_ifindex = pi.ipi_ifindex;
			ep->has_src = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ep->src6 = pi.ipi6_addr;
			ep->src_ifindex = (int)pi.ipi6_ifindex;
			ep->has_src = true;
		}
	}
}

int tw_udp_recv_batch(int fd, struct tw_udp_batch *b)
{
	int n;

	for (unsigned i = 0; i < TW_UDP_BATCH; i++) {
		struct msghdr *mh = &b->msgs[i].msg_hdr;

		b->iov[i].iov_base = b->data[i];
		b->iov[i].iov_len = TW_UDP_BUFSIZE;
		memset(mh, 0, sizeof(*mh));
		mh->msg_name = &b->from[i];
		mh->msg_namelen = sizeof(b->from[i]);
		mh->msg_iov = &b->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = b->ctrl[i];
		mh->msg_controllen = sizeof(b->ctrl[i]);
	}
	n = recvmmsg(fd, b->msgs, TW_UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		b->n = 0;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
	b->n = (unsigned)n;
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &b->msgs[i].msg_hdr;
		struct tw_endpoint *ep = &b->ep[i];

		memset(ep, 0, sizeof(*ep));
		memcpy(&ep->addr, &b->from[i],
		       mh->msg_namelen < sizeof(ep->addr) ? mh->msg_namelen : sizeof(ep->addr));
		parse_cmsgs(mh, ep, &b->seg[i]);
		if (mh->msg_flags & MSG_TRUNC)
			b->msgs[i].msg_len = 0; /* too big for us: dropped */
		if (!b->seg[i] && b->msgs[i].msg_len > TW_UDP_MAX_DATAGRAM)
			b->msgs[i].msg_len = 0;
	}
	return n;
}

static size_t build_src_cmsg(const struct tw_endpoint *ep, char *ctrl, size_t cap)
{
	struct msghdr mh = {.msg_control = ctrl, .msg_controllen = cap};
	struct cmsghdr *c;

	if (!ep->has_src)
		return 0;
	memset(ctrl, 0, cap);
	c = CMSG_FIRSTHDR(&mh);
	if (ep->addr.sa.sa_family == AF_INET) {
		struct in_pktinfo pi = {.ipi_spec_dst = ep->src4};

		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		return CMSG_SPACE(sizeof(pi));
	}
	struct in6_pktinfo pi6 = {.ipi6_addr = ep->src6};

	/* The interface matters only for link-local sources. */
	if (IN6_IS_ADDR_LINKLOCAL(&ep->src6))
		pi6.ipi6_ifindex = (unsigned)ep->src_ifindex;
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi6));
	memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
	return CMSG_SPACE(sizeof(pi6));
}

#define TX_BATCH      64
#define GSO_MAX_SEGS  64
#define GSO_MAX_BYTES 65000
/*
 * A datagram that fits a 1500-byte path (a full data message at the default
 * MTU is 1452): GSO refused for those means the device cannot do it at all.
 */
#define GSO_PLAIN_SEG 1452
#define CTRL_BYTES    (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint16_t)))

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/*
 * How many datagrams from @iov[0] can go as one GSO send: all of the size of
 * the first, but the last may be shorter.
 */
static unsigned gso_run(const struct tw_udp *s, const struct iovec *iov, unsigned n)
{
	size_t seg = iov[0].iov_len, total = seg;
	unsigned k = 1;

	if (seg > s->gso_seg_max)
		return 1;
	while (k < n && k < GSO_MAX_SEGS && iov[k].iov_len <= seg &&
	       total + iov[k].iov_len <= GSO_MAX_BYTES) {
		total += iov[k].iov_len;
		if (iov[k++].iov_len < seg)
			break;
	}
	return k;
}

static size_t add_segment_cmsg(char *ctrl, size_t used, size_t cap, uint16_t seg)
{
	struct msghdr mh = {.msg_control = ctrl, .msg_controllen = cap};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	/* walk past what build_src_cmsg() put there */
	if (used)
		c = (struct cmsghdr *)(ctrl + used);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	return used + CMSG_SPACE(sizeof(seg));
}

/* Sends up to TX_BATCH datagrams; returns how many went, or -errno if none. */
static int send_some(struct tw_udp *s, int fd, struct tw_endpoint *ep, struct iovec *iov,
		     unsigned n)
{
	struct mmsghdr msgs[TX_BATCH];
	unsigned counts[TX_BATCH];
	char ctrl[TX_BATCH][CTRL_BYTES] __attribute__((aligned(8)));
	socklen_t alen =
	    ep->addr.sa.sa_family == AF_INET ? sizeof(ep->addr.in4) : sizeof(ep->addr.in6);
	unsigned m = 0, done = 0, sent = 0;

	if (n > TX_BATCH)
		n = TX_BATCH;
	for (unsigned i = 0; i < n; m++) {
		unsigned k = s->gso ? gso_run(s, iov + i, n - i) : 1;
		size_t clen;

		memset(&msgs[m], 0, sizeof(msgs[m]));
		memset(ctrl[m], 0, sizeof(ctrl[m]));
		clen = build_src_cmsg(ep, ctrl[m], sizeof(ctrl[m]));
		if (k > 1)
			clen = add_segment_cmsg(ctrl[m], clen, sizeof(ctrl[m]),
						(uint16_t)iov[i].iov_len);
		msgs[m].msg_hdr.msg_name = &ep->addr;
		msgs[m].msg_hdr.msg_namelen = alen;
		msgs[m].msg_hdr.msg_iov = &iov[i];
		msgs[m].msg_hdr.msg_iovlen = k;
		msgs[m].msg_hdr.msg_control = clen ? ctrl[m] : NULL;
		msgs[m].msg_hdr.msg_controllen = clen;
		counts[m] = k;
		i += k;
	}
	while (done < m) {
		int r = sendmmsg(fd, msgs + done, m - done, MSG_DONTWAIT);

		if (r < 0) {
			if (sent)
				return (int)sent;
			if (s->gso && counts[done] > 1 && errno == EINVAL &&
			    msgs[done].msg_hdr.msg_iov[0].iov_len > GSO_PLAIN_SEG) {
				/* segments beyond the path's MTU: such runs go one by one */
				s->gso_seg_max = msgs[done].msg_hdr.msg_iov[0].iov_len - 1;
				note(s, false,
				     "UDP GSO refused for %zu-byte datagrams: sent singly",
				     msgs[done].msg_hdr.msg_iov[0].iov_len);
				return send_some(s, fd, ep, iov, n);
			}
			if (s->gso && counts[done] > 1 && (errno == EIO || errno == EINVAL)) {
				/* the egress device cannot segment: send one by one from now on */
				note(s, true, "UDP GSO refused (%s), switching it off",
				     strerror(errno));
				s->gso = false;
				return send_some(s, fd, ep, iov, n);
			}
			return -errno;
		}
		for (int j = 0; j < r; j++)
			sent += counts[done + (unsigned)j];
		done += (unsigned)r;
	}
	return (int)sent;
}

int tw_udp_send_batch(struct tw_udp *s, struct tw_endpoint *ep, struct iovec *iov, unsigned n)
{
	int fd, r, sent = 0;

	switch (ep->addr.sa.sa_family) {
	case AF_INET:
		fd = s->fd4;
		break;
	case AF_INET6:
		fd = s->fd6;
		break;
	default:
		return -EDESTADDRREQ;
	}
	if (fd < 0)
		return -EAFNOSUPPORT;
	while ((unsigned)sent < n) {
		r = send_some(s, fd, ep, iov + sent, n - (unsigned)sent);
		if (r < 0 && ep->has_src &&
		    (r == -EINVAL || r == -EADDRNOTAVAIL || r == -ENETUNREACH)) {
			/* Our old local address is gone: let the routing table choose. */
			ep->has_src = false;
			continue;
		}
		if (r < 0)
			return sent ? sent : r;
		sent += r;
	}
	return sent;
}

int tw_udp_send_many(struct tw_udp *s, struct tw_endpoint *const *eps, struct iovec *iov,
		     unsigned n)
{
	static const int families[2] = {AF_INET, AF_INET6};
	struct mmsghdr msgs[TX_BATCH];
	char ctrl[TX_BATCH][CTRL_BYTES] __attribute__((aligned(8)));
	int sent = 0;

	for (int f = 0; f < 2; f++) {
		int fd = families[f] == AF_INET ? s->fd4 : s->fd6;
		unsigned m = 0;

		if (fd < 0)
			continue;
		for (unsigned i = 0; i <= n; i++) {
			if (i < n && eps[i]->addr.sa.sa_family == families[f]) {
				size_t clen = build_src_cmsg(eps[i], ctrl[m], sizeof(ctrl[m]));

				memset(&msgs[m], 0, sizeof(msgs[m]));
				msgs[m].msg_hdr.msg_name = (void *)&eps[i]->addr;
				msgs[m].msg_hdr.msg_namelen = families[f] == AF_INET
								  ? sizeof(eps[i]->addr.in4)
								  : sizeof(eps[i]->addr.in6);
				msgs[m].msg_hdr.msg_iov = &iov[i];
				msgs[m].msg_hdr.msg_iovlen = 1;
				msgs[m].msg_hdr.msg_control = clen ? ctrl[m] : NULL;
				msgs[m].msg_hdr.msg_controllen = clen;
				m++;
			}
			if (m == TX_BATCH || (i == n && m)) {
				int r = sendmmsg(fd, msgs, m, MSG_DONTWAIT);

				if (r > 0)
					sent += r;
				m = 0;
			}
		}
	}
	return sent;
}

/* "%ifname" or "%index" after a v6 address: the interface index, 0 if none or unknown */
static unsigned zone_index(const char *zone)
{
	char *end;
	unsigned long n;

	if (*zone >= '0' && *zone <= '9') {
		errno = 0;
		n = strtoul(zone, &end, 10);
		return *end || errno || n > UINT32_MAX ? 0 : (unsigned)n;
	}
	return if_nametoindex(zone);
}

int tw_endpoint_parse(struct tw_endpoint *ep, const char *s)
{
	char host[INET6_ADDRSTRLEN + 1 + IF_NAMESIZE];
	char *zone;
	const char *port, *end;
	unsigned long p;
	char *pend;
	size_t hl;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - s - 1);
		port = end + 2;
		s++;
	} else {
		end = strrchr(s, ':');
		if (!end)
			return -EINVAL;
		hl = (size_t)(end - s);
		port = end + 1;
	}
	if (hl == 0 || hl >= sizeof(host) || *port < '0' || *port > '9')
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(port, &pend, 10);
	if (*pend || errno || p > 65535)
		return -EINVAL;
	zone = strchr(host, '%');
	if (zone)
		*zone++ = '\0';
	if (!zone && inet_pton(AF_INET, host, &ep->addr.in4.sin_addr) == 1) {
		ep->addr.in4.sin_family = AF_INET;
		ep->addr.in4.sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &ep->addr.in6.sin6_addr) == 1) {
		ep->addr.in6.sin6_family = AF_INET6;
		ep->addr.in6.sin6_port = htons((uint16_t)p);
		if (zone && !(ep->addr.in6.sin6_scope_id = zone_index(zone)))
			goto bad; /* an unknown interface: nothing half-parsed is left */
		return 0;
	}
bad:
	memset(ep, 0, sizeof(*ep));
	return -EINVAL;
}

char *tw_endpoint_format(const struct tw_endpoint *ep, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN], zone[12] = "";

	if (ep->addr.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->addr.in4.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(ep->addr.in4.sin_port));
	} else if (ep->addr.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &ep->addr.in6.sin6_addr, host, sizeof(host));
		if (ep->addr.in6.sin6_scope_id)
			snprintf(zone, sizeof(zone), "%%%u", ep->addr.in6.sin6_scope_id);
		snprintf(buf, len, "[%s%s]:%u", host, zone, ntohs(ep->addr.in6.sin6_port));
	} else {
		snprintf(buf, len, "(none)");
	}
	return buf;
}
