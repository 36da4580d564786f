// SPDX-License-Identifier: MIT
/* The `tapwire` command line: global options, the object table, batch mode. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int do_help(struct cli *c, int argc, char **argv);

/* Objects of `tapwire OBJECT COMMAND`. Help is generated from this table. */
const struct cli_cmd cli_objects[] = {
    {"help", do_help, NULL, "", "show this help"},
    {"tuntap", NULL, cli_tuntap_cmds, "", "TUN/TAP devices: add, del, show"},
    {"link", NULL, cli_link_cmds, "", "network interfaces: set, show"},
    {"addr", NULL, cli_addr_cmds, "", "IPv4 and IPv6 addresses: add, del, show"},
    {"route", NULL, cli_route_cmds, "", "IPv4 and IPv6 routes: add, del, show"},
    {"bridge", NULL, cli_bridge_cmds, "", "Ethernet bridges, their ports and forwarding database"},
    {"vxlan", NULL, cli_vxlan_cmds, "", "tapwire-vxlan overlays: show"},
    {"apply", cli_apply, NULL, "FILE", "bring up the topology FILE declares (tapwire.conf(5))"},
    {"down", cli_down, NULL, "FILE", "remove what FILE declares"},
    {0},
};

/* Programs that run tapwire under another name (a symlink). */
struct personality {
	const char *name;
	int (*main)(int argc, char **argv);
};
int cli_tunctl_main(int argc, char **argv);
static const struct personality personalities[] = {
    {"tunctl", cli_tunctl_main},
    {"brctl", brctl_main},
    {0},
};

static const char global_usage[] =
    "Usage: tapwire [OPTIONS] OBJECT COMMAND [ARGS]\n"
    "       tapwire [OPTIONS] -b FILE\n"
    "OPTIONS := -j|--json  -p|--pretty  -d|--details  -n|--netns NAME  -b|--batch FILE\n"
    "           -force  -V|--version  -h|--help\n";

void cli_usage(FILE *f, const struct cli_cmd *table, const char *path)
{
	size_t w = 0;

	for (const struct cli_cmd *e = table; e->name; e++)
		if (strlen(e->name) > w)
			w = strlen(e->name);
	for (const struct cli_cmd *e = table; e->name; e++) {
		if (e->sub) {
			fprintf(f, "%s %-*s  %s\n", path, (int)w, e->name, e->help);
			continue;
		}
		fprintf(f, "%s %s%s%s\n", path, e->name, e->usage && *e->usage ? " " : "",
			e->usage ? e->usage : "");
		if (e->help && *e->help)
			fprintf(f, "    %s\n", e->help);
	}
}

static int do_help(struct cli *c, int argc, char **argv)
{
	fputs(global_usage, stdout);
	fputs("OBJECTS:\n", stdout);
	for (const struct cli_cmd *e = cli_objects; e->name; e++)
		if (strcmp(e->name, "help"))
			printf("tapwire %-8s %s\n", e->name, e->help);
	printf("Run \"tapwire OBJECT help\" for the commands of an object.\n");
	return CLI_OK;
}

bool cli_is_help(const char *word)
{
	return !strcmp(word, "help") || !strcmp(word, "--help") || !strcmp(word, "-h");
}

/*
 * The entry of @table that @word names: the name itself, or one of ip's
 * other spellings (`ip link list`, `ip addr delete`). No abbreviations: a
 * prefix that means "set" today could mean something else tomorrow.
 */
static const struct cli_cmd *cli_lookup(const struct cli_cmd *table, const char *word)
{
	static const char *const aliases[][2] = {
	    {"list", "show"}, {"lst", "show"}, {"ls", "show"}, {"delete", "del"}};

	for (const struct cli_cmd *e = table; e->name; e++)
		if (!strcmp(e->name, word))
			return e;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(word, aliases[i][0]))
			for (const struct cli_cmd *e = table; e->name; e++)
				if (!strcmp(e->name, aliases[i][1]))
					return e;
	return NULL;
}

int cli_dispatch(struct cli *c, const struct cli_cmd *table, const char *path, int argc,
		 char **argv)
{
	const struct cli_cmd *e;
	char sub[128];

	if (argc < 1) {
		/* a bare object lists, as `ip link` does */
		e = cli_lookup(table, "show");
		if (e && e->fn)
			return e->fn(c, 0, argv);
		cli_usage(stderr, table, path);
		return CLI_USAGE;
	}
	if (cli_is_help(argv[0])) {
		/* A table may bring its own help (the top level does). */
		e = cli_lookup(table, "help");
		if (e && e->fn)
			return e->fn(c, argc - 1, argv + 1);
		cli_usage(stdout, table, path);
		return CLI_OK;
	}
	e = cli_lookup(table, argv[0]);
	if (!e)
		return arg_unknown(c, argv[0], path);
	if (e->sub) {
		snprintf(sub, sizeof(sub), "%s %s", path, e->name);
		return cli_dispatch(c, e->sub, sub, argc - 1, argv + 1);
	}
	/* help as the last word, after anything: `tapwire tuntap add tap0 --help` */
	if (argc > 1 && cli_is_help(argv[argc - 1])) {
		printf("Usage: %s %s %s\n", path, e->name, e->usage ? e->usage : "");
		if (e->help && *e->help)
			printf("    %s\n", e->help);
		return CLI_OK;
	}
	return e->fn(c, argc - 1, argv + 1);
}

static int enter_netns(struct cli *c, const char *name)
{
	char path[512];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) {
		cli_err(c, "argument \"%s\" is wrong: not a network namespace name", name);
		return CLI_USAGE;
	}
	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_err(c, "cannot open network namespace \"%s\": %s", name, strerror(errno));
		return CLI_FAIL;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		cli_err(c, "cannot enter network namespace \"%s\": %s", name, strerror(errno));
		close(fd);
		return CLI_FAIL;
	}
	close(fd);
	return CLI_OK;
}

int cli_split_line(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line, *w;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (argc == max)
			return -E2BIG;
		if (*p == '"') {
			w = ++p;
			while (*p && *p != '"')
				p++;
			if (!*p)
				return -EINVAL;
		} else {
			w = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
				p++;
		}
		argv[argc++] = w;
		if (!*p)
			break;
		*p++ = '\0';
	}
	return argc;
}

/*
 * Reads one line of @f into @buf (newline dropped, NUL-terminated). Returns
 * its length, -1 at the end of the file, -E2BIG for a line of @cap bytes or
 * more, -EINVAL for a NUL byte in it, or -errno when reading fails. Bounded:
 * a file without newlines (/dev/zero) must not take all memory.
 */
static ssize_t batch_read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (ch == '\0')
			return -EINVAL;
		if (n + 1 >= cap)
			return -E2BIG;
		buf[n++] = (char)ch;
	}
	if (ch == EOF && ferror(f))
		return -(errno ? errno : EIO);
	if (ch == EOF && n == 0)
		return -1;
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * Runs @file ("-": standard input) one command a line. Without -force it
 * stops at the first failing line; exit 2 then still means "nothing was
 * done" only when no command before it ran, so a usage error after
 * commands that ran is exit 1, and a last line says how far it got. With
 * -force (ip's) every line runs and the failures are counted at the end.
 */
int cli_run_batch(struct cli *c, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	const char *shown = strcmp(file, "-") ? file : "<stdin>";
	unsigned done = 0, failed = 0, first_failed = 0;
	char *line, *argv[256];
	int ret = CLI_OK, r, argc;
	ssize_t n;

	if (!f) {
		cli_err(c, "cannot open batch file \"%s\": %s", file, strerror(errno));
		return CLI_FAIL;
	}
	line = malloc(CLI_BATCH_LINE_MAX);
	if (!line) {
		cli_err(c, "cannot read batch file \"%s\": %s", file, strerror(ENOMEM));
		ret = CLI_FAIL;
		goto out;
	}
	c->batch_file = shown;
	c->batch_line = 0;
	for (;;) {
		c->batch_line++;
		errno = 0;
		n = batch_read_line(f, line, CLI_BATCH_LINE_MAX);
		if (n == -1)
			break;
		if (n < 0) {
			if (n == -E2BIG)
				cli_err(c, "line longer than %u bytes", CLI_BATCH_LINE_MAX - 1);
			else if (n == -EINVAL)
				cli_err(c, "NUL byte in the line");
			else
				cli_err(c, "cannot read batch file: %s", strerror((int)-n));
			/* even with -force: the rest of the file cannot be trusted */
			ret = n == -E2BIG || n == -EINVAL ? CLI_USAGE : CLI_FAIL;
			failed++;
			first_failed = first_failed ? first_failed : c->batch_line;
			break;
		}
		argc = cli_split_line(line, argv, 256);
		if (argc == 0)
			continue;
		if (argc < 0) {
			cli_err(c, argc == -E2BIG ? "too many words" : "unterminated quote");
			r = CLI_USAGE;
		} else {
			r = cli_dispatch(c, cli_objects, "tapwire", argc, argv);
		}
		fflush(stdout);
		if (r == CLI_OK) {
			done++;
			continue;
		}
		failed++;
		first_failed = first_failed ? first_failed : c->batch_line;
		if (ret == CLI_OK || (ret == CLI_USAGE && r == CLI_FAIL))
			ret = r;
		if (!c->force)
			break;
	}
	c->batch_file = NULL;
	free(line);
	if (failed && c->force) {
		cli_err(c, "%s: %u command%s failed, the first at line %u; %u ran", shown, failed,
			failed == 1 ? "" : "s", first_failed, done);
		ret = CLI_FAIL;
	} else if (failed && done) {
		cli_err(c,
			"%s: stopped at line %u; %u command%s before it ran (-force goes on "
			"past errors)",
			shown, first_failed, done, done == 1 ? "" : "s");
		ret = CLI_FAIL;
	}
out:
	if (f != stdin)
		fclose(f);
	return ret;
}

static int run(struct cli *c, int argc, char **argv)
{
	const char *batch = NULL;
	int i = 1, ret;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			c->json = true;
		} else if (!strcmp(o, "-p") || !strcmp(o, "--pretty")) {
			c->pretty = true;
		} else if (!strcmp(o, "-d") || !strcmp(o, "--details")) {
			c->details = true;
		} else if (!strcmp(o, "-force") || !strcmp(o, "--force")) {
			c->force = true;
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("tapwire %s\n", tw_version());
			return CLI_OK;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			return do_help(c, 0, NULL);
		} else if (!strcmp(o, "-n") || !strcmp(o, "--netns") || !strcmp(o, "-b") ||
			   !strcmp(o, "--batch")) {
			if ((ret = arg_next(c, argc, argv, &i)) != CLI_OK)
				return ret;
			if (o[1] == 'n' || !strcmp(o, "--netns"))
				c->netns = argv[i];
			else
				batch = argv[i];
		} else if (!strcmp(o, "--")) {
			i++;
			break;
		} else {
			cli_err(c, "unknown option \"%s\" (try \"tapwire help\")", o);
			return CLI_USAGE;
		}
	}
	out_init(&c->out, stdout, c->json, c->pretty);
	if (c->netns && (ret = enter_netns(c, c->netns)) != CLI_OK)
		return ret;
	if (batch) {
		if (i < argc) {
			cli_err(c, "unexpected word \"%s\" after the batch file", argv[i]);
			return CLI_USAGE;
		}
		return cli_run_batch(c, batch);
	}
	if (i >= argc) {
		fputs(global_usage, stderr);
		return CLI_USAGE;
	}
	return cli_dispatch(c, cli_objects, "tapwire", argc - i, argv + i);
}

int cli_main(int argc, char **argv)
{
	struct cli c = {.prog = "tapwire"};
	char *dup = strdup(argv[0] ? argv[0] : "tapwire");
	const char *base = dup ? basename(dup) : "tapwire";
	int ret = -1;

	for (const struct personality *p = personalities; p->name; p++)
		if (!strcmp(base, p->name))
			ret = p->main(argc, argv);
	free(dup);
	if (ret < 0)
		ret = run(&c, argc, argv);
	tw_nl_close(c.nl);
	if (fflush(stdout) != 0 && ret == CLI_OK)
		ret = CLI_FAIL;
	return ret;
}
