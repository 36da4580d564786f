// SPDX-License-Identifier: MIT
/* Link configuration through rtnetlink (RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK). */
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "nlbuild.h"

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK && nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*ifi)))
		*(int *)data = ifi->ifi_index;
	return MNL_CB_OK;
}

/*
 * Asks the handle's socket rather than if_nametoindex(): the handle may have
 * been opened in another network namespace than the caller now runs in.
 */
TW_EXPORT int tw_link_index(struct tw_nl *nl, const char *name)
{
	int idx = 0, err;

	if (tw_ifname_valid(name) < 0)
		return -EINVAL;
	err = twi_nl_request(nl, nl_req_seq(nl, twi_nlb_link_get(nl->req, name)), index_cb, &idx);
	if (err < 0)
		return err;
	return idx > 0 ? idx : -ENODEV;
}

static int set_check(const struct tw_link_set *req)
{
	if (req->mask & ~(TW_LINK_SET_UP | TW_LINK_SET_MTU | TW_LINK_SET_ADDRESS |
			  TW_LINK_SET_TXQLEN | TW_LINK_SET_NAME | TW_LINK_SET_MASTER))
		return -EINVAL;
	if ((req->mask & TW_LINK_SET_ADDRESS) &&
	    (req->address_len == 0 || req->address_len > sizeof(req->address)))
		return -EINVAL;
	if ((req->mask & TW_LINK_SET_NAME) && tw_ifname_valid(req->name) < 0)
		return -EINVAL;
	if ((req->mask & TW_LINK_SET_MASTER) && req->master[0] && tw_ifname_valid(req->master) < 0)
		return -EINVAL;
	return 0;
}

TW_EXPORT int tw_link_set(struct tw_nl *nl, const char *name, const struct tw_link_set *req)
{
	int idx, midx = 0, err;

	err = set_check(req);
	if (err < 0)
		return err;
	idx = tw_link_index(nl, name);
	if (idx < 0)
		return idx;
	if ((req->mask & TW_LINK_SET_MASTER) && req->master[0]) {
		midx = tw_link_index(nl, req->master);
		if (midx < 0)
			return midx;
	}
	return twi_nl_request(nl, nl_req_seq(nl, twi_nlb_link_set(nl->req, idx, req, midx)), NULL,
			      NULL);
}

TW_EXPORT int tw_link_set_up(struct tw_nl *nl, const char *name, bool up)
{
	struct tw_link_set req = {.mask = TW_LINK_SET_UP, .up = up};

	return tw_link_set(nl, name, &req);
}

TW_EXPORT int tw_link_set_mtu(struct tw_nl *nl, const char *name, unsigned mtu)
{
	struct tw_link_set req = {.mask = TW_LINK_SET_MTU, .mtu = mtu};

	return tw_link_set(nl, name, &req);
}

TW_EXPORT int tw_link_set_txqueuelen(struct tw_nl *nl, const char *name, unsigned qlen)
{
	struct tw_link_set req = {.mask = TW_LINK_SET_TXQLEN, .txqlen = qlen};

	return tw_link_set(nl, name, &req);
}

TW_EXPORT int tw_link_set_address(struct tw_nl *nl, const char *name, const uint8_t *addr,
				  size_t len)
{
	struct tw_link_set req = {.mask = TW_LINK_SET_ADDRESS, .address_len = len};

	if (!addr || len == 0 || len > sizeof(req.address))
		return -EINVAL;
	memcpy(req.address, addr, len);
	return tw_link_set(nl, name, &req);
}

TW_EXPORT int tw_link_set_name(struct tw_nl *nl, const char *name, const char *newname)
{
	struct tw_link_set req = {.mask = TW_LINK_SET_NAME};

	if (tw_ifname_valid(newname) < 0)
		return -EINVAL;
	snprintf(req.name, sizeof(req.name), "%s", newname);
	return tw_link_set(nl, name, &req);
}

TW_EXPORT int tw_link_set_master(struct tw_nl *nl, const char *name, const char *master)
{
	struct tw_link_set req = {.mask = TW_LINK_SET_MASTER};

	if (master && *master) {
		if (tw_ifname_valid(master) < 0)
			return -EINVAL;
		snprintf(req.master, sizeof(req.master), "%s", master);
	}
	return tw_link_set(nl, name, &req);
}

TW_EXPORT int tw_link_delete(struct tw_nl *nl, const char *name)
{
	int idx = tw_link_index(nl, name);

	return idx < 0 ? idx : twi_nl_link_del_index(nl, idx);
}

static void stats_fill(struct tw_link_info *li, const void *payload)
{
	struct rtnl_link_stats64 st;

	memcpy(&st, payload, sizeof(st)); /* attributes are only 4-byte aligned */
	li->has_stats = true;
	li->stats = (struct tw_link_stats){
	    .rx_packets = st.rx_packets,
	    .tx_packets = st.tx_packets,
	    .rx_bytes = st.rx_bytes,
	    .tx_bytes = st.tx_bytes,
	    .rx_errors = st.rx_errors,
	    .tx_errors = st.tx_errors,
	    .rx_dropped = st.rx_dropped,
	    .tx_dropped = st.tx_dropped,
	    .multicast = st.multicast,
	    .collisions = st.collisions,
	};
}

static void link_fill(struct tw_link_info *li, const struct ifinfomsg *ifi,
		      const struct nlattr **tb)
{
	memset(li, 0, sizeof(*li));
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) >= 0)
		snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU] && mnl_attr_validate(tb[IFLA_MTU], MNL_TYPE_U32) >= 0)
		li->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_TXQLEN] && mnl_attr_validate(tb[IFLA_TXQLEN], MNL_TYPE_U32) >= 0)
		li->txqlen = mnl_attr_get_u32(tb[IFLA_TXQLEN]);
	if (tb[IFLA_MASTER] && mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32) >= 0)
		li->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_OPERSTATE] && mnl_attr_validate(tb[IFLA_OPERSTATE], MNL_TYPE_U8) >= 0)
		li->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_ADDRESS]) {
		size_t len = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);

		if (len <= sizeof(li->addr)) {
			memcpy(li->addr, mnl_attr_get_payload(tb[IFLA_ADDRESS]), len);
			li->addr_len = len;
		}
	}
	li->type = ifi->ifi_type;
	if (tb[IFLA_LINK] && mnl_attr_validate(tb[IFLA_LINK], MNL_TYPE_U32) >= 0)
		li->link = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	li->link_netns = tb[IFLA_LINK_NETNSID] != NULL;
	if (tb[IFLA_BROADCAST]) {
		size_t len = mnl_attr_get_payload_len(tb[IFLA_BROADCAST]);

		if (len <= sizeof(li->broadcast)) {
			memcpy(li->broadcast, mnl_attr_get_payload(tb[IFLA_BROADCAST]), len);
			li->broadcast_len = len;
		}
	}
	if (tb[IFLA_QDISC] && mnl_attr_validate(tb[IFLA_QDISC], MNL_TYPE_NUL_STRING) >= 0)
		snprintf(li->qdisc, sizeof(li->qdisc), "%s", mnl_attr_get_str(tb[IFLA_QDISC]));
	if (tb[IFLA_STATS64] &&
	    mnl_attr_get_payload_len(tb[IFLA_STATS64]) >= sizeof(struct rtnl_link_stats64))
		stats_fill(li, mnl_attr_get_payload(tb[IFLA_STATS64]));
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = {0};

		if (twi_nl_attr_parse_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX) == 0 &&
		    info[IFLA_INFO_KIND] &&
		    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) >= 0)
			snprintf(li->kind, sizeof(li->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
}

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_vec *vec = data;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct tw_link_info *li;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return MNL_CB_OK;
	if (twi_nl_attr_parse(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return MNL_CB_OK;
	li = twi_nl_vec_push(vec, sizeof(*li));
	if (li)
		link_fill(li, ifi, tb);
	return MNL_CB_OK; /* on ENOMEM keep reading so the dump is drained */
}

int twi_link_list(struct tw_nl *nl, const char *name, struct tw_link_info **ret_list, size_t *ret_n)
{
	struct nl_vec vec = {0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	if (name) {
		if (tw_ifname_valid(name) < 0)
			return -EINVAL;
		nlh = twi_nl_req_start(nl, RTM_GETLINK, 0, sizeof(*ifi));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	} else {
		nlh = twi_nl_req_start(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF);
	err = twi_nl_request(nl, nlh, link_list_cb, &vec);
	if (err == 0)
		err = vec.err;
	if (err < 0) {
		free(vec.v);
		return err;
	}
	*ret_list = vec.v;
	*ret_n = vec.n;
	return 0;
}
