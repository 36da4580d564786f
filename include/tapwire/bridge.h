/* SPDX-License-Identifier: MIT */
/*
 * Ethernet bridges through rtnetlink: create, delete, options, ports, the
 * forwarding database.
 *
 * Units: every bridge time (options and live timers) is in centiseconds,
 * the kernel's unit on netlink (USER_HZ = 100): 1.5 s is 150. Nothing here
 * reads or writes sysfs.
 */
#ifndef TAPWIRE_BRIDGE_H
#define TAPWIRE_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

struct tw_nl;

/* Which fields of struct tw_bridge_opts to apply. */
enum {
	TW_BRIDGE_STP_STATE = 1u << 0,
	TW_BRIDGE_FORWARD_DELAY = 1u << 1,
	TW_BRIDGE_HELLO_TIME = 1u << 2,
	TW_BRIDGE_MAX_AGE = 1u << 3,
	TW_BRIDGE_AGEING_TIME = 1u << 4,
	TW_BRIDGE_PRIORITY = 1u << 5,
};

/* Bridge options; only the fields named in @mask are sent to the kernel. */
struct tw_bridge_opts {
	unsigned mask;		/* TW_BRIDGE_* bits */
	bool stp_state;		/* spanning tree on (kernel STP) or off */
	uint32_t forward_delay; /* centiseconds; the kernel wants 200..3000 with STP on */
	uint32_t hello_time;	/* centiseconds; 100..1000 with STP on */
	uint32_t max_age;	/* centiseconds; 600..4000 with STP on */
	uint32_t ageing_time;	/* centiseconds; 1000..100000000 */
	uint16_t priority;	/* bridge priority, the first half of the bridge id */
};

/* Which fields of struct tw_bridge_port_opts to apply. */
enum {
	TW_BRIDGE_PORT_COST = 1u << 0,
	TW_BRIDGE_PORT_PRIORITY = 1u << 1,
	TW_BRIDGE_PORT_HAIRPIN = 1u << 2,
};

struct tw_bridge_port_opts {
	unsigned mask; /* TW_BRIDGE_PORT_* bits */
	uint32_t cost; /* path cost, 1..65535 in 802.1D-1998 terms; the kernel takes any u32 > 0 */
	uint16_t priority; /* port priority, 0..63 (the kernel's limit) */
	bool hairpin;	   /* forward frames back out of the port they came in on */
};

/* A bridge identifier: priority and MAC address (802.1D). */
struct tw_bridge_id {
	uint16_t prio;
	uint8_t addr[6];
};

/* Everything the kernel reports about a bridge (IFLA_INFO_DATA, IFLA_BR_*). */
struct tw_bridge_info {
	int ifindex;
	char name[IFNAMSIZ];
	unsigned flags; /* IFF_UP, ... */
	unsigned mtu;
	uint8_t addr[6];
	struct tw_bridge_id bridge_id;
	struct tw_bridge_id root_id; /* designated root */
	uint16_t root_port;
	uint32_t root_path_cost;
	uint32_t stp_state; /* 0 off, 1 kernel STP, 2 user-space STP */
	uint32_t forward_delay, hello_time, max_age, ageing_time; /* centiseconds */
	uint16_t priority;
	bool topology_change, topology_change_detected;
	bool vlan_filtering;
	/* Live timers, centiseconds. */
	uint64_t hello_timer, tcn_timer, topology_change_timer, gc_timer;
};

/* Port states (802.1D), as the kernel numbers them (BR_STATE_*). */
enum tw_bridge_port_state {
	TW_BRIDGE_PORT_DISABLED = 0,
	TW_BRIDGE_PORT_LISTENING = 1,
	TW_BRIDGE_PORT_LEARNING = 2,
	TW_BRIDGE_PORT_FORWARDING = 3,
	TW_BRIDGE_PORT_BLOCKING = 4,
};

/* Everything the kernel reports about a bridge port (IFLA_PROTINFO, IFLA_BRPORT_*). */
struct tw_bridge_port_info {
	int ifindex;
	char name[IFNAMSIZ];
	int master; /* ifindex of the bridge */
	unsigned flags;
	uint8_t state; /* enum tw_bridge_port_state */
	uint16_t priority;
	uint32_t cost;
	bool hairpin;
	uint16_t port_id; /* priority and number, as 802.1D packs them */
	uint16_t port_no;
	struct tw_bridge_id designated_root;
	struct tw_bridge_id designated_bridge;
	uint16_t designated_port;
	uint32_t designated_cost;
	bool topology_change_ack, config_pending;
	/* Live timers, centiseconds. */
	uint64_t message_age_timer, forward_delay_timer, hold_timer;
};

/* One learned or static entry of a bridge's forwarding database. */
struct tw_bridge_fdb_entry {
	uint8_t mac[6];
	int ifindex; /* the port */
	uint16_t port_no;
	uint16_t vlan;	       /* 0 when none */
	bool is_local;	       /* the address of one of the bridge's own ports */
	bool is_static;	       /* added by hand, never ages */
	uint64_t ageing_timer; /* centiseconds since the entry was last updated */
};

/*
 * Creates bridge @name and applies @opts (may be NULL) in the same request.
 * -EEXIST if a link of that name exists, -EINVAL for a bad name.
 */
int tw_bridge_add(struct tw_nl *nl, const char *name, const struct tw_bridge_opts *opts);

/*
 * Deletes bridge @name (its ports are released, not deleted). -ENODEV if
 * there is no such link, -EMEDIUMTYPE if it is not a bridge. Deletes an up
 * bridge too: refusing that is a policy of callers (brctl).
 */
int tw_bridge_delete(struct tw_nl *nl, const char *name);

/* Applies the options named in @opts->mask to bridge @name (-EMEDIUMTYPE if not a bridge). */
int tw_bridge_set(struct tw_nl *nl, const char *name, const struct tw_bridge_opts *opts);

/*
 * Makes @ifname a port of bridge @bridge. -ENODEV if either is missing,
 * -EMEDIUMTYPE if @bridge is not a bridge, -EBUSY if @ifname already has a
 * master (any master, this bridge included).
 */
int tw_bridge_addif(struct tw_nl *nl, const char *bridge, const char *ifname);

/* Releases port @ifname from @bridge; -ENOENT if it is not a port of @bridge. */
int tw_bridge_delif(struct tw_nl *nl, const char *bridge, const char *ifname);

/* Reads bridge @name. -ENODEV if missing, -EMEDIUMTYPE if not a bridge. */
int tw_bridge_get(struct tw_nl *nl, const char *name, struct tw_bridge_info *ret_info);

/* Lists every bridge of the namespace in ifindex order. Free with free(). */
int tw_bridge_list_sized(struct tw_nl *nl, size_t elem_size, struct tw_bridge_info **ret_list,
			 size_t *ret_n);
#define tw_bridge_list(nl, ret_list, ret_n)                                                        \
	tw_bridge_list_sized(nl, sizeof(struct tw_bridge_info), ret_list, ret_n)

/*
 * Lists the ports of @bridge (NULL: of every bridge) in ifindex order, read
 * from an AF_BRIDGE link dump. Free with free().
 */
int tw_bridge_port_list_sized(struct tw_nl *nl, const char *bridge, size_t elem_size,
			      struct tw_bridge_port_info **ret_list, size_t *ret_n);
#define tw_bridge_port_list(nl, bridge, ret_list, ret_n)                                           \
	tw_bridge_port_list_sized(nl, bridge, sizeof(struct tw_bridge_port_info), ret_list, ret_n)

/* Reads one port. -ENODEV if missing, -ENOENT if @ifname is not a bridge port. */
int tw_bridge_port_get(struct tw_nl *nl, const char *ifname, struct tw_bridge_port_info *ret_info);

/* Applies the options named in @opts->mask to port @ifname. */
int tw_bridge_port_set(struct tw_nl *nl, const char *ifname,
		       const struct tw_bridge_port_opts *opts);

/*
 * Lists the forwarding database of @bridge: the entries that point at one
 * of its ports (RTM_GETNEIGH, AF_BRIDGE), sorted by MAC address then VLAN.
 * port_no is filled in from the port list. Free with free().
 */
int tw_bridge_fdb_list_sized(struct tw_nl *nl, const char *bridge, size_t elem_size,
			     struct tw_bridge_fdb_entry **ret_list, size_t *ret_n);
#define tw_bridge_fdb_list(nl, bridge, ret_list, ret_n)                                            \
	tw_bridge_fdb_list_sized(nl, bridge, sizeof(struct tw_bridge_fdb_entry), ret_list, ret_n)

/* Writes "8000.001122334455" (17 bytes + NUL) into @buf; returns the length or -ENOSPC. */
int tw_bridge_id_format(const struct tw_bridge_id *id, char *buf, size_t len);

/* "disabled", "listening", "learning", "forwarding", "blocking" or "unknown". */
const char *tw_bridge_port_state_name(unsigned state);

#endif
