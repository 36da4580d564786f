// SPDX-License-Identifier: MIT
/*
 * What the helper does once the ACL said yes, in qemu-bridge-helper's
 * order and words: TAP, bridge MTU, MAC, enslave, up, pass the fd. The
 * bridge is checked before the TAP exists, so a wrong bridge leaves
 * nothing behind; after that, closing the (non-persistent) TAP's only fd
 * deletes it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <tapwire/tapwire.h>

#include "helper.h"

int helper_send_fd(int sock, int fd)
{
	char byte = 0;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = u.buf,
	    .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* The fd QEMU gave us must be a unix socket: checked before anything is made. */
static int check_socket(int fd)
{
	int domain;
	socklen_t len = sizeof(domain);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		return -errno;
	return domain == AF_UNIX ? 0 : -ENOTSOCK;
}

static const char *kmsg(struct tw_nl *nl)
{
	return *tw_nl_errmsg(nl) ? tw_nl_errmsg(nl) : NULL;
}

static void report(FILE *log, struct tw_nl *nl, const char *what, int err)
{
	const char *k = kmsg(nl);

	if (k)
		fprintf(log, "%s: %s (%s)\n", what, strerror(-err), k);
	else
		fprintf(log, "%s: %s\n", what, strerror(-err));
}

static int find_bridge(struct tw_nl *nl, const char *br, struct tw_link_info *ret, FILE *log)
{
	struct tw_link_info *list = NULL;
	char what[64];
	size_t n = 0;
	int err;

	err = tw_link_list(nl, br, &list, &n);
	if (err == 0 && n != 1)
		err = -ENODEV;
	if (err < 0) {
		snprintf(what, sizeof(what), "failed to get mtu of bridge `%s'", br);
		report(log, nl, what, err);
		free(list);
		return err;
	}
	*ret = list[0];
	free(list);
	if (strcmp(ret->kind, "bridge")) {
		fprintf(log, "failed to add interface to bridge `%s': not a bridge (%s)\n", br,
			*ret->kind ? ret->kind : "no link kind");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Like qemu-bridge-helper: fe:xx:... so the TAP never lends the bridge its MAC. */
static int set_high_mac(struct tw_nl *nl, const char *tap, FILE *log)
{
	struct tw_link_info *list = NULL;
	char what[64];
	size_t n = 0;
	int err;

	err = tw_link_list(nl, tap, &list, &n);
	if (err == 0 && (n != 1 || list[0].addr_len != 6))
		err = -EINVAL;
	if (err < 0) {
		snprintf(what, sizeof(what), "failed to get MAC address of device `%s'", tap);
		report(log, nl, what, err);
		free(list);
		return err;
	}
	list[0].addr[0] = 0xfe;
	err = tw_link_set_address(nl, tap, list[0].addr, 6);
	free(list);
	if (err < 0) {
		snprintf(what, sizeof(what), "failed to set MAC address of device `%s'", tap);
		report(log, nl, what, err);
	}
	return err;
}

static int configure_tap(struct tw_nl *nl, const char *tap, const struct tw_link_info *br,
			 FILE *log)
{
	char what[96];
	int err;

	err = tw_link_set_mtu(nl, tap, br->mtu);
	if (err < 0) {
		snprintf(what, sizeof(what), "failed to set mtu of device `%s' to %u", tap,
			 br->mtu);
		report(log, nl, what, err);
		return err;
	}
	err = set_high_mac(nl, tap, log);
	if (err < 0)
		return err;
	err = tw_link_set_master(nl, tap, br->name);
	if (err < 0) {
		snprintf(what, sizeof(what), "failed to add interface `%s' to bridge `%s'", tap,
			 br->name);
		report(log, nl, what, err);
		return err;
	}
	err = tw_link_set_up(nl, tap, true);
	if (err < 0) {
		snprintf(what, sizeof(what), "failed to bring up interface `%s'", tap);
		report(log, nl, what, err);
	}
	return err;
}

int helper_attach_tap(const struct helper_args *a, FILE *log)
{
	struct tw_link_info br;
	struct tw_nl *nl = NULL;
	char tap[IFNAMSIZ];
	int err, fd;

	err = check_socket(a->fd);
	if (err < 0) {
		fprintf(log, "failed to write fd to unix socket: %s\n", strerror(-err));
		return err;
	}
	err = tw_nl_open(&nl);
	if (err < 0) {
		fprintf(log, "failed to open control socket: %s\n", strerror(-err));
		return err;
	}
	err = find_bridge(nl, a->bridge, &br, log);
	if (err < 0)
		goto out;
	fd = tw_tun_open("tap%d", TW_TUN_MODE_TAP,
			 TW_TUN_CLOEXEC | (a->use_vnet ? TW_TUN_VNET_HDR : 0), tap);
	if (fd < 0) {
		err = fd;
		fprintf(log, "failed to create tun device: %s\n", strerror(-err));
		goto out;
	}
	err = configure_tap(nl, tap, &br, log);
	if (err == 0) {
		err = helper_send_fd(a->fd, fd);
		if (err < 0)
			fprintf(log, "failed to write fd to unix socket: %s\n", strerror(-err));
	}
	close(fd); /* QEMU holds its own copy now; on failure this deletes the TAP */
out:
	tw_nl_close(nl);
	return err;
}
