// SPDX-License-Identifier: MIT
/*
 * The ACL file of qemu-bridge-helper: "allow BR|all", "deny BR|all",
 * "include FILE" and "#" comments, one per line. Default deny, deny wins.
 * Unlike the original we refuse what we cannot read exactly: over-long
 * names and lines, unknown words, NUL bytes, include loops.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tapwire/tapwire.h>

#include "helper.h"

static char *skip_space(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static void trim_end(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static int parse_name(const char *word, struct acl_rule *rule, char *err, size_t errlen)
{
	if (!strcmp(word, "all")) {
		rule->all = true;
		return 0;
	}
	return helper_check_name(word, err, errlen);
}

int acl_parse_line(char *line, struct acl_rule *ret, char *err, size_t errlen)
{
	struct acl_rule rule = {ACL_BLANK, false, NULL};
	char *cmd = skip_space(line), *arg;
	int r;

	trim_end(cmd);
	if (*cmd == '\0' || *cmd == '#') {
		*ret = rule;
		return 0;
	}
	arg = cmd;
	while (*arg && !isspace((unsigned char)*arg))
		arg++;
	if (*arg)
		*arg++ = '\0';
	arg = skip_space(arg);
	if (!strcmp(cmd, "allow"))
		rule.kind = ACL_ALLOW;
	else if (!strcmp(cmd, "deny"))
		rule.kind = ACL_DENY;
	else if (!strcmp(cmd, "include"))
		rule.kind = ACL_INCLUDE;
	else {
		snprintf(err, errlen, "unknown command `%s'", cmd);
		return -EINVAL;
	}
	if (*arg == '\0') {
		snprintf(err, errlen, "`%s' needs %s", cmd,
			 rule.kind == ACL_INCLUDE ? "a file name" : "a bridge name or `all'");
		return -EINVAL;
	}
	rule.arg = arg;
	if (rule.kind != ACL_INCLUDE) {
		r = parse_name(arg, &rule, err, errlen);
		if (r < 0)
			return r;
	}
	*ret = rule;
	return 0;
}

void acl_init(struct acl_ctx *ctx, const char *bridge)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->bridge = bridge;
}

bool acl_permits(const struct acl_ctx *ctx)
{
	return ctx->allowed && !ctx->denied;
}

__attribute__((format(printf, 4, 5))) static int fail(struct acl_ctx *ctx, const char *path,
						      unsigned line, const char *fmt, ...)
{
	int n = line ? snprintf(ctx->err, sizeof(ctx->err), "%s:%u: ", path, line)
		     : snprintf(ctx->err, sizeof(ctx->err), "%s: ", path);
	va_list ap;

	if (n < 0 || (size_t)n >= sizeof(ctx->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, sizeof(ctx->err) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Reads one line into @buf, without the newline. Returns 1 for a line, 0 at
 * the end of the file, -E2BIG for a line that does not fit (the rest of the
 * file is not read), -EILSEQ for a NUL byte, -errno for a read error.
 */
static int read_line(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -EILSEQ;
		if (n + 2 > size)
			return -E2BIG;
		buf[n++] = (char)c;
	}
	if (c == EOF && ferror(f))
		return -EIO;
	buf[n] = '\0';
	return c == EOF && n == 0 ? 0 : 1;
}

/* @inc relative to the directory of @from, into @out. */
static int resolve_include(const char *from, const char *inc, char *out, size_t size)
{
	const char *slash = strrchr(from, '/');
	int n;

	if (inc[0] == '/' || !slash)
		n = snprintf(out, size, "%s", inc);
	else
		n = snprintf(out, size, "%.*s/%s", (int)(slash - from), from, inc);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void apply_rule(struct acl_ctx *ctx, const struct acl_rule *rule)
{
	if (rule->kind != ACL_ALLOW && rule->kind != ACL_DENY)
		return;
	if (!rule->all && strcmp(rule->arg, ctx->bridge))
		return;
	if (rule->kind == ACL_ALLOW)
		ctx->allowed = true;
	else if (rule->kind == ACL_DENY)
		ctx->denied = true;
}

static int read_stream(struct acl_ctx *ctx, const char *path, FILE *f)
{
	char buf[ACL_MAX_LINE], why[256], inc[PATH_MAX];
	struct acl_rule rule;
	unsigned line = 0;
	int r;

	while ((r = read_line(f, buf, sizeof(buf))) > 0) {
		line++;
		if (acl_parse_line(buf, &rule, why, sizeof(why)) < 0)
			return fail(ctx, path, line, "%s", why);
		if (rule.kind != ACL_INCLUDE) {
			apply_rule(ctx, &rule);
			continue;
		}
		if (resolve_include(path, rule.arg, inc, sizeof(inc)) < 0)
			return fail(ctx, path, line, "include path too long");
		r = acl_read_file(ctx, inc);
		if (r == -ELOOP)
			return fail(ctx, path, line, "include loop: `%s' is already being read",
				    inc);
		if (r == -EMLINK)
			return fail(ctx, path, line, "includes nested deeper than %d",
				    ACL_MAX_DEPTH);
		if (r < 0)
			return r; /* the message names the included file and line */
	}
	if (r == -E2BIG)
		return fail(ctx, path, line + 1, "line longer than %d bytes", ACL_MAX_LINE - 1);
	if (r == -EILSEQ)
		return fail(ctx, path, line + 1, "NUL byte in line");
	if (r < 0)
		return fail(ctx, path, 0, "read error: %s", strerror(-r));
	return 0;
}

static bool on_stack(const struct acl_ctx *ctx, const struct stat *st)
{
	for (unsigned i = 0; i < ctx->depth; i++) {
		if (ctx->stack[i].dev == st->st_dev && ctx->stack[i].ino == st->st_ino)
			return true;
	}
	return false;
}

int acl_read_file(struct acl_ctx *ctx, const char *path)
{
	struct stat st;
	FILE *f;
	int fd, r;

	if (ctx->depth >= ACL_MAX_DEPTH)
		return -EMLINK; /* the includer says where */
	if (++ctx->files > ACL_MAX_FILES) {
		fail(ctx, path, 0, "more than %d ACL files read", ACL_MAX_FILES);
		return -E2BIG;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		/* An include the caller may not read is policy, not an error. */
		if (ctx->depth > 0 && (r == -ENOENT || r == -EACCES))
			return 0;
		snprintf(ctx->err, sizeof(ctx->err), "failed to open ACL file `%s': %s", path,
			 strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(ctx, path, 0, "not a file");
	}
	if (on_stack(ctx, &st)) {
		close(fd);
		return -ELOOP; /* the includer says where */
	}
	f = fdopen(fd, "r");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	ctx->stack[ctx->depth].dev = st.st_dev;
	ctx->stack[ctx->depth].ino = st.st_ino;
	ctx->depth++;
	r = read_stream(ctx, path, f);
	ctx->depth--;
	fclose(f);
	return r;
}
