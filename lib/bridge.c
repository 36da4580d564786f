// SPDX-License-Identifier: MIT
/*
 * Bridges through rtnetlink: options ride in IFLA_LINKINFO/IFLA_INFO_DATA
 * (IFLA_BR_*), ports are read from AF_BRIDGE link dumps (IFLA_PROTINFO,
 * IFLA_BRPORT_*) and set with AF_BRIDGE RTM_SETLINK, the forwarding
 * database comes from an AF_BRIDGE RTM_GETNEIGH dump.
 */
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "bridge_nl.h"
#include "internal.h"

/* Attribute readers that accept a missing attribute and refuse short ones. */
static uint64_t get_uint(const struct nlattr *a)
{
	if (!a)
		return 0;
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return 0;
}

static void get_str(const struct nlattr *a, char *buf, size_t len)
{
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(buf, len, "%s", mnl_attr_get_str(a));
}

static void get_id(const struct nlattr *a, struct tw_bridge_id *id)
{
	const struct ifla_bridge_id *raw;

	if (!a || mnl_attr_get_payload_len(a) < sizeof(*raw))
		return;
	raw = mnl_attr_get_payload(a);
	id->prio = (uint16_t)(raw->prio[0] << 8 | raw->prio[1]);
	memcpy(id->addr, raw->addr, sizeof(id->addr));
}

static void get_mac(const struct nlattr *a, uint8_t *mac)
{
	if (a && mnl_attr_get_payload_len(a) == 6)
		memcpy(mac, mnl_attr_get_payload(a), 6);
}

void twi_bridge_put_linkinfo(struct nlmsghdr *nlh, const struct tw_bridge_opts *opts)
{
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO), *data;

	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	if (opts && opts->mask) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (opts->mask & TW_BRIDGE_STP_STATE)
			mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, opts->stp_state ? 1 : 0);
		if (opts->mask & TW_BRIDGE_FORWARD_DELAY)
			mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, opts->forward_delay);
		if (opts->mask & TW_BRIDGE_HELLO_TIME)
			mnl_attr_put_u32(nlh, IFLA_BR_HELLO_TIME, opts->hello_time);
		if (opts->mask & TW_BRIDGE_MAX_AGE)
			mnl_attr_put_u32(nlh, IFLA_BR_MAX_AGE, opts->max_age);
		if (opts->mask & TW_BRIDGE_AGEING_TIME)
			mnl_attr_put_u32(nlh, IFLA_BR_AGEING_TIME, opts->ageing_time);
		if (opts->mask & TW_BRIDGE_PRIORITY)
			mnl_attr_put_u16(nlh, IFLA_BR_PRIORITY, opts->priority);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
}

void twi_bridge_put_protinfo(struct nlmsghdr *nlh, const struct tw_bridge_port_opts *opts)
{
	/* mnl_attr_nest_start() sets NLA_F_NESTED, without which the kernel would read a bare
	 * port state. */
	struct nlattr *nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);

	if (opts->mask & TW_BRIDGE_PORT_COST)
		mnl_attr_put_u32(nlh, IFLA_BRPORT_COST, opts->cost);
	if (opts->mask & TW_BRIDGE_PORT_PRIORITY)
		mnl_attr_put_u16(nlh, IFLA_BRPORT_PRIORITY, opts->priority);
	if (opts->mask & TW_BRIDGE_PORT_HAIRPIN)
		mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, opts->hairpin ? 1 : 0);
	mnl_attr_nest_end(nlh, nest);
}

static void bridge_fill_data(struct tw_bridge_info *info, const struct nlattr **br)
{
	get_id(br[IFLA_BR_BRIDGE_ID], &info->bridge_id);
	get_id(br[IFLA_BR_ROOT_ID], &info->root_id);
	info->root_port = (uint16_t)get_uint(br[IFLA_BR_ROOT_PORT]);
	info->root_path_cost = (uint32_t)get_uint(br[IFLA_BR_ROOT_PATH_COST]);
	info->stp_state = (uint32_t)get_uint(br[IFLA_BR_STP_STATE]);
	info->forward_delay = (uint32_t)get_uint(br[IFLA_BR_FORWARD_DELAY]);
	info->hello_time = (uint32_t)get_uint(br[IFLA_BR_HELLO_TIME]);
	info->max_age = (uint32_t)get_uint(br[IFLA_BR_MAX_AGE]);
	info->ageing_time = (uint32_t)get_uint(br[IFLA_BR_AGEING_TIME]);
	info->priority = (uint16_t)get_uint(br[IFLA_BR_PRIORITY]);
	info->topology_change = get_uint(br[IFLA_BR_TOPOLOGY_CHANGE]) != 0;
	info->topology_change_detected = get_uint(br[IFLA_BR_TOPOLOGY_CHANGE_DETECTED]) != 0;
	info->vlan_filtering = get_uint(br[IFLA_BR_VLAN_FILTERING]) != 0;
	info->hello_timer = get_uint(br[IFLA_BR_HELLO_TIMER]);
	info->tcn_timer = get_uint(br[IFLA_BR_TCN_TIMER]);
	info->topology_change_timer = get_uint(br[IFLA_BR_TOPOLOGY_CHANGE_TIMER]);
	info->gc_timer = get_uint(br[IFLA_BR_GC_TIMER]);
}

int twi_bridge_parse_link(const struct nlmsghdr *nlh, struct tw_bridge_info *info)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0}, *li[IFLA_INFO_MAX + 1] = {0};
	const struct nlattr *br[IFLA_BR_MAX + 1] = {0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	char kind[16] = "";

	if (twi_nl_attr_parse(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EBADMSG;
	if (!tb[IFLA_LINKINFO] ||
	    twi_nl_attr_parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) < 0)
		return 0;
	get_str(li[IFLA_INFO_KIND], kind, sizeof(kind));
	if (strcmp(kind, "bridge"))
		return 0;
	if (li[IFLA_INFO_DATA] && twi_nl_attr_parse_nested(li[IFLA_INFO_DATA], br, IFLA_BR_MAX) < 0)
		return -EBADMSG;
	memset(info, 0, sizeof(*info));
	info->ifindex = ifi->ifi_index;
	info->flags = ifi->ifi_flags;
	get_str(tb[IFLA_IFNAME], info->name, sizeof(info->name));
	info->mtu = (unsigned)get_uint(tb[IFLA_MTU]);
	get_mac(tb[IFLA_ADDRESS], info->addr);
	bridge_fill_data(info, br);
	return 1;
}

static void port_fill(struct tw_bridge_port_info *p, const struct nlattr **pt)
{
	p->state = (uint8_t)get_uint(pt[IFLA_BRPORT_STATE]);
	p->priority = (uint16_t)get_uint(pt[IFLA_BRPORT_PRIORITY]);
	p->cost = (uint32_t)get_uint(pt[IFLA_BRPORT_COST]);
	p->hairpin = get_uint(pt[IFLA_BRPORT_MODE]) != 0;
	p->port_id = (uint16_t)get_uint(pt[IFLA_BRPORT_ID]);
	p->port_no = (uint16_t)get_uint(pt[IFLA_BRPORT_NO]);
	get_id(pt[IFLA_BRPORT_ROOT_ID], &p->designated_root);
	get_id(pt[IFLA_BRPORT_BRIDGE_ID], &p->designated_bridge);
	p->designated_port = (uint16_t)get_uint(pt[IFLA_BRPORT_DESIGNATED_PORT]);
	p->designated_cost = (uint32_t)get_uint(pt[IFLA_BRPORT_DESIGNATED_COST]);
	p->topology_change_ack = get_uint(pt[IFLA_BRPORT_TOPOLOGY_CHANGE_ACK]) != 0;
	p->config_pending = get_uint(pt[IFLA_BRPORT_CONFIG_PENDING]) != 0;
	p->message_age_timer = get_uint(pt[IFLA_BRPORT_MESSAGE_AGE_TIMER]);
	p->forward_delay_timer = get_uint(pt[IFLA_BRPORT_FORWARD_DELAY_TIMER]);
	p->hold_timer = get_uint(pt[IFLA_BRPORT_HOLD_TIMER]);
}

int twi_bridge_parse_port(const struct nlmsghdr *nlh, struct tw_bridge_port_info *info)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0}, *pt[IFLA_BRPORT_MAX + 1] = {0};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (twi_nl_attr_parse(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EBADMSG;
	if (ifi->ifi_family != AF_BRIDGE || !tb[IFLA_PROTINFO] || !tb[IFLA_MASTER])
		return 0;
	if (!(tb[IFLA_PROTINFO]->nla_type & NLA_F_NESTED))
		return 0;
	if (twi_nl_attr_parse_nested(tb[IFLA_PROTINFO], pt, IFLA_BRPORT_MAX) < 0)
		return -EBADMSG;
	memset(info, 0, sizeof(*info));
	info->ifindex = ifi->ifi_index;
	info->flags = ifi->ifi_flags;
	info->master = (int)get_uint(tb[IFLA_MASTER]);
	get_str(tb[IFLA_IFNAME], info->name, sizeof(info->name));
	port_fill(info, pt);
	return 1;
}

int twi_bridge_parse_fdb(const struct nlmsghdr *nlh, int brindex, struct tw_bridge_fdb_entry *e)
{
	const struct nlattr *tb[NDA_MAX + 1] = {0};
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nda_cacheinfo *ci;

	if (twi_nl_attr_parse(nlh, sizeof(*ndm), tb, NDA_MAX) < 0)
		return -EBADMSG;
	/* Entries of the bridge itself and of the ports' own address lists carry NTF_SELF: they
	 * are not the bridge's forwarding database. */
	if (ndm->ndm_family != AF_BRIDGE || (ndm->ndm_flags & NTF_SELF))
		return 0;
	if (!tb[NDA_MASTER] || (int)get_uint(tb[NDA_MASTER]) != brindex ||
	    ndm->ndm_ifindex == brindex)
		return 0;
	if (!tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return 0;
	memset(e, 0, sizeof(*e));
	get_mac(tb[NDA_LLADDR], e->mac);
	e->ifindex = ndm->ndm_ifindex;
	e->vlan = (uint16_t)get_uint(tb[NDA_VLAN]);
	e->is_local = (ndm->ndm_state & NUD_PERMANENT) != 0;
	e->is_static = (ndm->ndm_state & NUD_NOARP) != 0;
	if (tb[NDA_CACHEINFO] && mnl_attr_get_payload_len(tb[NDA_CACHEINFO]) >= sizeof(*ci)) {
		ci = mnl_attr_get_payload(tb[NDA_CACHEINFO]);
		e->ageing_timer = ci->ndm_updated;
	}
	return 1;
}

struct get_ctx {
	struct tw_bridge_info *info;
	int found; /* 1 bridge, 0 other kind, <0 error */
	struct nl_vec vec;
};

static int bridge_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *ctx = data;
	struct tw_bridge_info tmp;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	ctx->found = twi_bridge_parse_link(nlh, &tmp);
	if (ctx->found == 1)
		*ctx->info = tmp;
	return MNL_CB_OK;
}

/* Reads the bridge @name into @info (may be NULL: just check it is one). */
static int bridge_lookup(struct tw_nl *nl, const char *name, struct tw_bridge_info *info)
{
	struct tw_bridge_info tmp;
	struct get_ctx ctx = {.info = info ? info : &tmp, .found = -ENODEV};
	struct nlmsghdr *nlh;
	int err;

	if (tw_ifname_valid(name) < 0)
		return -EINVAL;
	nlh = twi_nl_req_start(nl, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = twi_nl_request(nl, nlh, bridge_get_cb, &ctx);
	if (err < 0)
		return err;
	if (ctx.found == 0)
		return -EMEDIUMTYPE;
	return ctx.found < 0 ? ctx.found : 0;
}

TW_EXPORT int tw_bridge_get(struct tw_nl *nl, const char *name, struct tw_bridge_info *ret_info)
{
	struct tw_bridge_info info;
	int err = bridge_lookup(nl, name, &info);

	if (err < 0)
		return err;
	*ret_info = info;
	return 0;
}

static int bridge_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_vec *vec = data;
	struct tw_bridge_info info, *slot;

	if (nlh->nlmsg_type != RTM_NEWLINK || twi_bridge_parse_link(nlh, &info) != 1)
		return MNL_CB_OK;
	slot = twi_nl_vec_push(vec, sizeof(info));
	if (slot)
		*slot = info;
	return MNL_CB_OK; /* on ENOMEM keep reading so the dump is drained */
}

int twi_bridge_list(struct tw_nl *nl, struct tw_bridge_info **ret_list, size_t *ret_n)
{
	struct nl_vec vec = {0};
	struct nlmsghdr *nlh;
	int err;

	nlh = twi_nl_req_start(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	err = twi_nl_request(nl, nlh, bridge_list_cb, &vec);
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

TW_EXPORT int tw_bridge_add(struct tw_nl *nl, const char *name, const struct tw_bridge_opts *opts)
{
	struct nlmsghdr *nlh;

	if (tw_ifname_valid(name) < 0)
		return -EINVAL;
	nlh =
	    twi_nl_req_start(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	twi_bridge_put_linkinfo(nlh, opts);
	return twi_nl_request(nl, nlh, NULL, NULL);
}

TW_EXPORT int tw_bridge_delete(struct tw_nl *nl, const char *name)
{
	struct tw_bridge_info info;
	int err = bridge_lookup(nl, name, &info);

	return err < 0 ? err : twi_nl_link_del_index(nl, info.ifindex);
}

TW_EXPORT int tw_bridge_set(struct tw_nl *nl, const char *name, const struct tw_bridge_opts *opts)
{
	struct tw_bridge_info info;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	if (!opts)
		return -EINVAL;
	err = bridge_lookup(nl, name, &info);
	if (err < 0)
		return err;
	if (!opts->mask)
		return 0;
	nlh = twi_nl_req_start(nl, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_index = info.ifindex;
	twi_bridge_put_linkinfo(nlh, opts);
	return twi_nl_request(nl, nlh, NULL, NULL);
}

TW_EXPORT int tw_bridge_addif(struct tw_nl *nl, const char *bridge, const char *ifname)
{
	struct tw_link_info *li = NULL;
	size_t n = 0;
	int err = bridge_lookup(nl, bridge, NULL);

	if (err < 0)
		return err;
	err = tw_link_list(nl, ifname, &li, &n);
	if (err < 0)
		return err;
	err = n == 1 && li[0].master ? -EBUSY : n == 1 ? 0 : -ENODEV;
	free(li);
	if (err < 0)
		return err;
	return tw_link_set_master(nl, ifname, bridge);
}

TW_EXPORT int tw_bridge_delif(struct tw_nl *nl, const char *bridge, const char *ifname)
{
	struct tw_bridge_info br;
	struct tw_bridge_port_info port;
	int err = bridge_lookup(nl, bridge, &br);

	if (err < 0)
		return err;
	err = tw_bridge_port_get(nl, ifname, &port);
	if (err < 0)
		return err;
	if (port.master != br.ifindex)
		return -ENOENT;
	return tw_link_set_master(nl, ifname, NULL);
}

struct port_ctx {
	struct nl_vec vec;
	int master;  /* 0: any */
	int ifindex; /* 0: any */
};

static int port_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct port_ctx *ctx = data;
	struct tw_bridge_port_info info, *slot;

	if (nlh->nlmsg_type != RTM_NEWLINK || twi_bridge_parse_port(nlh, &info) != 1)
		return MNL_CB_OK;
	if ((ctx->master && info.master != ctx->master) ||
	    (ctx->ifindex && info.ifindex != ctx->ifindex))
		return MNL_CB_OK;
	slot = twi_nl_vec_push(&ctx->vec, sizeof(info));
	if (slot)
		*slot = info;
	return MNL_CB_OK;
}

static int port_dump(struct tw_nl *nl, struct port_ctx *ctx)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	nlh = twi_nl_req_start(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_BRIDGE;
	err = twi_nl_request(nl, nlh, port_list_cb, ctx);
	if (err == 0)
		err = ctx->vec.err;
	if (err < 0) {
		free(ctx->vec.v);
		ctx->vec.v = NULL;
	}
	return err;
}

int twi_bridge_port_list(struct tw_nl *nl, const char *bridge,
			 struct tw_bridge_port_info **ret_list, size_t *ret_n)
{
	struct port_ctx ctx = {0};
	struct tw_bridge_info br;
	int err;

	if (bridge) {
		err = bridge_lookup(nl, bridge, &br);
		if (err < 0)
			return err;
		ctx.master = br.ifindex;
	}
	err = port_dump(nl, &ctx);
	if (err < 0)
		return err;
	*ret_list = ctx.vec.v;
	*ret_n = ctx.vec.n;
	return 0;
}

TW_EXPORT int tw_bridge_port_get(struct tw_nl *nl, const char *ifname,
				 struct tw_bridge_port_info *ret_info)
{
	struct port_ctx ctx = {0};
	int err;

	ctx.ifindex = tw_link_index(nl, ifname);
	if (ctx.ifindex < 0)
		return ctx.ifindex;
	err = port_dump(nl, &ctx);
	if (err < 0)
		return err;
	if (ctx.vec.n == 0)
		err = -ENOENT;
	else
		*ret_info = *(struct tw_bridge_port_info *)ctx.vec.v;
	free(ctx.vec.v);
	return err;
}

TW_EXPORT int tw_bridge_port_set(struct tw_nl *nl, const char *ifname,
				 const struct tw_bridge_port_opts *opts)
{
	struct tw_bridge_port_info port;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	if (!opts)
		return -EINVAL;
	err = tw_bridge_port_get(nl, ifname, &port);
	if (err < 0)
		return err;
	if (!opts->mask)
		return 0;
	nlh = twi_nl_req_start(nl, RTM_SETLINK, 0, sizeof(*ifi));
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = port.ifindex;
	twi_bridge_put_protinfo(nlh, opts);
	return twi_nl_request(nl, nlh, NULL, NULL);
}

struct fdb_ctx {
	struct nl_vec vec;
	int brindex;
};

static int fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	struct fdb_ctx *ctx = data;
	struct tw_bridge_fdb_entry e, *slot;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || twi_bridge_parse_fdb(nlh, ctx->brindex, &e) != 1)
		return MNL_CB_OK;
	slot = twi_nl_vec_push(&ctx->vec, sizeof(e));
	if (slot)
		*slot = e;
	return MNL_CB_OK;
}

static int fdb_cmp(const void *a, const void *b)
{
	const struct tw_bridge_fdb_entry *x = a, *y = b;
	int d = memcmp(x->mac, y->mac, sizeof(x->mac));

	if (d)
		return d;
	if (x->vlan != y->vlan)
		return x->vlan < y->vlan ? -1 : 1;
	return x->ifindex - y->ifindex;
}

/* Fills in port numbers: the neighbour dump names ports by ifindex only. */
static int fdb_fill_ports(struct tw_nl *nl, int brindex, struct tw_bridge_fdb_entry *v, size_t n)
{
	struct port_ctx ctx = {.master = brindex};
	const struct tw_bridge_port_info *ports;
	int err = port_dump(nl, &ctx);

	if (err < 0)
		return err;
	ports = ctx.vec.v;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ctx.vec.n; j++)
			if (ports[j].ifindex == v[i].ifindex)
				v[i].port_no = ports[j].port_no;
	free(ctx.vec.v);
	return 0;
}

int twi_bridge_fdb_list(struct tw_nl *nl, const char *bridge, struct tw_bridge_fdb_entry **ret_list,
			size_t *ret_n)
{
	struct fdb_ctx ctx = {0};
	struct tw_bridge_info br;
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err = bridge_lookup(nl, bridge, &br);

	if (err < 0)
		return err;
	ctx.brindex = br.ifindex;
	nlh = twi_nl_req_start(nl, RTM_GETNEIGH, NLM_F_DUMP, sizeof(*ndm));
	ndm = mnl_nlmsg_get_payload(nlh);
	ndm->ndm_family = AF_BRIDGE;
	/* The kernel then dumps only this bridge and its ports. */
	mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)br.ifindex);
	err = twi_nl_request(nl, nlh, fdb_cb, &ctx);
	if (err == 0)
		err = ctx.vec.err;
	if (err == 0)
		err = fdb_fill_ports(nl, br.ifindex, ctx.vec.v, ctx.vec.n);
	if (err < 0) {
		free(ctx.vec.v);
		return err;
	}
	if (ctx.vec.n)
		qsort(ctx.vec.v, ctx.vec.n, sizeof(struct tw_bridge_fdb_entry), fdb_cmp);
	*ret_list = ctx.vec.v;
	*ret_n = ctx.vec.n;
	return 0;
}

TW_EXPORT int tw_bridge_id_format(const struct tw_bridge_id *id, char *buf, size_t len)
{
	const uint8_t *a = id->addr;
	int n;

	if (len < 18)
		return -ENOSPC;
	n = snprintf(buf, len, "%04x.%02x%02x%02x%02x%02x%02x", id->prio, a[0], a[1], a[2], a[3],
		     a[4], a[5]);
	return n;
}

TW_EXPORT const char *tw_bridge_port_state_name(unsigned state)
{
	static const char *const names[] = {"disabled", "listening", "learning", "forwarding",
					    "blocking"};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}
