// SPDX-License-Identifier: GPL-2.0
/*
 * A client of zdevmon's endpoint on 127.0.0.1:PORT, reporting what it got
 * back (status codes, closed connections) as truth lines; every wait is
 * bounded. busybox nc cannot choose its source address, hence this.
 *   httpwork limit PORT      4 connections from 127.0.0.1 held open; a 5th
 *                            from 127.0.0.1 and one from 127.0.0.2 ask
 *                            /healthz; then the 4 held ones ask it
 *   httpwork head PORT SIZE  GET /healthz with a request head of exactly
 *                            SIZE bytes (one padded header)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include "truth.h"

#define REQ "GET /healthz HTTP/1.0\r\n\r\n"

static unsigned short port;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* A connection to 127.0.0.1:port from src; -1 if refused. */
static int connect_from(const char *src)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	struct sockaddr_in b = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, src, &b.sin_addr) != 1 ||
	    bind(fd, (void *)&b, sizeof(b)))
		die("bind");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (void *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Send req on fd and read the reply until the server closes, at most
 * ms_limit. The status code (0: none), and in *closed whether the server
 * closed the connection (end of stream or reset) within the limit.
 */
static int exchange(int fd, const char *req, size_t len, long ms_limit,
		    int *closed)
{
	char buf[4096], head[64] = "";
	long end = now_ms() + ms_limit;
	size_t got = 0;
	int code = 0;

	*closed = 0;
	if (fd < 0) {
		*closed = 1;
		return 0;
	}
	if (send_all(fd, req, len)) {
		*closed = 1; /* reset before all of it went */
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break; /* still open: not closed */
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			*closed = 1;
			break;
		}
		if (got < sizeof(head) - 1) {
			size_t k = sizeof(head) - 1 - got;

			memcpy(head + got, buf, (size_t)n < k ? (size_t)n : k);
			got += (size_t)n < k ? (size_t)n : k;
			head[got] = '\0';
		}
	}
out:
	if (!strncmp(head, "HTTP/1.", 7) && strlen(head) >= 12)
		code = atoi(head + 9);
	close(fd);
	return code;
}

static int limit(void)
{
	int held[4], i, code, closed, answered = 0;
	long t0 = now_ms();

	for (i = 0; i < 4; i++)
		held[i] = connect_from("127.0.0.1");
	for (i = 0; i < 4; i++)
		truth("held_connected", held[i] >= 0);
	/* let the server accept them (it would in order anyway) */
	usleep(300 * 1000);
	code = exchange(connect_from("127.0.0.1"), REQ, strlen(REQ), 1500,
			&closed);
	truth("fifth_status", code);
	truth("fifth_closed", closed);
	code = exchange(connect_from("127.0.0.2"), REQ, strlen(REQ), 1500,
			&closed);
	truth("other_address_status", code);
	/* the held ones were open all along, inside the 5 s head deadline */
	for (i = 0; i < 4; i++)
		answered += exchange(held[i], REQ, strlen(REQ), 1500,
				     &closed) == 200;
	truth("held_answered", answered);
	truth("held_ms", now_ms() - t0);
	/* with the 4 gone, 127.0.0.1 gets in again */
	code = exchange(connect_from("127.0.0.1"), REQ, strlen(REQ), 1500,
			&closed);
	truth("after_status", code);
	return 0;
}

static int head(size_t size)
{
	static const char pre[] = "GET /healthz HTTP/1.0\r\nX: ";
	static const char post[] = "\r\n\r\n";
	size_t fixed = strlen(pre) + strlen(post);
	char *req;
	int code, closed;

	if (size < fixed + 1)
		return 2;
	req = malloc(size);
	if (!req)
		die("malloc");
	memcpy(req, pre, strlen(pre));
	memset(req + strlen(pre), 'a', size - fixed);
	memcpy(req + size - strlen(post), post, strlen(post));
	code = exchange(connect_from("127.0.0.1"), req, size, 4000, &closed);
	truth("head_bytes", size);
	truth("status", code);
	truth("closed", closed);
	free(req);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: httpwork limit|head PORT [SIZE]\n");
		return 2;
	}
	port = atoi(argv[2]);
	if (!strcmp(argv[1], "limit"))
		return limit();
	if (!strcmp(argv[1], "head") && argc > 3)
		return head(strtoul(argv[3], NULL, 0));
	fprintf(stderr, "httpwork: unknown command %s\n", argv[1]);
	return 2;
}
