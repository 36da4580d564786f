// SPDX-License-Identifier: MIT
/* Small helpers the dump parsers of libtapwire share. */
#include <linux/rtnetlink.h>

#include "internal.h"

void *twi_nl_vec_push(struct nl_vec *vec, size_t size)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		void *v = realloc(vec->v, cap * size);

		if (!v) {
			vec->err = -ENOMEM;
			return NULL;
		}
		vec->v = v;
		vec->cap = cap;
	}
	return (char *)vec->v + size * vec->n++;
}

struct attr_tb {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_tb *t = data;
	unsigned type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

int twi_nl_attr_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned max)
{
	struct attr_tb t = {tb, max};

	if (nlh->nlmsg_len < NLMSG_LENGTH(hdrlen))
		return -EBADMSG;
	return mnl_attr_parse(nlh, (unsigned)hdrlen, attr_cb, &t) < 0 ? -EBADMSG : 0;
}

int twi_nl_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct attr_tb t = {tb, max};

	return mnl_attr_parse_nested(nest, attr_cb, &t) < 0 ? -EBADMSG : 0;
}

int twi_nl_link_del_index(struct tw_nl *nl, int ifindex)
{
	struct nlmsghdr *nlh = twi_nl_req_start(nl, RTM_DELLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_index = ifindex;
	return twi_nl_request(nl, nlh, NULL, NULL);
}
