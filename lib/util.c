// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <string.h>

#include "internal.h"

TW_EXPORT int tw_ifname_valid(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, IFNAMSIZ);
	if (len == 0 || len >= IFNAMSIZ)
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (const char *p = name; *p; p++) {
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return -EINVAL;
	}
	return 0;
}
