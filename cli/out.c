// SPDX-License-Identifier: MIT
/* One print call per field: text with the field's format, or JSON with its key. */
#include <stdarg.h>
#include <string.h>

#include "cli.h"

/* Text formats are the callers' literals, passed through by design. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void out_init(struct out *o, FILE *f, bool json, bool pretty)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	o->pretty = pretty;
	o->first[0] = true;
}

void out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

static void indent(struct out *o)
{
	if (!o->pretty)
		return;
	fputc('\n', o->f);
	for (int i = 0; i < o->depth; i++)
		fputs("    ", o->f);
}

/* Writes the separator and key of the next JSON element. */
static void json_key(struct out *o, const char *key)
{
	if (!o->first[o->depth])
		fputc(',', o->f);
	o->first[o->depth] = false;
	if (o->depth > 0)
		indent(o);
	if (key) {
		out_json_string(o->f, key);
		fputs(o->pretty ? ": " : ":", o->f);
	}
}

static void json_open(struct out *o, const char *key, char ch)
{
	json_key(o, key);
	fputc(ch, o->f);
	if (o->depth < OUT_MAX_DEPTH - 1)
		o->depth++;
	o->first[o->depth] = true;
}

static void json_close(struct out *o, char ch)
{
	bool empty = o->first[o->depth];

	if (o->depth > 0)
		o->depth--;
	if (!empty)
		indent(o);
	fputc(ch, o->f);
	if (o->depth == 0)
		fputc('\n', o->f);
}

void out_open_object(struct out *o, const char *key)
{
	if (o->json)
		json_open(o, key, '{');
}

void out_close_object(struct out *o)
{
	if (o->json)
		json_close(o, '}');
}

void out_open_array(struct out *o, const char *key)
{
	if (o->json)
		json_open(o, key, '[');
}

void out_close_array(struct out *o)
{
	if (o->json)
		json_close(o, ']');
}

void out_str(struct out *o, const char *key, const char *fmt, const char *val)
{
	if (o->json) {
		json_key(o, key);
		out_json_string(o->f, val ? val : "");
	} else if (fmt) {
		fprintf(o->f, fmt, val ? val : "");
	}
}

void out_uint(struct out *o, const char *key, const char *fmt, unsigned long long val)
{
	if (o->json) {
		json_key(o, key);
		fprintf(o->f, "%llu", val);
	} else if (fmt) {
		fprintf(o->f, fmt, val);
	}
}

void out_int(struct out *o, const char *key, const char *fmt, long long val)
{
	if (o->json) {
		json_key(o, key);
		fprintf(o->f, "%lld", val);
	} else if (fmt) {
		fprintf(o->f, fmt, val);
	}
}

void out_bool(struct out *o, const char *key, const char *fmt, bool val)
{
	if (o->json) {
		json_key(o, key);
		fputs(val ? "true" : "false", o->f);
	} else if (fmt && val) {
		fputs(fmt, o->f);
	}
}

void out_null(struct out *o, const char *key, const char *fmt)
{
	if (o->json) {
		json_key(o, key);
		fputs("null", o->f);
	} else if (fmt) {
		fputs(fmt, o->f);
	}
}

void out_text(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

void out_nl(struct out *o)
{
	if (!o->json)
		fputc('\n', o->f);
}
