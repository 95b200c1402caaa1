/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP endpoint (libmicrohttpd, its own thread): /metrics,
 * /api/v1/snapshot, /healthz and a small page at /. It serves the copy the
 * event loop last published, so it never touches the tracker itself.
 */
#ifndef ZDEVMON_HTTP_H
#define ZDEVMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Limits the endpoint enforces (docs/production.md). A request head
 * (request line and headers) must be complete HTTP_HEAD_DEADLINE_S after
 * accept, or after the previous reply on a kept-alive connection, however
 * slowly it trickles in; a sweep every HTTP_SWEEP_MS closes connections
 * past it. One address may hold HTTP_PER_IP_LIMIT of the HTTP_CONN_LIMIT
 * connections.
 */
#define HTTP_HEAD_DEADLINE_S 5
#define HTTP_SWEEP_MS	     250
#define HTTP_CONN_LIMIT	     32
#define HTTP_PER_IP_LIMIT    4

struct http_server;

/*
 * Listen on "ADDR:PORT", "[ADDR6]:PORT", ":PORT" or "PORT" (the last two
 * on 127.0.0.1). 0, or -errno with a sentence in err.
 */
int http_start(struct http_server **out, const char *listen, char *err,
	       size_t errlen);
/*
 * The same in two steps, so that binding happens while privileged and
 * the server's threads start after the drop: a listening socket (fd, or
 * -errno with a sentence in err), then the server on it (which owns fd
 * from then on, failure included).
 */
int http_listen(const char *listen, char *err, size_t errlen);
int http_start_on(struct http_server **out, const char *listen, int fd,
		  char *err, size_t errlen);
/* Swap in new content (copied). */
void http_publish(struct http_server *h, const char *metrics,
		  size_t metrics_len, const char *snapshot,
		  size_t snapshot_len);
/* Requests refused with a 4xx so far (for tests and metrics). */
unsigned long http_rejected(struct http_server *h);
void http_stop(struct http_server *h);

/*
 * The DNS-rebinding guard, exposed for the unit tests: is addr (as given
 * to --listen) a loopback address, so that Host is checked; and is host a
 * Host header such a listener answers (localhost, 127.x.y.z or [::1],
 * each with or without :port)?
 */
bool http_loopback_addr(const char *addr);
bool http_local_host(const char *host);

#endif /* ZDEVMON_HTTP_H */
