/* SPDX-License-Identifier: MIT */
/*
 * The daemon's log, on stderr, in wireguard-go's shape ("DEBUG: (wg0) ...",
 * "ERROR: (wg0) ..."). Levels follow LOG_LEVEL: silent, error, verbose.
 * Nothing secret is ever passed to these functions: keys are printed, if at
 * all, as the short base64 prefix of a public key (log_peer_name()).
 */
#ifndef TWWG_LOG_H
#define TWWG_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level {
	LOG_SILENT = 0,
	LOG_ERROR = 1,
	LOG_VERBOSE = 2,
};

/* Parses LOG_LEVEL's value ("error", "verbose"/"debug", "silent"); NULL or unknown: error. */
enum log_level log_level_parse(const char *s);

/* Sets the level and the interface name shown on every line. */
void log_init(enum log_level level, const char *ifname);
enum log_level log_get_level(void);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What the shared I/O layer (io/) reports: @error at error level, else verbose. */
void log_io(bool error, const char *msg);

/* "peer(AbCd…WxYz)" for a public key: how peers are named in log lines. */
const char *log_peer_name(const uint8_t pubkey[32], char buf[24]);

#endif
