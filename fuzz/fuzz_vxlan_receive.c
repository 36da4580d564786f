// SPDX-License-Identifier: MIT
/*
 * tapwire-vxlan's receive path (vx_rx(): checks, counting, learning into a
 * small forwarding database) and the flow hash of what it delivers, on any
 * datagrams. The input is a sequence of records: a length byte, a source
 * byte (the outer address's last octet), a clock step byte, then that many
 * bytes of UDP payload. The first byte picks raw or VXLAN mode and whether
 * learning is on. Checked besides the sanitizers: the table never holds
 * more than its bound, a delivered frame lies within the datagram and fits
 * the size limit, every datagram is delivered or counted once, and a MAC
 * just learned is found behind its sender (or the table is full).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdb.h"
#include "vxlan.h"

#define FDB_MAX 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vx_fdb fdb;
	struct vx_rx rx;
	uint64_t now = 0, seen = 0;

	if (size < 1 || vx_fdb_init(&fdb, FDB_MAX, 2) < 0)
		return 0;
	rx = (struct vx_rx){.vni = 42,
			    .raw = data[0] & 1,
			    .learning = data[0] & 2,
			    .max_frame = 64 + (data[0] >> 2),
			    .fdb = &fdb};
	data++, size--;
	while (size >= 3) {
		size_t len = data[0] < size - 3 ? data[0] : size - 3, off, flen;
		struct vx_addr from = {0};
		uint8_t *d = malloc(len ? len : 1); /* exact size: ASan sees overreads */

		from.a.s6_addr[10] = from.a.s6_addr[11] = 0xff;
		from.a.s6_addr[15] = data[1];
		now += (uint64_t)data[2] * 100000000ull;
		memcpy(d, data + 3, len);
		flen = vx_rx(&rx, d, len, &from, now, &off);
		seen++;
		if (flen) {
			if (off + flen != len || flen > rx.max_frame)
				abort();
			(void)vx_flow_hash(d + off, flen);
			if (rx.learning && !rx.raw && !vx_mac_is_group(d + off + 6)) {
				const struct vx_fdb_entry *e = vx_fdb_lookup(&fdb, d + off + 6);
				static const uint8_t zero[6];

				if (memcmp(d + off + 6, zero, 6) &&
				    (!e || memcmp(&e->remote, &from, sizeof(from))) &&
				    fdb.n < FDB_MAX)
					abort();
			}
		}
		if (rx.st.frames + rx.st.truncated + rx.st.bad_flags + rx.st.other_vni +
			rx.st.too_big !=
		    seen)
			abort();
		if (fdb.n > FDB_MAX)
			abort();
		vx_fdb_age(&fdb, now);
		free(d);
		data += 3 + len, size -= 3 + len;
	}
	vx_fdb_free(&fdb);
	return 0;
}
