// SPDX-License-Identifier: MIT
/* Routes through rtnetlink (RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "nlbuild.h"

static int route_change(struct tw_nl *nl, bool add, const struct tw_route *r, unsigned flags)
{
	struct nlmsghdr *nlh;
	int oif = 0;

	if (!r || (flags & ~TW_ROUTE_REPLACE))
		return -EINVAL;
	if (r->dev[0]) {
		oif = tw_link_index(nl, r->dev);
		if (oif < 0)
			return oif;
	}
	nlh = twi_nlb_route(nl->req, add, r, oif, flags);
	if (!nlh)
		return -EINVAL;
	return twi_nl_request(nl, nl_req_seq(nl, nlh), NULL, NULL);
}

TW_EXPORT int tw_route_add(struct tw_nl *nl, const struct tw_route *r, unsigned flags)
{
	return route_change(nl, true, r, flags);
}

TW_EXPORT int tw_route_del(struct tw_nl *nl, const struct tw_route *r)
{
	return route_change(nl, false, r, 0);
}

struct route_list {
	struct nl_vec vec; /* of struct tw_route */
	uint32_t table;
};

static bool attr_addr(const struct nlattr *a, int family, unsigned plen, struct tw_prefix *p)
{
	size_t len = family == AF_INET ? 4 : 16;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->prefixlen = plen;
	if (!a || mnl_attr_get_payload_len(a) != len)
		return false;
	memcpy(&p->addr, mnl_attr_get_payload(a), len);
	return true;
}

static uint32_t attr_u32(const struct nlattr *a, uint32_t def)
{
	return a && mnl_attr_validate(a, MNL_TYPE_U32) >= 0 ? mnl_attr_get_u32(a) : def;
}

static void route_fill(struct tw_route *r, const struct rtmsg *rtm, const struct nlattr **tb)
{
	unsigned full = rtm->rtm_family == AF_INET ? 32 : 128;

	memset(r, 0, sizeof(*r));
	attr_addr(tb[RTA_DST], rtm->rtm_family, rtm->rtm_dst_len, &r->dst);
	r->has_gateway = attr_addr(tb[RTA_GATEWAY], rtm->rtm_family, full, &r->gateway);
	r->has_prefsrc = attr_addr(tb[RTA_PREFSRC], rtm->rtm_family, full, &r->prefsrc);
	r->ifindex = (int)attr_u32(tb[RTA_OIF], 0);
	r->metric = attr_u32(tb[RTA_PRIORITY], 0);
	r->table = attr_u32(tb[RTA_TABLE], rtm->rtm_table);
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->type = rtm->rtm_type;
	r->flags = rtm->rtm_flags;
}

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *rl = data;
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct tw_route *r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return MNL_CB_OK;
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return MNL_CB_OK;
	if (twi_nl_attr_parse(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return MNL_CB_OK;
	if (attr_u32(tb[RTA_TABLE], rtm->rtm_table) != rl->table)
		return MNL_CB_OK;
	r = twi_nl_vec_push(&rl->vec, sizeof(*r));
	if (r)
		route_fill(r, rtm, tb);
	return MNL_CB_OK; /* on ENOMEM keep reading so the dump is drained */
}

static int route_dump(struct tw_nl *nl, int family, struct route_list *rl)
{
	struct nlmsghdr *nlh = twi_nl_req_start(nl, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int err;

	rtm->rtm_family = (uint8_t)family;
	err = twi_nl_request(nl, nlh, route_list_cb, rl);
	return err < 0 ? err : rl->vec.err;
}

/* Device names from a link dump of the same handle, so they match its namespace. */
static int route_names(struct tw_nl *nl, struct tw_route *v, size_t n)
{
	struct tw_link_info *links;
	size_t nl_n;
	int err = tw_link_list(nl, NULL, &links, &nl_n);

	if (err < 0)
		return err;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < nl_n && v[i].ifindex; j++)
			if (links[j].ifindex == v[i].ifindex)
				memcpy(v[i].dev, links[j].name, sizeof(v[i].dev));
	free(links);
	return 0;
}

int twi_route_list(struct tw_nl *nl, int family, uint32_t table, struct tw_route **ret_list,
		   size_t *ret_n)
{
	struct route_list rl = {.table = table ? table : RT_TABLE_MAIN};
	int err = 0;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (family != AF_INET6)
		err = route_dump(nl, AF_INET, &rl);
	if (err == 0 && family != AF_INET)
		err = route_dump(nl, AF_INET6, &rl);
	if (err == 0 && rl.vec.n)
		err = route_names(nl, rl.vec.v, rl.vec.n);
	if (err < 0) {
		free(rl.vec.v);
		return err;
	}
	*ret_list = rl.vec.v;
	*ret_n = rl.vec.n;
	return 0;
}
