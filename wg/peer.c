// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto.h"
#include "device.h"
#include "index.h"
#include "log.h"
#include "peer.h"
#include "queueing.h"
#include "timers.h"

static unsigned key_hash(const uint8_t key[32])
{
	uint32_t h;

	/* public keys are uniformly distributed curve points */
	memcpy(&h, key, sizeof(h));
	return h % WG_PEER_HASH_SIZE;
}

struct wg_peer *wg_device_find_peer(struct wg_device *dev, const uint8_t public_key[32])
{
	for (struct wg_peer *p = dev->peer_hash[key_hash(public_key)]; p; p = p->hash_next)
		if (wg_memeq(p->public_key, public_key, 32))
			return p;
	return NULL;
}

int wg_peer_create(struct wg_device *dev, const uint8_t public_key[32], struct wg_peer **ret_peer)
{
	struct wg_peer *p;
	unsigned h = key_hash(public_key);

	if (dev->n_peers >= WG_MAX_PEERS)
		return -ENOSPC;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dev = dev;
	p->internal_id = ++dev->next_peer_id;
	memcpy(p->public_key, public_key, 32);
	/* A low-order key is accepted as configuration (as the kernel does) but never handshakes.
	 */
	wg_noise_handshake_init(&p->handshake, &dev->identity, public_key, NULL);
	wg_keypairs_init(&p->keypairs);
	wg_cookie_init(&p->cookie, public_key);

	if (!dev->peers) {
		dev->peers = p;
		p->prev = p;
	} else {
		struct wg_peer *last = dev->peers->prev;

		last->next = p;
		p->prev = last;
		dev->peers->prev = p;
	}
	p->hash_next = dev->peer_hash[h];
	dev->peer_hash[h] = p;
	dev->n_peers++;
	*ret_peer = p;
	return 0;
}

static void unlink_peer(struct wg_peer *p)
{
	struct wg_device *dev = p->dev;

	for (struct wg_peer **pp = &dev->peer_hash[key_hash(p->public_key)]; *pp;
	     pp = &(*pp)->hash_next) {
		if (*pp == p) {
			*pp = p->hash_next;
			break;
		}
	}
	/* dev->peers->prev is the tail */
	if (p == dev->peers) {
		dev->peers = p->next;
		if (dev->peers)
			dev->peers->prev = p->prev;
	} else {
		p->prev->next = p->next;
		if (p->next)
			p->next->prev = p->prev;
		else
			dev->peers->prev = p->prev;
	}
	dev->n_peers--;
}

static void keypair_freed(struct wg_keypair *kp, void *ctx)
{
	struct wg_device *dev = ctx;

	wg_index_remove(dev->index, kp->local_index);
}

void wg_peer_install_keypair(struct wg_peer *p, struct wg_keypair *kp)
{
	kp->on_free = keypair_freed;
	kp->on_free_ctx = p->dev;
	wg_index_set_keypair(p->dev->index, kp->local_index, kp);
	if (p->handshake_index == kp->local_index)
		p->handshake_index = 0;
	wg_keypairs_install(&p->keypairs, kp);
}

uint32_t wg_peer_new_handshake_index(struct wg_peer *p)
{
	if (p->handshake_index)
		wg_index_remove(p->dev->index, p->handshake_index);
	p->handshake_index = wg_index_add_handshake(p->dev->index, p);
	return p->handshake_index;
}

void wg_peer_reset_sessions(struct wg_peer *p)
{
	if (p->handshake_index) {
		wg_index_remove(p->dev->index, p->handshake_index);
		p->handshake_index = 0;
	}
	wg_noise_handshake_clear(&p->handshake);
	wg_keypairs_clear(&p->keypairs);
}

void wg_peer_remove(struct wg_peer *p)
{
	char name[24];

	log_info("%s - Removing peer", log_peer_name(p->public_key, name));
	wg_timers_stop(p);
	wg_peer_clear_allowedips(p);
	wg_peer_reset_sessions(p);
	wg_keypairs_destroy(&p->keypairs);
	wg_noise_handshake_destroy(&p->handshake);
	wg_cookie_destroy(&p->cookie);
	wg_peer_clear_staged(p);
	unlink_peer(p);
	wg_wipe(p, sizeof(*p));
	free(p);
}

void wg_peer_set_preshared_key(struct wg_peer *p, const uint8_t key[32])
{
	memcpy(p->preshared_key, key, 32);
	wg_noise_handshake_set_preshared_key(&p->handshake, key);
}

void wg_peer_set_endpoint(struct wg_peer *p, const struct tw_endpoint *ep)
{
	p->endpoint = *ep;
}

void wg_peer_set_keepalive(struct wg_peer *p, uint16_t seconds)
{
	bool turned_on = !p->persistent_keepalive && seconds;

	p->persistent_keepalive = seconds;
	if (!seconds)
		p->timers[WG_TIMER_PERSISTENT_KEEPALIVE] = 0;
	if (turned_on && wg_device_is_up(p->dev))
		wg_send_keepalive(p);
}

static int check_prefix(int family, uint8_t cidr)
{
	if (family == AF_INET)
		return cidr <= 32 ? 0 : -EINVAL;
	if (family == AF_INET6)
		return cidr <= 128 ? 0 : -EINVAL;
	return -EINVAL;
}

static void mask_prefix(int family, uint8_t addr[16], uint8_t cidr)
{
	unsigned len = family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < 16; i++) {
		if (i >= len || cidr <= 8 * i)
			addr[i] = 0;
		else if (cidr < 8 * (i + 1))
			addr[i] &= (uint8_t)(0xff00u >> (cidr - 8 * i));
	}
}

static void list_append(struct wg_peer *p, struct wg_aip *a)
{
	a->peer = p;
	a->next = NULL;
	a->prev = p->aips_tail;
	if (p->aips_tail)
		p->aips_tail->next = a;
	else
		p->aips = a;
	p->aips_tail = a;
}

static void list_unlink(struct wg_aip *a)
{
	struct wg_peer *p = a->peer;

	if (a->prev)
		a->prev->next = a->next;
	else
		p->aips = a->next;
	if (a->next)
		a->next->prev = a->prev;
	else
		p->aips_tail = a->prev;
	a->next = a->prev = NULL;
}

static void aip_delete(struct wg_device *dev, struct wg_aip *a)
{
	wg_aip_index_del(&dev->aips, a);
	wg_allowedips_remove(&dev->allowedips, a->family, a->addr, a->cidr, a->peer);
	list_unlink(a);
	free(a);
}

int wg_peer_add_allowedip(struct wg_peer *p, int family, const void *addr_in, uint8_t cidr)
{
	struct wg_device *dev = p->dev;
	uint8_t addr[16] = {0};
	struct wg_aip *a;
	int err = check_prefix(family, cidr);

	if (err < 0)
		return err;
	memcpy(addr, addr_in, family == AF_INET ? 4 : 16);
	mask_prefix(family, addr, cidr);
	a = wg_aip_index_find(&dev->aips, family, addr, cidr);
	if (a) {
		/* known prefix: it moves to this peer, at the end of its list */
		err = wg_allowedips_insert(&dev->allowedips, family, addr, cidr, p);
		if (err < 0)
			return err;
		list_unlink(a);
		list_append(p, a);
		return 0;
	}
	if (dev->aips.count >= WG_MAX_ALLOWEDIPS)
		return -ENOSPC;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->family = (uint8_t)family;
	a->cidr = cidr;
	memcpy(a->addr, addr, 16);
	err = wg_aip_index_add(&dev->aips, a);
	if (err < 0) {
		free(a);
		return err;
	}
	err = wg_allowedips_insert(&dev->allowedips, family, addr, cidr, p);
	if (err < 0) {
		wg_aip_index_del(&dev->aips, a);
		free(a);
		return err;
	}
	list_append(p, a);
	return 0;
}

int wg_peer_del_allowedip(struct wg_peer *p, int family, const void *addr_in, uint8_t cidr)
{
	uint8_t addr[16] = {0};
	struct wg_aip *a;
	int err = check_prefix(family, cidr);

	if (err < 0)
		return err;
	memcpy(addr, addr_in, family == AF_INET ? 4 : 16);
	mask_prefix(family, addr, cidr);
	a = wg_aip_index_find(&p->dev->aips, family, addr, cidr);
	/* absent or another peer's: nothing to do */
	if (a && a->peer == p)
		aip_delete(p->dev, a);
	return 0;
}

void wg_peer_clear_allowedips(struct wg_peer *p)
{
	while (p->aips)
		aip_delete(p->dev, p->aips);
}

void wg_peer_for_each_allowedip(const struct wg_peer *p,
				void (*cb)(void *ctx, int family, const uint8_t *addr,
					   uint8_t cidr),
				void *ctx)
{
	for (const struct wg_aip *a = p->aips; a; a = a->next)
		cb(ctx, a->family, a->addr, a->cidr);
}

void wg_peer_stage(struct wg_peer *p, const uint8_t *pkt, size_t len)
{
	struct wg_staged *s = &p->staged;
	unsigned slot;
	uint8_t *copy;

	if (s->count == WG_STAGED_MAX) {
		/* full: the oldest goes */
		free(s->pkt[s->head]);
		s->pkt[s->head] = NULL;
		s->head = (s->head + 1) % WG_STAGED_MAX;
		s->count--;
	}
	copy = malloc(len ? len : 1);
	if (!copy)
		return;
	if (len)
		memcpy(copy, pkt, len);
	slot = (s->head + s->count) % WG_STAGED_MAX;
	s->pkt[slot] = copy;
	s->len[slot] = (uint16_t)len;
	s->count++;
}

void wg_peer_clear_staged(struct wg_peer *p)
{
	struct wg_staged *s = &p->staged;

	while (s->count) {
		free(s->pkt[s->head]);
		s->pkt[s->head] = NULL;
		s->head = (s->head + 1) % WG_STAGED_MAX;
		s->count--;
	}
	s->head = 0;
}
