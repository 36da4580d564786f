// SPDX-License-Identifier: MIT
#include <string.h>

#include "fdb.h"
#include "vxlan.h"

/* FNV-1a over the flow's bytes: cheap, and good enough to spread ports. */
static uint32_t mix(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

uint32_t vx_flow_hash(const uint8_t *f, size_t len)
{
	uint32_t h = 2166136261u;
	size_t l3 = VX_ETH_HDR_LEN, l4 = 0;
	uint16_t type;
	uint8_t proto = 0;

	if (len < VX_ETH_HDR_LEN)
		return mix(h, f, len);
	h = mix(h, f, 14); /* both MACs and the EtherType */
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x8100 && len >= 18) { /* one VLAN tag */
		type = (uint16_t)(f[16] << 8 | f[17]);
		l3 = 18;
	}
	if (type == 0x0800 && len >= l3 + 20) {
		proto = f[l3 + 9];
		h = mix(h, f + l3 + 12, 8);
		/* ports only in a first fragment (offset 0) */
		if (!((f[l3 + 6] & 0x1f) | f[l3 + 7]))
			l4 = l3 + (size_t)(f[l3] & 0xf) * 4;
	} else if (type == 0x86dd && len >= l3 + 40) {
		proto = f[l3 + 6];
		h = mix(h, f + l3 + 8, 32);
		l4 = l3 + 40;
	}
	h = mix(h, &proto, 1);
	if (l4 && (proto == 6 || proto == 17 || proto == 132) && len >= l4 + 4)
		h = mix(h, f + l4, 4);
	return h;
}

size_t vx_rx(struct vx_rx *rx, const uint8_t *d, size_t len, const struct vx_addr *from,
	     uint64_t now, size_t *ret_off)
{
	size_t hdr = rx->raw ? 0 : VX_HDR_LEN;

	*ret_off = hdr;
	if (len < hdr + VX_ETH_HDR_LEN) {
		rx->st.truncated++;
		return 0;
	}
	if (!rx->raw) {
		/* the reserved bits are ignored, as RFC 7348 asks of a receiver */
		if (!(d[0] & VX_FLAG_I)) {
			rx->st.bad_flags++;
			return 0;
		}
		if (((uint32_t)d[4] << 16 | (uint32_t)d[5] << 8 | d[6]) != rx->vni) {
			rx->st.other_vni++;
			return 0;
		}
	}
	if (len - hdr > rx->max_frame) {
		rx->st.too_big++;
		return 0;
	}
	if (rx->learning && !rx->raw)
		vx_fdb_learn(rx->fdb, d + hdr + 6, from, now);
	rx->st.frames++;
	return len - hdr;
}
