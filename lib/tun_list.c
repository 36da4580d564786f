// SPDX-License-Identifier: MIT
/*
 * Listing and deleting TUN/TAP devices through rtnetlink, and finding the
 * processes attached to them through /proc.
 *
 * Everything about a device comes from IFLA_LINKINFO ("tun" kind data), not
 * from /sys/class/net: sysfs shows the namespace it was mounted in, which is
 * wrong after `ip netns exec` without a remount or inside unshare(2).
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "tun_internal.h"

#define TUN_MAJOR 10
#define TUN_MINOR 200

/* Reads an optional u8/u32 attribute; false if absent or malformed. */
static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static void tun_fill(struct tw_tun_info *ti, const struct nlattr **tb)
{
	uint8_t u8;
	uint32_t u32;

	if (get_u8(tb[IFLA_TUN_TYPE], &u8))
		ti->mode = (u8 & IFF_TAP) ? TW_TUN_MODE_TAP : TW_TUN_MODE_TUN;
	if (get_u8(tb[IFLA_TUN_PI], &u8))
		ti->pi = u8;
	if (get_u8(tb[IFLA_TUN_VNET_HDR], &u8))
		ti->vnet_hdr = u8;
	if (get_u8(tb[IFLA_TUN_PERSIST], &u8))
		ti->persist = u8;
	if (get_u8(tb[IFLA_TUN_MULTI_QUEUE], &u8))
		ti->multi_queue = u8;
	/* The kernel sends owner and group only when they are set. */
	if (get_u32(tb[IFLA_TUN_OWNER], &u32)) {
		ti->has_owner = true;
		ti->owner = u32;
	}
	if (get_u32(tb[IFLA_TUN_GROUP], &u32)) {
		ti->has_group = true;
		ti->group = u32;
	}
	/* Queue counts come only for multi-queue devices. */
	if (get_u32(tb[IFLA_TUN_NUM_QUEUES], &u32))
		ti->num_queues = u32;
	if (get_u32(tb[IFLA_TUN_NUM_DISABLED_QUEUES], &u32))
		ti->num_disabled_queues = u32;
}

int twi_tun_parse_link(const struct nlmsghdr *nlh, struct tw_tun_info *ret)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	const struct nlattr *info[IFLA_INFO_MAX + 1] = {0};
	const struct nlattr *data[IFLA_TUN_MAX + 1] = {0};
	const struct ifinfomsg *ifi;
	struct tw_tun_info ti = {0};

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (twi_nl_attr_parse(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EBADMSG;
	if (!tb[IFLA_LINKINFO] ||
	    twi_nl_attr_parse_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX) < 0)
		return 0;
	if (!info[IFLA_INFO_KIND] ||
	    mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) < 0 ||
	    strcmp(mnl_attr_get_str(info[IFLA_INFO_KIND]), "tun"))
		return 0;
	if (!tb[IFLA_IFNAME] || mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0 ||
	    strlen(mnl_attr_get_str(tb[IFLA_IFNAME])) >= IFNAMSIZ)
		return -EBADMSG;
	snprintf(ti.name, sizeof(ti.name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	ti.ifindex = ifi->ifi_index;
	ti.mode = TW_TUN_MODE_TUN;
	if (info[IFLA_INFO_DATA]) {
		if (twi_nl_attr_parse_nested(info[IFLA_INFO_DATA], data, IFLA_TUN_MAX) < 0)
			return -EBADMSG;
		tun_fill(&ti, data);
	}
	*ret = ti;
	return 1;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tw_tun_info ti, *slot;
	int r = twi_tun_parse_link(nlh, &ti);

	if (r <= 0)
		return MNL_CB_OK; /* another kind of link, or one we cannot read */
	slot = twi_nl_vec_push(data, sizeof(ti));
	if (slot)
		*slot = ti;
	return MNL_CB_OK; /* on ENOMEM keep reading so the dump is drained */
}

/* Dumps every link (or gets @name) and keeps the TUN/TAP ones. */
static int tun_dump(struct tw_nl *nl, const char *name, struct nl_vec *tl)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (name) {
		nlh = twi_nl_req_start(nl, RTM_GETLINK, 0, sizeof(*ifi));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	} else {
		nlh = twi_nl_req_start(nl, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifi));
	}
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return twi_nl_request(nl, nlh, list_cb, tl);
}

void twi_tun_list_free(struct tw_tun_info *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i].procs);
	free(list);
}

TW_EXPORT int tw_tun_delete(struct tw_nl *nl, const char *name)
{
	struct nl_vec tl = {0};
	int err, idx;

	if (tw_ifname_valid(name) < 0)
		return -EINVAL;
	err = tun_dump(nl, name, &tl);
	if (err == 0 && tl.err)
		err = tl.err;
	if (err == 0 && tl.n == 0)
		err = -EINVAL; /* the link exists but is not a TUN/TAP */
	idx = err == 0 ? ((struct tw_tun_info *)tl.v)->ifindex : 0;
	free(tl.v);
	if (err < 0)
		return err;
	/* By index: the name may have been reused since the lookup. */
	return twi_nl_link_del_index(nl, idx);
}

int twi_tun_fdinfo_iff(const char *text, char *ret_name)
{
	const char *p = text;
	size_t len;

	while (p && *p) {
		if (!strncmp(p, "iff:\t", 5)) {
			p += 5;
			len = strcspn(p, "\n");
			if (len == 0 || len >= IFNAMSIZ)
				return -ENOENT;
			memcpy(ret_name, p, len);
			ret_name[len] = '\0';
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

/* Reads a small /proc file into @buf (NUL-terminated). */
static int read_small(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * Whether the TUN file @fd of process @pid belongs to a device of our
 * network namespace. fdinfo only gives a name, and names are per namespace,
 * so borrow the file (pidfd_getfd, which needs ptrace rights over @pid) and
 * ask the driver (TUNGETDEVNETNS). When that is not allowed, fall back to
 * comparing the process's own namespace with ours, which is wrong only for
 * a process that moved between namespaces or whose device did.
 */
static bool proc_fd_in_netns(pid_t pid, int fd, const struct stat *self_ns)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	_cleanup_close_ int tfd = -1;
	_cleanup_close_ int nsfd = -1;
	char path[64];
	struct stat st;

	if (pidfd >= 0)
		tfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (tfd >= 0)
		nsfd = ioctl(tfd, TUNGETDEVNETNS);
	if (nsfd >= 0) {
		if (fstat(nsfd, &st) < 0)
			return false;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &st) < 0)
			return false;
	}
	return st.st_dev == self_ns->st_dev && st.st_ino == self_ns->st_ino;
}

static struct tw_tun_info *find_dev(struct tw_tun_info *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static int proc_add(struct tw_tun_info *ti, pid_t pid, const char *comm)
{
	struct tw_tun_proc *v;

	for (size_t i = 0; i < ti->n_procs; i++)
		if (ti->procs[i].pid == pid)
			return 0; /* one entry per process, however many queues */
	v = realloc(ti->procs, (ti->n_procs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ti->procs = v;
	v[ti->n_procs].pid = pid;
	snprintf(v[ti->n_procs].comm, sizeof(v->comm), "%s", comm);
	ti->n_procs++;
	return 0;
}

/* Looks at every fd of one process; errors other than ENOMEM are skipped. */
static int scan_pid(int procfd, const char *pidstr, struct tw_tun_info *list, size_t n,
		    const struct stat *self_ns)
{
	char path[320], buf[1024], comm[32] = "", name[IFNAMSIZ];
	struct tw_tun_info *ti;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int err = 0, dfd;

	snprintf(path, sizeof(path), "%s/fd", pidstr);
	dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0; /* gone, or not ours to look at */
	dir = fdopendir(dfd);
	if (!dir) {
		close(dfd);
		return 0;
	}
	while (!err && (de = readdir(dir))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (fstatat(dfd, de->d_name, &st, 0) < 0 || !S_ISCHR(st.st_mode) ||
		    st.st_rdev != makedev(TUN_MAJOR, TUN_MINOR))
			continue;
		snprintf(path, sizeof(path), "%s/fdinfo/%s", pidstr, de->d_name);
		if (read_small(procfd, path, buf, sizeof(buf)) < 0 ||
		    twi_tun_fdinfo_iff(buf, name) < 0)
			continue; /* a TUN file not attached to any device */
		ti = find_dev(list, n, name);
		if (!ti || !proc_fd_in_netns(atoi(pidstr), atoi(de->d_name), self_ns))
			continue;
		if (!comm[0]) {
			snprintf(path, sizeof(path), "%s/comm", pidstr);
			if (read_small(procfd, path, comm, sizeof(comm)) < 0)
				snprintf(comm, sizeof(comm), "?");
			comm[strcspn(comm, "\n")] = '\0';
		}
		err = proc_add(ti, atoi(pidstr), comm);
	}
	closedir(dir);
	return err;
}

static int tun_find_procs(struct tw_tun_info *list, size_t n)
{
	struct stat self_ns;
	struct dirent *de;
	DIR *proc;
	int err = 0;

	if (stat("/proc/self/ns/net", &self_ns) < 0)
		return -errno;
	proc = opendir("/proc");
	if (!proc)
		return -errno;
	while (!err && (de = readdir(proc)))
		if (isdigit((unsigned char)de->d_name[0]))
			err = scan_pid(dirfd(proc), de->d_name, list, n, &self_ns);
	closedir(proc);
	return err;
}

int twi_tun_list(struct tw_nl *nl, const char *name, unsigned flags, struct tw_tun_info **ret_list,
		 size_t *ret_n)
{
	struct nl_vec tl = {0};
	int err;

	if (name && tw_ifname_valid(name) < 0)
		return -EINVAL;
	err = tun_dump(nl, name, &tl);
	if (err == 0)
		err = tl.err;
	if (err == 0 && (flags & TW_TUN_LIST_PROCS) && tl.n)
		err = tun_find_procs(tl.v, tl.n);
	if (err < 0) {
		twi_tun_list_free(tl.v, tl.n);
		return err;
	}
	*ret_list = tl.v;
	*ret_n = tl.n;
	return 0;
}
