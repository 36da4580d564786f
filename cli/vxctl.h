/* SPDX-License-Identifier: MIT */
/*
 * tapwire-vxlan seen from the CLI: its daemons' control sockets
 * (tapwire-vxlan(8), CONTROL SOCKET), read for `tapwire vxlan show` and by
 * `tapwire apply` for [vxlan NAME] sections.
 */
#ifndef TAPWIRE_CLI_VXCTL_H
#define TAPWIRE_CLI_VXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One daemon's answer to "show": its key=value lines, in order. */
struct vxlan_state {
	char path[108];
	char **keys, **vals;
	size_t n;
};

/* The first value of @key, or NULL. */
const char *vxlan_get(const struct vxlan_state *s, const char *key);

/*
 * Asks the daemon at @path. 0, -ECONNREFUSED/-ENOENT (nobody serves it),
 * -EPROTO (an answer that is not a daemon's), or -errno.
 */
int vxlan_query(const char *path, struct vxlan_state *ret);
void vxlan_state_free(struct vxlan_state *s);

/*
 * The daemon serving @ifname in this network namespace, from the default
 * control socket directories (/run/tapwire-vxlan, then
 * $XDG_RUNTIME_DIR/tapwire-vxlan). 0 or -ENOENT.
 */
int vxlan_find(const char *ifname, struct vxlan_state *ret);

/*
 * Starts tapwire-vxlan (TAPWIRE_VXLAN, else from PATH) with @argv (argv[0]
 * included, NULL-terminated) in its default mode: it returns once the
 * daemon is up. 0, or -errno with what it said on standard error in @why.
 */
int vxlan_start(char *const *argv, char *why, size_t why_len);

/*
 * Stops the daemon serving @ifname in this namespace (SIGTERM) and waits,
 * three seconds at most, for its control socket to go. 0, -ENOENT (none),
 * -ETIMEDOUT.
 */
int vxlan_stop(const char *ifname);

#endif
