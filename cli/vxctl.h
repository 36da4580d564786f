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

#define VXLAN_RUN_DIR "/run/tapwire-vxlan"

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

#endif
