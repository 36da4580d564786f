// SPDX-License-Identifier: MIT
/* `tapwire tuntap add|del|show`: persistent TUN/TAP devices, like `ip tuntap`. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tuntap.h"

static const struct {
	const char *word;
	unsigned flag;
} add_flags[] = {
    {"pi", TW_TUN_PI},
    {"vnet_hdr", TW_TUN_VNET_HDR},
    {"multi_queue", TW_TUN_MULTI_QUEUE},
    {"one_queue", TW_TUN_ONE_QUEUE},
};

static int parse_mode(struct cli *c, const char *word, enum tw_tun_mode *ret)
{
	if (!strcmp(word, "tun")) {
		*ret = TW_TUN_MODE_TUN;
		return CLI_OK;
	}
	if (!strcmp(word, "tap")) {
		*ret = TW_TUN_MODE_TAP;
		return CLI_OK;
	}
	return arg_wrong(c, word, "\"mode\" must be \"tun\" or \"tap\"");
}

static int parse_name(struct cli *c, const char *word, const char **name)
{
	const char *pct;

	if (*name) {
		cli_err(c, "argument \"%s\" is wrong: device name already given (\"%s\")", word,
			*name);
		return CLI_USAGE;
	}
	if (arg_ifname(c, word) != CLI_OK)
		return CLI_USAGE;
	/* the kernel's template rule (dev_alloc_name): one %d, no other % */
	pct = strchr(word, '%');
	if (pct && (pct[1] != 'd' || strchr(pct + 2, '%')))
		return arg_wrong(c, word, "a name template takes one \"%d\" and no other \"%\"");
	*name = word;
	return CLI_OK;
}

static int add_flag(struct cli *c, const char *word, struct tuntap_add *a, bool *found)
{
	*found = false;
	for (size_t i = 0; i < sizeof(add_flags) / sizeof(add_flags[0]); i++) {
		if (strcmp(word, add_flags[i].word))
			continue;
		*found = true;
		if (a->flags & add_flags[i].flag)
			return arg_wrong(c, word, "given twice");
		a->flags |= add_flags[i].flag;
	}
	return CLI_OK;
}

/* One keyword with its value (argv[*i] is the keyword). */
static int add_keyword(struct cli *c, int argc, char **argv, int *i, struct tuntap_add *a)
{
	const char *key = argv[*i];
	int ret = arg_next(c, argc, argv, i);

	if (ret != CLI_OK)
		return ret;
	if (!strcmp(key, "name") || !strcmp(key, "dev"))
		return parse_name(c, argv[*i], &a->name);
	if (!strcmp(key, "mode")) {
		if (a->mode)
			return arg_wrong(c, key, "given twice");
		return parse_mode(c, argv[*i], &a->mode);
	}
	if (!strcmp(key, "user")) {
		if (a->has_user)
			return arg_wrong(c, key, "given twice");
		a->has_user = true;
		return arg_user(c, argv[*i], &a->uid);
	}
	if (a->has_group)
		return arg_wrong(c, key, "given twice");
	a->has_group = true;
	return arg_group(c, argv[*i], &a->gid);
}

static bool is_keyword(const char *w)
{
	static const char *const keys[] = {"name", "dev", "mode", "user", "group"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(w, keys[i]))
			return true;
	return false;
}

int tuntap_parse_add(struct cli *c, int argc, char **argv, struct tuntap_add *ret)
{
	struct tuntap_add a = {0};
	bool flag;
	int err;

	for (int i = 0; i < argc; i++) {
		if (is_keyword(argv[i]))
			err = add_keyword(c, argc, argv, &i, &a);
		else if ((err = add_flag(c, argv[i], &a, &flag)) == CLI_OK && !flag)
			err = a.name ? arg_unknown(c, argv[i], "tapwire tuntap")
				     : parse_name(c, argv[i], &a.name);
		if (err != CLI_OK)
			return err;
	}
	if (!a.name) {
		cli_err(c, "device name is missing (try \"tapwire tuntap help\")");
		return CLI_USAGE;
	}
	if (!a.mode) {
		cli_err(c, "\"mode tun\" or \"mode tap\" is missing for \"%s\"", a.name);
		return CLI_USAGE;
	}
	*ret = a;
	return CLI_OK;
}

/* Opens (creating) the device, applies owner and group, then persists it. */
static int do_add(struct cli *c, int argc, char **argv)
{
	struct tuntap_add a;
	char name[IFNAMSIZ];
	int fd, err = 0;

	if (tuntap_parse_add(c, argc, argv, &a) != CLI_OK)
		return CLI_USAGE;
	fd = tw_tun_open(a.name, a.mode, a.flags | TW_TUN_EXCL | TW_TUN_CLOEXEC, name);
	if (fd == -EBUSY)
		fd = -EEXIST; /* IFF_TUN_EXCL's way of saying so */
	if (fd < 0)
		return cli_fail(c, fd, "cannot create device", a.name);
	if (a.has_user)
		err = tw_tun_set_owner(fd, a.uid);
	if (!err && a.has_group)
		err = tw_tun_set_group(fd, a.gid);
	if (!err)
		err = tw_tun_set_persist(fd, true);
	/* Until persist is set, closing the fd removes the half-made device. */
	close(fd);
	if (err)
		return cli_fail(c, err, "cannot configure device", name);
	if (strchr(a.name, '%'))
		printf("%s\n", name);
	return CLI_OK;
}

int tuntap_parse_del(struct cli *c, int argc, char **argv, const char **ret_name,
		     enum tw_tun_mode *ret_mode)
{
	const char *name = NULL;
	enum tw_tun_mode mode = 0;
	int err;

	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];

		if (!strcmp(w, "name") || !strcmp(w, "dev")) {
			err = arg_next(c, argc, argv, &i);
			if (err == CLI_OK)
				err = parse_name(c, argv[i], &name);
		} else if (!strcmp(w, "mode")) {
			err = mode ? arg_wrong(c, w, "given twice") : arg_next(c, argc, argv, &i);
			if (err == CLI_OK)
				err = parse_mode(c, argv[i], &mode);
		} else {
			err = parse_name(c, w, &name);
		}
		if (err != CLI_OK)
			return err;
	}
	if (!name) {
		cli_err(c, "device name is missing (try \"tapwire tuntap help\")");
		return CLI_USAGE;
	}
	*ret_name = name;
	*ret_mode = mode;
	return CLI_OK;
}

static const char *mode_name(enum tw_tun_mode m)
{
	return m == TW_TUN_MODE_TAP ? "tap" : "tun";
}

/* When the user gave a mode (as `ip tuntap del ... mode tap` needs), it must match. */
static int check_mode(struct cli *c, const char *name, enum tw_tun_mode mode)
{
	struct tw_tun_info *list = NULL;
	size_t n = 0;
	int err = tw_tun_list(c->nl, name, 0, &list, &n);

	if (err < 0 && err != -ENODEV)
		return cli_fail(c, err, "cannot read device", name);
	if (err == 0 && n == 1 && list[0].mode != mode) {
		cli_err(c, "device \"%s\" is a %s device, not %s", name, mode_name(list[0].mode),
			mode_name(mode));
		tw_tun_list_free(list, n);
		return CLI_FAIL;
	}
	tw_tun_list_free(list, n);
	return CLI_OK;
}

static int do_del(struct cli *c, int argc, char **argv)
{
	const char *name;
	enum tw_tun_mode mode;
	int err;

	if (tuntap_parse_del(c, argc, argv, &name, &mode) != CLI_OK)
		return CLI_USAGE;
	if (!cli_nl(c))
		return CLI_FAIL;
	if (mode && (err = check_mode(c, name, mode)) != CLI_OK)
		return err;
	err = tw_tun_delete(c->nl, name);
	if (err == -ENODEV) {
		cli_err(c, "cannot find device \"%s\"", name);
		return CLI_FAIL;
	}
	if (err == -EINVAL) {
		cli_err(c, "device \"%s\" is not a TUN/TAP device", name);
		return CLI_FAIL;
	}
	if (err < 0)
		return cli_fail(c, err, "cannot delete device", name);
	return CLI_OK;
}

static void show_procs(struct cli *c, const struct tw_tun_info *ti)
{
	out_text(&c->out, "\n\tAttached to processes:");
	out_open_array(&c->out, "processes");
	for (size_t i = 0; i < ti->n_procs; i++) {
		out_open_object(&c->out, NULL);
		out_str(&c->out, "name", " %s", ti->procs[i].comm);
		out_int(&c->out, "pid", "(%lld)", ti->procs[i].pid);
		out_close_object(&c->out);
	}
	out_close_array(&c->out);
}

/* Text like `ip tuntap show`; JSON keys documented in tapwire(8). */
static void show_one(struct cli *c, const struct tw_tun_info *ti)
{
	struct out *o = &c->out;

	out_open_object(o, NULL);
	out_str(o, "ifname", "%s:", ti->name);
	out_int(o, "ifindex", NULL, ti->ifindex);
	out_str(o, "type", " %s", mode_name(ti->mode));
	out_bool(o, "pi", " pi", ti->pi);
	out_bool(o, "multi_queue", " multi_queue", ti->multi_queue);
	out_bool(o, "vnet_hdr", " vnet_hdr", ti->vnet_hdr);
	out_bool(o, "persist", " persist", ti->persist);
	if (ti->has_owner)
		out_uint(o, "user", " user %llu", ti->owner);
	else
		out_null(o, "user", NULL);
	if (ti->has_group)
		out_uint(o, "group", " group %llu", ti->group);
	else
		out_null(o, "group", NULL);
	if (ti->multi_queue) {
		out_uint(o, "num_queues", " queues %llu", ti->num_queues);
		out_uint(o, "num_disabled_queues", " disabled %llu", ti->num_disabled_queues);
	} else {
		out_null(o, "num_queues", NULL);
		out_null(o, "num_disabled_queues", NULL);
	}
	if (c->details)
		show_procs(c, ti);
	out_nl(o);
	out_close_object(o);
}

static int do_show(struct cli *c, int argc, char **argv)
{
	struct tw_tun_info *list = NULL;
	const char *name = NULL;
	size_t n = 0;
	int err;

	for (int i = 0; i < argc; i++) {
		if ((!strcmp(argv[i], "name") || !strcmp(argv[i], "dev")) &&
		    (err = arg_next(c, argc, argv, &i)) != CLI_OK)
			return err;
		if (parse_name(c, argv[i], &name) != CLI_OK)
			return CLI_USAGE;
	}
	if (!cli_nl(c))
		return CLI_FAIL;
	err = tw_tun_list(c->nl, name, c->details ? TW_TUN_LIST_PROCS : 0, &list, &n);
	if (err == -ENODEV) {
		cli_err(c, "cannot find device \"%s\"", name);
		return CLI_FAIL;
	}
	if (err < 0)
		return cli_fail(c, err, "cannot list devices", name ? name : "all");
	if (name && n == 0) {
		cli_err(c, "device \"%s\" is not a TUN/TAP device", name);
		return CLI_FAIL;
	}
	out_open_array(&c->out, NULL);
	for (size_t i = 0; i < n; i++)
		show_one(c, &list[i]);
	out_close_array(&c->out);
	tw_tun_list_free(list, n);
	return CLI_OK;
}

const struct cli_cmd cli_tuntap_cmds[] = {
    {"add", do_add, NULL,
     "[name] NAME mode tun|tap [user USER] [group GROUP] [multi_queue] [vnet_hdr] [pi] "
     "[one_queue]",
     "create a persistent TUN or TAP device"},
    {"del", do_del, NULL, "[name] NAME [mode tun|tap]",
     "delete a TUN/TAP device (the mode is checked when given, never needed)"},
    {"show", do_show, NULL, "[[name] NAME]",
     "list TUN/TAP devices (-d: with the processes attached)"},
    {"help", NULL, NULL, "", "show this help"},
    {0},
};
