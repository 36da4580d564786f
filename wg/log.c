// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sodium.h>

#include "log.h"

/* The daemon has one log; this is the only mutable global of the program. */
static enum log_level cur_level = LOG_ERROR;
static char log_ifname[IFNAMSIZ];

enum log_level log_level_parse(const char *s)
{
	if (!s)
		return LOG_ERROR;
	if (!strcmp(s, "verbose") || !strcmp(s, "debug"))
		return LOG_VERBOSE;
	if (!strcmp(s, "silent"))
		return LOG_SILENT;
	return LOG_ERROR;
}

void log_init(enum log_level level, const char *ifname)
{
	cur_level = level;
	snprintf(log_ifname, sizeof(log_ifname), "%s", ifname ? ifname : "");
}

enum log_level log_get_level(void)
{
	return cur_level;
}

__attribute__((format(printf, 2, 0))) static void log_line(const char *tag, const char *fmt,
							   va_list ap)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm);
	flockfile(stderr);
	fprintf(stderr, "%s: (%s) %s ", tag, log_ifname, stamp);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	if (cur_level < LOG_ERROR)
		return;
	va_start(ap, fmt);
	log_line("ERROR", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (cur_level < LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	log_line("DEBUG", fmt, ap);
	va_end(ap);
}

const char *log_peer_name(const uint8_t pubkey[32], char buf[24])
{
	char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof(b64), pubkey, 32, sodium_base64_VARIANT_ORIGINAL);
	snprintf(buf, 24, "peer(%.4s…%.4s)", b64, b64 + 39);
	return buf;
}

void log_io(bool error, const char *msg)
{
	if (error)
		log_err("%s", msg);
	else
		log_info("%s", msg);
}
