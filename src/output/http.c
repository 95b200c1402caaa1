// SPDX-License-Identifier: GPL-2.0
/*
 * /metrics, /api/v1/snapshot, /healthz and / over libmicrohttpd.
 *
 * MHD's connection timeout restarts with every byte, so a client that
 * trickles its request never times out. Each connection therefore gets a
 * deadline here: noted at accept (MHD_OPTION_NOTIFY_CONNECTION), moved when
 * a reply is queued and when it completes, and enforced by a sweep thread
 * that shuts the socket down; MHD then sees the end of the stream and
 * closes the connection as usual.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "http.h"
#include "listen.h"
#include "webpage.h"

#define CONN_TIMEOUT_S	 5  /* idle, e.g. between kept-alive requests */
#define REPLY_DEADLINE_S 30 /* a reply must be taken within this */
#define CONN_MEMORY	 (32 * 1024) /* larger request heads get 431/414 */

/* A connection MHD has accepted; on h->conns under h->conns_lock. */
struct conn {
	struct conn *next, **pprev;
	int fd;		  /* valid until MHD's CLOSED notification */
	long deadline_ms; /* CLOCK_MONOTONIC; 0 once cut */
};

struct http_server {
	struct MHD_Daemon *mhd;
	pthread_mutex_t lock;
	char *metrics;
	size_t metrics_len;
	char *snapshot;
	size_t snapshot_len;
	unsigned long rejected;
	bool check_host; /* listening on loopback: refuse foreign Hosts */

	pthread_mutex_t conns_lock; /* conns, stopping */
	pthread_cond_t wake;	    /* http_stop to the sweep */
	struct conn *conns;
	bool stopping;
	pthread_t sweeper;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static struct conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

/* Give conn's current exchange seconds from now (MHD's thread). */
static void conn_deadline(struct http_server *h, struct MHD_Connection *conn,
			  int seconds)
{
	struct conn *c = conn_of(conn);

	if (!c)
		return;
	pthread_mutex_lock(&h->conns_lock);
	if (c->deadline_ms) /* a cut connection stays cut */
		c->deadline_ms = now_ms() + seconds * 1000L;
	pthread_mutex_unlock(&h->conns_lock);
}

static void notify_connection(void *cls, struct MHD_Connection *conn,
			      void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	struct http_server *h = cls;
	struct conn *c = *socket_context;
	const union MHD_ConnectionInfo *i;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		i = MHD_get_connection_info(conn,
					    MHD_CONNECTION_INFO_CONNECTION_FD);
		c = i ? calloc(1, sizeof(*c)) : NULL;
		if (!c)
			return; /* MHD's own timeout still applies */
		c->fd = i->connect_fd;
		pthread_mutex_lock(&h->conns_lock);
		c->deadline_ms = now_ms() + HTTP_HEAD_DEADLINE_S * 1000L;
		c->next = h->conns;
		if (c->next)
			c->next->pprev = &c->next;
		c->pprev = &h->conns;
		h->conns = c;
		pthread_mutex_unlock(&h->conns_lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	/* MHD closes the socket after this: forget it first */
	pthread_mutex_lock(&h->conns_lock);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	pthread_mutex_unlock(&h->conns_lock);
	*socket_context = NULL;
	free(c);
}

/* A request is over; a kept-alive connection has a new head to send. */
static void notify_completed(void *cls, struct MHD_Connection *conn,
			     void **state, enum MHD_RequestTerminationCode code)
{
	conn_deadline(cls, conn, HTTP_HEAD_DEADLINE_S);
}

/* Shut down the sockets of connections past their deadline. */
static void *sweep(void *arg)
{
	struct http_server *h = arg;
	struct timespec until;
	struct conn *c;
	long now;

	pthread_mutex_lock(&h->conns_lock);
	while (!h->stopping) {
		now = now_ms();
		for (c = h->conns; c; c = c->next) {
			if (!c->deadline_ms || now < c->deadline_ms)
				continue;
			shutdown(c->fd, SHUT_RDWR);
			c->deadline_ms = 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += HTTP_SWEEP_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&h->wake, &h->conns_lock, &until);
	}
	pthread_mutex_unlock(&h->conns_lock);
	return NULL;
}

static enum MHD_Result reply(struct http_server *h, struct MHD_Connection *conn,
			     unsigned int code, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	conn_deadline(h, conn, REPLY_DEADLINE_S);
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
	return reply(h, conn, code, "text/plain; charset=utf-8", msg,
		     strlen(msg));
}

/* Serve a published copy; under the lock only while MHD copies it. */
static enum MHD_Result published(struct http_server *h,
				 struct MHD_Connection *conn, char **body,
				 size_t *len, const char *type)
{
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	if (*body)
		ret = reply(h, conn, MHD_HTTP_OK, type, *body, *len);
	else
		ret = reply(h, conn, MHD_HTTP_SERVICE_UNAVAILABLE,
			    "text/plain; charset=utf-8", "no snapshot yet\n",
			    16);
	pthread_mutex_unlock(&h->lock);
	return ret;
}

/* A port after a Host name: nothing, or ':' and 1 to 65535. */
static bool port_ok(const char *s)
{
	unsigned long v = 0;
	int n = 0;

	if (!*s)
		return true;
	if (*s++ != ':')
		return false;
	for (; isdigit((unsigned char)*s) && n < 6; s++, n++)
		v = v * 10 + (*s - '0');
	return !*s && n && v && v <= 65535;
}

bool http_local_host(const char *host)
{
	struct in_addr a;
	char name[16];
	size_t n;

	if (!strncmp(host, "[::1]", 5))
		return port_ok(host + 5);
	n = strcspn(host, ":");
	if (n == 9 && !strncasecmp(host, "localhost", 9))
		return port_ok(host + n);
	if (n >= sizeof(name))
		return false;
	memcpy(name, host, n);
	name[n] = '\0';
	/* inet_pton takes dotted quads only: no 127.1, no hex or octal */
	return inet_pton(AF_INET, name, &a) == 1 &&
	       (ntohl(a.s_addr) >> 24) == 127 && port_ok(host + n);
}

bool http_loopback_addr(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a;

	if (inet_pton(AF_INET, addr, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/*
 * DNS rebinding: a page from evil.example, its name rebound to 127.0.0.1,
 * would read the endpoint with "Host: evil.example". A loopback listener
 * answers local names only. A browser always sends Host, so an HTTP/1.0
 * request without one (nc, old probes) is no rebinding and is answered;
 * HTTP/1.1 requires Host.
 */
static bool host_ok(struct MHD_Connection *conn, const char *version)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_HOST);

	if (!host)
		return !strcmp(version, MHD_HTTP_VERSION_1_0);
	return http_local_host(host);
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
	/* after the method: a POST is 405 whatever its Host (tests/vm) */
	if (h->check_host && !host_ok(conn, version))
		return error(h, conn, MHD_HTTP_MISDIRECTED_REQUEST,
			     "Host must be localhost, 127.x.y.z or [::1]\n");
	if (!strcmp(url, "/metrics"))
		return published(h, conn, &h->metrics, &h->metrics_len,
				 "text/plain; version=0.0.4; charset=utf-8");
	if (!strcmp(url, "/api/v1/snapshot"))
		return published(h, conn, &h->snapshot, &h->snapshot_len,
				 "application/json");
	if (!strcmp(url, "/healthz"))
		return reply(h, conn, MHD_HTTP_OK, "text/plain; charset=utf-8",
			     "ok\n", 3);
	if (!strcmp(url, "/"))
		return reply(h, conn, MHD_HTTP_OK, "text/html; charset=utf-8",
			     webpage_html, strlen(webpage_html));
	return error(h, conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* The address and flags of a --listen value. */
static int parse_addr(const char *listen, struct sockaddr_storage *ss,
		      socklen_t *sslen, unsigned int *flags, char *addr,
		      size_t addrlen, char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	unsigned short port;

	memset(ss, 0, sizeof(*ss));
	if (listen_parse(listen, addr, addrlen, &port)) {
		snprintf(err, errlen,
			 "--listen wants ADDR:PORT, [ADDR6]:PORT or PORT, "
			 "not '%s'",
			 listen);
		return -EINVAL;
	}
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*sslen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*sslen = sizeof(*in6);
		*flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "--listen: '%s' is not an IP address",
			 addr);
		return -EINVAL;
	}
	return 0;
}

int http_listen(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned int flags = 0;
	socklen_t sslen;
	char addr[64];
	int fd, one = 1, ret;

	ret = parse_addr(spec, &ss, &sslen, &flags, addr, sizeof(addr), err,
			 errlen);
	if (ret)
		return ret;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, sslen) || listen(fd, 64)) {
		ret = -errno;
		snprintf(err, errlen,
			 "cannot listen on %s (%s: in use, or not an address "
			 "of this host)",
			 spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	return fd;
}

int http_start(struct http_server **out, const char *listen, char *err,
	       size_t errlen)
{
	int fd = http_listen(listen, err, errlen);

	return fd < 0 ? fd : http_start_on(out, listen, fd, err, errlen);
}

int http_start_on(struct http_server **out, const char *listen, int fd,
		  char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	unsigned int flags =
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_INTERNAL_THREAD;
	struct http_server *h;
	pthread_condattr_t ca;
	sigset_t all, old;
	socklen_t sslen;
	char addr[64];
	int ret;

	ret = parse_addr(listen, &ss, &sslen, &flags, addr, sizeof(addr), err,
			 errlen);
	if (ret) {
		close(fd);
		return ret;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->check_host = http_loopback_addr(addr);
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->conns_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * One address may hold HTTP_PER_IP_LIMIT of the HTTP_CONN_LIMIT
	 * connections: a single client (or a slow-loris from one host) cannot
	 * take the server, and a scraper elsewhere still gets in. Each
	 * connection is held at most HTTP_HEAD_DEADLINE_S per request head.
	 */
	h->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, handle, h, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_LIMIT,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)HTTP_PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)CONN_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
		MHD_OPTION_NOTIFY_CONNECTION, notify_connection, h,
		MHD_OPTION_NOTIFY_COMPLETED, notify_completed, h,
		MHD_OPTION_END);
	if (!h->mhd) {
		snprintf(err, errlen, "cannot serve HTTP on %s", listen);
		close(fd);
		ret = -EIO;
		goto fail;
	}
	/* the sweep takes no signals; created now, before privileges drop */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&h->sweeper, NULL, sweep, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		snprintf(err, errlen, "HTTP endpoint: cannot start a thread");
		MHD_stop_daemon(h->mhd);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->conns_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
	return ret;
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
	pthread_mutex_lock(&h->conns_lock);
	h->stopping = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->conns_lock);
	pthread_join(h->sweeper, NULL);
	MHD_stop_daemon(h->mhd); /* notifies every connection CLOSED */
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->conns_lock);
	pthread_mutex_destroy(&h->lock);
	free(h->metrics);
	free(h->snapshot);
	free(h);
}
