// SPDX-License-Identifier: MIT
/* "ADDR/PLEN" for IPv4 and IPv6: strict parsing and formatting. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

/* Decimal digits only (no sign, no spaces), at most 3 of them. */
static int parse_plen(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

TW_EXPORT int tw_prefix_parse(const char *s, unsigned flags, struct tw_prefix *ret)
{
	struct tw_prefix p = {0};
	char buf[INET6_ADDRSTRLEN];
	const char *slash;
	size_t alen;

	if (!s || !*s)
		return -EINVAL;
	if ((flags & TW_PREFIX_DEFAULT) && !strcmp(s, "default")) {
		*ret = p; /* AF_UNSPEC, length 0 */
		return 0;
	}
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	if ((slash && (flags & TW_PREFIX_NO_LEN)) || (!slash && (flags & TW_PREFIX_NEED_LEN)))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	p.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, buf, &p.addr) != 1)
		return -EINVAL;
	p.prefixlen = family_bits(p.family);
	if (slash && parse_plen(slash + 1, family_bits(p.family), &p.prefixlen) < 0)
		return -EINVAL;
	*ret = p;
	return 0;
}

TW_EXPORT int tw_prefix_format(const struct tw_prefix *p, unsigned flags, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned bits = family_bits(p->family);
	int n;

	if (p->family == AF_UNSPEC || (p->prefixlen == 0 && (flags & TW_PREFIX_DEFAULT)))
		n = snprintf(buf, len, "default");
	else if (!bits || p->prefixlen > bits || !inet_ntop(p->family, &p->addr, a, sizeof(a)))
		return -EINVAL;
	else if ((flags & TW_PREFIX_NO_LEN) || ((flags & TW_PREFIX_SHORT) && p->prefixlen == bits))
		n = snprintf(buf, len, "%s", a);
	else
		n = snprintf(buf, len, "%s/%u", a, p->prefixlen);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

TW_EXPORT void tw_prefix_mask(struct tw_prefix *p)
{
	unsigned bits = family_bits(p->family);

	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned keep = p->prefixlen > i * 8 ? p->prefixlen - i * 8 : 0;

		if (keep < 8)
			p->addr.bytes[i] &= (uint8_t)(0xff00u >> keep);
	}
}

TW_EXPORT bool tw_prefix_equal(const struct tw_prefix *a, const struct tw_prefix *b)
{
	unsigned bytes = family_bits(a->family) / 8;

	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       !memcmp(a->addr.bytes, b->addr.bytes, bytes);
}
