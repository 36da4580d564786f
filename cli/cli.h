/* SPDX-License-Identifier: MIT */
#ifndef TAPWIRE_CLI_H
#define TAPWIRE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <tapwire/tapwire.h>

/* Exit codes of every command handler. */
enum {
	CLI_OK = 0,
	CLI_FAIL = 1,  /* the system refused: nothing or only part done */
	CLI_USAGE = 2, /* bad input: nothing was done */
};

#define OUT_MAX_DEPTH 16

/* Text-or-JSON writer; one call per field serves both forms. */
struct out {
	FILE *f;
	bool json;
	bool pretty;
	int depth;
	bool first[OUT_MAX_DEPTH]; /* no element written yet at this depth */
};

/* The state of one invocation; nothing in the CLI is global. */
struct cli {
	const char *prog; /* "tapwire", or a personality's name */
	bool json, pretty, details;
	bool force; /* -force: a batch goes on past failing lines */
	const char *netns;
	const char *batch_file; /* non-NULL while running a batch */
	unsigned batch_line;
	struct tw_nl *nl; /* opened on first use by cli_nl() */
	struct out out;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv); /* argv[0] is the first word after name */
	const struct cli_cmd *sub;			 /* a nested table instead of fn */
	const char *usage;				 /* BNF, words after the command name */
	const char *help;				 /* one line */
};

/*
 * Runs the entry of @table named argv[0] (its name, or ip's list/lst/ls for
 * show and delete for del). "help", "--help" or "-h" prints the table's
 * usage, as the last word the command's; no word at all runs the table's
 * show (a bare `tapwire link` lists) or, without one, prints the usage and
 * fails. @path is the words that led here ("tapwire tuntap"), for messages.
 */
int cli_dispatch(struct cli *c, const struct cli_cmd *table, const char *path, int argc,
		 char **argv);
void cli_usage(FILE *f, const struct cli_cmd *table, const char *path);
/* "help", "--help" or "-h". */
bool cli_is_help(const char *word);

/* The netlink handle of this invocation, opened on first use; NULL after printing an error. */
struct tw_nl *cli_nl(struct cli *c);

/* Prints "Error: ..." on stderr (with the batch position in batch mode). */
void cli_err(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "Error: WHAT "OBJ": strerror(-err) (kernel message)" and returns CLI_FAIL. */
int cli_fail(struct cli *c, int err, const char *what, const char *obj);

/* Argument helpers: on bad input they print the error and return CLI_USAGE. */
int arg_ifname(struct cli *c, const char *word);
int arg_uint(struct cli *c, const char *key, const char *word, unsigned long long min,
	     unsigned long long max, unsigned long long *ret);
int arg_on_off(struct cli *c, const char *key, const char *word, bool *ret);
/* argv[*i] is a keyword that needs a value: advances *i or fails. */
int arg_next(struct cli *c, int argc, char **argv, int *i);
int arg_unknown(struct cli *c, const char *word, const char *path);
/* "argument \"WORD\" is wrong: WHY" */
int arg_wrong(struct cli *c, const char *word, const char *why);
int arg_user(struct cli *c, const char *word, unsigned *ret_uid);
int arg_group(struct cli *c, const char *word, unsigned *ret_gid);
/*
 * Why @word is not ADDR[/PLEN] ("prefix length 33 > 32", "\"198.51.100.300\"
 * is not an IPv4 address"), written to @buf; NULL when it is well formed.
 */
const char *arg_prefix_why(const char *word, char *buf, size_t len);
int arg_mac(struct cli *c, const char *word, uint8_t *ret, size_t *ret_len);

/* Output. @key is the JSON key (NULL inside arrays); @fmt the text form. */
void out_init(struct out *o, FILE *f, bool json, bool pretty);
void out_open_object(struct out *o, const char *key);
void out_close_object(struct out *o);
void out_open_array(struct out *o, const char *key);
void out_close_array(struct out *o);
void out_str(struct out *o, const char *key, const char *fmt, const char *val);
void out_uint(struct out *o, const char *key, const char *fmt, unsigned long long val);
void out_int(struct out *o, const char *key, const char *fmt, long long val);
/* JSON true/false; in text prints @fmt only when @val is true. */
void out_bool(struct out *o, const char *key, const char *fmt, bool val);
void out_null(struct out *o, const char *key, const char *fmt);
/* Text only. */
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a text line (nothing in JSON). */
void out_nl(struct out *o);
/* Writes @s as a JSON string literal. Exposed for tests. */
void out_json_string(FILE *f, const char *s);

/* Object handlers, one file each. */
extern const struct cli_cmd cli_tuntap_cmds[];
extern const struct cli_cmd cli_link_cmds[];
extern const struct cli_cmd cli_addr_cmds[];
extern const struct cli_cmd cli_route_cmds[];
extern const struct cli_cmd cli_bridge_cmds[];
extern const struct cli_cmd cli_vxlan_cmds[];
int brctl_main(int argc, char **argv);
/* `tapwire apply FILE` / `tapwire down FILE` (apply.c). */
int cli_apply(struct cli *c, int argc, char **argv);
int cli_down(struct cli *c, int argc, char **argv);

/* The top-level table and the personalities (main.c). */
extern const struct cli_cmd cli_objects[];
int cli_main(int argc, char **argv);
int cli_run_batch(struct cli *c, const char *file);
/* Longest batch line, newline excluded, plus one. */
#define CLI_BATCH_LINE_MAX 65536u

/* Splits a batch line into words ("..." quoting, # comments). Returns argc or -E2BIG. */
int cli_split_line(char *line, char **argv, int max);

#endif
