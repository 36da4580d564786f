// SPDX-License-Identifier: MIT
/*
 * Privileges: installed setuid root or with file capabilities, the helper
 * needs CAP_NET_ADMIN (TUNSETIFF, RTM_NEWLINK) and nothing else, so it keeps
 * that one capability and, when setuid, becomes the calling user again
 * before it reads a byte of any file.
 */
#include <errno.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cap-ng.h>

#include "helper.h"

int helper_drop_privileges(void)
{
	bool setuid_root = geteuid() == 0 && getuid() != 0;
	bool keep, setpcap;
	int r;

	capng_get_caps_process();
	keep = capng_have_capability(CAPNG_PERMITTED, CAP_NET_ADMIN);
	setpcap = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) < 0)
		return -EPERM;
	if (setuid_root || getegid() != getgid()) {
		/* Keeps CAP_NET_ADMIN across setresuid() and clears the bounding set. */
		r = capng_change_id((int)getuid(), (int)getgid(),
				    setpcap ? CAPNG_CLEAR_BOUNDING : CAPNG_NO_FLAG);
		if (r < 0)
			return -EPERM;
	} else if (capng_apply(setpcap ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0) {
		return -EPERM;
	}
	/* Owned by the caller now, yet privileged: no core dumps, no ptrace. */
	if (getauxval(AT_SECURE) || setuid_root)
		prctl(PR_SET_DUMPABLE, 0);
	return 0;
}
