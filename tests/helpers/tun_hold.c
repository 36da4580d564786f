// SPDX-License-Identifier: MIT
/*
 * Test helper: opens QUEUES queues of a TUN/TAP device (creating it,
 * non-persistent, if it does not exist), prints "ready NAME" and holds them
 * until killed.
 *     tw-tun-hold [-m] [-v] [-q QUEUES] NAME tun|tap
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tapwire/tapwire.h>

int main(int argc, char **argv)
{
	unsigned flags = TW_TUN_CLOEXEC;
	char name[IFNAMSIZ];
	int opt, queues = 1, fd;
	enum tw_tun_mode mode;

	while ((opt = getopt(argc, argv, "mvq:")) > 0) {
		if (opt == 'm')
			flags |= TW_TUN_MULTI_QUEUE;
		else if (opt == 'v')
			flags |= TW_TUN_VNET_HDR;
		else if (opt == 'q')
			queues = atoi(optarg);
		else
			return 2;
	}
	if (argc - optind != 2 || queues < 1)
		return 2;
	mode = strcmp(argv[optind + 1], "tap") ? TW_TUN_MODE_TUN : TW_TUN_MODE_TAP;
	for (int i = 0; i < queues; i++) {
		fd = tw_tun_open(argv[optind], mode, flags, name);
		if (fd < 0) {
			fprintf(stderr, "tw-tun-hold: %s: queue %d: %s\n", argv[optind], i,
				strerror(-fd));
			return 1;
		}
	}
	printf("ready %s\n", name);
	fflush(stdout);
	for (;;)
		pause();
}
