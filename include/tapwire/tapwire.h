/* SPDX-License-Identifier: MIT */
/*
 * libtapwire — TUN/TAP devices, rtnetlink configuration and batched packet
 * I/O for Linux.
 *
 * Conventions for every function in this library:
 *  - it returns 0 (or a non-negative value) on success and a negative errno
 *    on failure; it never prints and never exits;
 *  - output parameters are named ret_* and are left untouched on failure;
 *  - objects have one owner; every destructor accepts NULL;
 *  - there is no hidden global state: all state lives in handles the caller
 *    owns (struct tw_nl for netlink, file descriptors for devices).
 */
#ifndef TAPWIRE_TAPWIRE_H
#define TAPWIRE_TAPWIRE_H

#include <tapwire/nl.h>
#include <tapwire/tun.h>
#include <tapwire/link.h>
#include <tapwire/addr.h>
#include <tapwire/route.h>
#include <tapwire/bridge.h>
#include <tapwire/vnet.h>
#include <tapwire/version.h>

/* Returns the library's version string (TAPWIRE_VERSION as it was built), e.g. "0.2.0". */
const char *tw_version(void);

/*
 * Checks an interface name the way the kernel would, before any system
 * call: 1..15 bytes, no '/', no ':', no white space, not "." or "..".
 * Returns 0 or -EINVAL.
 */
int tw_ifname_valid(const char *name);

#endif
