// SPDX-License-Identifier: MIT
/*
 * The CNI plugin "tapwire" (installed as /usr/lib/cni/tapwire): a TAP
 * device in the container's network namespace, for a VM in a pod or a
 * user-space stack, as the CNI specification 1.1 defines a plugin (its
 * environment, its JSON in and out, its error codes), answering in the
 * cniVersion it was given (0.3.0 to 1.1.0).
 *
 * Configuration: upstream's `tap` plugin's keys (mac, mtu, multiQueue,
 * owner, group, selinuxContext, bridge, ipam; runtimeConfig.mac; MAC= in
 * CNI_ARGS), matched case-insensitively as Go's JSON decoder does, plus
 * vnetHdr (on by default: virtio-net wants it) and queues (a multi-queue
 * TAP that is proved to take that many queues) and hostBridge: the TAP is
 * joined to a bridge of the runtime's namespace (the usual VM-in-pod
 * layout) through a bridge in the pod and a veth pair, names derived from
 * the container id and interface name. With "wireguard" the attachment is
 * a WireGuard interface instead, served by tapwire-wg in the pod (its UAPI
 * socket in /run/tapwire-cni/, so pods never share a socket path). IPAM is
 * delegated to the
 * plugin the configuration names, found in CNI_PATH; what fails after it
 * ran is undone (the TAP deleted, IPAM's DEL called).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libmnl/libmnl.h>
#include <sodium.h>
#include <sys/mount.h>
#include <sys/un.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <tapwire/tapwire.h>

/* The specification's error codes (SPEC.md "Error"). */
enum {
	E_VERSION = 1,	  /* incompatible CNI version */
	E_FIELD = 2,	  /* unsupported field in the network configuration */
	E_CONTAINER = 3,  /* container unknown or does not exist */
	E_ENV = 4,	  /* invalid necessary environment variables */
	E_IO = 5,	  /* I/O failure */
	E_DECODE = 6,	  /* failed to decode content */
	E_CONFIG = 7,	  /* invalid network configuration */
	E_INTERNAL = 999, /* anything else: the system refused (as Go plugins report it) */
};

#define CNI_MAX_INPUT (1u << 20)
#define MAX_QUEUES    256

static const char *const versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

struct ip {
	struct tw_prefix addr; /* with its prefix length */
	bool has_gw;
	struct tw_prefix gw;
};

struct ctx {
	const char *command, *containerid, *netns, *ifname, *args, *path;
	const char *version; /* the configuration's cniVersion: the answer's */
	unsigned vnum;	     /* the same as one number, 1.1.0 = 10100 */
	char *input;	     /* standard input, as read (passed on to IPAM) */
	size_t input_len;
	json_object *conf;
	/* options */
	const char *mac, *bridge, *selinux, *host_bridge;
	char veth_host[IFNAMSIZ], veth_pod[IFNAMSIZ], pod_bridge[IFNAMSIZ]; /* hostBridge's */
	unsigned mtu, queues;
	bool multi_queue, vnet_hdr;
	long long owner, group; /* -1: none */
	json_object *ipam;	/* the "ipam" object, or NULL */
	json_object *wg;	/* the "wireguard" object, or NULL */
	const char *wg_exe;	/* "tapwireWg": the daemon, default /usr/bin/tapwire-wg */
	char wg_dir[48];	/* its /run/wireguard, seen from outside */
	struct tw_route pending_routes[64]; /* added once the interface is up */
	size_t n_pending_routes;
	json_object *ipam_result;
	json_object *prev; /* prevResult */
	bool ipam_added;
	bool created;	   /* the TAP, by this ADD */
	bool veth_created; /* hostBridge's veth pair, by this ADD */
	bool quiet;	   /* undoing after a failure: its error object is out already */
	char *mac_buf;	   /* CNI_ARGS's MAC, copied */
	int host_ns, pod_ns;
};

static unsigned version_number(const char *v)
{
	unsigned a, b, c;

	if (!v || sscanf(v, "%u.%u.%u", &a, &b, &c) != 3 || a > 99 || b > 99 || c > 99)
		return 0;
	return a * 10000 + b * 100 + c;
}

/* Prints the specification's error object and returns the exit status. */
__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, int code, const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char msg[1024];
	va_list ap;

	if (c->quiet) {
		json_object_put(o);
		return 1;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "cniVersion",
			       json_object_new_string(c->vnum ? c->version : "1.1.0"));
	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), stdout);
	fputc('\n', stdout);
	json_object_put(o);
	return 1;
}

/* The member of @o called @name, compared as Go's decoder does (any case). */
static json_object *key(json_object *o, const char *name)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return NULL;
	json_object_object_foreach(o, k, v)
	{
		if (!strcasecmp(k, name))
			return v;
	}
	return NULL;
}

static int read_input(struct ctx *c)
{
	size_t cap = 4096;
	ssize_t n;

	c->input = malloc(cap + 1);
	if (!c->input)
		return -ENOMEM;
	for (;;) {
		if (c->input_len == cap) {
			char *p;

			if (cap >= CNI_MAX_INPUT)
				return -EFBIG;
			cap *= 2;
			if (!(p = realloc(c->input, cap + 1)))
				return -ENOMEM;
			c->input = p;
		}
		n = read(STDIN_FILENO, c->input + c->input_len, cap - c->input_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		c->input_len += (size_t)n;
	}
	c->input[c->input_len] = '\0';
	return 0;
}

/* "MAC=..." from CNI_ARGS ("K=V;K=V"), into @buf; NULL if absent. */
static const char *args_mac(const char *args, char *buf, size_t len)
{
	const char *p = args;

	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > 4 && !strncasecmp(p, "MAC=", 4) && n - 4 < len) {
			memcpy(buf, p + 4, n - 4);
			buf[n - 4] = '\0';
			return buf;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return -EINVAL; /* multicast */
	return 0;
}

/* A non-negative integer member, or -1 when absent; -2 when malformed. */
static long long int_member(json_object *o, const char *name, long long max)
{
	json_object *v = key(o, name);
	long long n;

	if (!v || json_object_is_type(v, json_type_null))
		return -1;
	if (!json_object_is_type(v, json_type_int))
		return -2;
	n = json_object_get_int64(v);
	return n < 0 || n > max ? -2 : n;
}

static int bool_member(json_object *o, const char *name, bool def, bool *ret)
{
	json_object *v = key(o, name);

	if (!v || json_object_is_type(v, json_type_null)) {
		*ret = def;
		return 0;
	}
	if (!json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*ret = json_object_get_boolean(v);
	return 0;
}

static const char *string_member(json_object *o, const char *name, bool *bad)
{
	json_object *v = key(o, name);

	if (!v || json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*bad = true;
		return NULL;
	}
	return json_object_get_string(v);
}

/* Standard input, the version and the options; the environment a command needs. */
static int parse(struct ctx *c)
{
	enum json_tokener_error jerr;
	json_object *v, *rc;
	char macbuf[64];
	long long n;
	bool bad = false;
	int err;

	if ((err = read_input(c)) < 0)
		return fail(c, err == -EFBIG ? E_DECODE : E_IO, "cannot read the configuration: %s",
			    err == -EFBIG ? "larger than 1 MiB" : strerror(-err));
	c->conf = json_tokener_parse_verbose(c->input, &jerr);
	if (!c->conf || !json_object_is_type(c->conf, json_type_object))
		return fail(c, E_DECODE, "the configuration is not a JSON object: %s",
			    c->conf ? "another JSON value" : json_tokener_error_desc(jerr));
	v = key(c->conf, "cniVersion");
	c->version =
	    v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!c->version)
		return fail(c, E_CONFIG, "\"cniVersion\" is missing");
	c->vnum = version_number(c->version);
	for (size_t i = 0; c->vnum && i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcmp(versions[i], c->version))
			goto known;
	{
		const char *v0 = c->version;

		c->vnum = 0;
		return fail(c, E_VERSION, "CNI version \"%s\" is not supported (0.3.0 to 1.1.0)",
			    v0);
	}
known:
	c->mac = string_member(c->conf, "mac", &bad);
	rc = key(c->conf, "runtimeConfig");
	if (rc && string_member(rc, "mac", &bad))
		c->mac = string_member(rc, "mac", &bad);
	else if (args_mac(c->args, macbuf, sizeof(macbuf)))
		c->mac = c->mac_buf = strdup(macbuf);
	c->bridge = string_member(c->conf, "bridge", &bad);
	c->host_bridge = string_member(c->conf, "hostBridge", &bad);
	c->selinux = string_member(c->conf, "selinuxContext", &bad);
	if (bad)
		return fail(c, E_CONFIG, "a string option is not a string");
	if ((n = int_member(c->conf, "mtu", 65535)) == -2 || (n >= 0 && n < 68))
		return fail(c, E_CONFIG, "\"mtu\" must be a number from 68 to 65535");
	c->mtu = n > 0 ? (unsigned)n : 0;
	if ((c->owner = int_member(c->conf, "owner", UINT32_MAX - 1)) == -2 ||
	    (c->group = int_member(c->conf, "group", UINT32_MAX - 1)) == -2)
		return fail(c, E_CONFIG, "\"owner\" and \"group\" must be numeric ids");
	if ((n = int_member(c->conf, "queues", MAX_QUEUES)) == -2 || n == 0)
		return fail(c, E_CONFIG, "\"queues\" must be a number from 1 to %d", MAX_QUEUES);
	c->queues = n > 0 ? (unsigned)n : 1;
	if (bool_member(c->conf, "multiQueue", c->queues > 1, &c->multi_queue) < 0 ||
	    bool_member(c->conf, "vnetHdr", true, &c->vnet_hdr) < 0)
		return fail(c, E_CONFIG, "\"multiQueue\" and \"vnetHdr\" must be true or false");
	if (c->queues > 1 && !c->multi_queue)
		return fail(c, E_CONFIG, "\"queues\": %u needs \"multiQueue\": true", c->queues);
	if (c->mac) {
		uint8_t m[6];

		if (parse_mac(c->mac, m) < 0)
			return fail(c, E_CONFIG, "\"%s\" is not a unicast MAC address", c->mac);
	}
	if (c->bridge && tw_ifname_valid(c->bridge) < 0)
		return fail(c, E_CONFIG, "\"bridge\": \"%s\" is not an interface name", c->bridge);
	if (c->host_bridge && tw_ifname_valid(c->host_bridge) < 0)
		return fail(c, E_CONFIG, "\"hostBridge\": \"%s\" is not an interface name",
			    c->host_bridge);
	if (c->host_bridge && c->bridge)
		return fail(
		    c, E_CONFIG,
		    "\"bridge\" and \"hostBridge\" exclude each other (hostBridge makes the "
		    "pod's bridge)");
	if (c->selinux && access("/sys/fs/selinux/enforce", F_OK) == 0)
		return fail(c, E_FIELD,
			    "\"selinuxContext\" is not supported on an SELinux system yet");
	c->ipam = key(c->conf, "ipam");
	if (c->ipam && json_object_is_type(c->ipam, json_type_object) &&
	    json_object_object_length(c->ipam) == 0)
		c->ipam = NULL;
	if (c->ipam) {
		const char *t = string_member(c->ipam, "type", &bad);

		if (!t || bad || !*t || strchr(t, '/') || !strcmp(t, ".") || !strcmp(t, ".."))
			return fail(c, E_CONFIG, "\"ipam\" needs a \"type\" naming a plugin");
	}
	c->prev = key(c->conf, "prevResult");
	c->wg = key(c->conf, "wireguard");
	c->wg_exe = string_member(c->conf, "tapwireWg", &bad);
	if (bad)
		return fail(c, E_CONFIG, "\"tapwireWg\" must be a path");
	if (!c->wg_exe)
		c->wg_exe = "/usr/bin/tapwire-wg";
	if (c->wg) {
		json_object *peers = key(c->wg, "peers");

		if (!json_object_is_type(c->wg, json_type_object) || !key(c->wg, "privateKey") ||
		    (peers && !json_object_is_type(peers, json_type_array)))
			return fail(c, E_CONFIG,
				    "\"wireguard\" needs \"privateKey\" and an array \"peers\"");
		if (c->mac || c->bridge || c->host_bridge || c->multi_queue ||
		    key(c->conf, "vnetHdr"))
			return fail(
			    c, E_CONFIG,
			    "\"wireguard\" makes a WireGuard interface: mac, bridge, hostBridge, "
			    "multiQueue, queues and vnetHdr are for TAPs");
	}
	return 0;
}

/* The environment @cmd needs: container id, namespace, interface name. */
static int check_env(struct ctx *c, bool need_netns)
{
	if (!c->containerid || !*c->containerid)
		return fail(c, E_ENV, "CNI_CONTAINERID is missing");
	if (need_netns && (!c->netns || !*c->netns))
		return fail(c, E_ENV, "CNI_NETNS is missing");
	if (!c->ifname || tw_ifname_valid(c->ifname) < 0 || strchr(c->ifname, '%'))
		return fail(c, E_ENV, "CNI_IFNAME \"%s\" is not an interface name",
			    c->ifname ? c->ifname : "");
	return 0;
}

/* ---- delegation to the IPAM plugin ---------------------------------- */

/*
 * Runs the IPAM plugin with @command and our own standard input. On success
 * its standard output (parsed) is in *@ret (may be NULL for DEL). Its error
 * object is passed on as ours.
 */
static int ipam_exec(struct ctx *c, const char *command, json_object **ret)
{
	const char *type = json_object_get_string(key(c->ipam, "type"));
	char exe[PATH_MAX] = "", *out = NULL;
	const char *p = c->path;
	int in[2], outp[2], status;
	size_t len = 0, cap = 0;
	pid_t pid;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n &&
		    snprintf(exe, sizeof(exe), "%.*s/%s", (int)n, p, type) < (int)sizeof(exe) &&
		    access(exe, X_OK) == 0)
			break;
		exe[0] = '\0';
		p = end ? end + 1 : NULL;
	}
	if (!exe[0])
		return fail(c, E_CONFIG, "IPAM plugin \"%s\" not found in CNI_PATH \"%s\"", type,
			    c->path ? c->path : "");
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0)
		return fail(c, E_IO, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail(c, E_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(outp[1], STDOUT_FILENO);
		setenv("CNI_COMMAND", command, 1);
		execl(exe, type, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	signal(SIGPIPE, SIG_IGN);
	for (size_t off = 0; off < c->input_len;) {
		ssize_t n = write(in[1], c->input + off, c->input_len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(in[1]);
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			size_t want = cap ? cap * 2 : 8192;
			char *q = want > CNI_MAX_INPUT ? NULL : realloc(out, want);

			if (!q)
				break; /* too large, or no memory: what was read stays in out */
			out = q;
			cap = want;
		}
		n = read(outp[0], out + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(outp[0]);
	if (out)
		out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		json_object *e = out ? json_tokener_parse(out) : NULL;
		int code = e ? json_object_get_int(key(e, "code")) : 0;
		const char *msg = e ? json_object_get_string(key(e, "msg")) : NULL;
		int r = fail(c, code > 0 ? code : E_INTERNAL, "IPAM plugin \"%s\" %s failed: %s",
			     type, command, msg ? msg : "no error object");

		json_object_put(e);
		free(out);
		return r;
	}
	if (ret) {
		*ret = out && len ? json_tokener_parse(out) : NULL;
		if (!*ret) {
			free(out);
			return fail(c, E_DECODE, "IPAM plugin \"%s\" gave no result", type);
		}
	}
	free(out);
	return 0;
}

/* ---- hostBridge: a veth from the runtime's bridge to a bridge in the pod --- */

/* The names hostBridge uses: tw + 8 hex digits of the attachment + h/p/b. */
static void host_bridge_names(struct ctx *c)
{
	uint32_t h = 2166136261u; /* FNV-1a of "CONTAINERID/IFNAME" */

	for (const char *p = c->containerid; p && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = c->ifname; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(c->veth_host, sizeof(c->veth_host), "tw%08xh", h);
	snprintf(c->veth_pod, sizeof(c->veth_pod), "tw%08xp", h);
	snprintf(c->pod_bridge, sizeof(c->pod_bridge), "tw%08xb", h);
}

/*
 * Creates the veth pair @name (here) / @peer (in @peer_ns) with one
 * RTM_NEWLINK. libtapwire has no veth call (yet), so this is libmnl direct.
 */
static int veth_add(const char *name, const char *peer, int peer_ns)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct nlattr *info, *data, *pinfo;
	struct ifinfomsg *ifm;
	int ret = -EIO;
	ssize_t n;

	if (!nl)
		return -errno;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's attributes follow a struct ifinfomsg of its own */
	memset((char *)nlh + nlh->nlmsg_len, 0, MNL_ALIGN(sizeof(struct ifinfomsg)));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns);
	mnl_attr_nest_end(nlh, pinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	ret = mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), NULL, NULL) < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

/* In the runtime's namespace: the veth pair, its host end on hostBridge, up. */
static int host_side(struct ctx *c)
{
	struct tw_link_info *l = NULL;
	struct tw_nl *nl = NULL;
	size_t n = 0;
	int err;

	host_bridge_names(c);
	if ((err = tw_nl_open(&nl)) < 0)
		return fail(c, E_IO, "cannot open rtnetlink: %s", strerror(-err));
	err = tw_link_list(nl, c->host_bridge, &l, &n);
	if (err < 0 || n != 1 || strcmp(l[0].kind, "bridge")) {
		free(l);
		tw_nl_close(nl);
		return fail(c, E_CONFIG,
			    "\"hostBridge\": no bridge \"%s\" in the runtime's namespace",
			    c->host_bridge);
	}
	free(l);
	if ((err = veth_add(c->veth_host, c->veth_pod, c->pod_ns)) < 0) {
		tw_nl_close(nl);
		return fail(c, E_INTERNAL, "cannot create veth %s/%s: %s", c->veth_host,
			    c->veth_pod, strerror(-err));
	}
	c->veth_created = true;
	err = tw_link_set_master(nl, c->veth_host, c->host_bridge);
	if (!err)
		err = tw_link_set_up(nl, c->veth_host, true);
	tw_nl_close(nl);
	if (err < 0)
		return fail(c, E_INTERNAL, "cannot put %s on %s: %s", c->veth_host, c->host_bridge,
			    strerror(-err));
	return 0;
}

/* In the pod: the pod's bridge joining the veth's end and the TAP. */
static int pod_side(struct ctx *c, struct tw_nl *nl)
{
	struct tw_bridge_opts o = {.mask = TW_BRIDGE_FORWARD_DELAY | TW_BRIDGE_STP_STATE};
	int err = tw_bridge_add(nl, c->pod_bridge, &o);

	if (!err)
		err = tw_link_set_master(nl, c->veth_pod, c->pod_bridge);
	if (!err)
		err = tw_link_set_up(nl, c->veth_pod, true);
	if (!err)
		err = tw_link_set_up(nl, c->pod_bridge, true);
	if (err < 0)
		return fail(c, E_INTERNAL, "cannot make the pod's bridge %s: %s", c->pod_bridge,
			    strerror(-err));
	c->bridge = c->pod_bridge; /* the TAP joins it as a "bridge" would */
	return 0;
}

/* Deletes what hostBridge made in the pod (the veth's pair goes with it). */
static void pod_side_delete(struct ctx *c, struct tw_nl *nl)
{
	struct tw_link_info *l = NULL;
	size_t n = 0;

	host_bridge_names(c);
	/* only what is ours: a veth and a bridge of these names */
	if (tw_link_list(nl, c->veth_pod, &l, &n) == 0 && n == 1 && !strcmp(l[0].kind, "veth"))
		tw_link_delete(nl, c->veth_pod);
	free(l);
	l = NULL;
	if (tw_link_list(nl, c->pod_bridge, &l, &n) == 0 && n == 1 && !strcmp(l[0].kind, "bridge"))
		tw_link_delete(nl, c->pod_bridge);
	free(l);
}

/* ---- wireguard: a tapwire-wg interface instead of a TAP ------------------- */

static void wg_names(struct ctx *c)
{
	host_bridge_names(c); /* the same hash names the daemon's directory */
	snprintf(c->wg_dir, sizeof(c->wg_dir), "/run/tapwire-cni/%.10s", c->veth_host);
}

/* base64 key (as wg(8) writes them) to the 64 hex digits UAPI wants */
static int key_hex(const char *b64, char hex[65])
{
	unsigned char k[32];
	size_t len = 0;

	if (!b64 ||
	    sodium_base642bin(k, sizeof(k), b64, strlen(b64), NULL, &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0 ||
	    len != 32)
		return -EINVAL;
	sodium_bin2hex(hex, 65, k, 32);
	sodium_memzero(k, sizeof(k));
	return 0;
}

/* The UAPI "set" request for the "wireguard" object, into @out (wiped by the caller). */
static int wg_request(struct ctx *c, char *out, size_t cap)
{
	json_object *peers = key(c->wg, "peers"), *v;
	char hex[65];
	size_t n = 0;

#define PUT(...)                                                                                   \
	do {                                                                                       \
		int w_ = snprintf(out + n, cap - n, __VA_ARGS__);                                  \
		if (w_ < 0 || (size_t)w_ >= cap - n)                                               \
			return -E2BIG;                                                             \
		n += (size_t)w_;                                                                   \
	} while (0)
	if (key_hex(json_object_get_string(key(c->wg, "privateKey")), hex) < 0)
		return fail(c, E_CONFIG, "\"privateKey\" is not a base64 WireGuard key"), -EINVAL;
	PUT("set=1\nprivate_key=%s\n", hex);
	sodium_memzero(hex, sizeof(hex));
	if ((v = key(c->wg, "listenPort")))
		PUT("listen_port=%d\n", json_object_get_int(v));
	PUT("replace_peers=true\n");
	for (size_t i = 0; peers && i < json_object_array_length(peers); i++) {
		json_object *p = json_object_array_get_idx(peers, i), *ips = key(p, "allowedIPs");
		const char *ep = json_object_get_string(key(p, "endpoint"));

		if (key_hex(json_object_get_string(key(p, "publicKey")), hex) < 0)
			return fail(c, E_CONFIG, "peer %zu: \"publicKey\" is not a base64 key", i),
			       -EINVAL;
		PUT("public_key=%s\n", hex);
		if (key(p, "presharedKey")) {
			if (key_hex(json_object_get_string(key(p, "presharedKey")), hex) < 0)
				return fail(c, E_CONFIG, "peer %zu: bad \"presharedKey\"", i),
				       -EINVAL;
			PUT("preshared_key=%s\n", hex);
			sodium_memzero(hex, sizeof(hex));
		}
		if (ep) {
			if (strpbrk(ep, "\n="))
				return fail(c, E_CONFIG, "peer %zu: bad \"endpoint\"", i), -EINVAL;
			PUT("endpoint=%s\n", ep);
		}
		if ((v = key(p, "persistentKeepalive")))
			PUT("persistent_keepalive_interval=%d\n", json_object_get_int(v));
		PUT("replace_allowed_ips=true\n");
		for (size_t k = 0; ips && k < json_object_array_length(ips); k++) {
			const char *a = json_object_get_string(json_object_array_get_idx(ips, k));
			struct tw_prefix pf;

			if (!a || tw_prefix_parse(a, TW_PREFIX_NEED_LEN, &pf) < 0)
				return fail(c, E_CONFIG, "peer %zu: \"%s\" is not a prefix", i,
					    a ? a : ""),
				       -EINVAL;
			PUT("allowed_ip=%s\n", a);
		}
	}
	PUT("\n");
#undef PUT
	return (int)n;
}

/* Sends @req to the daemon's UAPI socket; 0 when it answers errno=0. */
static int wg_uapi(struct ctx *c, const char *req, size_t len)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	static char reply[16384];
	size_t got = 0;
	int fd, err = 0;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s.sock", c->wg_dir, c->ifname);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		err = -errno;
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, req + off, len - off);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
		off += (size_t)n;
	}
	while (got < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		reply[got] = '\0';
		if (strstr(reply, "\n\n"))
			break;
	}
	reply[got] = '\0';
	/* the answer ends "errno=N" and a blank line; get=1 has lines before */
	if (!(!strncmp(reply, "errno=0\n", 8) || strstr(reply, "\nerrno=0\n")))
		err = -EINVAL;
	sodium_memzero(reply, got);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * Starts tapwire-wg for CNI_IFNAME in the pod (the current namespace), in a
 * mount namespace of its own whose /run/wireguard is c->wg_dir, and returns
 * once the daemon is up (its own parent waits for that, as wireguard-go's).
 */
static int wg_start(struct ctx *c)
{
	int status;
	pid_t pid;

	wg_names(c);
	if ((mkdir("/run/tapwire-cni", 0700) < 0 && errno != EEXIST) ||
	    (mkdir(c->wg_dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir("/run/wireguard", 0755) < 0 && errno != EEXIST))
		return fail(c, E_IO, "cannot make %s: %s", c->wg_dir, strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail(c, E_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(c->wg_dir, "/run/wireguard", NULL, MS_BIND, NULL) < 0)
			_exit(126);
		if (null >= 0)
			dup2(null, STDOUT_FILENO); /* stdout is the runtime's result */
		unsetenv("WG_PROCESS_FOREGROUND");
		execl(c->wg_exe, "tapwire-wg", c->ifname, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(c, E_INTERNAL, "%s %s did not start (%s %d)", c->wg_exe, c->ifname,
			    WIFEXITED(status) ? "exit" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	c->created = true;
	return 0;
}

/* After the interface is deleted (the daemon then ends): its directory goes. */
static void wg_forget(struct ctx *c)
{
	char sock[96];

	wg_names(c);
	snprintf(sock, sizeof(sock), "%s/%s.sock", c->wg_dir, c->ifname);
	unlink(sock);
	rmdir(c->wg_dir);
}

static int wg_configure(struct ctx *c, struct tw_nl *nl)
{
	char *req = malloc(65536);
	json_object *peers = key(c->wg, "peers");
	int n, err;

	if (!req)
		return fail(c, E_IO, "out of memory");
	n = wg_request(c, req, 65536);
	if (n == -E2BIG)
		err = fail(c, E_CONFIG, "\"wireguard\" is too large");
	else if (n < 0)
		err = 1; /* said already */
	else if ((err = wg_uapi(c, req, (size_t)n)) < 0)
		err = fail(c, E_INTERNAL, "tapwire-wg refused the configuration of %s (%s)",
			   c->ifname, strerror(-err));
	sodium_memzero(req, 65536);
	free(req);
	if (err)
		return err;
	if (c->mtu && (err = tw_link_set_mtu(nl, c->ifname, c->mtu)) < 0)
		return fail(c, E_INTERNAL, "cannot set MTU %u: %s", c->mtu, strerror(-err));
	/* routes to every peer's allowed IPs, as wg-quick adds them */
	for (size_t i = 0; peers && i < json_object_array_length(peers); i++) {
		json_object *ips = key(json_object_array_get_idx(peers, i), "allowedIPs");

		for (size_t k = 0; ips && k < json_object_array_length(ips); k++) {
			struct tw_route r = {0};

			tw_prefix_parse(json_object_get_string(json_object_array_get_idx(ips, k)),
					TW_PREFIX_NEED_LEN, &r.dst);
			tw_prefix_mask(&r.dst);
			snprintf(r.dev, sizeof(r.dev), "%s", c->ifname);
			if (c->n_pending_routes == sizeof(c->pending_routes) / sizeof(r))
				return fail(c, E_CONFIG, "more than 64 allowed IPs");
			c->pending_routes[c->n_pending_routes++] = r;
		}
	}
	return 0;
}

/* ---- the TAP ------------------------------------------------------------ */

static int enter(int ns)
{
	return setns(ns, CLONE_NEWNET) < 0 ? -errno : 0;
}

static int open_pod(struct ctx *c)
{
	c->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	c->pod_ns = open(c->netns, O_RDONLY | O_CLOEXEC);
	if (c->pod_ns < 0)
		return fail(c, E_CONTAINER, "cannot open network namespace \"%s\": %s", c->netns,
			    strerror(errno));
	if (enter(c->pod_ns) < 0)
		return fail(c, E_CONTAINER, "cannot enter network namespace \"%s\": %s", c->netns,
			    strerror(errno));
	return 0;
}

/* The IP configurations of an IPAM or previous result. */
static size_t result_ips(json_object *r, struct ip *ips, size_t max)
{
	json_object *arr = key(r, "ips");
	size_t n = 0;

	for (size_t i = 0; arr && i < json_object_array_length(arr) && n < max; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *a = json_object_get_string(key(e, "address"));
		const char *g = json_object_get_string(key(e, "gateway"));
		struct ip ip = {0};

		if (!a || tw_prefix_parse(a, TW_PREFIX_NEED_LEN, &ip.addr) < 0)
			continue;
		ip.has_gw = g && tw_prefix_parse(g, TW_PREFIX_NO_LEN, &ip.gw) == 0;
		ips[n++] = ip;
	}
	return n;
}

static int configure(struct ctx *c, struct tw_nl *nl, char *mac_out, size_t mac_len)
{
	struct tw_link_info *links = NULL;
	json_object *routes;
	struct ip ips[32];
	size_t n_links = 0, n;
	uint8_t m[6];
	int err;

	if (!c->wg && c->mac && parse_mac(c->mac, m) == 0 &&
	    (err = tw_link_set_address(nl, c->ifname, m, 6)) < 0)
		return fail(c, E_INTERNAL, "cannot set MAC %s: %s", c->mac, strerror(-err));
	if (c->mtu && (err = tw_link_set_mtu(nl, c->ifname, c->mtu)) < 0)
		return fail(c, E_INTERNAL, "cannot set MTU %u: %s %s", c->mtu, strerror(-err),
			    tw_nl_errmsg(nl));
	if (c->bridge && (err = tw_link_set_master(nl, c->ifname, c->bridge)) < 0)
		return fail(c, err == -ENODEV ? E_CONFIG : E_INTERNAL,
			    "cannot add %s to bridge \"%s\": %s", c->ifname, c->bridge,
			    err == -ENODEV ? "no such bridge in the namespace" : strerror(-err));
	n = c->ipam_result ? result_ips(c->ipam_result, ips, 32) : 0;
	for (size_t i = 0; i < n; i++) {
		err = tw_addr_add(nl, c->ifname, &ips[i].addr,
				  ips[i].addr.family == AF_INET6 ? TW_ADDR_NODAD : 0);
		if (err < 0)
			return fail(c, E_INTERNAL, "cannot add an address: %s", strerror(-err));
	}
	if ((err = tw_link_set_up(nl, c->ifname, true)) < 0)
		return fail(c, E_INTERNAL, "cannot bring %s up: %s", c->ifname, strerror(-err));
	routes = c->ipam_result ? key(c->ipam_result, "routes") : NULL;
	if (routes && !json_object_is_type(routes, json_type_array))
		return fail(c, E_DECODE, "IPAM \"routes\" is not an array");
	for (size_t i = 0; routes && i < json_object_array_length(routes); i++) {
		json_object *e = json_object_array_get_idx(routes, i);
		const char *dst = json_object_get_string(key(e, "dst"));
		const char *gw = json_object_get_string(key(e, "gw"));
		struct tw_route r = {0};

		if (!dst || tw_prefix_parse(dst, TW_PREFIX_NEED_LEN, &r.dst) < 0)
			return fail(c, E_DECODE, "IPAM route \"%s\" is not a prefix",
				    dst ? dst : "");
		tw_prefix_mask(&r.dst);
		snprintf(r.dev, sizeof(r.dev), "%s", c->ifname);
		if (gw) {
			if (tw_prefix_parse(gw, TW_PREFIX_NO_LEN, &r.gateway) < 0)
				return fail(c, E_DECODE, "IPAM gateway \"%s\" is not an address",
					    gw);
			r.has_gateway = true;
		} else {
			/* a route without gw goes via the first gateway of its family */
			for (size_t k = 0; k < n; k++)
				if (ips[k].has_gw && ips[k].gw.family == r.dst.family) {
					r.gateway = ips[k].gw;
					r.has_gateway = true;
					break;
				}
		}
		if ((err = tw_route_add(nl, &r, 0)) < 0 && err != -EEXIST)
			return fail(c, E_INTERNAL, "cannot add route %s: %s %s", dst,
				    strerror(-err), tw_nl_errmsg(nl));
	}
	for (size_t i = 0; i < c->n_pending_routes; i++)
		if ((err = tw_route_add(nl, &c->pending_routes[i], 0)) < 0 && err != -EEXIST)
			return fail(c, E_INTERNAL, "cannot add a route to an allowed IP: %s %s",
				    strerror(-err), tw_nl_errmsg(nl));
	if ((err = tw_link_list(nl, c->ifname, &links, &n_links)) < 0 || n_links != 1) {
		free(links);
		return fail(c, E_INTERNAL, "cannot read %s back: %s", c->ifname, strerror(-err));
	}
	mac_out[0] = '\0'; /* a WireGuard interface has none */
	if (links[0].addr_len == 6)
		snprintf(mac_out, mac_len, "%02x:%02x:%02x:%02x:%02x:%02x", links[0].addr[0],
			 links[0].addr[1], links[0].addr[2], links[0].addr[3], links[0].addr[4],
			 links[0].addr[5]);
	free(links);
	return 0;
}

static int create_tap(struct ctx *c)
{
	unsigned flags = TW_TUN_EXCL | TW_TUN_CLOEXEC;
	int fd, err, extra[MAX_QUEUES];

	if (c->multi_queue)
		flags |= TW_TUN_MULTI_QUEUE;
	if (c->vnet_hdr)
		flags |= TW_TUN_VNET_HDR;
	fd = tw_tun_open(c->ifname, TW_TUN_MODE_TAP, flags, NULL);
	if (fd == -EBUSY || fd == -EEXIST)
		return fail(c, E_INTERNAL, "an interface \"%s\" exists in the namespace already",
			    c->ifname);
	if (fd < 0)
		return fail(c, E_INTERNAL, "cannot create TAP \"%s\": %s", c->ifname,
			    strerror(-fd));
	c->created = true;
	err = tw_tun_set_persist(fd, true);
	if (!err && c->owner >= 0)
		err = tw_tun_set_owner(fd, (uid_t)c->owner);
	if (!err && c->group >= 0)
		err = tw_tun_set_group(fd, (gid_t)c->group);
	/* prove the device takes the queues a VM will open, then let them go */
	for (unsigned q = 1; !err && q < c->queues; q++) {
		extra[q] = tw_tun_open(c->ifname, TW_TUN_MODE_TAP,
				       (flags & ~TW_TUN_EXCL) | TW_TUN_NO_CREATE, NULL);
		if (extra[q] < 0) {
			err = extra[q];
			for (unsigned k = 1; k < q; k++)
				close(extra[k]);
			break;
		}
		if (q == c->queues - 1)
			for (unsigned k = 1; k <= q; k++)
				close(extra[k]);
	}
	close(fd);
	if (err < 0)
		return fail(c, E_INTERNAL, "cannot set up TAP \"%s\": %s", c->ifname,
			    strerror(-err));
	return 0;
}

/* Deletes @c->ifname in the current namespace if it is a TUN/TAP device. */
static int delete_tap(struct ctx *c, struct tw_nl *nl)
{
	struct tw_tun_info *t = NULL;
	size_t n = 0;
	int err = tw_tun_list(nl, c->ifname, 0, &t, &n);

	if (err == -ENODEV || (err == 0 && n == 0)) {
		tw_tun_list_free(t, n);
		return 0; /* gone already, or not ours: nothing to do */
	}
	tw_tun_list_free(t, n);
	if (err < 0)
		return err;
	err = tw_tun_delete(nl, c->ifname);
	return err == -ENODEV ? 0 : err;
}

/* ---- results -------------------------------------------------------------- */

static json_object *result(struct ctx *c, const char *mac)
{
	json_object *r = json_object_new_object(), *ifs = json_object_new_array();
	json_object *ifc = json_object_new_object(), *ips = json_object_new_array(), *v;
	json_object *src = c->ipam_result ? key(c->ipam_result, "ips") : NULL;

	json_object_object_add(r, "cniVersion", json_object_new_string(c->version));
	json_object_object_add(ifc, "name", json_object_new_string(c->ifname));
	if (*mac)
		json_object_object_add(ifc, "mac", json_object_new_string(mac));
	if (c->vnum >= 10100 && c->mtu)
		json_object_object_add(ifc, "mtu", json_object_new_int((int)c->mtu));
	json_object_object_add(ifc, "sandbox", json_object_new_string(c->netns));
	json_object_array_add(ifs, ifc);
	if (c->host_bridge) { /* the host end, in the runtime's namespace (no sandbox) */
		json_object *h = json_object_new_object();

		json_object_object_add(h, "name", json_object_new_string(c->veth_host));
		json_object_array_add(ifs, h);
	}
	json_object_object_add(r, "interfaces", ifs);
	for (size_t i = 0; src && i < json_object_array_length(src); i++) {
		json_object *e = json_object_array_get_idx(src, i), *o = json_object_new_object();
		const char *a = json_object_get_string(key(e, "address"));

		if (c->vnum < 10000) /* 0.3.x and 0.4.0 name the family */
			json_object_object_add(
			    o, "version", json_object_new_string(a && strchr(a, ':') ? "6" : "4"));
		json_object_object_add(o, "interface", json_object_new_int(0));
		json_object_object_add(o, "address", json_object_new_string(a ? a : ""));
		if ((v = key(e, "gateway")))
			json_object_object_add(o, "gateway", json_object_get(v));
		json_object_array_add(ips, o);
	}
	json_object_object_add(r, "ips", ips);
	if (c->ipam_result && (v = key(c->ipam_result, "routes")))
		json_object_object_add(r, "routes", json_object_get(v));
	if (c->ipam_result && (v = key(c->ipam_result, "dns")))
		json_object_object_add(r, "dns", json_object_get(v));
	return r;
}

/* ---- commands ------------------------------------------------------------- */

static int cmd_add(struct ctx *c)
{
	char mac[18];
	struct tw_nl *nl = NULL;
	json_object *r;
	int ret, err;

	if ((ret = check_env(c, true)) || (ret = open_pod(c)))
		return ret;
	/* IPAM runs where the runtime runs it: in the runtime's namespace */
	if (c->ipam) {
		if (enter(c->host_ns) < 0)
			return fail(c, E_IO, "cannot return to the runtime's namespace");
		if ((ret = ipam_exec(c, "ADD", &c->ipam_result)))
			return ret;
		c->ipam_added = true;
	}
	if (c->host_bridge) {
		if (enter(c->host_ns) < 0) {
			ret = fail(c, E_IO, "cannot return to the runtime's namespace");
			goto undo;
		}
		if ((ret = host_side(c)))
			goto undo;
	}
	if (enter(c->pod_ns) < 0) {
		ret = fail(c, E_CONTAINER, "cannot enter \"%s\" again", c->netns);
		goto undo;
	}
	if ((err = tw_nl_open(&nl)) < 0) {
		ret = fail(c, E_IO, "cannot open rtnetlink: %s", strerror(-err));
		goto undo;
	}
	if (c->host_bridge && (ret = pod_side(c, nl)))
		goto undo;
	if (c->wg ? (ret = wg_start(c)) || (ret = wg_configure(c, nl)) : (ret = create_tap(c)))
		goto undo;
	if ((ret = configure(c, nl, mac, sizeof(mac))))
		goto undo;
	r = result(c, mac);
	fputs(json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN), stdout);
	fputc('\n', stdout);
	json_object_put(r);
	tw_nl_close(nl);
	return 0;
undo:
	/* what this ADD made goes; its error object is already printed */
	if ((c->created || c->veth_created) && !nl && enter(c->pod_ns) == 0)
		tw_nl_open(&nl);
	if (c->created && nl)
		delete_tap(c, nl);
	if (c->created && c->wg)
		wg_forget(c);
	if (c->veth_created && nl)
		pod_side_delete(c, nl);
	tw_nl_close(nl);
	if (c->ipam_added && enter(c->host_ns) == 0) {
		c->quiet = true;
		ipam_exec(c, "DEL", NULL);
	}
	return ret;
}

static int cmd_del(struct ctx *c)
{
	struct tw_nl *nl = NULL;
	int ret, err;

	if ((ret = check_env(c, false)))
		return ret;
	c->host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/* DEL must succeed when things are gone: a namespace gone took the TAP along */
	if (c->netns && *c->netns && (c->pod_ns = open(c->netns, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    enter(c->pod_ns) == 0) {
		if ((err = tw_nl_open(&nl)) < 0)
			return fail(c, E_IO, "cannot open rtnetlink: %s", strerror(-err));
		err = delete_tap(c, nl);
		if (c->host_bridge)
			pod_side_delete(c, nl);
		tw_nl_close(nl);
		if (c->wg) /* the daemon ends with its interface; its directory goes too */
			wg_forget(c);
		if (err < 0)
			return fail(c, E_INTERNAL, "cannot delete \"%s\": %s", c->ifname,
				    strerror(-err));
		if (enter(c->host_ns) < 0)
			return fail(c, E_IO, "cannot return to the runtime's namespace");
	}
	if (c->ipam)
		return ipam_exec(c, "DEL", NULL);
	return 0;
}

static int cmd_check(struct ctx *c)
{
	struct tw_tun_info *t = NULL;
	struct tw_link_info *l = NULL;
	struct tw_addr_info *addrs = NULL;
	struct tw_nl *nl = NULL;
	size_t nt = 0, nl_n = 0, na = 0, nips;
	json_object *ifs, *ifc = NULL;
	struct ip ips[32];
	char mac[18];
	int ret, err;

	if (c->vnum < 400)
		return fail(c, E_VERSION, "CHECK needs cniVersion 0.4.0 or later");
	if (!c->prev)
		return fail(c, E_CONFIG, "CHECK needs \"prevResult\"");
	if ((ret = check_env(c, true)) || (ret = open_pod(c)))
		return ret;
	ifs = key(c->prev, "interfaces");
	for (size_t i = 0; ifs && i < json_object_array_length(ifs); i++) {
		json_object *e = json_object_array_get_idx(ifs, i);
		const char *name = json_object_get_string(key(e, "name"));
		const char *sb = json_object_get_string(key(e, "sandbox"));

		if (name && !strcmp(name, c->ifname) && sb && !strcmp(sb, c->netns))
			ifc = e;
	}
	if (!ifc)
		return fail(c, E_CONFIG, "prevResult has no interface %s in %s", c->ifname,
			    c->netns);
	if ((err = tw_nl_open(&nl)) < 0)
		return fail(c, E_IO, "cannot open rtnetlink: %s", strerror(-err));
	err = tw_tun_list(nl, c->ifname, 0, &t, &nt);
	if (err == 0)
		err = tw_link_list(nl, c->ifname, &l, &nl_n);
	if (err == 0)
		err = tw_addr_list(nl, c->ifname, AF_UNSPEC, &addrs, &na);
	ret = 0;
	if (err < 0 || nt != 1 || nl_n != 1)
		ret = fail(c, E_INTERNAL, "%s is not a TUN/TAP device in %s (%s)", c->ifname,
			   c->netns, err < 0 ? strerror(-err) : "other kind");
	else if (c->wg) {
		wg_names(c);
		if (t[0].mode != TW_TUN_MODE_TUN || wg_uapi(c, "get=1\n\n", 7) < 0)
			ret = fail(c, E_INTERNAL, "%s is not served by tapwire-wg (%s/%s.sock)",
				   c->ifname, c->wg_dir, c->ifname);
	} else if (t[0].mode != TW_TUN_MODE_TAP || t[0].multi_queue != c->multi_queue ||
		   t[0].vnet_hdr != c->vnet_hdr)
		ret =
		    fail(c, E_INTERNAL, "%s is not the TAP the configuration asks for", c->ifname);
	else if ((c->owner >= 0 && (!t[0].has_owner || t[0].owner != (uid_t)c->owner)) ||
		 (c->group >= 0 && (!t[0].has_group || t[0].group != (gid_t)c->group)))
		ret = fail(c, E_INTERNAL, "%s has another owner or group", c->ifname);
	if (!ret && !c->wg) {
		const char *want = json_object_get_string(key(ifc, "mac"));

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", l[0].addr[0],
			 l[0].addr[1], l[0].addr[2], l[0].addr[3], l[0].addr[4], l[0].addr[5]);
		if (want && strcasecmp(want, mac))
			ret = fail(c, E_INTERNAL, "%s has MAC %s, prevResult says %s", c->ifname,
				   mac, want);
		else if (c->mtu && l[0].mtu != c->mtu)
			ret = fail(c, E_INTERNAL, "%s has MTU %u, not %u", c->ifname, l[0].mtu,
				   c->mtu);
		else if ((c->bridge || c->host_bridge) && !l[0].master)
			ret = fail(c, E_INTERNAL, "%s is not on a bridge", c->ifname);
	}
	nips = ret ? 0 : result_ips(c->prev, ips, 32);
	for (size_t i = 0; i < nips && !ret; i++) {
		bool found = false;

		for (size_t k = 0; k < na; k++)
			found |= tw_prefix_equal(&addrs[k].prefix, &ips[i].addr);
		if (!found) {
			char buf[TW_PREFIX_STRLEN];

			tw_prefix_format(&ips[i].addr, 0, buf, sizeof(buf));
			ret = fail(c, E_INTERNAL, "%s lacks address %s", c->ifname, buf);
		}
	}
	tw_tun_list_free(t, nt);
	free(l);
	free(addrs);
	tw_nl_close(nl);
	if (!ret && c->host_bridge) { /* the host end, on hostBridge */
		struct tw_link_info *h = NULL, *b = NULL;
		size_t nh = 0, nb = 0;

		host_bridge_names(c);
		if (enter(c->host_ns) < 0 || tw_nl_open(&nl) < 0)
			return fail(c, E_IO, "cannot look at the runtime's namespace");
		if (tw_link_list(nl, c->veth_host, &h, &nh) < 0 || nh != 1 ||
		    tw_link_list(nl, c->host_bridge, &b, &nb) < 0 || nb != 1 ||
		    h[0].master != b[0].ifindex)
			ret = fail(c, E_INTERNAL, "%s is not on \"%s\" in the runtime's namespace",
				   c->veth_host, c->host_bridge);
		free(h);
		free(b);
		tw_nl_close(nl);
	}
	if (!ret && c->ipam) {
		if (enter(c->host_ns) < 0)
			return fail(c, E_IO, "cannot return to the runtime's namespace");
		ret = ipam_exec(c, "CHECK", NULL);
	}
	return ret;
}

/* STATUS and GC (1.1): this plugin keeps no state of its own beyond the
 * TAPs, which go with their namespaces; IPAM's are delegated. */
static int cmd_status_gc(struct ctx *c, const char *cmd)
{
	if (c->vnum < 10100)
		return fail(c, E_VERSION, "%s needs cniVersion 1.1.0", cmd);
	return c->ipam ? ipam_exec(c, cmd, NULL) : 0;
}

static int cmd_version(struct ctx *c)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "cniVersion",
			       json_object_new_string(c->vnum ? c->version : "1.1.0"));
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		json_object_array_add(a, json_object_new_string(versions[i]));
	json_object_object_add(o, "supportedVersions", a);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx c = {.host_ns = -1, .pod_ns = -1};
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--version"))) {
		printf("tapwire CNI plugin %s: TAP devices for containers and VMs in pods.\n"
		       "Run by a CNI runtime (CNI_COMMAND=ADD|DEL|CHECK|STATUS|GC|VERSION,\n"
		       "the network configuration on standard input); CNI spec 0.3.0 to 1.1.0.\n"
		       "See the tapwire README, \"CNI plugin\".\n",
		       tw_version());
		return 0;
	}
	c.command = getenv("CNI_COMMAND");
	c.containerid = getenv("CNI_CONTAINERID");
	c.netns = getenv("CNI_NETNS");
	c.ifname = getenv("CNI_IFNAME");
	c.args = getenv("CNI_ARGS");
	c.path = getenv("CNI_PATH");
	if (!c.command || !*c.command)
		return fail(&c, E_ENV, "CNI_COMMAND is missing");
	if (!strcmp(c.command, "VERSION")) {
		/* the configuration is optional here: it only picks the answer's version */
		c.quiet = true;
		if (!isatty(STDIN_FILENO))
			parse(&c);
		c.quiet = false;
		ret = cmd_version(&c);
		goto out;
	}
	if ((ret = parse(&c)))
		goto out;
	if (!strcmp(c.command, "ADD"))
		ret = cmd_add(&c);
	else if (!strcmp(c.command, "DEL"))
		ret = cmd_del(&c);
	else if (!strcmp(c.command, "CHECK"))
		ret = cmd_check(&c);
	else if (!strcmp(c.command, "STATUS") || !strcmp(c.command, "GC"))
		ret = cmd_status_gc(&c, c.command);
	else
		ret = fail(&c, E_ENV,
			   "CNI_COMMAND \"%s\" is not ADD, DEL, CHECK, STATUS, GC or VERSION",
			   c.command);
out:
	fflush(stdout);
	/* everything freed, so a leak checker sees only real leaks */
	json_object_put(c.ipam_result);
	json_object_put(c.conf);
	free(c.input);
	free(c.mac_buf);
	if (c.host_ns >= 0)
		close(c.host_ns);
	if (c.pod_ns >= 0)
		close(c.pod_ns);
	return ret;
}
