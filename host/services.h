/* SPDX-License-Identifier: MIT */
/* tapwire-host's services, on the library's public API only. */
#ifndef TWH_SERVICES_H
#define TWH_SERVICES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tapwire/host.h>

struct svc_forward {
	bool udp;
	bool reverse;  /* a real socket's connections relayed into the virtual network */
	uint16_t port; /* forward: the virtual host's port */
	struct sockaddr_storage bind; /* reverse: the real address listened on */
	struct sockaddr_storage to;   /* forward: a real address; reverse: a virtual one */
	socklen_t to_len;
	char spec[128];
};

struct svc_config {
	bool echo, discard, status;
	const char *http_dir;
	uint16_t http_port;
	struct svc_forward *fwd;
	size_t n_fwd;
	const char *ifname;
	int epfd;
	unsigned max_conns;	 /* TCP connections the services hold */
	unsigned max_per_source; /* of those, from one address */
	unsigned idle_timeout;	 /* s without progress before a reset; 0: none */
};

/* Starts every service asked for; 0 or -errno with a message printed. */
int svc_start(struct tw_host *h, struct svc_config *cfg);
/* An epoll event for one of the services' real sockets (data.ptr was theirs). */
void svc_event(void *ptr, uint32_t events);
/* Periodic work: UDP flows that went idle. */
void svc_tick(void);
void svc_stop(void);

/* epoll tags: the first member of everything the services register */
enum svc_kind { SVC_RELAY = 1, SVC_REV_LISTEN, SVC_UDP_FLOW, SVC_REV_UDP };

#endif
