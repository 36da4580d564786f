// SPDX-License-Identifier: MIT
/* Request builders for links, addresses and routes (see nlbuild.h). */
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "nlbuild.h"

struct nlmsghdr *twi_nlb_start(void *buf, uint16_t type, uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

struct nlmsghdr *twi_nlb_link_set(void *buf, int ifindex, const struct tw_link_set *req,
				  int master_index)
{
	struct nlmsghdr *nlh = twi_nlb_start(buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (req->mask & TW_LINK_SET_UP) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = req->up ? IFF_UP : 0;
	}
	if (req->mask & TW_LINK_SET_ADDRESS)
		mnl_attr_put(nlh, IFLA_ADDRESS, req->address_len, req->address);
	if (req->mask & TW_LINK_SET_MTU)
		mnl_attr_put_u32(nlh, IFLA_MTU, req->mtu);
	if (req->mask & TW_LINK_SET_NAME)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, req->name);
	if (req->mask & TW_LINK_SET_MASTER)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_index);
	if (req->mask & TW_LINK_SET_TXQLEN)
		mnl_attr_put_u32(nlh, IFLA_TXQLEN, req->txqlen);
	return nlh;
}

struct nlmsghdr *twi_nlb_link_get(void *buf, const char *name)
{
	struct nlmsghdr *nlh = twi_nlb_start(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nlh;
}

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

struct nlmsghdr *twi_nlb_addr(void *buf, bool add, int ifindex, const struct tw_prefix *p,
			      unsigned flags)
{
	uint16_t nlflags = 0;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t ifaf = 0;
	size_t alen = family_len(p->family);

	if (add)
		nlflags = NLM_F_CREATE | ((flags & TW_ADDR_REPLACE) ? NLM_F_REPLACE : NLM_F_EXCL);
	nlh = twi_nlb_start(buf, add ? RTM_NEWADDR : RTM_DELADDR, nlflags, sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (uint8_t)p->family;
	ifa->ifa_prefixlen = (uint8_t)p->prefixlen;
	ifa->ifa_index = (uint32_t)ifindex;
	/* like ip: loopback addresses get host scope, the rest global */
	if (add && p->family == AF_INET && p->addr.bytes[0] == 127)
		ifa->ifa_scope = RT_SCOPE_HOST;
	mnl_attr_put(nlh, IFA_LOCAL, alen, &p->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, &p->addr);
	if (add && p->family == AF_INET && p->prefixlen < 31) {
		struct in_addr brd = p->addr.v4;

		brd.s_addr |= htonl(0xffffffffu >> p->prefixlen);
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
	}
	if (add && (flags & TW_ADDR_NODAD))
		ifaf |= IFA_F_NODAD;
	if (add && (flags & TW_ADDR_NOPREFIXROUTE))
		ifaf |= IFA_F_NOPREFIXROUTE;
	ifa->ifa_flags = (uint8_t)(ifaf & 0xff);
	if (ifaf > 0xff)
		mnl_attr_put_u32(nlh, IFA_FLAGS, ifaf);
	return nlh;
}

/* The family of a route: the destination's, or for "default" the gateway's (IPv4 without one). */
static int route_family(const struct tw_route *r)
{
	if (r->dst.family != AF_UNSPEC)
		return r->dst.family;
	return r->has_gateway ? r->gateway.family : AF_INET;
}

struct nlmsghdr *twi_nlb_route(void *buf, bool add, const struct tw_route *r, int oif,
			       unsigned flags)
{
	int family = route_family(r);
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	uint16_t nlflags = 0;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	if (r->has_gateway && r->gateway.family != family)
		return NULL;
	if (r->dst.family == AF_UNSPEC && r->dst.prefixlen)
		return NULL;
	if (add && !oif && !r->has_gateway)
		return NULL;
	if (add)
		nlflags = NLM_F_CREATE | ((flags & TW_ROUTE_REPLACE) ? NLM_F_REPLACE : NLM_F_EXCL);
	nlh = twi_nlb_start(buf, add ? RTM_NEWROUTE : RTM_DELROUTE, nlflags, sizeof(*rtm));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)r->dst.prefixlen;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (add) {
		rtm->rtm_protocol = RTPROT_BOOT;
		rtm->rtm_type = RTN_UNICAST;
		/* like ip: a route without a gateway on IPv4 reaches the link only */
		rtm->rtm_scope =
		    (family == AF_INET && !r->has_gateway) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* matches any scope */
	}
	if (table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (r->dst.prefixlen)
		mnl_attr_put(nlh, RTA_DST, family_len(family), &r->dst.addr);
	if (r->has_gateway)
		mnl_attr_put(nlh, RTA_GATEWAY, family_len(family), &r->gateway.addr);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (r->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	return nlh;
}
