/* SPDX-License-Identifier: MIT */
/*
 * tapwire-bridge-helper's core, split from main() so unit tests can drive
 * it: the ACL file reader, argument parsing, privilege dropping and the
 * TAP + bridge + fd-passing sequence.
 */
#ifndef TW_HELPER_H
#define TW_HELPER_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <net/if.h>

/* The ACL file read when the environment may not choose another. */
#ifndef TW_HELPER_ACL_FILE
#define TW_HELPER_ACL_FILE "/etc/qemu/bridge.conf"
#endif
/* Names another top-level ACL file; ignored when running with privileges. */
#define TW_HELPER_ACL_ENV "TAPWIRE_BRIDGE_CONF"

enum {
	ACL_MAX_DEPTH = 8,   /* include nesting */
	ACL_MAX_FILES = 64,  /* files opened in one check, includes counted */
	ACL_MAX_LINE = 4096, /* bytes per line, newline included */
};

enum acl_kind {
	ACL_BLANK,   /* empty line or comment */
	ACL_ALLOW,   /* allow BR|all */
	ACL_DENY,    /* deny BR|all */
	ACL_INCLUDE, /* include FILE */
};

/* One parsed line; @arg points into the line it was parsed from. */
struct acl_rule {
	enum acl_kind kind;
	bool all; /* allow all / deny all */
	const char *arg;
};

struct acl_file_id {
	dev_t dev;
	ino_t ino;
};

/* State of one ACL check for one bridge. */
struct acl_ctx {
	const char *bridge;
	bool allowed; /* some allow rule matched */
	bool denied;  /* some deny rule matched: wins over any allow */
	unsigned depth;
	unsigned files;
	struct acl_file_id stack[ACL_MAX_DEPTH]; /* files being read, for loops */
	char err[PATH_MAX + 256];
};

/*
 * Parses one line (without its newline), in place: cuts @line into words.
 * Returns 0, or -EINVAL with the reason in @err (no file/line prefix).
 */
int acl_parse_line(char *line, struct acl_rule *ret, char *err, size_t errlen);

/* Starts a check of @bridge (kept by reference): nothing allowed yet. */
void acl_init(struct acl_ctx *ctx, const char *bridge);

/*
 * Reads the ACL file @path and everything it includes, recording whether
 * the bridge is allowed and whether it is denied. Relative include paths are
 * taken from the including file's directory. An included file that cannot
 * be opened (missing, or unreadable to the caller: file permissions are part
 * of the policy) is skipped; the top-level one cannot be. Include loops and
 * nesting deeper than ACL_MAX_DEPTH are errors. Returns 0 or -errno, with a
 * message naming the file and line in ctx->err; after an error the result
 * must be treated as "denied".
 */
int acl_read_file(struct acl_ctx *ctx, const char *path);

/* True if the bridge is allowed and not denied: default deny, deny wins. */
bool acl_permits(const struct acl_ctx *ctx);

/*
 * Checks a bridge name from the command line or an ACL file, with
 * qemu-bridge-helper's message for over-long names (the CVE-2019-13164
 * class: a long name must never be cut down to another, allowed one).
 * Returns 0 or -EINVAL with the reason in @err.
 */
int helper_check_name(const char *name, char *err, size_t errlen);

/* Command line: --use-vnet --fd=N --br=BR, or --help. */
struct helper_args {
	bool use_vnet;
	bool help;
	int fd;
	const char *bridge;
};

/*
 * Parses argv; on a usage error returns -EINVAL with the reason in @err.
 * The bridge name is checked here, before anything is read or made.
 */
int helper_parse_args(int argc, char **argv, struct helper_args *ret, char *err, size_t errlen);

/*
 * The ACL file to read: $TAPWIRE_BRIDGE_CONF when the process runs without
 * elevated privileges (secure_getenv: never for setuid, setgid or
 * file-capability executions), TW_HELPER_ACL_FILE otherwise.
 */
const char *helper_acl_path(void);

/*
 * Drops every capability but CAP_NET_ADMIN (kept only if the process had
 * it) and, when running setuid, goes back to the caller's uid and gid.
 * Returns 0 or -errno.
 */
int helper_drop_privileges(void);

/*
 * Does the work after the ACL said yes: creates a TAP, gives it the bridge's
 * MTU, enslaves it, brings it up and sends its fd over @a->fd. Errors are
 * printed to @log in qemu-bridge-helper's words; on failure nothing is left
 * behind. Returns 0 or -errno.
 */
int helper_attach_tap(const struct helper_args *a, FILE *log);

/* Sends @fd over the unix socket @sock with SCM_RIGHTS and one zero byte. */
int helper_send_fd(int sock, int fd);

#endif
