// SPDX-License-Identifier: MIT
/*
 * The UAPI protocol (wireguard.com/xplatform) on a device without I/O:
 * requests as `wg` sends them, replies as `wg` parses them, and hostile
 * input (bad values, unknown keys, endless lines, replies nobody reads).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"
#include "device.h"
#include "peer.h"
#include "uapi.h"

#define K(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
/* keys as 64 hex digits: one repeated byte each */
/* already clamped, so it reads back as written */
#define PRIV                                                                                       \
	"20202020202020202020202020202020202020202020202020202020202020"                           \
	"60"
#define PEER_A K("a1")
#define PEER_B K("b2")
#define PSK    K("5e")

struct fx {
	struct wg_device *dev;
	struct wg_uapi_conn c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(wg_crypto_init(), 0);
	assert_int_equal(wg_device_new("wgtest0", &f->dev), 0);
	wg_uapi_conn_init(&f->c, -1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	wg_uapi_conn_clear(&f->c);
	wg_device_free(f->dev);
	free(f);
	return 0;
}

/* Feeds @req (in pieces of @chunk bytes; 0 = at once) and returns the reply text. */
static const char *req_chunked(struct fx *f, const char *req, size_t chunk, int *ret)
{
	size_t len = strlen(req);
	int r = 0;

	f->c.out_len = f->c.out_off = 0;
	if (!chunk)
		chunk = len ? len : 1;
	for (size_t off = 0; off < len && r == 0; off += chunk)
		r = wg_uapi_feed(f->dev, &f->c, req + off, len - off < chunk ? len - off : chunk);
	if (ret)
		*ret = r;
	if (!f->c.out)
		return "";
	f->c.out[f->c.out_len] = '\0';
	return f->c.out;
}

static const char *req(struct fx *f, const char *r)
{
	int ret;
	const char *out = req_chunked(f, r, 0, &ret);

	assert_int_equal(ret, 0);
	return out;
}

static void test_get_empty(void **state)
{
	struct fx *f = *state;

	assert_string_equal(req(f, "get=1\n\n"), "errno=0\n\n");
}

static void test_set_and_get(void **state)
{
	struct fx *f = *state;

	assert_string_equal(req(f, "set=1\n"
				   "private_key=" PRIV "\n"
				   "listen_port=51820\n"
				   "fwmark=0\n"
				   "replace_peers=true\n"
				   "public_key=" PEER_A "\n"
				   "preshared_key=" PSK "\n"
				   "endpoint=198.51.100.7:51821\n"
				   "persistent_keepalive_interval=25\n"
				   "replace_allowed_ips=true\n"
				   "allowed_ip=10.0.0.2/32\n"
				   "allowed_ip=fd00::1:2/128\n"
				   "protocol_version=1\n"
				   "public_key=" PEER_B "\n"
				   "endpoint=[fd00::7]:9\n"
				   "allowed_ip=10.9.0.77/16\n"
				   "\n"),
			    "errno=0\n\n");
	assert_string_equal(
	    req(f, "get=1\n\n"),
	    "private_key=" PRIV "\n"
	    "listen_port=51820\n"
	    "public_key=" PEER_A "\n"
	    "preshared_key=" PSK "\n"
	    "protocol_version=1\n"
	    "endpoint=198.51.100.7:51821\n"
	    "last_handshake_time_sec=0\n"
	    "last_handshake_time_nsec=0\n"
	    "tx_bytes=0\n"
	    "rx_bytes=0\n"
	    "persistent_keepalive_interval=25\n"
	    "allowed_ip=10.0.0.2/32\n"
	    "allowed_ip=fd00::1:2/128\n"
	    "public_key=" PEER_B "\n"
	    "preshared_key=" K("00") "\n"
				     "protocol_version=1\n"
				     "endpoint=[fd00::7]:9\n"
				     "last_handshake_time_sec=0\n"
				     "last_handshake_time_nsec=0\n"
				     "tx_bytes=0\n"
				     "rx_bytes=0\n"
				     "persistent_keepalive_interval=0\n"
				     "allowed_ip=10.9.0.0/16\n" /* host bits cleared */
				     "errno=0\n\n");
	assert_int_equal(f->dev->n_peers, 2);
}

static const char *aips_of(struct fx *f, const char *peer_hex)
{
	static char buf[1024];
	const char *out = req(f, "get=1\n\n"), *p = strstr(out, peer_hex), *end;
	size_t n = 0;

	buf[0] = '\0';
	if (!p)
		return "(no peer)";
	end = strstr(p + 64, "public_key=");
	for (const char *l = strstr(p, "allowed_ip="); l && (!end || l < end);
	     l = strstr(l + 1, "allowed_ip=")) {
		const char *nl = strchr(l, '\n');

		n +=
		    (size_t)snprintf(buf + n, sizeof(buf) - n, "%.*s ", (int)(nl - l - 11), l + 11);
	}
	return buf;
}

/* A link-local endpoint's zone, by name or index (wg(8) sends the name); shown by index. */
static void test_endpoint_zone(void **state)
{
	struct fx *f = *state;
	static const char *in[] = {"[fe80::7%lo]:9", "[fe80::7%1]:9"};
	char buf[256];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snprintf(buf, sizeof(buf), "set=1\npublic_key=" PEER_A "\nendpoint=%s\n\n", in[i]);
		assert_string_equal(req(f, buf), "errno=0\n\n");
		assert_non_null(strstr(req(f, "get=1\n\n"), "\nendpoint=[fe80::7%1]:9\n"));
	}
}

static void test_allowed_ips(void **state)
{
	struct fx *f = *state;

	req(f, "set=1\npublic_key=" PEER_A "\nallowed_ip=10.0.0.0/24\nallowed_ip=10.1.0.0/24\n"
	       "public_key=" PEER_B "\nallowed_ip=10.2.0.0/24\n\n");
	assert_string_equal(aips_of(f, PEER_A), "10.0.0.0/24 10.1.0.0/24 ");
	/* the same prefix given to another peer moves there */
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_B "\nallowed_ip=10.1.0.0/24\n\n"),
			    "errno=0\n\n");
	assert_string_equal(aips_of(f, PEER_A), "10.0.0.0/24 ");
	assert_string_equal(aips_of(f, PEER_B), "10.2.0.0/24 10.1.0.0/24 ");
	/* "-" removes one prefix; removing one the peer doesn't hold changes nothing */
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_B "\nallowed_ip=-10.2.0.0/24\n"
				   "allowed_ip=-10.0.0.0/24\n\n"),
			    "errno=0\n\n");
	assert_string_equal(aips_of(f, PEER_B), "10.1.0.0/24 ");
	assert_string_equal(aips_of(f, PEER_A), "10.0.0.0/24 ");
	/* replace_allowed_ips */
	req(f, "set=1\npublic_key=" PEER_A "\nreplace_allowed_ips=true\nallowed_ip=::/0\n\n");
	assert_string_equal(aips_of(f, PEER_A), "::/0 ");
	/* bad prefixes */
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nallowed_ip=10.0.0.1/33\n\n"),
			    "errno=-22\n\n");
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nallowed_ip=10.0.0.1\n\n"),
			    "errno=-22\n\n");
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nallowed_ip=fd00::/129\n\n"),
			    "errno=-22\n\n");
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nallowed_ip=x/1\n\n"),
			    "errno=-22\n\n");
	assert_string_equal(aips_of(f, PEER_A), "::/0 ");
}

static void test_update_only_remove(void **state)
{
	struct fx *f = *state;

	/* update_only: a peer that does not exist is not created */
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nupdate_only=true\n"
				   "allowed_ip=10.0.0.0/8\n\n"),
			    "errno=0\n\n");
	assert_int_equal(f->dev->n_peers, 0);
	assert_int_equal(f->dev->aips.count, 0);
	req(f, "set=1\npublic_key=" PEER_A "\n\n");
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nupdate_only=true\n"
				   "persistent_keepalive_interval=7\n\n"),
			    "errno=0\n\n");
	assert_non_null(strstr(req(f, "get=1\n\n"), "persistent_keepalive_interval=7\n"));
	/* remove, and lines after it for that peer are ignored */
	assert_string_equal(req(f, "set=1\npublic_key=" PEER_A "\nremove=true\n"
				   "allowed_ip=10.0.0.0/8\n\n"),
			    "errno=0\n\n");
	assert_int_equal(f->dev->n_peers, 0);
	assert_int_equal(f->dev->aips.count, 0);
	/* replace_peers */
	req(f, "set=1\npublic_key=" PEER_A "\npublic_key=" PEER_B "\n\n");
	assert_int_equal(f->dev->n_peers, 2);
	req(f, "set=1\nreplace_peers=true\npublic_key=" PEER_B "\n\n");
	assert_int_equal(f->dev->n_peers, 1);
}

static void test_own_key(void **state)
{
	struct fx *f = *state;
	uint8_t priv[32], pub[32];
	char pubhex[65], req_buf[256];

	memset(priv, 0x20, 32);
	priv[31] = 0x60;
	assert_int_equal(wg_x25519_public(pub, priv), 0);
	wg_key_to_hex(pubhex, pub);
	/* a peer with the key our new private key yields is dropped */
	snprintf(req_buf, sizeof(req_buf), "set=1\npublic_key=%s\n\n", pubhex);
	req(f, req_buf);
	assert_int_equal(f->dev->n_peers, 1);
	req(f, "set=1\nprivate_key=" PRIV "\n\n");
	assert_int_equal(f->dev->n_peers, 0);
	/* and is not created again */
	req(f, req_buf);
	assert_int_equal(f->dev->n_peers, 0);
	/* a zero private key clears the identity */
	req(f, "set=1\nprivate_key=" K("00") "\n\n");
	assert_null(strstr(req(f, "get=1\n\n"), "private_key="));
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {
	    "private_key=" K("2") "\n",		/* 32 digits */
	    "private_key=" K("zz") "\n",	/* not hex */
	    "private_key=" PRIV "0\n",		/* 65 digits */
	    "listen_port=65536\n",		/* range */
	    "listen_port=-1\n",			/* sign */
	    "listen_port=\n",			/* empty */
	    "fwmark=4294967296\n",		/* range */
	    "fwmark=0x10\n",			/* hex is not accepted */
	    "replace_peers=yes\n",		/* only true */
	    "bogus=1\n",			/* unknown device key */
	    "endpoint=1.2.3.4:5\n",		/* peer key before any peer */
	    "public_key=" PEER_A "\nbogus=1\n", /* unknown peer key */
	    "public_key=" PEER_A "\nendpoint=1.2.3.4\n",
	    "public_key=" PEER_A "\nendpoint=[fd00::1:5\n",
	    "public_key=" PEER_A "\nendpoint=1.2.3.4:65536\n",
	    "public_key=" PEER_A "\nendpoint=example.com:5\n",
	    "public_key=" PEER_A "\nendpoint=[fe80::1%nosuch0]:5\n",	 /* no such interface */
	    "public_key=" PEER_A "\nendpoint=[fe80::1%]:5\n",		 /* empty zone */
	    "public_key=" PEER_A "\nendpoint=[fe80::1%99999999999]:5\n", /* index range */
	    "public_key=" PEER_A "\nendpoint=[198.51.100.1%lo]:5\n",	 /* zone on v4 */
	    "public_key=" PEER_A "\npersistent_keepalive_interval=65536\n",
	    "public_key=" PEER_A "\nprotocol_version=2\n",
	    "public_key=" PEER_A "\nremove=false\n",
	    "public_key=" PEER_A "\nupdate_only=1\n",
	    "public_key=" PEER_A "\nreplace_allowed_ips=TRUE\n",
	    "public_key=" PEER_A "\npreshared_key=123\n",
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "set=1\n%s\n", bad[i]);
		assert_string_equal(req(f, buf), "errno=-22\n\n");
	}
	/* a line without '=' is a protocol error */
	assert_string_equal(req(f, "set=1\nprivate_key\n\n"), "errno=-71\n\n");
	/* the connection is still usable after a failed set */
	assert_string_equal(
	    req(f, "get=1\n\n"),
	    "public_key=" PEER_A "\npreshared_key=" K(
		"00") "\nprotocol_version=1\n"
		      "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\n"
		      "rx_bytes=0\npersistent_keepalive_interval=0\nerrno=0\n\n");
}

static void test_protocol_errors(void **state)
{
	struct fx *f = *state;
	int ret;

	/* unknown operation: errno and hang up */
	assert_string_equal(req_chunked(f, "hello=1\n\n", 0, &ret), "errno=-71\n\n");
	assert_int_equal(ret, -1);
}

static void test_get_trailing(void **state)
{
	struct fx *f = *state;
	int ret;

	assert_string_equal(req_chunked(f, "get=1\nx\n", 0, &ret), "errno=-71\n\n");
	assert_int_equal(ret, -1);
}

static void test_long_line(void **state)
{
	struct fx *f = *state;
	size_t n = 1 << 20;
	char *big = malloc(n + 32);

	assert_non_null(big);
	strcpy(big, "set=1\nprivate_key=");
	memset(big + strlen(big), 'a', n);
	strcpy(big + strlen("set=1\nprivate_key=") + n, "\n\n");
	/* a megabyte line is refused without being kept */
	assert_string_equal(req(f, big), "errno=-22\n\n");
	assert_true(f->c.line_len == 0);
	free(big);
	assert_string_equal(req(f, "get=1\n\n"), "errno=0\n\n");
}

static void test_chunked(void **state)
{
	struct fx *f = *state;
	const char *r = "set=1\nprivate_key=" PRIV "\npublic_key=" PEER_A
			"\nallowed_ip=198.51.100.0/24\nendpoint=203.0.113.5:4\n\nget=1\n\n";
	const char *out = req_chunked(f, r, 1, NULL);

	assert_non_null(strstr(out, "errno=0\n\nprivate_key=" PRIV "\n"));
	assert_non_null(strstr(out, "allowed_ip=198.51.100.0/24\nerrno=0\n\n"));
	assert_non_null(strstr(out, "endpoint=203.0.113.5:4\n"));
}

static void test_hex(void **state)
{
	uint8_t k[32], back[32];
	char hex[65];

	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 37 + 5);
	wg_key_to_hex(hex, k);
	assert_true(wg_key_from_hex(back, hex));
	assert_memory_equal(k, back, 32);
	assert_true(wg_key_from_hex(back, K("AB")));
	assert_int_equal(back[0], 0xab);
	assert_false(wg_key_from_hex(back, K("g0")));
	assert_false(wg_key_from_hex(back, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test_setup_teardown(test_get_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_set_and_get, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_endpoint_zone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_allowed_ips, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_update_only_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_own_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_protocol_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_get_trailing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chunked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
