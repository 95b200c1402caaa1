/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HTTP endpoint (libmicrohttpd, its own thread): /metrics,
 * /api/v1/snapshot, /healthz and a small page at /. It serves the copy the
 * event loop last published, so it never touches the tracker itself.
 */
#ifndef ZDEVMON_HTTP_H
#define ZDEVMON_HTTP_H

#include <stddef.h>

struct http_server;

/*
 * Listen on "ADDR:PORT", "[ADDR6]:PORT", ":PORT" or "PORT" (the last two
 * on 127.0.0.1). 0, or -errno with a sentence in err.
 */
int http_start(struct http_server **out, const char *listen, char *err,
	       size_t errlen);
/* Swap in new content (copied). */
void http_publish(struct http_server *h, const char *metrics,
		  size_t metrics_len, const char *snapshot,
		  size_t snapshot_len);
/* Requests refused with a 4xx so far (for tests and metrics). */
unsigned long http_rejected(struct http_server *h);
void http_stop(struct http_server *h);

#endif /* ZDEVMON_HTTP_H */
