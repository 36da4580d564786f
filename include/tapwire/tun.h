/* SPDX-License-Identifier: MIT */
#ifndef TAPWIRE_TUN_H
#define TAPWIRE_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <net/if.h>

struct tw_nl;

enum tw_tun_mode {
	TW_TUN_MODE_TUN = 1, /* layer 3: IP packets */
	TW_TUN_MODE_TAP = 2, /* layer 2: Ethernet frames */
};

/* Flags for tw_tun_open(). */
enum {
	TW_TUN_PI = 1u << 0,	      /* keep the 4-byte packet-information header */
	TW_TUN_VNET_HDR = 1u << 1,    /* prepend struct virtio_net_hdr */
	TW_TUN_MULTI_QUEUE = 1u << 2, /* one fd per queue */
	TW_TUN_ONE_QUEUE = 1u << 3,   /* legacy, accepted and ignored by modern kernels */
	TW_TUN_NO_CREATE = 1u << 4,   /* attach to an existing device only (IFF_TUN_EXCL not set) */
	TW_TUN_EXCL = 1u << 5,	      /* fail with -EBUSY if the device exists */
	TW_TUN_CLOEXEC = 1u << 6,     /* open /dev/net/tun with O_CLOEXEC */
	TW_TUN_NONBLOCK = 1u << 7,    /* open /dev/net/tun with O_NONBLOCK */
};

/*
 * Opens /dev/net/tun and attaches it to the device @name (a name, or a
 * template such as "tap%d"; NULL or "" lets the kernel choose), creating it
 * if needed. On success returns the queue fd and, if @ret_name is not NULL,
 * stores the device's real name there (IFNAMSIZ bytes).
 */
int tw_tun_open(const char *name, enum tw_tun_mode mode, unsigned flags, char *ret_name);

/* Makes the device outlive its last fd (on) or not (off). */
int tw_tun_set_persist(int fd, bool on);

/* Owner and group allowed to attach; (uid_t)-1 / (gid_t)-1 clear them. */
int tw_tun_set_owner(int fd, uid_t uid);
int tw_tun_set_group(int fd, gid_t gid);

/* Enables (attach) or disables (detach) the queue @fd of a multi-queue device. */
int tw_tun_attach_queue(int fd);
int tw_tun_detach_queue(int fd);

/* The IFF_* flags the kernel's TUN driver supports (TUNGETFEATURES on a fresh fd). */
int tw_tun_get_features(unsigned *ret_features);

/* Offloads for TUNSETOFFLOAD (TUN_F_CSUM, TUN_F_TSO4, ...). */
int tw_tun_set_offload(int fd, unsigned offloads);

/*
 * Tries @wanted offloads and drops the ones the kernel refuses (EINVAL), one
 * bit at a time, keeping dependencies (TSO and USO need CSUM). Stores what was
 * finally set in @ret_set.
 */
int tw_tun_probe_offload(int fd, unsigned wanted, unsigned *ret_set);

/* Size of the virtio-net header the device prepends (10 or 12). */
int tw_tun_set_vnet_hdr_size(int fd, int size);

/* Socket send buffer of the device (TUNSETSNDBUF). */
int tw_tun_set_sndbuf(int fd, int bytes);

/* Carrier up/down (TUNSETCARRIER). */
int tw_tun_set_carrier(int fd, bool up);

/*
 * Deletes the persistent device @name whatever its mode (TUN or TAP).
 * Returns -ENODEV if there is no such device and -EINVAL if it is not a
 * TUN/TAP device.
 */
int tw_tun_delete(struct tw_nl *nl, const char *name);

/* A process attached to a device. */
struct tw_tun_proc {
	pid_t pid;
	char comm[16];
};

/* One TUN/TAP device, as listed by tw_tun_list(). */
struct tw_tun_info {
	char name[IFNAMSIZ];
	int ifindex;
	enum tw_tun_mode mode;
	bool pi;
	bool vnet_hdr;
	bool persist;
	bool multi_queue;
	bool has_owner; /* false: anyone with CAP_NET_ADMIN only */
	bool has_group;
	uid_t owner;
	gid_t group;
	unsigned num_queues;
	unsigned num_disabled_queues;
	size_t n_procs;
	struct tw_tun_proc *procs; /* filled only with TW_TUN_LIST_PROCS */
};

enum {
	TW_TUN_LIST_PROCS = 1u << 0, /* also find the processes attached */
};

/*
 * Lists every TUN/TAP device of the handle's network namespace (or only
 * @name if not NULL), read from netlink link info (IFLA_TUN_*), never from
 * sysfs. On success stores a heap array in @ret_list and its length in
 * @ret_n; free it with tw_tun_list_free(). A @name that does not exist gives
 * -ENODEV; one that is not a TUN/TAP gives an empty list.
 *
 * With TW_TUN_LIST_PROCS, the processes holding an attached queue are found
 * in /proc/PID/fdinfo (one entry per process). As fdinfo names the device
 * and names are per namespace, each candidate fd is borrowed with
 * pidfd_getfd() and its device's namespace checked (TUNGETDEVNETNS); when
 * that is refused (no ptrace rights over the process), the process's own
 * namespace is compared instead. The calling thread's network namespace
 * must be the handle's. Processes whose /proc the caller cannot read, and
 * queues detached with tw_tun_detach_queue(), are not seen.
 */
int tw_tun_list_sized(struct tw_nl *nl, const char *name, unsigned flags, size_t elem_size,
		      struct tw_tun_info **ret_list, size_t *ret_n);
void tw_tun_list_free_sized(struct tw_tun_info *list, size_t n, size_t elem_size);
#define tw_tun_list(nl, name, flags, ret_list, ret_n)                                              \
	tw_tun_list_sized(nl, name, flags, sizeof(struct tw_tun_info), ret_list, ret_n)
#define tw_tun_list_free(list, n) tw_tun_list_free_sized(list, n, sizeof(struct tw_tun_info))

#endif
