// SPDX-License-Identifier: GPL-2.0
/* /metrics, /api/v1/snapshot, /healthz and / over libmicrohttpd. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "options.h"
#include "webpage.h"

#define CONN_LIMIT     32
#define PER_IP_LIMIT   8
#define CONN_TIMEOUT_S 5	   /* a slow client is cut off */
#define CONN_MEMORY    (32 * 1024) /* larger request heads get 431/414 */

struct http_server {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	char *metrics;
	size_t metrics_len;
	char *snapshot;
	size_t snapshot_len;
	unsigned long rejected;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result error(struct http_server *h, struct MHD_Connection *conn,
			     unsigned int code, const char *msg)
{
	pthread_mutex_lock(&h->lock);
	h->rejected++;
	pthread_mutex_unlock(&h->lock);
	return reply(conn, code, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* Serve a published copy; under the lock only while MHD copies it. */
static enum MHD_Result published(struct http_server *h,
				 struct MHD_Connection *conn, char **body,
				 size_t *len, const char *type)
{
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	if (*body)
		ret = reply(conn, MHD_HTTP_OK, type, *body, *len);
	else
		ret = reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "text/plain; charset=utf-8", "no snapshot yet\n",
			    16);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct http_server *h = cls;
	static int first_call;

	if (!*state) { /* headers are in; a body may follow */
		*state = &first_call;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* drain, then refuse */
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return error(h, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only GET and HEAD\n");
	if (!strcmp(url, "/metrics"))
		return published(h, conn, &h->metrics, &h->metrics_len,
				 "text/plain; version=0.0.4; charset=utf-8");
	if (!strcmp(url, "/api/v1/snapshot"))
		return published(h, conn, &h->snapshot, &h->snapshot_len,
				 "application/json");
	if (!strcmp(url, "/healthz"))
		return reply(conn, MHD_HTTP_OK, "text/plain; charset=utf-8",
			     "ok\n", 3);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
			     webpage_html, strlen(webpage_html));
	return error(h, conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

int http_start(struct http_server **out, const char *listen, char *err,
	       size_t errlen)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in *in4 = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	unsigned int flags =
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_INTERNAL_THREAD;
	unsigned short port;
	struct http_server *h;
	char addr[64];

	if (options_parse_listen(listen, addr, sizeof(addr), &port)) {
		snprintf(err, errlen,
			 "--listen wants ADDR:PORT, [ADDR6]:PORT or PORT, "
			 "not '%s'",
			 listen);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "--listen: '%s' is not an IP address",
			 addr);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	h->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)PER_IP_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(err, errlen,
			 "cannot listen on %s port %u (in use, or not an "
			 "address of this host)",
			 addr, port);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -EADDRINUSE;
	}
	*out = h;
	return 0;
}

static void replace(char **dst, size_t *dst_len, const char *src, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return; /* keep serving the older copy */
	memcpy(copy, src, len);
	copy[len] = '\0';
	free(*dst);
	*dst = copy;
	*dst_len = len;
}

void http_publish(struct http_server *h, const char *metrics,
		  size_t metrics_len, const char *snapshot, size_t snapshot_len)
{
	pthread_mutex_lock(&h->lock);
	replace(&h->metrics, &h->metrics_len, metrics, metrics_len);
	replace(&h->snapshot, &h->snapshot_len, snapshot, snapshot_len);
	pthread_mutex_unlock(&h->lock);
}

unsigned long http_rejected(struct http_server *h)
{
	unsigned long n;

	pthread_mutex_lock(&h->lock);
	n = h->rejected;
	pthread_mutex_unlock(&h->lock);
	return n;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	pthread_mutex_destroy(&h->lock);
	free(h->metrics);
	free(h->snapshot);
	free(h);
}
