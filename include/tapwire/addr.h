/* SPDX-License-Identifier: MIT */
/* IPv4 and IPv6 prefixes, and interface addresses (RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR). */
#ifndef TAPWIRE_ADDR_H
#define TAPWIRE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

struct tw_nl;

/*
 * An IPv4 or IPv6 address with a prefix length. A plain address (a gateway)
 * is a prefix of full length (32 or 128). family is AF_INET or AF_INET6, or
 * AF_UNSPEC for "default" when the family is left to the context.
 */
struct tw_prefix {
	int family;
	unsigned prefixlen;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;
};

/* Room for any tw_prefix_format() result, NUL included. */
#define TW_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/* Flags for tw_prefix_parse(). */
enum {
	TW_PREFIX_NEED_LEN = 1u << 0, /* "/PLEN" is required */
	TW_PREFIX_NO_LEN = 1u << 1,   /* a plain address: "/PLEN" is refused */
	TW_PREFIX_DEFAULT = 1u << 2,  /* parse: accept "default" (AF_UNSPEC, length 0);
				       * format: write "default" for any length-0 prefix */
	TW_PREFIX_SHORT = 1u << 3,    /* format: leave out "/32" and "/128" (like ip route) */
};

/*
 * Parses "ADDR/PLEN" or "ADDR" (then the length is 32 or 128) for IPv4
 * (dotted quad, exactly four decimal parts) or IPv6. PLEN is decimal without
 * sign, at most 32 or 128. Host bits may be set ("198.51.100.1/24" is an
 * interface address). Returns 0 or -EINVAL; @ret is untouched on failure.
 */
int tw_prefix_parse(const char *s, unsigned flags, struct tw_prefix *ret);

/*
 * Formats @p as "ADDR/PLEN" into @buf (TW_PREFIX_STRLEN bytes suffice).
 * AF_UNSPEC always gives "default". @flags: TW_PREFIX_NO_LEN leaves out the
 * length, TW_PREFIX_SHORT leaves out a full length, TW_PREFIX_DEFAULT writes
 * "default" for length 0. Returns the length written, or -EINVAL / -ENOSPC.
 */
int tw_prefix_format(const struct tw_prefix *p, unsigned flags, char *buf, size_t len);

/* Clears the host bits of @p (those past its prefix length). */
void tw_prefix_mask(struct tw_prefix *p);

/* True when @a and @b have the same family, length and address bytes. */
bool tw_prefix_equal(const struct tw_prefix *a, const struct tw_prefix *b);

/* Flags for tw_addr_add(). */
enum {
	TW_ADDR_NODAD = 1u << 0,	 /* IPv6: skip duplicate address detection */
	TW_ADDR_REPLACE = 1u << 1,	 /* succeed if the address exists (NLM_F_REPLACE) */
	TW_ADDR_NOPREFIXROUTE = 1u << 2, /* no automatic route for the prefix */
};

/*
 * Adds the address @p (with its prefix length) to the interface @ifname. For
 * IPv4 the broadcast address is set as `ip addr add ... brd +` would, when
 * the prefix is shorter than /31. Returns 0 or -errno (-EEXIST if present
 * and not TW_ADDR_REPLACE); the kernel's text is in tw_nl_errmsg().
 */
int tw_addr_add(struct tw_nl *nl, const char *ifname, const struct tw_prefix *p, unsigned flags);

/* Removes the address @p (address and prefix length must match) from @ifname. */
int tw_addr_del(struct tw_nl *nl, const char *ifname, const struct tw_prefix *p);

/* One address, as listed by tw_addr_list(). */
struct tw_addr_info {
	int family; /* AF_INET or AF_INET6 */
	int ifindex;
	char ifname[IFNAMSIZ];	 /* "" if the link vanished during the listing */
	struct tw_prefix prefix; /* the local address with its prefix length */
	bool has_peer;		 /* point-to-point: IFA_ADDRESS differs from IFA_LOCAL */
	struct tw_prefix peer;
	bool has_broadcast;
	struct in_addr broadcast; /* IPv4 only */
	unsigned char scope;	  /* RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST, ... */
	unsigned flags;		  /* IFA_F_* (IFA_FLAGS when present) */
	char label[IFNAMSIZ];	  /* IPv4 label, "" for IPv6 */
	uint32_t valid_lft;	  /* seconds; UINT32_MAX is forever */
	uint32_t preferred_lft;
};

/*
 * Lists the addresses of the handle's network namespace: of @ifname only if
 * not NULL, of @family only if not AF_UNSPEC. Free the array with free().
 */
int tw_addr_list_sized(struct tw_nl *nl, const char *ifname, int family, size_t elem_size,
		       struct tw_addr_info **ret_list, size_t *ret_n);
#define tw_addr_list(nl, ifname, family, ret_list, ret_n)                                          \
	tw_addr_list_sized(nl, ifname, family, sizeof(struct tw_addr_info), ret_list, ret_n)

#endif
