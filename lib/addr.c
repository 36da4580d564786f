// SPDX-License-Identifier: MIT
/* Interface addresses through rtnetlink (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "nlbuild.h"

static int addr_check(const struct tw_prefix *p)
{
	if (!p || (p->family != AF_INET && p->family != AF_INET6))
		return -EINVAL;
	if (p->prefixlen > (p->family == AF_INET ? 32u : 128u))
		return -EINVAL;
	return 0;
}

static int addr_change(struct tw_nl *nl, bool add, const char *ifname, const struct tw_prefix *p,
		       unsigned flags)
{
	int idx, err = addr_check(p);

	if (err < 0)
		return err;
	idx = tw_link_index(nl, ifname);
	if (idx < 0)
		return idx;
	return twi_nl_request(nl, nl_req_seq(nl, twi_nlb_addr(nl->req, add, idx, p, flags)), NULL,
			      NULL);
}

TW_EXPORT int tw_addr_add(struct tw_nl *nl, const char *ifname, const struct tw_prefix *p,
			  unsigned flags)
{
	if (flags & ~(TW_ADDR_NODAD | TW_ADDR_REPLACE | TW_ADDR_NOPREFIXROUTE))
		return -EINVAL;
	return addr_change(nl, true, ifname, p, flags);
}

TW_EXPORT int tw_addr_del(struct tw_nl *nl, const char *ifname, const struct tw_prefix *p)
{
	return addr_change(nl, false, ifname, p, 0);
}

struct addr_list {
	struct nl_vec vec; /* of struct tw_addr_info */
	int ifindex;	   /* 0: all */
	int family;	   /* AF_UNSPEC: all */
};

/* Copies an address attribute of the right size into @p; false if absent or malformed. */
static bool attr_prefix(const struct nlattr *a, int family, unsigned plen, struct tw_prefix *p)
{
	size_t len = family == AF_INET ? 4 : 16;

	if (!a || mnl_attr_get_payload_len(a) != len)
		return false;
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->prefixlen = plen;
	memcpy(&p->addr, mnl_attr_get_payload(a), len);
	return true;
}

static void addr_fill(struct tw_addr_info *ai, const struct ifaddrmsg *ifa,
		      const struct nlattr **tb)
{
	const struct nlattr *local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];

	memset(ai, 0, sizeof(*ai));
	ai->family = ifa->ifa_family;
	ai->ifindex = (int)ifa->ifa_index;
	ai->scope = ifa->ifa_scope;
	ai->flags = ifa->ifa_flags;
	attr_prefix(local, ai->family, ifa->ifa_prefixlen, &ai->prefix);
	/* IFA_ADDRESS differs from IFA_LOCAL only on point-to-point links */
	if (tb[IFA_LOCAL] && tb[IFA_ADDRESS] &&
	    attr_prefix(tb[IFA_ADDRESS], ai->family, ifa->ifa_prefixlen, &ai->peer))
		ai->has_peer = !tw_prefix_equal(&ai->peer, &ai->prefix);
	if (ai->family == AF_INET && tb[IFA_BROADCAST] &&
	    mnl_attr_get_payload_len(tb[IFA_BROADCAST]) == sizeof(ai->broadcast)) {
		memcpy(&ai->broadcast, mnl_attr_get_payload(tb[IFA_BROADCAST]), 4);
		ai->has_broadcast = true;
	}
	if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) >= 0)
		ai->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if (tb[IFA_LABEL] && mnl_attr_validate(tb[IFA_LABEL], MNL_TYPE_NUL_STRING) >= 0)
		snprintf(ai->label, sizeof(ai->label), "%s", mnl_attr_get_str(tb[IFA_LABEL]));
	ai->valid_lft = ai->preferred_lft = UINT32_MAX;
	if (tb[IFA_CACHEINFO] &&
	    mnl_attr_get_payload_len(tb[IFA_CACHEINFO]) >= sizeof(struct ifa_cacheinfo)) {
		struct ifa_cacheinfo ci;

		memcpy(&ci, mnl_attr_get_payload(tb[IFA_CACHEINFO]), sizeof(ci));
		ai->valid_lft = ci.ifa_valid;
		ai->preferred_lft = ci.ifa_prefered;
	}
}

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *al = data;
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct tw_addr_info *ai;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if ((al->ifindex && (int)ifa->ifa_index != al->ifindex) ||
	    (al->family != AF_UNSPEC && ifa->ifa_family != al->family))
		return MNL_CB_OK;
	if (twi_nl_attr_parse(nlh, sizeof(*ifa), tb, IFA_MAX) < 0)
		return MNL_CB_OK;
	if (!tb[IFA_LOCAL] && !tb[IFA_ADDRESS])
		return MNL_CB_OK;
	ai = twi_nl_vec_push(&al->vec, sizeof(*ai));
	if (ai)
		addr_fill(ai, ifa, tb);
	return MNL_CB_OK; /* on ENOMEM keep reading so the dump is drained */
}

/* Names come from a link dump of the same handle, so they match its namespace. */
static int addr_names(struct tw_nl *nl, struct tw_addr_info *v, size_t n)
{
	struct tw_link_info *links;
	size_t nl_n;
	int err = tw_link_list(nl, NULL, &links, &nl_n);

	if (err < 0)
		return err;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < nl_n; j++)
			if (links[j].ifindex == v[i].ifindex)
				memcpy(v[i].ifname, links[j].name, sizeof(v[i].ifname));
	free(links);
	return 0;
}

int twi_addr_list(struct tw_nl *nl, const char *ifname, int family, struct tw_addr_info **ret_list,
		  size_t *ret_n)
{
	struct addr_list al = {.family = family};
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int err;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (ifname) {
		al.ifindex = tw_link_index(nl, ifname);
		if (al.ifindex < 0)
			return al.ifindex;
	}
	nlh = twi_nl_req_start(nl, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (uint8_t)family;
	err = twi_nl_request(nl, nlh, addr_list_cb, &al);
	if (err == 0)
		err = al.vec.err;
	if (err == 0 && al.vec.n)
		err = addr_names(nl, al.vec.v, al.vec.n);
	if (err < 0) {
		free(al.vec.v);
		return err;
	}
	*ret_list = al.vec.v;
	*ret_n = al.vec.n;
	return 0;
}
