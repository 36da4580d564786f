// SPDX-License-Identifier: MIT
/* TUN/TAP devices through /dev/net/tun ioctls. */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>

#include "internal.h"

#define TUN_PATH      "/dev/net/tun"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int tun_ifreq_flags(enum tw_tun_mode mode, unsigned flags, short *ret)
{
	short f;

	switch (mode) {
	case TW_TUN_MODE_TUN:
		f = IFF_TUN;
		break;
	case TW_TUN_MODE_TAP:
		f = IFF_TAP;
		break;
	default:
		return -EINVAL;
	}
	if (!(flags & TW_TUN_PI))
		f |= IFF_NO_PI;
	if (flags & TW_TUN_VNET_HDR)
		f |= IFF_VNET_HDR;
	if (flags & TW_TUN_MULTI_QUEUE)
		f |= IFF_MULTI_QUEUE;
	if (flags & TW_TUN_ONE_QUEUE)
		f |= IFF_ONE_QUEUE;
	if (flags & TW_TUN_EXCL)
		f |= IFF_TUN_EXCL;
	*ret = f;
	return 0;
}

TW_EXPORT int tw_tun_open(const char *name, enum tw_tun_mode mode, unsigned flags, char *ret_name)
{
	struct ifreq ifr = {0};
	int oflags = O_RDWR, fd, err;

	if (name && *name && strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	err = tun_ifreq_flags(mode, flags, &ifr.ifr_flags);
	if (err < 0)
		return err;
	if (name)
		strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (flags & TW_TUN_CLOEXEC)
		oflags |= O_CLOEXEC;
	if (flags & TW_TUN_NONBLOCK)
		oflags |= O_NONBLOCK;
	if (flags & TW_TUN_NO_CREATE) {
		/* The TUN driver has no "attach only" flag: check first. */
		if (!name || !*name || !if_nametoindex(name))
			return -ENODEV;
	}
	fd = open(TUN_PATH, oflags);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (ret_name)
		memcpy(ret_name, ifr.ifr_name, IFNAMSIZ);
	return fd;
}

static int tun_ioctl(int fd, unsigned long req, unsigned long arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

TW_EXPORT int tw_tun_set_persist(int fd, bool on)
{
	return tun_ioctl(fd, TUNSETPERSIST, on);
}

TW_EXPORT int tw_tun_set_owner(int fd, uid_t uid)
{
	return tun_ioctl(fd, TUNSETOWNER, uid);
}

TW_EXPORT int tw_tun_set_group(int fd, gid_t gid)
{
	return tun_ioctl(fd, TUNSETGROUP, gid);
}

static int tun_set_queue(int fd, short flag)
{
	struct ifreq ifr = {0};

	ifr.ifr_flags = flag;
	return ioctl(fd, TUNSETQUEUE, &ifr) < 0 ? -errno : 0;
}

TW_EXPORT int tw_tun_attach_queue(int fd)
{
	return tun_set_queue(fd, IFF_ATTACH_QUEUE);
}

TW_EXPORT int tw_tun_detach_queue(int fd)
{
	return tun_set_queue(fd, IFF_DETACH_QUEUE);
}

TW_EXPORT int tw_tun_set_offload(int fd, unsigned offloads)
{
	return tun_ioctl(fd, TUNSETOFFLOAD, offloads);
}

TW_EXPORT int tw_tun_set_vnet_hdr_size(int fd, int size)
{
	return ioctl(fd, TUNSETVNETHDRSZ, &size) < 0 ? -errno : 0;
}

TW_EXPORT int tw_tun_set_sndbuf(int fd, int bytes)
{
	return ioctl(fd, TUNSETSNDBUF, &bytes) < 0 ? -errno : 0;
}

TW_EXPORT int tw_tun_set_carrier(int fd, bool up)
{
	int on = up;

	return ioctl(fd, TUNSETCARRIER, &on) < 0 ? -errno : 0;
}

TW_EXPORT int tw_tun_get_features(unsigned *ret_features)
{
	_cleanup_close_ int fd = open(TUN_PATH, O_RDWR | O_CLOEXEC);
	unsigned features;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNGETFEATURES, &features) < 0)
		return -errno;
	*ret_features = features;
	return 0;
}

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/*
 * Offloads are tried in this order, each group on top of what was accepted
 * so far. The kernel refuses a whole TUNSETOFFLOAD with EINVAL when one bit
 * is unknown or lacks its dependency: TSO and USO need CSUM, TSO_ECN needs a
 * TSO bit, and USO4 and USO6 only exist as a pair.
 */
static const unsigned offload_groups[] = {
    TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_TSO_ECN, TUN_F_UFO, TUN_F_USO4 | TUN_F_USO6,
};

/* Adds @bits to *@set if the kernel takes them; EINVAL just means "no". */
static int offload_try(int fd, unsigned *set, unsigned bits)
{
	int err = tw_tun_set_offload(fd, *set | bits);

	if (err == 0)
		*set |= bits;
	return err == -EINVAL ? 0 : err;
}

TW_EXPORT int tw_tun_probe_offload(int fd, unsigned wanted, unsigned *ret_set)
{
	unsigned set = 0, rest = wanted;
	int err = 0;

	if (wanted & TUN_F_CSUM)
		err = offload_try(fd, &set, TUN_F_CSUM);
	/* Nothing else can be had without CSUM. */
	for (size_t i = 1; !err && (set & TUN_F_CSUM) && i < ARRAY_SIZE(offload_groups); i++) {
		unsigned g = offload_groups[i] & wanted;

		rest &= ~offload_groups[i];
		if (g)
			err = offload_try(fd, &set, g);
	}
	/* Bits this library does not know are tried one by one, last. */
	rest &= ~TUN_F_CSUM;
	for (unsigned bit = 1; !err && (set & TUN_F_CSUM) && rest; bit <<= 1) {
		if (rest & bit)
			err = offload_try(fd, &set, bit);
		rest &= ~bit;
	}
	/* A refused call changes nothing, but leave no doubt about the end state. */
	if (!err)
		err = tw_tun_set_offload(fd, set);
	if (err < 0)
		return err;
	*ret_set = set;
	return 0;
}
