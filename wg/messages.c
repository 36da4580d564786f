// SPDX-License-Identifier: MIT
#include "messages.h"

#include <endian.h>
#include <string.h>

enum wg_message_type wg_message_type(const void *buf, size_t len)
{
	uint32_t type;

	if (len < sizeof(type))
		return WG_MSG_INVALID;
	memcpy(&type, buf, sizeof(type));
	switch (le32toh(type)) {
	case WG_MSG_HANDSHAKE_INITIATION:
		return len == WG_MSG_INITIATION_LEN ? WG_MSG_HANDSHAKE_INITIATION : WG_MSG_INVALID;
	case WG_MSG_HANDSHAKE_RESPONSE:
		return len == WG_MSG_RESPONSE_LEN ? WG_MSG_HANDSHAKE_RESPONSE : WG_MSG_INVALID;
	case WG_MSG_HANDSHAKE_COOKIE:
		return len == WG_MSG_COOKIE_LEN ? WG_MSG_HANDSHAKE_COOKIE : WG_MSG_INVALID;
	case WG_MSG_DATA:
		return len >= WG_MSG_DATA_MIN_LEN ? WG_MSG_DATA : WG_MSG_INVALID;
	default:
		return WG_MSG_INVALID;
	}
}
