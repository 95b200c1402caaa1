// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP endpoint on 127.0.0.1: what it serves, and what it refuses
 * (unknown paths, other methods, oversized and slow requests) while it
 * keeps serving. Real sockets, bounded in count and time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "options.h"
#include "output/http.h"

static unsigned short port;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A connection to the server from src (a 127/8 address), or from 127.0.0.1. */
static int connect_from(const char *src)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (src) {
		struct sockaddr_in b = { .sin_family = AF_INET };

		assert_int_equal(inet_pton(AF_INET, src, &b.sin_addr), 1);
		assert_int_equal(bind(fd, (void *)&b, sizeof(b)), 0);
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (void *)&a, sizeof(a)), 0);
	return fd;
}

struct answer {
	char buf[1 << 16];
	size_t len;
	bool closed; /* the server closed (EOF or reset) within the bound */
	long ms;     /* until the close, or the bound */
};

/*
 * Send req from src and read until the server closes or bound_ms pass
 * (a bound on the whole exchange, not on silence).
 */
static struct answer *exchange_from(const char *src, const char *req,
				    size_t reqlen, int bound_ms)
{
	static struct answer a;
	long t0 = now_ms(), left;
	int fd = connect_from(src);
	size_t off = 0;

	a.len = 0;
	a.closed = false;
	while (off < reqlen) { /* the server may refuse before reading all */
		ssize_t n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		off += n;
	}
	while ((left = t0 + bound_ms - now_ms()) > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(fd, a.buf + a.len, sizeof(a.buf) - 1 - a.len);
		if (n <= 0) {
			a.closed = true;
			break;
		}
		a.len += n;
		if (a.len == sizeof(a.buf) - 1)
			break;
	}
	a.buf[a.len] = '\0';
	a.ms = now_ms() - t0;
	close(fd);
	return &a;
}

static char *exchange(const char *req, size_t reqlen, int bound_ms)
{
	return exchange_from(NULL, req, reqlen, bound_ms)->buf;
}

static char *get(const char *path)
{
	char req[256];

	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: localhost:%u\r\n"
		 "Connection: close\r\n\r\n",
		 path, port);
	return exchange(req, strlen(req), 2000);
}

/* A refusal is a 4xx status line, or a close, within 2 s; never silence. */
static struct answer *assert_refused(const char *req, size_t len)
{
	struct answer *a = exchange_from(NULL, req, len, 2000);

	if (!strncmp(a->buf, "HTTP/1.1 4", 10) ||
	    !strncmp(a->buf, "HTTP/1.0 4", 10))
		return a;
	assert_true(a->closed);
	assert_int_equal(a->len, 0);
	assert_true(a->ms < 2000);
	return a;
}

static int setup(void **state)
{
	struct http_server *h = NULL;
	char err[256], listen[32];
	int tries;

	/* a free port in the dynamic range */
	srand(getpid() ^ time(NULL));
	for (tries = 0; tries < 20 && !h; tries++) {
		port = 20000 + rand() % 30000;
		snprintf(listen, sizeof(listen), "%u", port);
		if (http_start(&h, listen, err, sizeof(err)))
			h = NULL;
	}
	assert_non_null(h);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	http_stop(*state);
	return 0;
}

static void test_serves(void **state)
{
	struct http_server *h = *state;
	const char *metrics = "# TYPE zdevmon_events_total counter\n"
			      "zdevmon_events_total 42\n";
	const char *snap = "{\"schema\":\"zdevmon/v1\",\"kind\":\"snapshot\"}";
	char *r;

	r = get("/metrics");
	assert_non_null(strstr(r, "HTTP/1.1 503")); /* nothing published */
	http_publish(h, metrics, strlen(metrics), snap, strlen(snap));
	r = get("/metrics");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	assert_non_null(strstr(r, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r, "zdevmon_events_total 42"));
	r = get("/api/v1/snapshot");
	assert_non_null(strstr(r, "application/json"));
	assert_non_null(strstr(r, snap));
	r = get("/healthz");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
	r = get("/");
	assert_non_null(strstr(r, "text/html"));
	assert_non_null(strstr(r, "/api/v1/snapshot"));
}

static void test_refuses(void **state)
{
	struct http_server *h = *state;
	unsigned long before = http_rejected(h);
	char post[256];
	char *big = malloc(64 * 1024), *r;
	struct answer *a;
	size_t n;

	r = get("/nope");
	assert_non_null(strstr(r, "HTTP/1.1 404"));
	snprintf(post, sizeof(post),
		 "POST /metrics HTTP/1.1\r\nHost: localhost:%u\r\n"
		 "Content-Length: 5\r\nConnection: close\r\n\r\nhello",
		 port);
	r = exchange(post, strlen(post), 2000);
	assert_non_null(strstr(r, "HTTP/1.1 405"));
	assert_non_null(strstr(r, "Allow: GET, HEAD"));
	r = get("/metrics/../../etc/passwd");
	assert_non_null(strstr(r, "HTTP/1.1 404"));
	assert_int_equal(http_rejected(h), before + 3);
	/* a 60 KiB header: refused (431) or cut, not buffered without end */
	n = snprintf(big, 64, "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 60 * 1024);
	n += 60 * 1024;
	n += snprintf(big + n, 64, "\r\nConnection: close\r\n\r\n");
	a = assert_refused(big, n);
	assert_null(strstr(a->buf, " 200 "));
	/* garbage is not HTTP */
	a = assert_refused("\x01\x02 nonsense\r\n\r\n", 14);
	assert_null(strstr(a->buf, " 200 "));
	free(big);
	/* and it still serves */
	r = get("/healthz");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
}

/* Send a whole buffer, or fail (the peer closed). */
static bool send_all(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		off += n;
	}
	return true;
}

/* Has the server closed fd? Reads (and drops) what it sent meanwhile. */
static bool peer_closed(int fd, bool *answered)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	while (poll(&p, 1, 0) > 0) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			return n == 0 || errno != EAGAIN;
		if (!strncmp(buf, "HTTP/1.1 2", 10))
			*answered = true;
	}
	return false;
}

#define DEADLINE_MS (HTTP_HEAD_DEADLINE_S * 1000L)
#define MARGIN_MS   500L /* scheduling slack on a shared machine */

/*
 * Send first at once, then a byte every 500 ms, until the server closes
 * (or well past its deadline); the ms from t0 it took.
 */
static long trickle(int fd, long t0, const char *first, bool *closed,
		    bool *answered)
{
	long t = 0, next = 0;

	while (!*closed && (t = now_ms() - t0) < DEADLINE_MS + HTTP_SWEEP_MS +
							 2 * MARGIN_MS) {
		if (t >= next) {
			if (!send_all(fd, next ? "a" : first))
				*closed = true;
			next += 500;
		}
		if (!*closed)
			*closed = peer_closed(fd, answered);
		sleep_ms(20);
	}
	return t;
}

/*
 * A client trickling a request head a byte every 500 ms is cut off at the
 * deadline, not before, and not later than deadline + sweep period.
 */
static void test_slow_client(void **state)
{
	char head[128];
	bool answered = false, closed = false;
	long t0, t;
	int fd;

	snprintf(head, sizeof(head),
		 "GET /metrics HTTP/1.1\r\nHost: localhost:%u\r\nX-Slow: ",
		 port);
	fd = connect_from(NULL);
	t0 = now_ms();
	assert_true(send_all(fd, head));
	t = trickle(fd, t0, "a", &closed, &answered);
	close(fd);
	printf("slow client cut after %ld ms (deadline %ld ms + sweep %d ms)\n",
	       t, DEADLINE_MS, HTTP_SWEEP_MS);
	assert_true(closed);
	assert_false(answered);
	assert_true(t >= DEADLINE_MS - MARGIN_MS);
	assert_true(t <= DEADLINE_MS + HTTP_SWEEP_MS + MARGIN_MS);
	assert_non_null(strstr(get("/healthz"), "HTTP/1.1 200"));
}

/*
 * Kept alive, the next request head has its own deadline from the end of
 * the previous reply.
 */
static void test_slow_second_request(void **state)
{
	char req[160];
	bool answered = false, closed = false;
	long t0, t;
	int fd = connect_from(NULL);

	snprintf(req, sizeof(req),
		 "GET /healthz HTTP/1.1\r\nHost: localhost:%u\r\n\r\n", port);
	assert_true(send_all(fd, req));
	t0 = now_ms();
	while (!answered && now_ms() - t0 < 2000) {
		assert_false(peer_closed(fd, &answered));
		sleep_ms(10);
	}
	assert_true(answered);
	answered = false;
	t = trickle(fd, now_ms(), "GET /healthz HTTP/1.1\r\nX: ", &closed,
		    &answered);
	close(fd);
	printf("slow second request cut after %ld ms\n", t);
	assert_true(closed);
	assert_false(answered);
	assert_true(t >= DEADLINE_MS - MARGIN_MS);
	assert_true(t <= DEADLINE_MS + HTTP_SWEEP_MS + MARGIN_MS);
}

#define LORIS 10

/*
 * Slow-loris from 127.0.0.2: LORIS clients trickle a header line a second.
 * One address holds at most HTTP_PER_IP_LIMIT connections (the rest are
 * closed at once), those are cut at the deadline, and all along /healthz
 * from 127.0.0.1 is answered within 2 s.
 */
static void test_slow_loris(void **state)
{
	int fd[LORIS];
	long closed_at[LORIS], t0, t, next = 0, worst = 0, sum = 0;
	long first = -1, last = -1;
	const char *get_healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Connection: close\r\n\r\n";
	bool answered = false;
	int i, open = LORIS, healthz = 0, early = 0, late = 0;
	char head[128];

	snprintf(head, sizeof(head),
		 "GET /healthz HTTP/1.1\r\nHost: localhost:%u\r\n", port);
	t0 = now_ms();
	for (i = 0; i < LORIS; i++) {
		fd[i] = connect_from("127.0.0.2");
		closed_at[i] = -1;
		if (!send_all(fd[i], head))
			closed_at[i] = now_ms() - t0;
	}
	while (open && (t = now_ms() - t0) <
			       DEADLINE_MS + HTTP_SWEEP_MS + 2 * MARGIN_MS) {
		struct answer *a;

		open = 0;
		for (i = 0; i < LORIS; i++) {
			if (closed_at[i] >= 0)
				continue;
			if ((t >= next && !send_all(fd[i], "X-Slow: 1\r\n")) ||
			    peer_closed(fd[i], &answered))
				closed_at[i] = now_ms() - t0;
			else
				open++;
		}
		if (t >= next)
			next += 1000;
		a = exchange_from("127.0.0.1", get_healthz, strlen(get_healthz),
				  2000);
		assert_non_null(strstr(a->buf, "HTTP/1.1 200"));
		assert_true(a->ms < 2000);
		worst = a->ms > worst ? a->ms : worst;
		sum += a->ms;
		healthz++;
		sleep_ms(100);
	}
	for (i = 0; i < LORIS; i++) {
		close(fd[i]);
		if (closed_at[i] >= 0 && closed_at[i] < 1000)
			early++;
		else if (closed_at[i] >= DEADLINE_MS - MARGIN_MS &&
			 closed_at[i] <=
				 DEADLINE_MS + HTTP_SWEEP_MS + MARGIN_MS) {
			late++;
			if (first < 0 || closed_at[i] < first)
				first = closed_at[i];
			if (closed_at[i] > last)
				last = closed_at[i];
		}
	}
	printf("slow loris: %d refused at once, %d cut at %ld..%ld ms; "
	       "/healthz %d times, worst %ld ms, mean %ld ms\n",
	       early, late, first, last, healthz, worst,
	       sum / (healthz ? healthz : 1));
	assert_false(answered);
	assert_int_equal(early, LORIS - HTTP_PER_IP_LIMIT);
	assert_int_equal(late, HTTP_PER_IP_LIMIT);
	assert_true(healthz >= 10);
}

static void send_host(const char *version, const char *host, char *buf,
		      size_t len)
{
	int n = snprintf(buf, len, "GET /healthz %s\r\n", version);

	if (host)
		n += snprintf(buf + n, len - n, "Host: %s\r\n", host);
	snprintf(buf + n, len - n, "Connection: close\r\n\r\n");
}

/* On a loopback listener only local names are answered (DNS rebinding). */
static void test_host(void **state)
{
	struct http_server *h = *state;
	static const char *const good[] = {
		"localhost",	"localhost:9464", "LocalHost:1", "127.0.0.1",
		"127.0.0.1:%u", "127.1.2.3:80",	  "[::1]",	 "[::1]:%u",
	};
	static const char *const bad[] = {
		"evil.example",
		"evil.example:%u",
		"localhost.evil.example",
		"127.0.0.1.evil.example",
		"evil.localhost",
		"localhost:",
		"localhost:x",
		"localhost:99999",
		"localhost:9464:1",
		"128.0.0.1",
		"0x7f.0.0.1",
		"127.1",
		"[::1]x",
		"[::2]:%u",
		"::1",
		"",
	};
	unsigned long before = http_rejected(h);
	char host[64], req[256];
	struct answer *a;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		snprintf(host, sizeof(host), good[i], port);
		send_host("HTTP/1.1", host, req, sizeof(req));
		a = exchange_from(NULL, req, strlen(req), 2000);
		if (!strstr(a->buf, "HTTP/1.1 200"))
			fail_msg("Host '%s' refused: %.40s", host, a->buf);
		assert_true(http_local_host(host));
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(host, sizeof(host), bad[i], port);
		send_host("HTTP/1.1", host, req, sizeof(req));
		a = exchange_from(NULL, req, strlen(req), 2000);
		if (!strstr(a->buf, "HTTP/1.1 421"))
			fail_msg("Host '%s' not refused: %.40s", host, a->buf);
		assert_false(http_local_host(host));
	}
	assert_int_equal(http_rejected(h), before + sizeof(bad) / sizeof(*bad));
	/* HTTP/1.1 without Host is a protocol error; HTTP/1.0 may lack it */
	send_host("HTTP/1.1", NULL, req, sizeof(req));
	a = assert_refused(req, strlen(req));
	assert_non_null(strstr(a->buf, "HTTP/1.1 421"));
	assert_int_equal(http_rejected(h),
			 before + 1 + sizeof(bad) / sizeof(*bad));
	send_host("HTTP/1.0", NULL, req, sizeof(req));
	a = exchange_from(NULL, req, strlen(req), 2000);
	assert_non_null(strstr(a->buf, " 200 "));
	/* the check is on only where a browser could be rebound */
	assert_true(http_loopback_addr("127.0.0.1"));
	assert_true(http_loopback_addr("127.3.2.1"));
	assert_true(http_loopback_addr("::1"));
	assert_true(http_loopback_addr("::ffff:127.0.0.1"));
	assert_false(http_loopback_addr("0.0.0.0"));
	assert_false(http_loopback_addr("::"));
	assert_false(http_loopback_addr("192.0.2.1"));
	assert_false(http_loopback_addr("2001:db8::1"));
}

static void test_listen_values(void **state)
{
	char addr[64];
	unsigned short p;

	assert_int_equal(options_parse_listen("9464", addr, 64, &p), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(p, 9464);
	assert_int_equal(options_parse_listen(":80", addr, 64, &p), 0);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(options_parse_listen("0.0.0.0:9464", addr, 64, &p), 0);
	assert_string_equal(addr, "0.0.0.0");
	assert_int_equal(options_parse_listen("[::1]:9464", addr, 64, &p), 0);
	assert_string_equal(addr, "::1");
	assert_int_equal(options_parse_listen("x:0", addr, 64, &p), -EINVAL);
	assert_int_equal(options_parse_listen("1.2.3.4:", addr, 64, &p),
			 -EINVAL);
	assert_int_equal(options_parse_listen("70000", addr, 64, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_serves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slow_second_request, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slow_loris, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host, setup, teardown),
		cmocka_unit_test(test_listen_values),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
