// SPDX-License-Identifier: MIT
/*
 * The `tapwire apply` file parser (cli/apply_parse.c): any bytes either
 * parse into a model that is then walked and freed, or are refused with a
 * line number inside the input and a message. Nothing may crash or leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct apply_model m = {0};
	struct apply_error err;
	size_t lines = 1;
	int r = apply_parse((const char *)data, size, &m, &err);

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (r == 0) {
		for (size_t i = 0; i < m.n_ifs; i++) {
			if (tw_ifname_valid(m.ifs[i].name) < 0 || m.ifs[i].line > lines)
				abort();
			for (size_t a = 0; a < m.ifs[i].n_routes; a++)
				if (m.ifs[i].routes[a].has_via &&
				    m.ifs[i].routes[a].via.family != m.ifs[i].routes[a].dst.family)
					abort();
		}
		for (size_t i = 0; i < m.n_ports; i++)
			if (!m.ports[i].bridge[0] || !strcmp(m.ports[i].bridge, m.ports[i].name))
				abort();
	} else if (r == -EINVAL && (err.line == 0 || err.line > lines || !err.msg[0])) {
		abort();
	}
	apply_model_free(&m);
	return 0;
}
