// SPDX-License-Identifier: MIT
/* Shared argument parsing: every bad word gets the same kind of message. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_err(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (c->batch_file)
		fprintf(stderr, "%s:%u: ", c->batch_file, c->batch_line);
	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(struct cli *c, int err, const char *what, const char *obj)
{
	const char *kmsg = c->nl ? tw_nl_errmsg(c->nl) : "";

	if (kmsg && *kmsg)
		cli_err(c, "%s \"%s\": %s (%s)", what, obj, strerror(-err), kmsg);
	else
		cli_err(c, "%s \"%s\": %s", what, obj, strerror(-err));
	return CLI_FAIL;
}

struct tw_nl *cli_nl(struct cli *c)
{
	int err;

	if (c->nl)
		return c->nl;
	err = tw_nl_open(&c->nl);
	if (err < 0) {
		cli_err(c, "cannot open netlink socket: %s", strerror(-err));
		c->nl = NULL;
	}
	return c->nl;
}

int arg_ifname(struct cli *c, const char *word)
{
	if (tw_ifname_valid(word) == 0)
		return CLI_OK;
	if (!word || !*word)
		cli_err(c, "argument \"\" is wrong: interface name is empty");
	else if (strlen(word) >= IFNAMSIZ)
		cli_err(c, "argument \"%s\" is wrong: interface name is longer than %d bytes", word,
			IFNAMSIZ - 1);
	else
		cli_err(c, "argument \"%s\" is wrong: not a valid interface name", word);
	return CLI_USAGE;
}

int arg_uint(struct cli *c, const char *key, const char *word, unsigned long long min,
	     unsigned long long max, unsigned long long *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!word || !isdigit((unsigned char)word[0]))
		goto bad;
	v = strtoull(word, &end, 0);
	if (errno || *end || v < min || v > max)
		goto bad;
	*ret = v;
	return CLI_OK;
bad:
	cli_err(c, "argument \"%s\" is wrong: \"%s\" must be an integer from %llu to %llu",
		word ? word : "", key, min, max);
	return CLI_USAGE;
}

int arg_on_off(struct cli *c, const char *key, const char *word, bool *ret)
{
	if (word && !strcmp(word, "on")) {
		*ret = true;
		return CLI_OK;
	}
	if (word && !strcmp(word, "off")) {
		*ret = false;
		return CLI_OK;
	}
	cli_err(c, "argument \"%s\" is wrong: \"%s\" must be \"on\" or \"off\"", word ? word : "",
		key);
	return CLI_USAGE;
}

int arg_next(struct cli *c, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		cli_err(c, "argument for \"%s\" is missing", argv[*i]);
		return CLI_USAGE;
	}
	(*i)++;
	return CLI_OK;
}

int arg_unknown(struct cli *c, const char *word, const char *path)
{
	cli_err(c, "unknown word \"%s\" (try \"%s help\")", word, path);
	return CLI_USAGE;
}

int arg_wrong(struct cli *c, const char *word, const char *why)
{
	cli_err(c, "argument \"%s\" is wrong: %s", word, why);
	return CLI_USAGE;
}

static int parse_id(const char *word, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)word[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(word, &end, 10);
	if (errno || *end || v >= (unsigned long)(unsigned)-1)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int arg_user(struct cli *c, const char *word, unsigned *ret_uid)
{
	struct passwd *pw;

	if (parse_id(word, ret_uid) == 0)
		return CLI_OK;
	pw = getpwnam(word);
	if (pw) {
		*ret_uid = pw->pw_uid;
		return CLI_OK;
	}
	return arg_wrong(c, word, "no such user");
}

int arg_group(struct cli *c, const char *word, unsigned *ret_gid)
{
	struct group *gr;

	if (parse_id(word, ret_gid) == 0)
		return CLI_OK;
	gr = getgrnam(word);
	if (gr) {
		*ret_gid = gr->gr_gid;
		return CLI_OK;
	}
	return arg_wrong(c, word, "no such group");
}

int arg_mac(struct cli *c, const char *word, uint8_t *ret, size_t *ret_len)
{
	uint8_t buf[32];
	size_t n = 0;
	const char *p = word;

	while (p && *p && n < sizeof(buf)) {
		char *end;
		unsigned long v;

		if (!isxdigit((unsigned char)p[0]))
			break;
		v = strtoul(p, &end, 16);
		if (end - p > 2 || v > 0xff)
			break;
		buf[n++] = (uint8_t)v;
		if (*end == '\0') {
			memcpy(ret, buf, n);
			*ret_len = n;
			return CLI_OK;
		}
		if (*end != ':')
			break;
		p = end + 1;
	}
	return arg_wrong(c, word ? word : "", "not a link-layer address");
}

const char *arg_prefix_why(const char *word, char *buf, size_t len)
{
	const char *slash = strchr(word, '/');
	size_t alen = slash ? (size_t)(slash - word) : strlen(word);
	char addr[64];
	unsigned char bin[16];
	bool v6 = memchr(word, ':', alen) != NULL;
	unsigned long long plen = 0;
	const char *p;

	if (alen == 0) {
		snprintf(buf, len, "the address is missing");
		return buf;
	}
	if (alen >= sizeof(addr) || (memcpy(addr, word, alen), addr[alen] = '\0',
				     inet_pton(v6 ? AF_INET6 : AF_INET, addr, bin) != 1)) {
		snprintf(buf, len, "\"%.*s\" is not an %s address", (int)(alen < 64 ? alen : 64),
			 word, v6 ? "IPv6" : "IPv4");
		return buf;
	}
	if (!slash)
		return NULL;
	if (!slash[1]) {
		snprintf(buf, len, "the prefix length after \"/\" is missing");
		return buf;
	}
	for (p = slash + 1; *p; p++) {
		if (!isdigit((unsigned char)*p) || p - slash > 4) {
			snprintf(buf, len, "prefix length \"%s\" is not a number from 0 to %u",
				 slash + 1, v6 ? 128 : 32);
			return buf;
		}
		plen = plen * 10 + (unsigned)(*p - '0');
	}
	if (plen > (v6 ? 128u : 32u)) {
		snprintf(buf, len, "prefix length %llu > %u", plen, v6 ? 128 : 32);
		return buf;
	}
	return NULL;
}
