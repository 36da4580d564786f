// SPDX-License-Identifier: MIT
/*
 * tapwire-wg's UAPI request parser (get=1 / set=1, wireguard.com/xplatform)
 * on a device without I/O: the input, after its first byte, is fed in pieces
 * of that byte's size (0: at once), as a client writing slowly would; every
 * reply is produced and dropped. A fresh device per input keeps runs
 * independent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "device.h"
#include "uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct wg_device *dev;
	struct wg_uapi_conn c;
	size_t chunk, off;

	if (!init) {
		if (wg_crypto_init())
			abort();
		init = true;
	}
	if (size < 1 || size > 16384)
		return 0;
	chunk = data[0] ? data[0] : size;
	data++;
	size--;
	if (wg_device_new("wgfuzz0", &dev))
		abort();
	wg_uapi_conn_init(&c, -1);
	for (off = 0; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		if (wg_uapi_feed(dev, &c, (const char *)data + off, n) < 0)
			break;
		c.out_len = c.out_off = 0; /* replies nobody reads are not kept */
	}
	wg_uapi_conn_clear(&c);
	wg_device_free(dev);
	return 0;
}
