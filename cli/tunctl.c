// SPDX-License-Identifier: MIT
/*
 * The `tunctl` personality: what Debian's uml-utilities tunctl does, with the
 * same options, output, messages and exit codes, so scripts written for it
 * run unchanged. -n (TUN instead of TAP) and -p (TAP, the default) come from
 * the later standalone tunctl; Debian's refuses them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>

#include "cli.h"

struct tunctl {
	const char *prog;
	const char *name;
	const char *file;
	bool brief, delete;
	short type;	   /* IFF_TAP or IFF_TUN */
	long owner, group; /* -1: not given */
};

static int usage(const char *prog)
{
	fprintf(stderr,
		"Create: %s [-b] [-u owner] [-g group] [-t device-name] [-f tun-clone-device]\n"
		"Delete: %s -d device-name [-f tun-clone-device]\n\n"
		"The default tun clone device is /dev/net/tun - some systems use\n"
		"/dev/misc/net/tun instead\n\n"
		"-b will result in brief output (just the device name)\n",
		prog, prog);
	return 1;
}

/* A number (any base strtol takes) or a name; -1 when neither. */
static bool parse_owner(const char *word, bool group, long *ret)
{
	char *end;
	long v = strtol(word, &end, 0);

	if (*end == '\0') {
		*ret = v;
		return true;
	}
	if (group) {
		struct group *gr = getgrnam(word);

		if (gr)
			*ret = gr->gr_gid;
		return gr != NULL;
	}
	struct passwd *pw = getpwnam(word);

	if (pw)
		*ret = pw->pw_uid;
	return pw != NULL;
}

static int parse(struct tunctl *t, int argc, char **argv)
{
	int opt;

	optind = 0; /* GNU: start afresh, forgetting the last call's argv (a cluster it left) */
	while ((opt = getopt(argc, argv, "bd:f:t:u:g:np")) > 0) {
		switch (opt) {
		case 'b':
			t->brief = true;
			break;
		case 'd':
			t->delete = true;
			t->name = optarg;
			break;
		case 'f':
			t->file = optarg;
			break;
		case 't':
			t->name = optarg;
			break;
		case 'n':
			t->type = IFF_TUN;
			break;
		case 'p':
			t->type = IFF_TAP;
			break;
		case 'u':
		case 'g':
			if (!parse_owner(optarg, opt == 'g', opt == 'g' ? &t->group : &t->owner)) {
				fprintf(stderr,
					opt == 'g' ? "'%s' is neither a groupname nor a "
						     "numeric group.\n"
						   : "'%s' is neither a username nor a "
						     "numeric uid.\n",
					optarg);
				return usage(t->prog);
			}
			break;
		default:
			return usage(t->prog);
		}
	}
	return optind < argc ? usage(t->prog) : 0;
}

static int perr(const char *what, int err)
{
	fprintf(stderr, "%s: %s\n", what, strerror(-err));
	return 1;
}

static int make_persistent(const struct tunctl *t, int fd, const char *name)
{
	long owner = t->owner;
	int err;

	/* Without -u or -g the device goes to the caller, as before TUNSETGROUP. */
	if (owner == -1 && t->group == -1)
		owner = geteuid();
	if (owner != -1 && (err = tw_tun_set_owner(fd, (uid_t)owner)) < 0)
		return perr("TUNSETOWNER", err);
	if (t->group != -1 && (err = tw_tun_set_group(fd, (gid_t)t->group)) < 0)
		return perr("TUNSETGROUP", err);
	if ((err = tw_tun_set_persist(fd, true)) < 0)
		return perr("enabling TUNSETPERSIST", err);
	if (t->brief) {
		printf("%s\n", name);
		return 0;
	}
	printf("Set '%s' persistent and owned by", name);
	if (owner != -1)
		printf(" uid %d", (int)owner);
	if (t->group != -1)
		printf(" gid %d", (int)t->group);
	printf("\n");
	return 0;
}

/* Entry point for main.c's personalities[] table. */
int cli_tunctl_main(int argc, char **argv);
int cli_tunctl_main(int argc, char **argv)
{
	struct tunctl t = {
	    .prog = argv[0],
	    .name = "",
	    .file = "/dev/net/tun",
	    .type = IFF_TAP,
	    .owner = -1,
	    .group = -1,
	};
	struct ifreq ifr = {0};
	int fd, ret;

	if ((ret = parse(&t, argc, argv)) != 0)
		return ret;
	fd = open(t.file, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Failed to open '%s' : %s\n", t.file, strerror(errno));
		return 1;
	}
	ifr.ifr_flags = t.type | IFF_NO_PI;
	/* Over-long names are cut, as the original does. */
	strncpy(ifr.ifr_name, t.name, sizeof(ifr.ifr_name) - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = perr("TUNSETIFF", -errno);
	} else if (t.delete) {
		ret = tw_tun_set_persist(fd, false);
		if (ret < 0)
			ret = perr("TUNSETPERSIST", ret);
		else
			printf("Set '%s' nonpersistent\n", ifr.ifr_name);
	} else {
		ret = make_persistent(&t, fd, ifr.ifr_name);
	}
	close(fd);
	return ret;
}
