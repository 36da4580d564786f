// SPDX-License-Identifier: MIT
/*
 * Bounds on lwIP's own TCP state, whatever the peers do.
 *
 * Debian's liblwip allocates every control block and segment with malloc and
 * has no limits compiled in (MEMP_MEM_MALLOC, no TCP_OOSEQ_MAX_*), so a
 * counter of the connections the application holds bounds nothing: what it
 * has closed stays in lwIP (FIN_WAIT_1, CLOSING, LAST_ACK, TIME_WAIT) with
 * the data it queued, for as long as the peer keeps its window shut. Here,
 * from lwIP's own lists (which its headers export for tools like this):
 *
 *  - TCP control blocks in every state together are capped at
 *    twh_pcb_cap() = 2 x max_conns + TWH_SYN_BACKLOG. A new SYN beyond the
 *    cap first makes room as lwIP's own tcp_kill_state() would: the oldest
 *    TIME_WAIT, else the oldest connection the application closed, else the
 *    oldest half-open one goes; if every one is held by the application, the
 *    SYN is dropped.
 *  - A connection the application closed gets TWH_LINGER_MS to deliver what
 *    it queued and see its FIN answered, then it is reset; closing into a
 *    shut window resets at once (the data could never leave).
 *  - Data queued for sending, over every connection, is kept near
 *    TWH_SND_BUDGET (tw_host_conn_room() gives no more; a connection with
 *    nothing queued still gets one segment's worth, so none starves).
 *  - Out-of-order segments are capped at TWH_OOSEQ_MAX per connection: lwIP
 *    inserts each into a sorted list, so an unbounded list is quadratic CPU
 *    as well as memory. Beyond the cap a segment that is not the next one
 *    expected is dropped before lwIP sees it; the sender sends it again.
 *  - Keep-alive on every connection (TWH_KEEPIDLE_MS, then TWH_KEEPCNT probes
 *    TWH_KEEPINTVL_MS apart): a peer that vanished is noticed.
 *  - Initial sequence numbers are keyed hashes of the connection's addresses
 *    and ports plus a clock (RFC 6528), not lwIP's counter. lwIP 2.1.3 calls
 *    tcp_next_iss() through its PLT (checked by the tests: nmap's sequence
 *    analysis, unit/test_host_api), so the definition below, linked into the
 *    program, is the one it calls. A program on the shared libtapwire-host
 *    keeps lwIP's (the symbol is not exported from it).
 *
 * System calls (twh_syscalls_guard): getrandom for the ISN key, drawn at the
 * first connection; clock_gettime.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <sodium.h>
#include <lwip/priv/tcp_priv.h>

#include "host_internal.h"
#include "sandbox.h"

const char *const twh_syscalls_guard[] = {"getrandom", "clock_gettime", NULL};

#define TWH_LINGER_MS	 20000u
#define TWH_OOSEQ_MAX	 64
#define TWH_SND_BUDGET	 TWH_SND_BUDGET_BYTES
#define TWH_KEEPIDLE_MS	 60000u
#define TWH_KEEPINTVL_MS 10000u
#define TWH_KEEPCNT	 4u
#define TWH_SWEEP_MAX	 256 /* control blocks reset in one sweep at most */

/* Bytes written to @p and not yet acknowledged. Once its FIN is acknowledged
 * lastack is one past the last byte: the difference is then -1, not 4 GiB. */
static size_t p_queued(const struct tcp_pcb *p)
{
	int32_t d = (int32_t)(p->snd_lbb - p->lastack);

	return p->state >= ESTABLISHED && d > 0 ? (size_t)d : 0;
}

unsigned twh_pcb_cap(const struct tw_host *h)
{
	return 2 * h->max_conns + TWH_SYN_BACKLOG;
}

/*
 * A connection the application closed carries the time of its closing in
 * its callback argument, with the low bit set: lwIP hands that argument
 * only to callbacks, and a detached control block has none, so the mark
 * lives exactly as long as the control block does (a table of our own
 * would have to guess when lwIP frees it).
 */
/* A closed connection's acknowledgements still leave the count of queued bytes. */
static err_t closed_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	if (twh_the_host)
		twh_tcp_acked(twh_the_host, len);
	return ERR_OK;
}

void twh_tcp_mark_closed(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, (void *)(uintptr_t)((twh_now_ms() << 1) | 1u));
	tcp_sent(pcb, closed_sent);
}

/* Before tcp_abort(): what @pcb had queued leaves the count with it. */
void twh_tcp_forget(struct tw_host *h, const struct tcp_pcb *pcb)
{
	twh_tcp_acked(h, p_queued(pcb));
}

static bool closed_at(const struct tcp_pcb *pcb, uint64_t *ms)
{
	uintptr_t a = (uintptr_t)pcb->callback_arg;

	if (pcb->recv || !(a & 1u))
		return false;
	*ms = (uint64_t)(a >> 1);
	return true;
}

void twh_tcp_tune(struct tcp_pcb *pcb)
{
	ip_set_option(pcb, SOF_KEEPALIVE);
	pcb->keep_idle = TWH_KEEPIDLE_MS;
	pcb->keep_intvl = TWH_KEEPINTVL_MS;
	pcb->keep_cnt = TWH_KEEPCNT;
}

bool twh_tcp_close_would_stall(const struct tcp_pcb *pcb)
{
	return pcb->snd_wnd == 0 && (pcb->unsent || pcb->unacked);
}

/* Before a new connection: false if it must be refused. */
bool twh_tcp_admit(struct tw_host *h)
{
	struct tcp_pcb *tw_old = NULL, *closed_old = NULL, *syn_old = NULL;
	uint64_t closed_ms = UINT64_MAX, ms;
	unsigned n = 0, n_syn = 0;

	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next) {
		n++;
		if (!tw_old || (u32_t)(tcp_ticks - p->tmr) >= (u32_t)(tcp_ticks - tw_old->tmr))
			tw_old = p;
	}
	/* new control blocks go to the front: the last one seen is the oldest */
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
		n++;
		if (p->state == SYN_RCVD) {
			n_syn++;
			syn_old = p;
		} else if (closed_at(p, &ms) && ms <= closed_ms) {
			closed_ms = ms;
			closed_old = p;
		}
	}
	h->stats_pcbs = n;
	if (n_syn >= TWH_SYN_BACKLOG && syn_old) {
		/* half-open ones make room among themselves first */
		tcp_abandon(syn_old, 0);
		h->stats.syn_dropped++;
		n--;
		syn_old = NULL;
	}
	if (n < twh_pcb_cap(h))
		return true;
	if (tw_old) {
		tcp_abort(tw_old);
	} else if (closed_old) {
		twh_tcp_forget(h, closed_old);
		tcp_abort(closed_old);
	} else if (syn_old) {
		tcp_abandon(syn_old, 0);
		h->stats.syn_dropped++;
	} else {
		h->stats.conns_refused++;
		return false;
	}
	h->pcbs_reclaimed++;
	return true;
}

/* Once a second: connections closed longer than TWH_LINGER_MS ago are reset;
 * the data queued over all connections is counted again. */
void twh_tcp_sweep(struct tw_host *h)
{
	struct tcp_pcb *old[TWH_SWEEP_MAX];
	uint64_t now = twh_now_ms(), ms, queued = 0;
	unsigned n_old = 0, n = 0;

	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
		n++;
		queued += p_queued(p);
		if (n_old < TWH_SWEEP_MAX && closed_at(p, &ms) && now - ms > TWH_LINGER_MS)
			old[n_old++] = p;
	}
	for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
		n++;
	for (unsigned i = 0; i < n_old; i++) {
		queued -= p_queued(old[i]);
		tcp_abort(old[i]);
		h->pcbs_reclaimed++;
	}
	h->stats_pcbs = n - n_old;
	h->snd_queued = queued;
}

/* What tw_host_conn_room() may give @pcb, within lwIP's own @room. */
size_t twh_tcp_budget(struct tw_host *h, const struct tcp_pcb *pcb, size_t room)
{
	size_t mine = p_queued(pcb);

	if (h->snd_queued < TWH_SND_BUDGET) {
		size_t left = TWH_SND_BUDGET - h->snd_queued;

		return room < left ? room : left;
	}
	if (mine)
		return 0;
	return room < TCP_MSS ? room : TCP_MSS;
}

void twh_tcp_queued(struct tw_host *h, size_t len)
{
	h->snd_queued += len;
}

/* Acknowledged data leaves the count at once; what a closed connection had
 * queued (no callback tells) stays counted until the next sweep counts it
 * again from lwIP's lists. */
void twh_tcp_acked(struct tw_host *h, size_t len)
{
	h->snd_queued = h->snd_queued > len ? h->snd_queued - len : 0;
}

/*
 * A TCP segment with data for a connection whose out-of-order queue is
 * full, and which is not the next one expected: true to drop it. Called for
 * every IP packet before lwIP; looks up the connection as lwIP will.
 */
bool twh_tcp_ooseq_full(struct tw_host *h, const uint8_t *ip, size_t len)
{
	const uint8_t *tcp;
	size_t hl, dlen;
	uint16_t sport, dport;
	uint32_t seq;

	if ((ip[0] >> 4) == 4) {
		hl = (size_t)(ip[0] & 15) * 4;
		if (ip[9] != 6 || hl < 20 || len < hl + 20 || (ip[6] & 0x3f) || ip[7])
			return false;
		dlen = (size_t)(ip[2] << 8 | ip[3]);
		if (dlen > len || dlen < hl + 20)
			return false;
	} else {
		hl = 40;
		if (ip[6] != 6 || len < 60)
			return false;
		dlen = 40 + (size_t)(ip[4] << 8 | ip[5]);
		if (dlen > len)
			return false;
	}
	tcp = ip + hl;
	if ((size_t)(tcp[12] >> 4) * 4 >= dlen - hl)
		return false; /* no data */
	sport = (uint16_t)(tcp[0] << 8 | tcp[1]);
	dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
	seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
		const uint8_t *src = (ip[0] >> 4) == 4 ? ip + 12 : ip + 8;
		unsigned k = 0;

		if (p->remote_port != sport || p->local_port != dport)
			continue;
		if ((ip[0] >> 4) == 4 ? IP_IS_V6_VAL(p->remote_ip) ||
					    memcmp(&ip_2_ip4(&p->remote_ip)->addr, src, 4)
				      : !IP_IS_V6_VAL(p->remote_ip) ||
					    memcmp(ip_2_ip6(&p->remote_ip)->addr, src, 16))
			continue;
		if (seq == p->rcv_nxt)
			return false;
		for (struct tcp_seg *s = p->ooseq; s; s = s->next)
			if (++k >= TWH_OOSEQ_MAX) {
				h->ooseq_dropped++;
				return true;
			}
		return false;
	}
	return false;
}

/*
 * RFC 6528: ISN = M + F(local address, local port, remote address, remote
 * port, secret key), M a clock of 4 microsecond ticks, F SipHash-2-4
 * (libsodium's crypto_shorthash) under a key drawn once per process.
 */
unsigned twh_isn_calls; /* for unit/test_host_api: lwIP calls this one */

u32_t tcp_next_iss(struct tcp_pcb *pcb);
u32_t tcp_next_iss(struct tcp_pcb *pcb)
{
	static uint8_t key[crypto_shorthash_KEYBYTES];
	static bool keyed;
	uint8_t in[36], out[crypto_shorthash_BYTES];
	struct timespec ts;
	uint32_t f;

	twh_isn_calls++;
	if (!keyed) {
		if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
			randombytes_buf(key, sizeof(key));
		keyed = true;
	}
	memset(in, 0, sizeof(in));
	if (IP_IS_V6_VAL(pcb->local_ip)) {
		memcpy(in, ip_2_ip6(&pcb->local_ip)->addr, 16);
		memcpy(in + 16, ip_2_ip6(&pcb->remote_ip)->addr, 16);
	} else {
		memcpy(in, &ip_2_ip4(&pcb->local_ip)->addr, 4);
		memcpy(in + 16, &ip_2_ip4(&pcb->remote_ip)->addr, 4);
	}
	memcpy(in + 32, &pcb->local_port, 2);
	memcpy(in + 34, &pcb->remote_port, 2);
	crypto_shorthash(out, in, sizeof(in), key);
	memcpy(&f, out, 4);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return f + (uint32_t)((uint64_t)ts.tv_sec * 250000u + (uint64_t)ts.tv_nsec / 4000u);
}
