// SPDX-License-Identifier: MIT
/*
 * tapwire-host's seccomp filter (host/sandbox.c), each case in a child
 * process that installs it: what the daemon does keeps working (IPv4 and
 * IPv6 sockets, files read, memory, time); a Unix, netlink, packet or raw
 * socket, an exec, a change of credentials, a file opened for writing, an
 * executable mapping and an ioctl other than TUNGETIFF end the child with
 * SIGSYS. A sanitizer
 * build has no filter: skipped (77).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <cmocka.h>

#include "sandbox.h"

/* Runs @fn in a child behind the filter; its wait status. */
static int in_sandbox(int (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (twh_sandbox(true))
			_exit(100);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int daemon_work(void)
{
	int s4 = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int s6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int f = open("/dev/null", O_RDONLY | O_CLOEXEC);
	void *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct timespec ts;
	char c;

	if (s4 < 0 || s6 < 0 || f < 0 || m == MAP_FAILED || read(f, &c, 1) != 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &ts) || munmap(m, 1 << 20))
		return 1;
	free(malloc(1 << 22)); /* an mmap'd chunk */
	close(s4);
	close(s6);
	close(f);
	return 0;
}

static int unix_socket(void)
{
	return socket(AF_UNIX, SOCK_DGRAM, 0) >= 0 ? 2 : 3;
}

static int netlink_socket(void)
{
	return socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) >= 0 ? 2 : 3;
}

static int packet_socket(void)
{
	return socket(AF_PACKET, SOCK_RAW, 0) >= 0 ? 2 : 3;
}

/* a path that does not exist: allowed, execve would fail and return */
static int run_exec(void)
{
	char *const argv[] = {"none", NULL};

	execv("/nonexistent/tapwire-test", argv);
	return 3;
}

static int open_write(void)
{
	return open("/tmp/tapwire-sandbox-test", O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 ? 2 : 3;
}

static int open_rdwr(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC) >= 0 ? 2 : 3;
}

static int map_exec(void)
{
	return mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
		       MAP_FAILED
		   ? 2
		   : 3;
}

static int protect_exec(void)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m != MAP_FAILED && mprotect(m, 4096, PROT_READ | PROT_EXEC) == 0 ? 2 : 3;
}

static int raw_socket(void)
{
	return socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0 ? 2 : 3;
}

static int other_ioctl(void)
{
	int n;

	return ioctl(0, FIONREAD, &n) == 0 ? 2 : 3;
}

static int change_uid(void)
{
	return setuid(65534) == 0 ? 2 : 3;
}

static void test_allowed(void **state)
{
	int st = in_sandbox(daemon_work);

	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void assert_killed(int (*fn)(void))
{
	int st = in_sandbox(fn);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_refused(void **state)
{
	assert_killed(unix_socket);
	assert_killed(netlink_socket);
	assert_killed(packet_socket);
	assert_killed(run_exec);
	assert_killed(change_uid);
	assert_killed(open_write);
	assert_killed(open_rdwr);
	assert_killed(map_exec);
	assert_killed(protect_exec);
	assert_killed(raw_socket);
	assert_killed(other_ioctl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowed),
	    cmocka_unit_test(test_refused),
	};

	if (twh_sandbox(false))
		return 1;
#if defined(TW_SANITIZED) || defined(TW_FUZZING)
	return 77;
#endif
	return cmocka_run_group_tests(tests, NULL, NULL);
}
