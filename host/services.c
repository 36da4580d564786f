// SPDX-License-Identifier: MIT
/*
 * tapwire-host's services, written against <tapwire/host.h> like any other
 * program would be: echo and discard (TCP and UDP 7 and 9), a small HTTP/1.1
 * server (a directory, or a status page), and relays between the virtual
 * host and the real host's sockets in both directions, TCP and UDP.
 *
 * Memory is bounded per connection: a relay reads from its real socket only
 * as much as the virtual connection's send buffer has room for, and what the
 * real socket cannot take stays in lwIP (its receive window closes). Nothing
 * is buffered here but one shared read buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "sandbox.h"
#include "services.h"

/*
 * HTTP: files opened read-only beneath DIR, their size, their bytes, a
 * directory's entries; relays: TCP and UDP sockets to the real network,
 * their data, their end; the status page's time.
 */
const char *const twh_syscalls_services[] = {
    "openat",	"fstat",      "newfstatat", "fcntl",	 "pread64",	  "getdents64", "close",
    "read",	"write",      "socket",	    "connect",	 "accept4",	  "sendto",	"recvfrom",
    "shutdown", "setsockopt", "getsockopt", "epoll_ctl", "clock_gettime", "time",	NULL,
};

#define MAX_RELAYS	1024
#define MAX_UDP_FLOWS	256
#define UDP_IDLE_S	60
#define UDP_UNREPLIED_S 10 /* a flow the real side never answered (spoofed?) */
#define HTTP_REQ_MAX	4096

#define HTTP_HEADER_S 10 /* a request header must arrive within this */

static struct tw_host *H;
static struct svc_config *C;

/*
 * Every TCP connection a service holds is tracked: when it last moved (data
 * in, data acknowledged, data relayed), its peer's address, and how to end
 * it. svc_tick() resets the ones idle longer than --idle-timeout and HTTP
 * requests whose header did not come within HTTP_HEADER_S; accepting counts
 * the peer's connections against --max-conns-per-source.
 */
struct track {
	struct track *prev, *next;
	struct tw_host_conn *c;
	time_t last, deadline;
	uint8_t src[16]; /* IPv4 as ::ffff:a.b.c.d */
	void (*expire)(struct track *t);
	bool linked;
};

static struct track *tracked;
static unsigned n_tracked;
static uint64_t n_evicted, n_expired;
static void track_del(struct track *t);
static const char *addr_str(const struct sockaddr *sa, char *buf, size_t len);

static void src_key(const struct sockaddr_storage *ss, uint8_t a[16])
{
	memset(a, 0, 16);
	if (ss->ss_family == AF_INET) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(a, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

/* Starts tracking @c; false (and nothing tracked) when its source has too many. */
static bool track_add(struct track *t, struct tw_host_conn *c, void (*expire)(struct track *),
		      bool per_source)
{
	struct sockaddr_storage ss = {0};
	unsigned same = 0;

	tw_host_conn_peer(c, &ss);
	src_key(&ss, t->src);
	for (struct track *o = tracked; o; o = o->next)
		if (per_source && !memcmp(o->src, t->src, 16) && ++same >= C->max_per_source)
			return false;
	if (n_tracked >= C->max_conns) {
		/* full: the connection idle longest makes room, so that an idle
		 * crowd cannot lock newcomers out */
		struct track *lru = tracked;

		for (struct track *o = tracked; o; o = o->next)
			if (o->last <= lru->last)
				lru = o;
		if (lru) {
			track_del(lru);
			lru->expire(lru);
			n_evicted++;
		}
	}
	t->c = c;
	t->last = time(NULL);
	t->deadline = 0;
	t->expire = expire;
	t->linked = true;
	n_tracked++;
	t->prev = NULL;
	t->next = tracked;
	if (tracked)
		tracked->prev = t;
	tracked = t;
	return true;
}

static void track_touch(struct track *t)
{
	t->last = time(NULL);
}

static void track_del(struct track *t)
{
	if (!t->linked)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else if (tracked == t)
		tracked = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->linked = false;
	n_tracked--;
}

static void refuse_source(struct tw_host_conn *c)
{
	char peer[64];
	struct sockaddr_storage ss = {0};
	static time_t told;

	tw_host_conn_peer(c, &ss);
	if (time(NULL) != told) {
		told = time(NULL);
		fprintf(stderr, "tapwire-host: %s: too many connections (%u) from %s: reset\n",
			C->ifname, C->max_per_source,
			addr_str((struct sockaddr *)&ss, peer, sizeof(peer)));
	}
	tw_host_conn_abort(c);
}
static uint8_t iobuf[65536];
static time_t started;
static unsigned n_relays, n_flows;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tapwire-host: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static const char *addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

/* ---- echo and discard ---- */

/* echo and discard hold nothing but their tracking */
static void simple_end(struct track *t, bool abort)
{
	struct tw_host_conn *c = t->c;

	track_del(t);
	free(t);
	if (abort)
		tw_host_conn_abort(c);
	else
		tw_host_conn_close(c); /* what is queued still goes out, then FIN */
}

static void simple_expire(struct track *t)
{
	simple_end(t, true);
}

static void simple_closed(void *arg, struct tw_host_conn *c, int err)
{
	track_del(arg);
	free(arg);
}

static size_t echo_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	ssize_t n;

	track_touch(arg);
	if (!len) {
		simple_end(arg, false);
		return 0;
	}
	n = tw_host_conn_write(c, d, len);
	if (n < 0) {
		simple_end(arg, true);
		return 0;
	}
	return (size_t)n; /* less: paused until the peer acknowledges */
}

static void echo_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	track_touch(arg);
	tw_host_conn_resume(c);
}

static size_t discard_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	track_touch(arg);
	if (!len)
		simple_end(arg, false);
	return len;
}

static const struct tw_host_tcp_ops echo_conn_ops = {
    .recv = echo_recv, .sent = echo_sent, .closed = simple_closed};
static const struct tw_host_tcp_ops discard_conn_ops = {.recv = discard_recv,
							.closed = simple_closed};

static void simple_accept(void *arg, struct tw_host_conn *c)
{
	struct track *t = calloc(1, sizeof(*t));

	if (!t) {
		tw_host_conn_abort(c);
		return;
	}
	if (!track_add(t, c, simple_expire, true)) {
		free(t);
		refuse_source(c);
		return;
	}
	tw_host_conn_set(c, arg, t);
}

static const struct tw_host_tcp_ops echo_ops = {.accept = simple_accept};
static const struct tw_host_tcp_ops discard_ops = {.accept = simple_accept};

/* No echo to a service port (below 1024): two echo services, or echo and
 * chargen, would bounce a spoofed datagram between them for ever. */
static void udp_echo(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
		     const void *data, size_t len)
{
	uint16_t port = from->sa_family == AF_INET6
			    ? ntohs(((const struct sockaddr_in6 *)from)->sin6_port)
			    : ntohs(((const struct sockaddr_in *)from)->sin_port);

	if (port >= 1024)
		tw_host_udp_sendto(u, from, data, len);
}

static void udp_discard(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
			const void *data, size_t len)
{
}

/* ---- HTTP ---- */

struct http {
	struct track t;
	char req[HTTP_REQ_MAX];
	size_t rlen;
	bool answered;
	char hdr[512];
	size_t hlen, hoff;
	char *body; /* a page made here, or NULL */
	size_t blen, boff;
	int fd; /* a file served, or -1 */
	off_t foff, fend;
};

static void http_free_body(struct http *x)
{
	free(x->body);
	x->body = NULL;
	x->blen = x->boff = 0;
}

static void http_free(struct http *x)
{
	track_del(&x->t);
	if (x->fd >= 0)
		close(x->fd);
	free(x->body);
	free(x);
}

/* Writes what fits; closes once everything is queued. */
static void http_pump(struct tw_host_conn *c, struct http *x)
{
	for (;;) {
		size_t room = tw_host_conn_room(c);
		ssize_t n;

		if (!room)
			return;
		if (x->hoff < x->hlen) {
			n = tw_host_conn_write(c, x->hdr + x->hoff, x->hlen - x->hoff);
			if (n <= 0)
				break;
			x->hoff += (size_t)n;
		} else if (x->body && x->boff < x->blen) {
			n = tw_host_conn_write(c, x->body + x->boff, x->blen - x->boff);
			if (n <= 0)
				break;
			x->boff += (size_t)n;
		} else if (x->fd >= 0 && x->foff < x->fend) {
			size_t want = room < sizeof(iobuf) ? room : sizeof(iobuf);
			ssize_t r;

			if ((off_t)want > x->fend - x->foff)
				want = (size_t)(x->fend - x->foff);
			r = pread(x->fd, iobuf, want, x->foff);
			if (r <= 0) {
				tw_host_conn_abort(c); /* the file shrank or failed: cut it */
				http_free(x);
				return;
			}
			n = tw_host_conn_write(c, iobuf, (size_t)r);
			if (n != r) {
				tw_host_conn_abort(c);
				http_free(x);
				return;
			}
			x->foff += r;
		} else {
			tw_host_conn_close(c);
			http_free(x);
			return;
		}
	}
}

static void http_head(struct http *x, int code, const char *reason, const char *type, uint64_t len)
{
	x->hlen = (size_t)snprintf(x->hdr, sizeof(x->hdr),
				   "HTTP/1.1 %d %s\r\nServer: tapwire-host\r\n"
				   "Content-Type: %s\r\nContent-Length: %" PRIu64
				   "\r\nConnection: close\r\n\r\n",
				   code, reason, type, len);
}

static void http_page(struct http *x, int code, const char *reason, const char *type, char *body,
		      size_t len, bool head)
{
	http_head(x, code, reason, type, len);
	if (head)
		free(body);
	else {
		x->body = body;
		x->blen = len;
	}
}

static void http_error(struct http *x, int code, const char *reason, bool head)
{
	char *b = NULL;
	int n = asprintf(&b, "%d %s\n", code, reason);

	if (n < 0) {
		b = NULL;
		n = 0;
	}
	http_page(x, code, reason, "text/plain; charset=utf-8", b, (size_t)n, head);
}

static char *status_page(size_t *len)
{
	char *b = NULL, a[INET6_ADDRSTRLEN];
	size_t sz = 0;
	FILE *f = open_memstream(&b, &sz);
	struct tw_host_stats st;
	struct tw_host_limits lim;
	struct in_addr a4, gw;
	struct in6_addr a6[8];
	unsigned plen;
	uint8_t mac[6];
	size_t n6;

	if (!f)
		return NULL;
	tw_host_get_mac(H, mac);
	tw_host_get_stats(H, &st);
	fprintf(f, "tapwire-host on %s\n", C->ifname);
	fprintf(f, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3], mac[4],
		mac[5]);
	if (!tw_host_get_addr4(H, &a4, &plen, &gw)) {
		fprintf(f, "inet %s/%u", inet_ntop(AF_INET, &a4, a, sizeof(a)), plen);
		if (gw.s_addr)
			fprintf(f, " gateway %s", inet_ntop(AF_INET, &gw, a, sizeof(a)));
		fputc('\n', f);
	}
	n6 = tw_host_get_addr6(H, a6, 8);
	for (size_t i = 0; i < n6; i++)
		fprintf(f, "inet6 %s/64\n", inet_ntop(AF_INET6, &a6[i], a, sizeof(a)));
	fprintf(f, "uptime %lld s\n", (long long)(time(NULL) - started));
	fprintf(f,
		"rx %" PRIu64 " frames %" PRIu64 " bytes, tx %" PRIu64 " frames %" PRIu64
		" bytes, tx dropped %" PRIu64 ", rx oversized %" PRIu64 "\n",
		st.rx_frames, st.rx_bytes, st.tx_frames, st.tx_bytes, st.tx_dropped,
		st.rx_truncated);
	fprintf(f,
		"tcp connections %" PRIu64 " open, %" PRIu64 " refused (limit), %" PRIu64
		" half-open dropped (backlog)\n",
		st.conns_open, st.conns_refused, st.syn_dropped);
	tw_host_get_limits(H, &lim, sizeof(lim));
	fprintf(f,
		"tcp control blocks %" PRIu64 " (cap %" PRIu64 "), %" PRIu64
		" reset to stay bounded, %" PRIu64 " out-of-order segments dropped, %" PRIu64
		" of %" PRIu64 " bytes queued\n",
		lim.tcp_pcbs, lim.tcp_pcb_cap, lim.pcbs_reclaimed, lim.ooseq_dropped,
		lim.snd_queued, lim.snd_budget);
	fprintf(f, "relays %u, udp flows %u\n", n_relays, n_flows);
	fprintf(f,
		"service connections %u (cap %u, %u from one source), %" PRIu64
		" reset idle, %" PRIu64 " reset to make room\n",
		n_tracked, C->max_conns, C->max_per_source, n_expired, n_evicted);
	fprintf(f, "services:%s%s", C->echo ? " echo" : "", C->discard ? " discard" : "");
	if (C->http_dir || C->status)
		fprintf(f, " http:%u", C->http_port);
	for (size_t i = 0; i < C->n_fwd; i++)
		fprintf(f, " %s%s", C->fwd[i].reverse ? "reverse " : "forward ", C->fwd[i].spec);
	fputc('\n', f);
	fclose(f);
	*len = sz;
	return b;
}

static int unhexc(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes @in (stopping at '?') into @out; -1 on bad escapes or NUL. */
static int url_decode(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && *in != '?' && *in != '#'; in++) {
		int c = (unsigned char)*in;

		if (c == '%') {
			int hi = unhexc(in[1]), lo = hi < 0 ? -1 : unhexc(in[2]);

			if (hi < 0 || lo < 0)
				return -1;
			c = hi << 4 | lo;
			in += 2;
		}
		if (!c || o + 1 >= len)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

static const char *mime_of(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".htm", "text/html; charset=utf-8"},
	    {".txt", "text/plain; charset=utf-8"},
	    {".ipxe", "text/plain; charset=utf-8"},
	    {".json", "application/json"},
	    {".css", "text/css"},
	    {".js", "text/javascript"},
	    {".png", "image/png"},
	    {".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* --http DIR, opened once at start-up (before the daemon changes directory):
 * every request resolves beneath it, never by path from the root */
static int http_dirfd = -1;

/* A name under DIR with a component that begins with a dot: not served
 * (-EACCES for "..", which climbs out; -ENOENT for a dotfile); else 0. */
static int hidden(const char *rel)
{
	for (const char *p = rel; *p; p++)
		if (*p == '.' && (p == rel || p[-1] == '/'))
			return p[1] == '.' && (!p[2] || p[2] == '/') ? -EACCES : -ENOENT;
	return 0;
}

/*
 * Opens @rel beneath DIR one component at a time from DIR's descriptor,
 * none of them a symbolic link (O_NOFOLLOW: a link gives -ELOOP, served as
 * 403) and none "." or ".." (hidden() refused those): nothing can lead out.
 * openat2's RESOLVE_BENEATH would do the same in one call, but its flags
 * live in memory the seccomp filter cannot read, so openat is the call the
 * filter allows, read-only. Non-blocking and without a controlling terminal,
 * so that a FIFO or a device under DIR cannot stop the loop; the caller
 * serves regular files and directories only.
 */
static int open_beneath(const char *rel)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW;
	int cur = http_dirfd;
	char name[256];

	if (!*rel) {
		int fd = openat(http_dirfd, ".", flags);

		return fd < 0 ? -errno : fd;
	}
	while (*rel) {
		size_t l = strcspn(rel, "/");
		struct stat st;
		int fd;

		if (l >= sizeof(name)) {
			fd = -ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, rel, l);
		name[l] = 0;
		rel += l;
		while (*rel == '/')
			rel++;
		fd = openat(cur, name, flags);
		if (fd < 0)
			fd = errno == ELOOP ? -EACCES : -errno;
		if (cur != http_dirfd)
			close(cur);
		if (fd < 0)
			return fd;
		cur = fd;
		if (*rel && (fstat(cur, &st) < 0 || !S_ISDIR(st.st_mode))) {
			fd = -ENOTDIR;
			goto fail;
		}
		continue;
	fail:
		if (cur != http_dirfd)
			close(cur);
		return fd;
	}
	return cur;
}

/* @s for a log line: at most @max bytes, anything but printable ASCII as \xNN */
static const char *log_safe(const char *s, char *buf, size_t len, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && i < max && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = 0;
	return buf;
}

static char *dir_listing(int dfd, const char *path, size_t *len)
{
	char *b = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&b, &sz);
	DIR *d;
	struct dirent *e;
	unsigned n = 0;

	if (!f)
		return NULL;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		fclose(f);
		free(b);
		return NULL;
	}
	fprintf(f, "<!doctype html><title>%s</title><h1>%s</h1><ul>\n", path, path);
	while ((e = readdir(d)) && n < 1000) {
		if (e->d_name[0] == '.')
			continue;
		/* names with markup characters are left out rather than escaped */
		if (strpbrk(e->d_name, "<>&\"'"))
			continue;
		fprintf(f, "<li><a href=\"%s%s\">%s</a>\n", e->d_name,
			e->d_type == DT_DIR ? "/" : "", e->d_name);
		n++;
	}
	fprintf(f, "</ul>\n");
	closedir(d);
	fclose(f);
	*len = sz;
	return b;
}

static void http_answer(struct tw_host_conn *c, struct http *x)
{
	char method[8], target[2048], path[2048], version[16], peer[64], safe[1024];
	struct sockaddr_storage ss;
	bool head = false;
	int code = 200;
	uint64_t size = 0;

	x->answered = true;
	tw_host_conn_peer(c, &ss);
	addr_str((struct sockaddr *)&ss, peer, sizeof(peer));
	if (sscanf(x->req, "%7s %2047s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		http_error(x, code = 400, "Bad Request", false);
		goto out;
	}
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		http_error(x, code = 405, "Method Not Allowed", false);
		goto out;
	}
	if (target[0] != '/' || url_decode(target, path, sizeof(path)) < 0) {
		http_error(x, code = 400, "Bad Request", head);
		goto out;
	}
	if (!C->http_dir || (C->status && !strcmp(path, "/.tapwire-status"))) {
		size_t len = 0;
		char *page = status_page(&len);

		if (!page) {
			http_error(x, code = 500, "Internal Server Error", head);
			goto out;
		}
		size = len;
		http_page(x, 200, "OK", "text/plain; charset=utf-8", page, len, head);
		goto out;
	}
	{
		const char *rel = path + 1;
		struct stat st;
		int fd = hidden(rel) ? hidden(rel) : open_beneath(rel);

		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && *rel &&
		    rel[strlen(rel) - 1] != '/') {
			/* /sub is /sub/: its listing's relative links must resolve beneath it */
			char *b = NULL;
			int n;

			close(fd);
			n = asprintf(&b, "<a href=\"%s/\">%s/</a>\n", path, path);
			if (n < 0 || strpbrk(path, "<>&\"'\r\n")) {
				free(b);
				http_error(x, code = 404, "Not Found", head);
				goto out;
			}
			http_page(x, code = 301, "Moved Permanently", "text/html; charset=utf-8", b,
				  (size_t)n, head);
			/* the header again, with where to go */
			x->hlen = (size_t)snprintf(
			    x->hdr, sizeof(x->hdr),
			    "HTTP/1.1 301 Moved Permanently\r\nServer: tapwire-host\r\n"
			    "Location: %s/\r\nContent-Type: text/html; charset=utf-8\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n\r\n",
			    path, n);
			if (x->hlen >= sizeof(x->hdr)) {
				http_free_body(x);
				http_error(x, code = 414, "URI Too Long", head);
			}
			size = (uint64_t)n;
			goto out;
		}
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			char idx[2100];
			int ifd;

			snprintf(idx, sizeof(idx), "%s%sindex.html", rel,
				 *rel && rel[strlen(rel) - 1] != '/' ? "/" : "");
			ifd = open_beneath(idx);
			if (ifd >= 0) {
				close(fd);
				fd = ifd;
				fstat(fd, &st);
				rel = "index.html";
			} else {
				size_t len = 0;
				char *page = dir_listing(fd, path, &len);

				fd = -1;
				if (!page) {
					http_error(x, code = 500, "Internal Server Error", head);
					goto out;
				}
				size = len;
				http_page(x, 200, "OK", "text/html; charset=utf-8", page, len,
					  head);
				goto out;
			}
		}
		if (fd < 0) {
			if (fd == -ENOENT || fd == -ENOTDIR)
				http_error(x, code = 404, "Not Found", head);
			else
				http_error(x, code = 403, "Forbidden", head);
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			http_error(x, code = 403, "Forbidden", head);
			goto out;
		}
		size = (uint64_t)st.st_size;
		http_head(x, 200, "OK", mime_of(rel), size);
		if (head)
			close(fd);
		else {
			x->fd = fd;
			x->fend = st.st_size;
		}
	}
out:
	logf_("http: %s %s %d %" PRIu64 " bytes to %s", code == 400 ? "-" : method,
	      code == 400 ? "-" : log_safe(target, safe, sizeof(safe), 200), code, size, peer);
	http_pump(c, x);
}

static size_t http_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	struct http *x = arg;
	size_t take;

	if (!len) {
		if (!x->answered) {
			tw_host_conn_close(c);
			http_free(x);
		}
		return 0;
	}
	track_touch(&x->t);
	if (x->answered)
		return len; /* one request per connection: the rest is ignored */
	take = len < sizeof(x->req) - 1 - x->rlen ? len : sizeof(x->req) - 1 - x->rlen;
	memcpy(x->req + x->rlen, d, take);
	x->rlen += take;
	x->req[x->rlen] = 0;
	if (strstr(x->req, "\r\n\r\n") || strstr(x->req, "\n\n")) {
		x->t.deadline = 0;
		http_answer(c, x);
		return len;
	}
	if (x->rlen == sizeof(x->req) - 1) {
		x->answered = true;
		http_error(x, 431, "Request Header Fields Too Large", false);
		logf_("http: request header over %d bytes: 431", HTTP_REQ_MAX);
		http_pump(c, x);
	}
	return len;
}

static void http_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	struct http *x = arg;

	track_touch(&x->t);
	if (x->answered)
		http_pump(c, x);
}

static void http_closed(void *arg, struct tw_host_conn *c, int err)
{
	http_free(arg);
}

static const struct tw_host_tcp_ops http_conn_ops = {
    .recv = http_recv, .sent = http_sent, .closed = http_closed};

static void http_expire(struct track *t)
{
	struct http *x = (struct http *)t; /* its first member */
	struct tw_host_conn *c = t->c;

	http_free(x);
	tw_host_conn_abort(c);
}

static void http_accept(void *arg, struct tw_host_conn *c)
{
	struct http *x = calloc(1, sizeof(*x));

	if (!x) {
		tw_host_conn_abort(c);
		return;
	}
	x->fd = -1;
	if (!track_add(&x->t, c, http_expire, true)) {
		free(x);
		refuse_source(c);
		return;
	}
	x->t.deadline = time(NULL) + HTTP_HEADER_S;
	tw_host_conn_set(c, &http_conn_ops, x);
}

static const struct tw_host_tcp_ops http_listen_ops = {.accept = http_accept};

/* ---- TCP relays ---- */

struct relay {
	enum svc_kind kind; /* SVC_RELAY: first, the epoll tag */
	struct track t;
	int fd;
	struct tw_host_conn *c;
	bool fd_connecting, c_connecting, fd_eof, c_eof, dead;
	bool want_out; /* the real socket refused data: resume when writable */
	bool in_epoll; /* out of epoll while it waits for nothing (EPOLLHUP cannot be masked) */
	uint32_t events;
	struct relay *next_dead;
};

static struct relay *graveyard;

static void relay_watch(struct relay *r)
{
	uint32_t ev = 0;
	struct epoll_event e;

	if (r->dead || r->fd < 0)
		return;
	if (r->fd_connecting)
		ev |= EPOLLOUT;
	else if (!r->c_connecting && r->c) {
		if (!r->fd_eof && tw_host_conn_room(r->c))
			ev |= EPOLLIN;
		if (r->want_out)
			ev |= EPOLLOUT;
	}
	if (ev == r->events && (ev != 0) == r->in_epoll)
		return;
	e.events = ev;
	e.data.ptr = r;
	/* Waiting for nothing from the real socket (the virtual side has no room):
	 * out of epoll altogether, since a hung-up socket reports EPOLLHUP whatever
	 * the mask, and the loop would spin on it. Back in when there is room. */
	if (!ev) {
		if (r->in_epoll)
			epoll_ctl(C->epfd, EPOLL_CTL_DEL, r->fd, NULL);
		r->in_epoll = false;
	} else if (!r->in_epoll) {
		if (epoll_ctl(C->epfd, EPOLL_CTL_ADD, r->fd, &e) == 0)
			r->in_epoll = true;
	} else {
		epoll_ctl(C->epfd, EPOLL_CTL_MOD, r->fd, &e);
	}
	r->events = ev;
}

static void relay_end(struct relay *r, bool reset)
{
	if (r->dead)
		return;
	r->dead = true;
	track_del(&r->t);
	if (r->fd >= 0) {
		if (r->in_epoll)
			epoll_ctl(C->epfd, EPOLL_CTL_DEL, r->fd, NULL);
		if (reset) {
			struct linger lg = {1, 0}; /* RST the real side too */

			setsockopt(r->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(r->fd);
		r->fd = -1;
	}
	if (r->c) {
		struct tw_host_conn *c = r->c;

		r->c = NULL;
		if (reset)
			tw_host_conn_abort(c);
		else
			tw_host_conn_close(c);
	}
	n_relays--;
	r->next_dead = graveyard;
	graveyard = r;
}

static void relay_maybe_done(struct relay *r)
{
	if (r->fd_eof && r->c_eof)
		relay_end(r, false); /* both sides sent FIN; queued data still goes out */
}

static size_t relay_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	struct relay *r = arg;
	ssize_t n;

	if (r->dead)
		return len;
	track_touch(&r->t);
	if (!len) {
		r->c_eof = true;
		if (!r->fd_connecting)
			shutdown(r->fd, SHUT_WR);
		relay_maybe_done(r);
		return 0;
	}
	if (r->fd_connecting)
		return 0;
	n = send(r->fd, d, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			relay_end(r, true);
			return 0;
		}
		n = 0;
	}
	if ((size_t)n < len) {
		r->want_out = true;
		relay_watch(r);
	}
	return (size_t)n;
}

static void relay_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	struct relay *r = arg;

	track_touch(&r->t);
	relay_watch(r);
}

static void relay_expire(struct track *t)
{
	relay_end((struct relay *)((char *)t - offsetof(struct relay, t)), true);
}

static void relay_closed(void *arg, struct tw_host_conn *c, int err)
{
	struct relay *r = arg;

	r->c = NULL;
	relay_end(r, true);
}

static void relay_connected(void *arg, struct tw_host_conn *c)
{
	struct relay *r = arg;

	r->c_connecting = false;
	relay_watch(r);
}

static const struct tw_host_tcp_ops relay_ops = {
    .recv = relay_recv, .sent = relay_sent, .closed = relay_closed, .connected = relay_connected};

static struct relay *relay_new(int fd, uint32_t events)
{
	struct relay *r;
	struct epoll_event e = {.events = events};

	if (n_relays >= MAX_RELAYS)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = SVC_RELAY;
	r->fd = fd;
	r->events = events;
	e.data.ptr = r;
	if (epoll_ctl(C->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		free(r);
		return NULL;
	}
	r->in_epoll = true;
	n_relays++;
	return r;
}

/* forward: a connection to a port of the virtual host goes to a real address */
static void fwd_accept(void *arg, struct tw_host_conn *c)
{
	const struct svc_forward *f = arg;
	struct relay *r;
	struct track probe;
	int fd;

	if (!track_add(&probe, c, NULL, true)) {
		refuse_source(c);
		return;
	}
	track_del(&probe);
	fd = socket(f->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		tw_host_conn_abort(c);
		return;
	}
	if (connect(fd, (const struct sockaddr *)&f->to, f->to_len) < 0 && errno != EINPROGRESS) {
		logf_("forward %s: %s", f->spec, strerror(errno));
		close(fd);
		tw_host_conn_abort(c); /* RST, as a closed port would */
		return;
	}
	r = relay_new(fd, EPOLLOUT);
	if (!r) {
		close(fd);
		tw_host_conn_abort(c);
		return;
	}
	r->fd_connecting = true;
	r->c = c;
	track_add(&r->t, c, relay_expire, false);
	tw_host_conn_set(c, &relay_ops, r);
}

static const struct tw_host_tcp_ops fwd_listen_ops = {.accept = fwd_accept};

struct rev_listener {
	enum svc_kind kind; /* SVC_REV_LISTEN */
	int fd;
	const struct svc_forward *f;
	bool paused;
	struct rev_listener *next;
};

static struct rev_listener *rev_listeners;

/* Out of descriptors: the pending connection cannot be taken, and a
 * level-triggered listener would wake the loop for it at once, for ever.
 * The listener sleeps until the next tick. */
static void rev_pause(struct rev_listener *l, bool pause)
{
	struct epoll_event e = {.events = pause ? 0 : EPOLLIN, .data.ptr = l};

	if (l->paused == pause)
		return;
	l->paused = pause;
	epoll_ctl(C->epfd, EPOLL_CTL_MOD, l->fd, &e);
	if (pause)
		logf_("reverse %s: %s: not accepting for a second", l->f->spec, strerror(errno));
}

static void rev_accept(struct rev_listener *l)
{
	for (int i = 0; i < 64; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), err;
		struct relay *r;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				rev_pause(l, true);
			return;
		}
		r = relay_new(fd, 0);
		if (!r) {
			close(fd);
			continue;
		}
		r->c_connecting = true;
		r->c =
		    tw_host_tcp_connect(H, (const struct sockaddr *)&l->f->to, &relay_ops, r, &err);
		if (!r->c) {
			logf_("reverse %s: %s", l->f->spec, strerror(-err));
			relay_end(r, true);
		} else {
			track_add(&r->t, r->c, relay_expire, false);
		}
	}
}

static void relay_event(struct relay *r, uint32_t events)
{
	if (r->dead)
		return;
	track_touch(&r->t);
	if (r->fd_connecting) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err) {
			relay_end(r, true);
			return;
		}
		r->fd_connecting = false;
		if (r->c_eof)
			shutdown(r->fd, SHUT_WR);
		if (r->c)
			tw_host_conn_resume(r->c); /* what arrived meanwhile */
		if (!r->dead)
			relay_watch(r);
		return;
	}
	if (events & EPOLLOUT) {
		r->want_out = false;
		if (r->c)
			tw_host_conn_resume(r->c);
		if (r->dead)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		size_t room = r->c ? tw_host_conn_room(r->c) : 0;

		if (room && !r->fd_eof) {
			ssize_t n = read(r->fd, iobuf, room < sizeof(iobuf) ? room : sizeof(iobuf));

			if (n == 0) {
				r->fd_eof = true;
				tw_host_conn_shutdown(r->c);
				relay_maybe_done(r);
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				relay_end(r, true);
			} else if (n > 0 && tw_host_conn_write(r->c, iobuf, (size_t)n) != n) {
				logf_("relay: the virtual connection took less than its room");
				relay_end(r, true);
			}
		} else if (events & EPOLLERR) {
			relay_end(r, true);
		}
	}
	if (!r->dead)
		relay_watch(r);
}

/* ---- UDP relays ---- */

struct udp_flow {
	enum svc_kind kind; /* SVC_UDP_FLOW */
	int fd; /* forward: connected to the target; reverse: the listening socket's peer */
	const struct svc_forward *f;
	struct tw_host_udp *u;	      /* forward: the service's socket; reverse: this flow's own */
	struct sockaddr_storage peer; /* forward: the virtual client; reverse: the real one */
	time_t last;
	bool replied; /* the other side answered: a flow, not a stray datagram */
	struct udp_flow *next;
};

struct udp_service {
	enum svc_kind kind; /* SVC_REV_UDP: the real socket of a reverse UDP relay */
	int fd;
	const struct svc_forward *f;
	struct tw_host_udp *u;
};

static struct udp_flow *flows;

static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return !memcmp(a, b, sizeof(struct sockaddr_in));
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, 16) &&
	       ((const struct sockaddr_in6 *)a)->sin6_port ==
		   ((const struct sockaddr_in6 *)b)->sin6_port;
}

static void flow_free(struct udp_flow *fl)
{
	struct udp_flow **pp;

	for (pp = &flows; *pp; pp = &(*pp)->next)
		if (*pp == fl) {
			*pp = fl->next;
			break;
		}
	if (fl->f->reverse)
		tw_host_udp_close(fl->u);
	else {
		epoll_ctl(C->epfd, EPOLL_CTL_DEL, fl->fd, NULL);
		close(fl->fd);
	}
	n_flows--;
	free(fl);
}

static void rev_flow_recv(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
			  const void *data, size_t len)
{
	struct udp_flow *fl = arg;

	fl->last = time(NULL);
	fl->replied = true;
	sendto(fl->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)&fl->peer,
	       fl->peer.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					      : sizeof(struct sockaddr_in));
}

static struct udp_flow *flow_new(const struct svc_forward *f, const struct sockaddr *peer, int fd,
				 struct tw_host_udp *u)
{
	struct udp_flow *fl;
	int err;

	if (n_flows >= MAX_UDP_FLOWS) {
		/* full: a flow never answered goes first (datagrams from spoofed
		 * sources make only those), else the one idle longest */
		struct udp_flow *victim = NULL;

		for (fl = flows; fl; fl = fl->next)
			if (!victim || (victim->replied && !fl->replied) ||
			    (victim->replied == fl->replied && fl->last <= victim->last))
				victim = fl;
		flow_free(victim);
	}
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->kind = SVC_UDP_FLOW;
	fl->f = f;
	memcpy(&fl->peer, peer,
	       peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
	fl->last = time(NULL);
	if (f->reverse) {
		fl->fd = fd; /* the listening socket, shared */
		fl->u = tw_host_udp_open(H, 0, rev_flow_recv, fl, &err);
		if (!fl->u) {
			free(fl);
			return NULL;
		}
	} else {
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = fl};

		fl->u = u;
		fl->fd = socket(f->to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fl->fd < 0 || connect(fl->fd, (const struct sockaddr *)&f->to, f->to_len) < 0 ||
		    epoll_ctl(C->epfd, EPOLL_CTL_ADD, fl->fd, &e) < 0) {
			if (fl->fd >= 0)
				close(fl->fd);
			free(fl);
			return NULL;
		}
	}
	fl->next = flows;
	flows = fl;
	n_flows++;
	return fl;
}

/* forward UDP: a datagram to the virtual host's port goes to the real target */
static void fwd_udp_recv(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
			 const void *data, size_t len)
{
	const struct svc_forward *f = arg;
	struct udp_flow *fl;

	for (fl = flows; fl; fl = fl->next)
		if (fl->f == f && same_peer(&fl->peer, from))
			break;
	if (!fl)
		fl = flow_new(f, from, -1, u);
	if (!fl)
		return; /* out of flows: dropped, as a full NAT table would */
	fl->last = time(NULL);
	send(fl->fd, data, len, MSG_DONTWAIT);
}

static void udp_flow_event(struct udp_flow *fl)
{
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(fl->fd, iobuf, sizeof(iobuf), MSG_DONTWAIT);

		if (n < 0)
			return;
		fl->last = time(NULL);
		fl->replied = true;
		tw_host_udp_sendto(fl->u, (const struct sockaddr *)&fl->peer, iobuf, (size_t)n);
	}
}

/* reverse UDP: a datagram to the real socket goes to the virtual address */
static void rev_udp_event(struct udp_service *s)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t fl_len = sizeof(from);
		ssize_t n = recvfrom(s->fd, iobuf, sizeof(iobuf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl_len);
		struct udp_flow *fl;

		if (n < 0)
			return;
		for (fl = flows; fl; fl = fl->next)
			if (fl->f == s->f && same_peer(&fl->peer, (struct sockaddr *)&from))
				break;
		if (!fl)
			fl = flow_new(s->f, (struct sockaddr *)&from, s->fd, NULL);
		if (!fl)
			continue;
		fl->last = time(NULL);
		tw_host_udp_sendto(fl->u, (const struct sockaddr *)&s->f->to, iobuf, (size_t)n);
	}
}

void svc_tick(void)
{
	time_t now = time(NULL);
	struct udp_flow *fl, *next;
	static time_t last_tick;

	if (now != last_tick) {
		struct track *t = tracked, *tn;

		last_tick = now;
		for (; t; t = tn) {
			tn = t->next;
			if ((t->deadline && now >= t->deadline) ||
			    (C->idle_timeout && now - t->last >= (time_t)C->idle_timeout)) {
				track_del(t);
				t->expire(t); /* may free t, never another tracked entry */
				n_expired++;
			}
		}
		for (struct rev_listener *l = rev_listeners; l; l = l->next)
			rev_pause(l, false);
	}
	for (fl = flows; fl; fl = next) {
		next = fl->next;
		if (now - fl->last > (fl->replied ? UDP_IDLE_S : UDP_UNREPLIED_S))
			flow_free(fl);
	}
	while (graveyard) {
		struct relay *r = graveyard;

		graveyard = r->next_dead;
		free(r);
	}
}

void svc_event(void *ptr, uint32_t events)
{
	enum svc_kind kind = *(enum svc_kind *)ptr;

	switch (kind) {
	case SVC_RELAY:
		relay_event(ptr, events);
		break;
	case SVC_REV_LISTEN:
		rev_accept(ptr);
		break;
	case SVC_UDP_FLOW:
		udp_flow_event(ptr);
		break;
	case SVC_REV_UDP:
		rev_udp_event(ptr);
		break;
	}
}

static int listen_real(const struct svc_forward *f, int type)
{
	socklen_t len = f->bind.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						      : sizeof(struct sockaddr_in);
	int fd = socket(f->bind.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&f->bind, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int svc_start(struct tw_host *h, struct svc_config *cfg)
{
	struct tw_host_listener *l;
	int err;

	H = h;
	C = cfg;
	started = time(NULL);
	if (cfg->echo) {
		if (!tw_host_tcp_listen(h, 7, &echo_ops, (void *)&echo_conn_ops, &err) ||
		    !tw_host_udp_open(h, 7, udp_echo, NULL, &err))
			goto fail;
	}
	if (cfg->discard) {
		if (!tw_host_tcp_listen(h, 9, &discard_ops, (void *)&discard_conn_ops, &err) ||
		    !tw_host_udp_open(h, 9, udp_discard, NULL, &err))
			goto fail;
	}
	if (cfg->http_dir || cfg->status) {
		if (cfg->http_dir) {
			http_dirfd = open(cfg->http_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (http_dirfd < 0) {
				err = -errno;
				logf_("--http %s: %s", cfg->http_dir, strerror(errno));
				return err;
			}
		}
		l = tw_host_tcp_listen(h, cfg->http_port, &http_listen_ops, NULL, &err);
		if (!l)
			goto fail;
	}
	for (size_t i = 0; i < cfg->n_fwd; i++) {
		struct svc_forward *f = &cfg->fwd[i];

		if (!f->reverse && !f->udp) {
			if (!tw_host_tcp_listen(h, f->port, &fwd_listen_ops, f, &err))
				goto fail_fwd;
		} else if (!f->reverse) {
			if (!tw_host_udp_open(h, f->port, fwd_udp_recv, f, &err))
				goto fail_fwd;
		} else {
			int fd = listen_real(f, f->udp ? SOCK_DGRAM : SOCK_STREAM);
			struct epoll_event e = {.events = EPOLLIN};

			if (fd < 0) {
				err = fd;
				goto fail_fwd;
			}
			if (f->udp) {
				struct udp_service *s = calloc(1, sizeof(*s));

				if (!s) {
					close(fd);
					return -ENOMEM;
				}
				s->kind = SVC_REV_UDP;
				s->fd = fd;
				s->f = f;
				e.data.ptr = s;
			} else {
				struct rev_listener *rl = calloc(1, sizeof(*rl));

				if (!rl) {
					close(fd);
					return -ENOMEM;
				}
				rl->kind = SVC_REV_LISTEN;
				rl->fd = fd;
				rl->f = f;
				rl->next = rev_listeners;
				rev_listeners = rl;
				e.data.ptr = rl;
			}
			if (epoll_ctl(cfg->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
				return -errno;
		}
		continue;
	fail_fwd:
		logf_("%s %s: %s", f->reverse ? "--reverse" : "--forward", f->spec, strerror(-err));
		return err;
	}
	return 0;
fail:
	logf_("cannot start a service: %s", strerror(-err));
	return err;
}

void svc_stop(void)
{
	while (flows)
		flow_free(flows);
	svc_tick();
}
