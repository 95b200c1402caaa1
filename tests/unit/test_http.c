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
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "http.h"
#include "options.h"

static unsigned short port;

static int connect_local(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (void *)&a, sizeof(a)), 0);
	return fd;
}

/* Send req, read the whole reply (or until timeout_ms of silence). */
static char *exchange(const char *req, size_t reqlen, int timeout_ms)
{
	static char buf[1 << 16];
	int fd = connect_local();
	size_t len = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (reqlen)
		assert_int_equal(write(fd, req, reqlen), (ssize_t)reqlen);
	while (len < sizeof(buf) - 1 && poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

static char *get(const char *path)
{
	char req[256];

	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 path);
	return exchange(req, strlen(req), 2000);
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
	const char *post =
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 5\r\nConnection: close\r\n\r\nhello";
	char *big = malloc(64 * 1024), *r;
	size_t n;

	r = get("/nope");
	assert_non_null(strstr(r, "HTTP/1.1 404"));
	r = exchange(post, strlen(post), 2000);
	assert_non_null(strstr(r, "HTTP/1.1 405"));
	assert_non_null(strstr(r, "Allow: GET, HEAD"));
	r = get("/metrics/../../etc/passwd");
	assert_non_null(strstr(r, "HTTP/1.1 404"));
	/* a 60 KiB header: refused, not buffered without end */
	n = snprintf(big, 64, "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(big + n, 'a', 60 * 1024);
	n += 60 * 1024;
	n += snprintf(big + n, 64, "\r\nConnection: close\r\n\r\n");
	r = exchange(big, n, 2000);
	assert_true(strstr(r, "HTTP/1.1 4") != NULL || r[0] == '\0');
	assert_null(strstr(r, "HTTP/1.1 200"));
	/* garbage is not HTTP */
	r = exchange("\x01\x02 nonsense\r\n\r\n", 14, 2000);
	assert_null(strstr(r, "HTTP/1.1 200"));
	assert_true(http_rejected(h) >= 2);
	free(big);
	/* and it still serves */
	r = get("/healthz");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
}

/* A client that sends half a request and stalls is cut off. */
static void test_slow_client(void **state)
{
	const char *half = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
	time_t t0 = time(NULL);
	char *r = exchange(half, strlen(half), 9000);

	assert_null(strstr(r, "HTTP/1.1 200"));
	assert_true(time(NULL) - t0 <= 8); /* closed by the server */
	r = get("/healthz");
	assert_non_null(strstr(r, "HTTP/1.1 200"));
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
		cmocka_unit_test(test_listen_values),
	};

	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
