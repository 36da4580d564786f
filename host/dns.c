// SPDX-License-Identifier: MIT
/*
 * A stub DNS resolver (RFC 1035) on the virtual host: one A or AAAA question
 * over UDP to the servers DHCP gave or tw_host_dns_set() named, each tried in
 * turn, 2 s apart, twice round. Debian's lwIP is built without LWIP_DNS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "host_internal.h"
#include "sandbox.h"

/* a query's ID */
const char *const twh_syscalls_dns[] = {"getrandom", NULL};

#define DNS_TRY_MS  2000
#define DNS_ROUNDS  2
#define DNS_PENDING 16

struct query {
	struct tw_host *h;
	struct tw_host_udp *u;
	uint16_t id;
	int family;
	unsigned tries;
	uint8_t msg[300];
	size_t len;
	void (*done)(void *arg, int err, const struct sockaddr *addr);
	void *arg;
	struct query *next;
};

struct twh_dns {
	struct query *queries;
	unsigned n;
};

static void query_end(struct query *q, int err, const struct sockaddr *addr)
{
	struct twh_dns *d = q->h->dns;
	struct query **pp;

	for (pp = &d->queries; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	d->n--;
	tw_host_udp_close(q->u);
	q->done(q->arg, err, addr);
	free(q);
}

static void query_send(struct query *q)
{
	struct tw_host *h = q->h;

	tw_host_udp_sendto(q->u, (struct sockaddr *)&h->dns_servers[q->tries % h->n_dns], q->msg,
			   q->len);
}

static void query_timer(void *arg)
{
	struct query *q = arg;

	if (++q->tries >= q->h->n_dns * DNS_ROUNDS) {
		query_end(q, -ETIMEDOUT, NULL);
		return;
	}
	query_send(q);
	sys_timeout(DNS_TRY_MS, query_timer, q);
}

/* Skips a (possibly compressed) name; the offset after it, or 0. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		uint8_t l = m[off];

		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (l & 0xc0)
			return 0;
		off += 1u + l;
	}
	return 0;
}

/* @from is one of the servers, at port 53 */
static bool from_server(const struct tw_host *h, const struct sockaddr *from)
{
	for (size_t i = 0; i < h->n_dns; i++) {
		const struct sockaddr_storage *s = &h->dns_servers[i];

		if (s->ss_family != from->sa_family)
			continue;
		if (s->ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)s, *b = (const void *)from;

			if (a->sin_addr.s_addr == b->sin_addr.s_addr && a->sin_port == b->sin_port)
				return true;
		} else {
			const struct sockaddr_in6 *a = (const void *)s, *b = (const void *)from;

			if (!memcmp(&a->sin6_addr, &b->sin6_addr, 16) &&
			    a->sin6_port == b->sin6_port)
				return true;
		}
	}
	return false;
}

/* Compares @n bytes of two question sections, letters in either case. */
static int strncasecmp_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return 1;
	}
	return 0;
}

static void on_answer(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
		      const void *data, size_t len)
{
	struct query *q = arg;
	const uint8_t *m = data;
	uint16_t qtype = q->family == AF_INET6 ? 28 : 1, an;
	struct sockaddr_storage ss = {0};
	size_t off;

	if (!from_server(q->h, from))
		return; /* an answer is taken from a server asked, and from nowhere else */
	/* the answer repeats the question: same ID, one question, the same name
	 * (case aside), type and class, and a response with no truncation */
	if (len < q->len || (uint16_t)(m[0] << 8 | m[1]) != q->id || !(m[2] & 0x80) ||
	    (m[2] & 0x02) || m[4] || m[5] != 1 ||
	    strncasecmp_bytes(m + 12, q->msg + 12, q->len - 12))
		return; /* not the answer to this question */
	if ((m[3] & 15) == 3) {
		sys_untimeout(query_timer, q);
		query_end(q, -ENOENT, NULL);
		return;
	}
	if ((m[3] & 15) != 0)
		return; /* SERVFAIL and the like: the next server may know */
	an = (uint16_t)(m[6] << 8 | m[7]);
	off = skip_name(m, len, 12);
	if (!off || off + 4 > len)
		return;
	off += 4;
	for (; an; an--) {
		uint16_t type, rdlen;

		off = skip_name(m, len, off);
		if (!off || off + 10 > len)
			return;
		type = (uint16_t)(m[off] << 8 | m[off + 1]);
		rdlen = (uint16_t)(m[off + 8] << 8 | m[off + 9]);
		off += 10;
		if (off + rdlen > len)
			return;
		if (type == qtype && qtype == 1 && rdlen == 4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, m + off, 4);
			break;
		}
		if (type == qtype && qtype == 28 && rdlen == 16) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, m + off, 16);
			break;
		}
		off += rdlen;
	}
	sys_untimeout(query_timer, q);
	query_end(q, ss.ss_family ? 0 : -ENOENT, ss.ss_family ? (struct sockaddr *)&ss : NULL);
}

int tw_host_resolve(struct tw_host *h, const char *name, int family,
		    void (*done)(void *arg, int err, const struct sockaddr *addr), void *arg)
{
	struct query *q;
	size_t nl = strlen(name), o = 12;
	const char *p = name;
	int err;

	if ((family != AF_INET && family != AF_INET6) || !nl || nl > 253 || !done)
		return -EINVAL;
	if (!h->n_dns)
		return -EDESTADDRREQ;
	if (!h->dns) {
		h->dns = calloc(1, sizeof(*h->dns));
		if (!h->dns)
			return -ENOMEM;
	}
	if (h->dns->n >= DNS_PENDING)
		return -EAGAIN;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	if (getrandom(&q->id, sizeof(q->id), 0) != sizeof(q->id))
		q->id = (uint16_t)rand();
	q->msg[0] = (uint8_t)(q->id >> 8);
	q->msg[1] = (uint8_t)q->id;
	q->msg[2] = 0x01; /* recursion desired */
	q->msg[5] = 1;	  /* one question */
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (!l || l > 63) {
			free(q);
			return -EINVAL;
		}
		q->msg[o++] = (uint8_t)l;
		memcpy(q->msg + o, p, l);
		o += l;
		p += l;
		if (*p == '.')
			p++;
	}
	q->msg[o++] = 0;
	q->msg[o++] = 0;
	q->msg[o++] = family == AF_INET6 ? 28 : 1;
	q->msg[o++] = 0;
	q->msg[o++] = 1; /* IN */
	q->len = o;
	q->h = h;
	q->family = family;
	q->done = done;
	q->arg = arg;
	q->u = tw_host_udp_open(h, 0, on_answer, q, &err);
	if (!q->u) {
		free(q);
		return err;
	}
	q->next = h->dns->queries;
	h->dns->queries = q;
	h->dns->n++;
	query_send(q);
	sys_timeout(DNS_TRY_MS, query_timer, q);
	return 0;
}

int tw_host_dns_set(struct tw_host *h, const struct sockaddr_storage *servers, size_t n)
{
	if (n > TWH_DNS_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (servers[i].ss_family != AF_INET && servers[i].ss_family != AF_INET6)
			return -EAFNOSUPPORT;
	for (size_t i = 0; i < n; i++) {
		h->dns_servers[i] = servers[i];
		if (servers[i].ss_family == AF_INET6)
			((struct sockaddr_in6 *)&h->dns_servers[i])->sin6_port = htons(53);
		else
			((struct sockaddr_in *)&h->dns_servers[i])->sin_port = htons(53);
	}
	h->n_dns = n;
	h->dns_from_user = n > 0;
	return 0;
}

void twh_dns_from_dhcp(struct tw_host *h, const uint8_t *addrs, size_t n)
{
	if (h->dns_from_user)
		return;
	for (size_t i = 0; i < n && i < TWH_DNS_MAX; i++) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&h->dns_servers[i];

		memset(s4, 0, sizeof(h->dns_servers[i]));
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
		memcpy(&s4->sin_addr, addrs + 4 * i, 4);
	}
	h->n_dns = n < TWH_DNS_MAX ? n : TWH_DNS_MAX;
}

void twh_dns_stop(struct tw_host *h)
{
	if (!h->dns)
		return;
	while (h->dns->queries) {
		struct query *q = h->dns->queries;

		sys_untimeout(query_timer, q);
		query_end(q, -ECANCELED, NULL);
	}
	free(h->dns);
	h->dns = NULL;
}
