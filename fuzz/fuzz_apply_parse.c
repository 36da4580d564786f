// SPDX-License-Identifier: MIT
/*
 * The `tapwire apply` topology file parser (tapwire.conf(5)) on arbitrary
 * text: it must accept or refuse with a line number, never crash, and a
 * model it accepts must hold together (every port names a declared bridge,
 * names are valid, counts are within the limits).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apply_model m = {0};
	struct apply_error err = {0};

	if (size > 65536)
		return 0;
	if (apply_parse((const char *)data, size, &m, &err) < 0) {
		if (!err.msg[0] || m.ifs || m.ports)
			abort(); /* refused without a reason, or left a model behind */
		return 0;
	}
	for (size_t i = 0; i < m.n_ifs; i++) {
		const struct apply_if *f = &m.ifs[i];

		if (tw_ifname_valid(f->name) < 0 || f->n_addrs > APPLY_MAX_PER_IF ||
		    f->n_routes > APPLY_MAX_PER_IF || apply_model_find(&m, f->name) != f)
			abort();
	}
	for (size_t i = 0; i < m.n_ports; i++) {
		const struct apply_if *br = apply_model_find(&m, m.ports[i].bridge);

		if (tw_ifname_valid(m.ports[i].name) < 0)
			abort();
		(void)br; /* the bridge may exist outside the file */
	}
	apply_model_free(&m);
	return 0;
}
