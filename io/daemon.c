// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "daemon.h"

int tw_daemon_start(void)
{
	int p[2], st;
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid > 0) {
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1 && c == 0)
			_exit(0);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	close(p[0]);
	setsid(); /* fails only for a group leader, which a fresh child is not */
	return p[1];
}

void tw_daemon_ready(int ready_fd, int null)
{
	struct stat st;
	char c = 0;

	if (null < 0)
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
			if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
				dup2(null, fd);
		close(null);
	}
	if (write(ready_fd, &c, 1) < 0) {
		/* the parent is gone: nobody to tell */
	}
	close(ready_fd);
}
