// SPDX-License-Identifier: MIT
/* Link configuration through rtnetlink (RTM_NEWLINK / RTM_GETLINK / RTM_DELLINK). */
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "internal.h"

TW_EXPORT int tw_link_index(struct tw_nl *nl, const char *name)
{
	unsigned idx;

	(void)nl;
	if (tw_ifname_valid(name) < 0)
		return -EINVAL;
	idx = if_nametoindex(name);
	return idx ? (int)idx : -ENODEV;
}

/* Starts an RTM_NEWLINK request for the existing link @name. */
static int link_req(struct tw_nl *nl, const char *name, struct nlmsghdr **ret_nlh,
		    struct ifinfomsg **ret_ifi)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int idx = tw_link_index(nl, name);

	if (idx < 0)
		return idx;
	nlh = nl_req_start(nl, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	*ret_nlh = nlh;
	if (ret_ifi)
		*ret_ifi = ifi;
	return 0;
}

TW_EXPORT int tw_link_set_up(struct tw_nl *nl, const char *name, bool up)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err = link_req(nl, name, &nlh, &ifi);

	if (err < 0)
		return err;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return nl_request(nl, nlh, NULL, NULL);
}

static int link_set_u32(struct tw_nl *nl, const char *name, uint16_t attr, uint32_t v)
{
	struct nlmsghdr *nlh;
	int err = link_req(nl, name, &nlh, NULL);

	if (err < 0)
		return err;
	mnl_attr_put_u32(nlh, attr, v);
	return nl_request(nl, nlh, NULL, NULL);
}

TW_EXPORT int tw_link_set_mtu(struct tw_nl *nl, const char *name, unsigned mtu)
{
	return link_set_u32(nl, name, IFLA_MTU, mtu);
}

TW_EXPORT int tw_link_set_txqueuelen(struct tw_nl *nl, const char *name, unsigned qlen)
{
	return link_set_u32(nl, name, IFLA_TXQLEN, qlen);
}

TW_EXPORT int tw_link_set_address(struct tw_nl *nl, const char *name, const uint8_t *addr,
				  size_t len)
{
	struct nlmsghdr *nlh;
	int err;

	if (!addr || len == 0 || len > 32)
		return -EINVAL;
	err = link_req(nl, name, &nlh, NULL);
	if (err < 0)
		return err;
	mnl_attr_put(nlh, IFLA_ADDRESS, len, addr);
	return nl_request(nl, nlh, NULL, NULL);
}

TW_EXPORT int tw_link_set_name(struct tw_nl *nl, const char *name, const char *newname)
{
	struct nlmsghdr *nlh;
	int err;

	if (tw_ifname_valid(newname) < 0)
		return -EINVAL;
	err = link_req(nl, name, &nlh, NULL);
	if (err < 0)
		return err;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, newname);
	return nl_request(nl, nlh, NULL, NULL);
}

TW_EXPORT int tw_link_set_master(struct tw_nl *nl, const char *name, const char *master)
{
	int midx = 0;

	if (master && *master) {
		midx = tw_link_index(nl, master);
		if (midx < 0)
			return midx;
	}
	return link_set_u32(nl, name, IFLA_MASTER, (uint32_t)midx);
}

TW_EXPORT int tw_link_delete(struct tw_nl *nl, const char *name)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int idx = tw_link_index(nl, name);

	if (idx < 0)
		return idx;
	nlh = nl_req_start(nl, RTM_DELLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_index = idx;
	return nl_request(nl, nlh, NULL, NULL);
}

struct link_list {
	struct tw_link_info *v;
	size_t n, cap;
	int err;
};

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
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
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *info[IFLA_INFO_MAX + 1] = {0};

		if (mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr_cb, info) >= 0 &&
		    info[IFLA_INFO_KIND] &&
		    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) >= 0)
			snprintf(li->kind, sizeof(li->kind), "%s",
				 mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
}

static int link_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_list *ll = data;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb) < 0)
		return MNL_CB_OK;
	if (ll->n == ll->cap) {
		size_t cap = ll->cap ? ll->cap * 2 : 16;
		struct tw_link_info *v = realloc(ll->v, cap * sizeof(*v));

		if (!v) {
			ll->err = -ENOMEM;
			return MNL_CB_OK; /* keep reading so the dump is drained */
		}
		ll->v = v;
		ll->cap = cap;
	}
	link_fill(&ll->v[ll->n++], ifi, tb);
	return MNL_CB_OK;
}

TW_EXPORT int tw_link_list(struct tw_nl *nl, const char *name, struct tw_link_info **ret_list,
			   size_t *ret_n)
{
	struct link_list ll = {0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	if (name) {
		if (tw_ifname_valid(name) < 0)
			return -EINVAL;
		nlh = nl_req_start(nl, RTM_GETLINK, 0, sizeof(*ifi));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	} else {
		nlh = nl_req_start(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
	err = nl_request(nl, nlh, link_list_cb, &ll);
	if (err == 0)
		err = ll.err;
	if (err < 0) {
		free(ll.v);
		return err;
	}
	*ret_list = ll.v;
	*ret_n = ll.n;
	return 0;
}
