/* SPDX-License-Identifier: MIT */
#ifndef TAPWIRE_NL_H
#define TAPWIRE_NL_H

/*
 * A route-netlink handle. Every configuration function takes one; it owns a
 * socket and the buffers for one request at a time. A handle is not
 * thread-safe: use one per thread.
 */
struct tw_nl;

/* Opens an rtnetlink socket in the caller's current network namespace. */
int tw_nl_open(struct tw_nl **ret_nl);

/* Closes the handle. Accepts NULL. */
void tw_nl_close(struct tw_nl *nl);

/* The underlying socket, for callers that poll it. */
int tw_nl_fd(const struct tw_nl *nl);

/*
 * The kernel's extended-ack message for the last request that failed on
 * this handle ("" when the kernel gave none). Valid until the next request.
 */
const char *tw_nl_errmsg(const struct tw_nl *nl);

#endif
