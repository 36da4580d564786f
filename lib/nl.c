// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "internal.h"

TW_EXPORT const char *tw_version(void)
{
	return TAPWIRE_VERSION;
}

TW_EXPORT int tw_nl_open(struct tw_nl **ret_nl)
{
	struct tw_nl *nl;
	int one = 1, err;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		err = -errno;
		free(nl);
		return err;
	}
	/* Best effort: older kernels lack these; errors then carry no text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl->sock);
		free(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*ret_nl = nl;
	return 0;
}

TW_EXPORT void tw_nl_close(struct tw_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

TW_EXPORT int tw_nl_fd(const struct tw_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

TW_EXPORT const char *tw_nl_errmsg(const struct tw_nl *nl)
{
	return nl->errmsg;
}

struct nlmsghdr *twi_nl_req_start(struct tw_nl *nl, uint16_t type, uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->req);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

void twi_nl_parse_extack(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {0};
	const struct nlmsgerr *err;
	size_t off;

	if (len)
		buf[0] = '\0';
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*err)) || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	err = mnl_nlmsg_get_payload(nlh);
	off = sizeof(*err);
	/* the echoed request's length comes from the wire: no wrap in either
	 * direction (found by fuzz_netlink: a length near 2^32 wrapped the
	 * bound check and sent the parser 4 GiB past the message) */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		off += (size_t)err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (off > nlh->nlmsg_len - NLMSG_HDRLEN)
		return;
	if (mnl_attr_parse(nlh, off, extack_attr_cb, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] && len)
		snprintf(buf, len, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
}

struct req_ctx {
	struct tw_nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	/* The kernel sends -errno; anything else (found by fuzz_netlink:
	 * INT_MIN, whose negation overflows) is a malformed reply. */
	if (err->error > 0 || err->error < -4095) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	twi_nl_parse_extack(nlh, ctx->nl->errmsg, sizeof(ctx->nl->errmsg));
	errno = -err->error;
	return MNL_CB_ERROR;
}

/* With a control table, libmnl leaves NLMSG_DONE to us: it ends a dump. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *ctx = data;

	return ctx->cb ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

bool twi_nl_reply_valid(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t off = 0;

	while (off < len) {
		const struct nlmsghdr *nlh = (const void *)(p + off);

		if (len - off < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
		    nlh->nlmsg_len > len - off)
			return false;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
	return true;
}

int twi_nl_request(struct tw_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {0};
	struct req_ctx ctx = {.nl = nl, .cb = cb, .data = data};
	unsigned seq = req->nlmsg_seq;
	ssize_t n;
	int ret;

	nl->errmsg[0] = '\0';
	ctl[NLMSG_ERROR] = error_cb;
	ctl[NLMSG_DONE] = done_cb;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->rcv, sizeof(nl->rcv));
		if (n < 0)
			return -errno;
		/* libmnl reads a length of 2^31 or more as negative and walks off the buffer. */
		if (!twi_nl_reply_valid(nl->rcv, (size_t)n))
			return -EBADMSG;
		ret = mnl_cb_run2(nl->rcv, (size_t)n, seq, nl->portid, data_cb, &ctx, ctl,
				  NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -(errno ? errno : EIO) : 0;
}
