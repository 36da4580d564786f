// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

static int addr_of(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	memcpy(a->sun_path, path, strlen(path) + 1);
	return 0;
}

size_t tw_ctl_dirs(const char *name, char dirs[2][TW_CTL_DIR_MAX])
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	size_t n = 0;

	snprintf(dirs[n++], TW_CTL_DIR_MAX, "/run/%s", name);
	/* a path too long for a socket name below it is left out */
	if (xdg && *xdg == '/' && snprintf(dirs[n], TW_CTL_DIR_MAX, "%s/%s", xdg, name) < 60)
		n++;
	return n;
}

bool tw_ctl_alive(const char *path, pid_t *ret_pid)
{
	struct sockaddr_un a;
	struct ucred cred = {0};
	socklen_t clen = sizeof(cred);
	bool alive;
	int fd;

	if (addr_of(path, &a) < 0)
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	alive = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (alive && ret_pid && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		*ret_pid = cred.pid;
	close(fd);
	return alive;
}

int tw_ctl_listen(const char *path, unsigned wait_ms, pid_t *ret_holder)
{
	struct timespec tick = {0, 10 * 1000 * 1000};
	struct sockaddr_un a;
	pid_t holder = 0;
	mode_t old;
	int fd, err = addr_of(path, &a);

	if (err)
		return err;
	for (unsigned waited = 0; tw_ctl_alive(path, &holder); waited += 10) {
		if (waited >= wait_ms) {
			if (ret_holder)
				*ret_holder = holder;
			return -EADDRINUSE;
		}
		nanosleep(&tick, NULL);
	}
	unlink(path); /* stale: its daemon is gone */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0077);
	err = bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ? -errno : 0;
	umask(old);
	if (!err && chmod(path, 0600) < 0)
		err = -errno;
	if (!err && listen(fd, 16) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int tw_ctl_request(const char *path, const char *req)
{
	struct sockaddr_un a;
	size_t off = 0, len = strlen(req);
	int fd, err = addr_of(path, &a);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		off += (size_t)n;
	}
	return fd;
}
