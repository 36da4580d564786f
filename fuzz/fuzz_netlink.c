// SPDX-License-Identifier: MIT
/*
 * Netlink reply parsing: the library's list and lookup calls (links, TUN
 * devices, addresses, routes, bridges, bridge ports, forwarding database)
 * run on fuzzed kernel replies. The harness is linked with
 * -Wl,--wrap=mnl_socket_sendto,--wrap=mnl_socket_recvfrom, so requests go
 * nowhere and each read returns the next fuzzed datagram; when the input runs
 * out, an NLMSG_DONE ends the request. Input: one byte selecting the call,
 * one byte of flags, then datagrams as a 16-bit little-endian length and the
 * bytes. With flag 1 the harness stamps each message with the request's
 * sequence number and port id, so the replies get past libmnl's checks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

#include <tapwire/addr.h>
#include <tapwire/bridge.h>
#include <tapwire/link.h>
#include <tapwire/nl.h>
#include <tapwire/route.h>
#include <tapwire/tun.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t bufsiz);

static struct {
	const uint8_t *p, *end;
	unsigned seq;
	unsigned portid;
	bool stamp;
} in;

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	in.seq = nlh->nlmsg_seq;
	return (ssize_t)len;
}

static void stamp(uint8_t *buf, size_t len)
{
	size_t off = 0;

	/* Own walk: the fuzzed lengths are not to be trusted here either. */
	while (off < len && len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + off);

		nlh->nlmsg_seq = in.seq;
		nlh->nlmsg_pid = in.portid;
		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			break;
		off += MNL_ALIGN(nlh->nlmsg_len);
	}
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t bufsiz)
{
	size_t len;

	if (in.end - in.p >= 2) {
		len = in.p[0] | (size_t)in.p[1] << 8;
		in.p += 2;
		if (len > (size_t)(in.end - in.p))
			len = (size_t)(in.end - in.p);
		if (len > bufsiz)
			len = bufsiz;
		memcpy(buf, in.p, len);
		in.p += len;
		if (in.stamp)
			stamp(buf, len);
		return (ssize_t)len;
	}
	/* Input exhausted: end the request. */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_seq = in.seq;
	nlh->nlmsg_pid = in.portid;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	return (ssize_t)nlh->nlmsg_len;
}

static void run(struct tw_nl *nl, unsigned op)
{
	void *v = NULL;
	size_t n = 0;

	switch (op % 10) {
	case 0:
		if (tw_link_list(nl, NULL, (struct tw_link_info **)&v, &n) == 0)
			free(v);
		break;
	case 1:
		tw_link_index(nl, "tw0");
		break;
	case 2:
		if (tw_addr_list(nl, op & 16 ? "tw0" : NULL, AF_UNSPEC, (struct tw_addr_info **)&v,
				 &n) == 0)
			free(v);
		break;
	case 3:
		if (tw_route_list(nl, AF_UNSPEC, 0, (struct tw_route **)&v, &n) == 0)
			free(v);
		break;
	case 4: {
		struct tw_bridge_info bi;

		tw_bridge_get(nl, "br0", &bi);
		break;
	}
	case 5:
		if (tw_bridge_list(nl, (struct tw_bridge_info **)&v, &n) == 0)
			free(v);
		break;
	case 6:
		if (tw_bridge_port_list(nl, op & 16 ? "br0" : NULL,
					(struct tw_bridge_port_info **)&v, &n) == 0)
			free(v);
		break;
	case 7:
		if (tw_bridge_fdb_list(nl, "br0", (struct tw_bridge_fdb_entry **)&v, &n) == 0)
			free(v);
		break;
	case 8:
		if (tw_tun_list(nl, op & 16 ? "tw0" : NULL, 0, (struct tw_tun_info **)&v, &n) == 0)
			tw_tun_list_free(v, n);
		break;
	case 9: {
		struct tw_bridge_port_info pi;

		tw_bridge_port_get(nl, "tw0", &pi);
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tw_nl *nl;

	if (!nl && tw_nl_open(&nl) < 0)
		abort();
	if (size < 2)
		return 0;
	in.p = data + 2;
	in.end = data + size;
	in.stamp = data[1] & 1;
	in.portid = 0;
	run(nl, data[0]);
	return 0;
}
