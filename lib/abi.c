// SPDX-License-Identifier: MIT
/*
 * The listings as exported: each caller says how big it believes one element
 * is (the headers' macros pass sizeof as the caller was compiled), and gets
 * its array in that stride. A program built against these headers then keeps
 * working with a later library whose structs gained fields at their end: it
 * gets the fields it knows. A size below this release's is refused: fields
 * are only ever added.
 */
#include <string.h>

#include "internal.h"

/*
 * The element sizes of the first release with sized listings (0.2): the
 * smallest a caller may ask for. When a struct grows, its line here keeps the
 * old size as a number.
 */
#define MIN_ADDR_INFO	     sizeof(struct tw_addr_info)
#define MIN_LINK_INFO	     sizeof(struct tw_link_info)
#define MIN_ROUTE	     sizeof(struct tw_route)
#define MIN_BRIDGE_INFO	     sizeof(struct tw_bridge_info)
#define MIN_BRIDGE_PORT_INFO sizeof(struct tw_bridge_port_info)
#define MIN_BRIDGE_FDB_ENTRY sizeof(struct tw_bridge_fdb_entry)
#define MIN_TUN_INFO	     sizeof(struct tw_tun_info)

/*
 * Re-lays @n elements of @have bytes as elements of @want bytes (fields past
 * the shorter size dropped or zeroed). Frees the old array on success.
 */
static int restride(void **list, size_t n, size_t have, size_t want)
{
	const unsigned char *in = *list;
	unsigned char *out;

	if (want == have || !n)
		return 0;
	out = calloc(n, want);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * want, in + i * have, want < have ? want : have);
	free(*list);
	*list = out;
	return 0;
}

/* Hands a listing's result over in the caller's stride; frees it on failure. */
static int hand_over(void *list, size_t n, size_t have, size_t want, void **ret_list, size_t *ret_n)
{
	int err = restride(&list, n, have, want);

	if (err < 0) {
		free(list);
		return err;
	}
	*ret_list = list;
	*ret_n = n;
	return 0;
}

TW_EXPORT int tw_addr_list_sized(struct tw_nl *nl, const char *ifname, int family, size_t elem_size,
				 struct tw_addr_info **ret_list, size_t *ret_n)
{
	struct tw_addr_info *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_ADDR_INFO)
		return -EINVAL;
	err = twi_addr_list(nl, ifname, family, &list, &n);
	if (err < 0)
		return err;
	return hand_over(list, n, sizeof(*list), elem_size, (void **)ret_list, ret_n);
}

TW_EXPORT int tw_link_list_sized(struct tw_nl *nl, const char *name, size_t elem_size,
				 struct tw_link_info **ret_list, size_t *ret_n)
{
	struct tw_link_info *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_LINK_INFO)
		return -EINVAL;
	err = twi_link_list(nl, name, &list, &n);
	if (err < 0)
		return err;
	return hand_over(list, n, sizeof(*list), elem_size, (void **)ret_list, ret_n);
}

TW_EXPORT int tw_route_list_sized(struct tw_nl *nl, int family, uint32_t table, size_t elem_size,
				  struct tw_route **ret_list, size_t *ret_n)
{
	struct tw_route *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_ROUTE)
		return -EINVAL;
	err = twi_route_list(nl, family, table, &list, &n);
	if (err < 0)
		return err;
	return hand_over(list, n, sizeof(*list), elem_size, (void **)ret_list, ret_n);
}

TW_EXPORT int tw_bridge_list_sized(struct tw_nl *nl, size_t elem_size,
				   struct tw_bridge_info **ret_list, size_t *ret_n)
{
	struct tw_bridge_info *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_BRIDGE_INFO)
		return -EINVAL;
	err = twi_bridge_list(nl, &list, &n);
	if (err < 0)
		return err;
	return hand_over(list, n, sizeof(*list), elem_size, (void **)ret_list, ret_n);
}

TW_EXPORT int tw_bridge_port_list_sized(struct tw_nl *nl, const char *bridge, size_t elem_size,
					struct tw_bridge_port_info **ret_list, size_t *ret_n)
{
	struct tw_bridge_port_info *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_BRIDGE_PORT_INFO)
		return -EINVAL;
	err = twi_bridge_port_list(nl, bridge, &list, &n);
	if (err < 0)
		return err;
	return hand_over(list, n, sizeof(*list), elem_size, (void **)ret_list, ret_n);
}

TW_EXPORT int tw_bridge_fdb_list_sized(struct tw_nl *nl, const char *bridge, size_t elem_size,
				       struct tw_bridge_fdb_entry **ret_list, size_t *ret_n)
{
	struct tw_bridge_fdb_entry *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_BRIDGE_FDB_ENTRY)
		return -EINVAL;
	err = twi_bridge_fdb_list(nl, bridge, &list, &n);
	if (err < 0)
		return err;
	return hand_over(list, n, sizeof(*list), elem_size, (void **)ret_list, ret_n);
}

TW_EXPORT int tw_tun_list_sized(struct tw_nl *nl, const char *name, unsigned flags,
				size_t elem_size, struct tw_tun_info **ret_list, size_t *ret_n)
{
	struct tw_tun_info *list = NULL;
	size_t n = 0;
	int err;

	if (elem_size < MIN_TUN_INFO)
		return -EINVAL;
	err = twi_tun_list(nl, name, flags, &list, &n);
	if (err < 0)
		return err;
	err = restride((void **)&list, n, sizeof(*list), elem_size);
	if (err < 0) {
		twi_tun_list_free(list, n);
		return err;
	}
	*ret_list = list;
	*ret_n = n;
	return 0;
}

TW_EXPORT void tw_tun_list_free_sized(struct tw_tun_info *list, size_t n, size_t elem_size)
{
	if (!list)
		return;
	/* the fields this release knows are all the caller's too (elem_size >= MIN_TUN_INFO) */
	for (size_t i = 0; i < n; i++)
		free(((struct tw_tun_info *)((unsigned char *)list + i * elem_size))->procs);
	free(list);
}
