// SPDX-License-Identifier: MIT
/*
 * A small HTTP/1.1 server: GET and HEAD, one request per connection, the
 * files under --http DIR (an index.html, or a listing) or a status page.
 * DIR is opened once at start-up and every path is opened beneath it a
 * component at a time (open_beneath()); the request header must arrive
 * within HTTP_HEADER_S. A file is read into the shared buffer as the
 * connection has room, never more.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "sandbox.h"
#include "svc.h"

/* files beneath DIR, read-only: opened, their kind and size, their bytes, a
 * directory's entries (fdopendir checks its descriptor with fcntl) */
const char *const twh_syscalls_svc_http[] = {
    "openat", "fstat", "newfstatat", "fcntl", "pread64", "getdents64", "close", NULL,
};

#define HTTP_REQ_MAX  4096
#define HTTP_HEADER_S 10 /* a request header must arrive within this */

struct http {
	struct svc_track t;
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
	svc_track_del(&x->t);
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
			size_t want = room < sizeof(svc_iobuf) ? room : sizeof(svc_iobuf);
			ssize_t r;

			if ((off_t)want > x->fend - x->foff)
				want = (size_t)(x->fend - x->foff);
			r = pread(x->fd, svc_iobuf, want, x->foff);
			if (r <= 0) {
				tw_host_conn_abort(c); /* the file shrank or failed: cut it */
				http_free(x);
				return;
			}
			n = tw_host_conn_write(c, svc_iobuf, (size_t)r);
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
	tw_host_get_mac(svc_host, mac);
	tw_host_get_stats(svc_host, &st);
	fprintf(f, "tapwire-host on %s\n", svc_cfg->ifname);
	fprintf(f, "mac %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3], mac[4],
		mac[5]);
	if (!tw_host_get_addr4(svc_host, &a4, &plen, &gw)) {
		fprintf(f, "inet %s/%u", inet_ntop(AF_INET, &a4, a, sizeof(a)), plen);
		if (gw.s_addr)
			fprintf(f, " gateway %s", inet_ntop(AF_INET, &gw, a, sizeof(a)));
		fputc('\n', f);
	}
	n6 = tw_host_get_addr6(svc_host, a6, 8);
	for (size_t i = 0; i < n6; i++)
		fprintf(f, "inet6 %s/64\n", inet_ntop(AF_INET6, &a6[i], a, sizeof(a)));
	fprintf(f, "uptime %lld s\n", (long long)(time(NULL) - svc_started));
	fprintf(f,
		"rx %" PRIu64 " frames %" PRIu64 " bytes, tx %" PRIu64 " frames %" PRIu64
		" bytes, tx dropped %" PRIu64 ", rx oversized %" PRIu64 "\n",
		st.rx_frames, st.rx_bytes, st.tx_frames, st.tx_bytes, st.tx_dropped,
		st.rx_truncated);
	fprintf(f,
		"tcp connections %" PRIu64 " open, %" PRIu64 " refused (limit), %" PRIu64
		" half-open dropped (backlog)\n",
		st.conns_open, st.conns_refused, st.syn_dropped);
	tw_host_get_limits(svc_host, &lim, sizeof(lim));
	fprintf(f,
		"tcp control blocks %" PRIu64 " (cap %" PRIu64 "), %" PRIu64
		" reset to stay bounded, %" PRIu64 " out-of-order segments dropped, %" PRIu64
		" of %" PRIu64 " bytes queued\n",
		lim.tcp_pcbs, lim.tcp_pcb_cap, lim.pcbs_reclaimed, lim.ooseq_dropped,
		lim.snd_queued, lim.snd_budget);
	fprintf(f, "relays %u, udp flows %u\n", svc_n_relays, svc_n_flows);
	fprintf(f,
		"service connections %u (cap %u, %u from one source), %" PRIu64
		" reset idle, %" PRIu64 " reset to make room\n",
		svc_n_tracked, svc_cfg->max_conns, svc_cfg->max_per_source, svc_n_expired,
		svc_n_evicted);
	fprintf(f, "services:%s%s", svc_cfg->echo ? " echo" : "",
		svc_cfg->discard ? " discard" : "");
	if (svc_cfg->http_dir || svc_cfg->status)
		fprintf(f, " http:%u", svc_cfg->http_port);
	for (size_t i = 0; i < svc_cfg->n_fwd; i++)
		fprintf(f, " %s%s", svc_cfg->fwd[i].reverse ? "reverse " : "forward ",
			svc_cfg->fwd[i].spec);
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
	svc_addr_str((struct sockaddr *)&ss, peer, sizeof(peer));
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
	if (!svc_cfg->http_dir || (svc_cfg->status && !strcmp(path, "/.tapwire-status"))) {
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
	svc_log("http: %s %s %d %" PRIu64 " bytes to %s", code == 400 ? "-" : method,
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
	svc_track_touch(&x->t);
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
		svc_log("http: request header over %d bytes: 431", HTTP_REQ_MAX);
		http_pump(c, x);
	}
	return len;
}

static void http_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	struct http *x = arg;

	svc_track_touch(&x->t);
	if (x->answered)
		http_pump(c, x);
}

static void http_closed(void *arg, struct tw_host_conn *c, int err)
{
	http_free(arg);
}

static const struct tw_host_tcp_ops http_conn_ops = {
    .recv = http_recv, .sent = http_sent, .closed = http_closed};

static void http_expire(struct svc_track *t)
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
	if (!svc_track_add(&x->t, c, http_expire, true)) {
		free(x);
		svc_refuse_source(c);
		return;
	}
	x->t.deadline = time(NULL) + HTTP_HEADER_S;
	tw_host_conn_set(c, &http_conn_ops, x);
}

static const struct tw_host_tcp_ops http_listen_ops = {.accept = http_accept};
int svc_http_start(void)
{
	int err;

	if (!svc_cfg->http_dir && !svc_cfg->status)
		return 0;
	if (svc_cfg->http_dir) {
		/* opened once, before the daemon changes directory: every request
		 * resolves beneath this descriptor */
		http_dirfd = open(svc_cfg->http_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (http_dirfd < 0) {
			err = -errno;
			svc_log("--http %s: %s", svc_cfg->http_dir, strerror(errno));
			return err;
		}
	}
	if (!tw_host_tcp_listen(svc_host, svc_cfg->http_port, &http_listen_ops, NULL, &err)) {
		svc_log("cannot start HTTP on port %u: %s", svc_cfg->http_port, strerror(-err));
		return err;
	}
	return 0;
}
