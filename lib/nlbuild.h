/* SPDX-License-Identifier: MIT */
/*
 * Builders of rtnetlink requests, split from the functions that send them so
 * unit tests can check the exact message layout on a buffer of their own.
 * Not part of the API. Each builder writes one request at the start of @buf
 * (at least NLB_BUFSIZE bytes) with sequence number 0 and returns it.
 */
#ifndef TAPWIRE_NLBUILD_H
#define TAPWIRE_NLBUILD_H

#include <stdint.h>
#include <libmnl/libmnl.h>

#include "internal.h"

#define NLB_BUFSIZE 1024u

/* A header of @type with NLM_F_REQUEST|NLM_F_ACK|@flags and a zeroed family header. */
struct nlmsghdr *twi_nlb_start(void *buf, uint16_t type, uint16_t flags, size_t hdrlen);

/* RTM_NEWLINK for link @ifindex; @master_index is used with TW_LINK_SET_MASTER (0: none). */
struct nlmsghdr *twi_nlb_link_set(void *buf, int ifindex, const struct tw_link_set *req,
				  int master_index);

/* RTM_GETLINK for the link called @name (its index comes back). */
struct nlmsghdr *twi_nlb_link_get(void *buf, const char *name);

/* RTM_NEWADDR (@add) or RTM_DELADDR of @p on link @ifindex; @flags are TW_ADDR_*. */
struct nlmsghdr *twi_nlb_addr(void *buf, bool add, int ifindex, const struct tw_prefix *p,
			      unsigned flags);

/*
 * RTM_NEWROUTE (@add) or RTM_DELROUTE of @r through link @oif (0: none);
 * @flags are TW_ROUTE_*. Returns NULL when @r is inconsistent (families of
 * dst and gateway differ, or nothing to route through).
 */
struct nlmsghdr *twi_nlb_route(void *buf, bool add, const struct tw_route *r, int oif,
			       unsigned flags);

/* Gives a request built in nl->req its sequence number. */
static inline struct nlmsghdr *nl_req_seq(struct tw_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

#endif
