/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by libtapwire's files; not part of the API. */
#ifndef TAPWIRE_INTERNAL_H
#define TAPWIRE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <libmnl/libmnl.h>

#include <tapwire/tapwire.h>

#define TW_EXPORT __attribute__((visibility("default")))

/*
 * The listings, each building an array of the library's own structs; the
 * exported tw_*_list_sized() (abi.c) hand them over in the caller's size.
 */
int twi_addr_list(struct tw_nl *nl, const char *ifname, int family, struct tw_addr_info **ret_list,
		  size_t *ret_n);
int twi_link_list(struct tw_nl *nl, const char *name, struct tw_link_info **ret_list,
		  size_t *ret_n);
int twi_route_list(struct tw_nl *nl, int family, uint32_t table, struct tw_route **ret_list,
		   size_t *ret_n);
int twi_bridge_list(struct tw_nl *nl, struct tw_bridge_info **ret_list, size_t *ret_n);
int twi_bridge_port_list(struct tw_nl *nl, const char *bridge,
			 struct tw_bridge_port_info **ret_list, size_t *ret_n);
int twi_bridge_fdb_list(struct tw_nl *nl, const char *bridge, struct tw_bridge_fdb_entry **ret_list,
			size_t *ret_n);
int twi_tun_list(struct tw_nl *nl, const char *name, unsigned flags, struct tw_tun_info **ret_list,
		 size_t *ret_n);
void twi_tun_list_free(struct tw_tun_info *list, size_t n);

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_free_	__attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Size of a handle's buffers: requests and each datagram of a reply. */
#define TW_NL_BUFSIZE (64u * 1024u)

struct tw_nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char errmsg[256];
	char req[TW_NL_BUFSIZE];
	char rcv[TW_NL_BUFSIZE];
};

/*
 * Starts a request in the handle's buffer: a netlink header of @type with
 * NLM_F_REQUEST|NLM_F_ACK|@flags and a zeroed family header of @hdrlen bytes.
 * Returns the header; the family header follows at mnl_nlmsg_get_payload().
 */
struct nlmsghdr *twi_nl_req_start(struct tw_nl *nl, uint16_t type, uint16_t flags, size_t hdrlen);

/*
 * Sends @req and reads until the kernel's ACK (or NLMSG_DONE for dumps),
 * calling @cb (may be NULL) for each data message. Returns 0 or -errno; on
 * failure the extended-ack text is in nl->errmsg.
 */
int twi_nl_request(struct tw_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);

/*
 * Parses the extended-ack TLVs of an NLMSG_ERROR message into @buf ("" when
 * none). Exposed for unit tests.
 */
void twi_nl_parse_extack(const struct nlmsghdr *nlh, char *buf, size_t len);

/*
 * True if the @len bytes of a received datagram are whole netlink messages,
 * each length within what is left. Exposed for unit tests.
 */
bool twi_nl_reply_valid(const void *buf, size_t len);

/* A growable array of elements of one size, filled by dump callbacks. */
struct nl_vec {
	void *v;
	size_t n, cap;
	int err; /* -ENOMEM once a push failed */
};

/*
 * Appends a @size-byte slot to @vec and returns it, or NULL (and sets
 * vec->err) when memory runs out; callers keep reading so the dump is drained.
 */
void *twi_nl_vec_push(struct nl_vec *vec, size_t size);

/*
 * Fills @tb (max + 1 entries, zeroed by the caller) with the attributes of
 * @nlh that follow its @hdrlen-byte family header, or of the nest @nest.
 * Types above @max are skipped: the kernel may know newer ones. Return 0 or
 * -EBADMSG for a short or malformed message.
 */
int twi_nl_attr_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		      unsigned max);
int twi_nl_attr_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max);

/* Deletes the link @ifindex (RTM_DELLINK by index: a name may be reused). */
int twi_nl_link_del_index(struct tw_nl *nl, int ifindex);

#endif
