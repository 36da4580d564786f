// SPDX-License-Identifier: MIT
/* `tapwire vxlan show`: what tapwire-vxlan daemons say on their control sockets. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctl.h"
#include "vxctl.h"

#define REPLY_MAX (16u << 20) /* a full table of a million entries fits */

const char *vxlan_get(const struct vxlan_state *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->keys[i], key))
			return s->vals[i];
	return NULL;
}

void vxlan_state_free(struct vxlan_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->keys[i]); /* the value shares the key's allocation */
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

/* Reads the whole reply, two seconds at most. */
static int read_reply(int fd, char **ret, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 2000) <= 0) {
			free(buf);
			return -ETIMEDOUT;
		}
		if (len + 1 == cap) {
			char *b = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!b) {
				free(buf);
				return -EMSGSIZE;
			}
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int vxlan_query(const char *path, struct vxlan_state *ret)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len;
	int fd, err;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->path, sizeof(ret->path), "%s", path);
	fd = tw_ctl_request(path, "show\n");
	if (fd < 0)
		return fd;
	err = read_reply(fd, &buf, &len);
	close(fd);
	if (err)
		return err;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), **k, **v;

		if (!eq)
			continue;
		k = realloc(ret->keys, (ret->n + 1) * sizeof(*k));
		if (k)
			ret->keys = k;
		v = realloc(ret->vals, (ret->n + 1) * sizeof(*v));
		if (v)
			ret->vals = v;
		if (!k || !v || !(ret->keys[ret->n] = strdup(line))) {
			free(buf);
			vxlan_state_free(ret);
			return -ENOMEM;
		}
		ret->vals[ret->n] = ret->keys[ret->n] + (eq - line) + 1;
		ret->keys[ret->n][eq - line] = '\0';
		ret->n++;
	}
	free(buf);
	if (!vxlan_get(ret, "ifname")) {
		vxlan_state_free(ret);
		return -EPROTO;
	}
	return 0;
}

/* This process's network namespace, as the daemons give theirs. */
static unsigned long my_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static bool in_my_netns(const struct vxlan_state *s)
{
	const char *ns = vxlan_get(s, "netns");

	return ns && strtoul(ns, NULL, 10) == my_netns();
}

/* The directories daemons put their sockets in by default, most privileged first. */
static size_t run_dirs(char dirs[2][TW_CTL_DIR_MAX])
{
	return tw_ctl_dirs("tapwire-vxlan", dirs);
}

int vxlan_find(const char *ifname, struct vxlan_state *ret)
{
	char dirs[2][TW_CTL_DIR_MAX], path[256];
	size_t n = run_dirs(dirs);

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s.sock", dirs[i], ifname);
		if (vxlan_query(path, ret) == 0) {
			if (in_my_netns(ret))
				return 0;
			vxlan_state_free(ret);
		}
	}
	return -ENOENT;
}

int vxlan_start(char *const *argv, char *why, size_t why_len)
{
	const char *prog = getenv("TAPWIRE_VXLAN");
	size_t len = 0;
	int pipefd[2], status;
	pid_t pid;

	why[0] = '\0';
	if (!prog || !*prog)
		prog = "tapwire-vxlan";
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		execvp(prog, argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s", prog, strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	/* the daemon's parent exits once it is up; the daemon drops its stderr then */
	for (ssize_t n; (n = read(pipefd[0], why + len, why_len - 1 - len));) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (len + 1 == why_len) { /* keep the end: the error comes last */
			memmove(why, why + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	why[len] = '\0';
	while (len && why[len - 1] == '\n')
		why[--len] = '\0';
	/* its last line says why it stopped; the ones before are its log */
	if (strrchr(why, '\n'))
		memmove(why, strrchr(why, '\n') + 1, strlen(strrchr(why, '\n')));
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
}

int vxlan_stop(const char *ifname)
{
	struct vxlan_state s;
	struct timespec tick = {0, 10 * 1000 * 1000};
	const char *v;
	pid_t pid;

	if (vxlan_find(ifname, &s) < 0)
		return -ENOENT;
	v = vxlan_get(&s, "pid");
	pid = v ? (pid_t)strtol(v, NULL, 10) : 0;
	if (pid > 1)
		kill(pid, SIGTERM);
	for (int i = 0; i < 300; i++) {
		if (!tw_ctl_alive(s.path, NULL)) {
			vxlan_state_free(&s);
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	vxlan_state_free(&s);
	return -ETIMEDOUT;
}

static void show_one(struct cli *c, const struct vxlan_state *s)
{
	static const char *const counters[] = {
	    "rx_frames",  "tx_frames",	"rx_truncated", "rx_bad_flags", "rx_other_vni",
	    "rx_too_big", "tx_dropped", "learned",	"moved",	"refused"};
	struct out *o = &c->out;
	const char *v;

	out_open_object(o, NULL);
	out_str(o, "ifname", "%s:", vxlan_get(s, "ifname"));
	v = vxlan_get(s, "mode");
	out_str(o, "mode", " %s", v);
	if (v && !strcmp(v, "vxlan")) {
		out_uint(o, "vni", " vni %llu", strtoull(vxlan_get(s, "vni"), NULL, 10));
		out_bool(o, "learning", " learning",
			 (v = vxlan_get(s, "learning")) && !strcmp(v, "1"));
		if ((v = vxlan_get(s, "ageing")))
			out_uint(o, "ageing", " ageing %llu", strtoull(v, NULL, 10));
	}
	if ((v = vxlan_get(s, "port")))
		out_uint(o, "port", " port %llu", strtoull(v, NULL, 10));
	if ((v = vxlan_get(s, "mtu")))
		out_uint(o, "mtu", " mtu %llu", strtoull(v, NULL, 10));
	if ((v = vxlan_get(s, "local")))
		out_str(o, "local", " local %s", v);
	if ((v = vxlan_get(s, "pid")))
		out_uint(o, "pid", " pid %llu", strtoull(v, NULL, 10));
	if (!c->json)
		out_str(o, NULL, " control %s", s->path);
	else
		out_str(o, "control", NULL, s->path);
	out_nl(o);
	out_open_array(o, "remotes");
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->keys[i], "remote"))
			out_str(o, NULL, "    remote %s\n", s->vals[i]);
	out_close_array(o);
	if ((v = vxlan_get(s, "group"))) {
		char addr[64], dev[32];

		if (sscanf(v, "%63s %31s", addr, dev) == 2) {
			out_open_object(o, "group");
			out_str(o, "address", "    group %s", addr);
			out_str(o, "dev", " dev %s\n", dev);
			out_close_object(o);
		}
	}
	out_open_array(o, "fdb");
	for (size_t i = 0; i < s->n; i++) {
		char mac[32], dst[64], age[24];

		if (strcmp(s->keys[i], "fdb") ||
		    sscanf(s->vals[i], "%31s %63s %23s", mac, dst, age) != 3)
			continue;
		out_open_object(o, NULL);
		out_str(o, "mac", "    fdb %s", mac);
		out_str(o, "dst", " dst %s", dst);
		if (!strcmp(age, "static")) {
			out_bool(o, "static", " static", true);
		} else {
			out_bool(o, "static", NULL, false);
			out_uint(o, "age", " learned %llus ago", strtoull(age, NULL, 10));
		}
		out_nl(o);
		out_close_object(o);
	}
	out_close_array(o);
	out_open_object(o, "stats");
	out_text(o, "   ");
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		char fmt[40];

		snprintf(fmt, sizeof(fmt), " %s %%llu", counters[i]);
		out_uint(o, counters[i], fmt,
			 strtoull((v = vxlan_get(s, counters[i])) ? v : "0", NULL, 10));
	}
	out_nl(o);
	out_close_object(o);
	out_close_object(o);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every daemon of this namespace with a socket in the default directories, by name. */
static int show_all(struct cli *c)
{
	char dirs[2][TW_CTL_DIR_MAX];
	size_t nd = run_dirs(dirs);

	out_open_array(&c->out, NULL);
	for (size_t d = 0; d < nd; d++) {
		char **names = NULL;
		size_t n = 0;
		struct dirent *e;
		DIR *dir = opendir(dirs[d]);

		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			size_t l = strlen(e->d_name);
			char **nn;

			if (l < 6 || strcmp(e->d_name + l - 5, ".sock"))
				continue;
			nn = realloc(names, (n + 1) * sizeof(*nn));
			if (!nn)
				break;
			names = nn;
			if ((names[n] = strdup(e->d_name)))
				n++;
		}
		closedir(dir);
		if (n) /* names is NULL when there are none */
			qsort(names, n, sizeof(*names), cmp_str);
		for (size_t i = 0; i < n; i++) {
			struct vxlan_state s;
			char path[400];

			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[i]);
			if (vxlan_query(path, &s) == 0) {
				if (in_my_netns(&s))
					show_one(c, &s);
				vxlan_state_free(&s);
			}
			free(names[i]);
		}
		free(names);
	}
	out_close_array(&c->out);
	return CLI_OK;
}

static int do_show(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *control = NULL;
	struct vxlan_state s;
	int err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "control")) {
			if ((err = arg_next(c, argc, argv, &i)) != CLI_OK)
				return err;
			control = argv[i];
			continue;
		}
		if ((!strcmp(argv[i], "dev") || !strcmp(argv[i], "name")) &&
		    (err = arg_next(c, argc, argv, &i)) != CLI_OK)
			return err;
		if (name)
			return arg_unknown(c, argv[i], "tapwire vxlan show");
		if ((err = arg_ifname(c, argv[i])) != CLI_OK)
			return err;
		name = argv[i];
	}
	if (!name && !control)
		return show_all(c);
	if (control) {
		err = vxlan_query(control, &s);
		if (err < 0)
			return cli_fail(c, err, "no tapwire-vxlan answers on", control);
		if (name && strcmp(vxlan_get(&s, "ifname"), name)) {
			cli_err(c, "%s serves \"%s\", not \"%s\"", control, vxlan_get(&s, "ifname"),
				name);
			vxlan_state_free(&s);
			return CLI_FAIL;
		}
	} else if (vxlan_find(name, &s) < 0) {
		cli_err(c, "no tapwire-vxlan serves \"%s\" in this network namespace", name);
		return CLI_FAIL;
	}
	out_open_array(&c->out, NULL);
	show_one(c, &s);
	out_close_array(&c->out);
	vxlan_state_free(&s);
	return CLI_OK;
}

const struct cli_cmd cli_vxlan_cmds[] = {
    {"show", do_show, NULL, "[[dev] NAME] [control PATH]",
     "list tapwire-vxlan overlays, their forwarding database and counters"},
    {"help", NULL, NULL, "", "show this help"},
    {0},
};
