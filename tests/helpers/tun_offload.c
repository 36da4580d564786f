// SPDX-License-Identifier: MIT
/*
 * Test helper: prints the TUN driver's features, then for each MASK (hex)
 * opens a fresh vnet_hdr TAP and prints what tw_tun_probe_offload() kept.
 *     tw-tun-offload MASK...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapwire/tapwire.h>

int main(int argc, char **argv)
{
	unsigned features, set;
	int err, fd;

	err = tw_tun_get_features(&features);
	if (err < 0) {
		fprintf(stderr, "features: %s\n", strerror(-err));
		return 1;
	}
	printf("features 0x%x\n", features);
	for (int i = 1; i < argc; i++) {
		fd =
		    tw_tun_open("twoff%d", TW_TUN_MODE_TAP, TW_TUN_VNET_HDR | TW_TUN_CLOEXEC, NULL);
		if (fd < 0) {
			fprintf(stderr, "open: %s\n", strerror(-fd));
			return 1;
		}
		err = tw_tun_probe_offload(fd, (unsigned)strtoul(argv[i], NULL, 16), &set);
		if (err < 0) {
			fprintf(stderr, "probe: %s\n", strerror(-err));
			return 1;
		}
		printf("0x%s -> 0x%x\n", argv[i], set);
		close(fd);
	}
	return 0;
}
