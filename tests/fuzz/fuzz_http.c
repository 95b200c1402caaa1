// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the HTTP endpoint's request path. zdevmon's server runs in
 * this process on a loopback port with a published snapshot; each input
 * is sent as the raw bytes of one connection (and an empty line), the
 * writing side then closed, and the reply read. A reply must be HTTP/1.x; a
 * crash or a sanitizer finding in the server's threads fails the run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "output/http.h"

static struct sockaddr_in server;
static struct http_server *http;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char metrics[] = "# TYPE zdevmon_up gauge\nzdevmon_up 1\n";
	static const char snapshot[] = "{\"schema\":1,\"kind\":\"snapshot\"}";
	socklen_t len = sizeof(server);
	char listen_on[64], err[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	server.sin_family = AF_INET;
	server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (void *)&server, sizeof(server)) ||
	    listen(fd, 16) || getsockname(fd, (void *)&server, &len)) {
		perror("fuzz_http: loopback socket");
		exit(1);
	}
	snprintf(listen_on, sizeof(listen_on), "127.0.0.1:%u",
		 ntohs(server.sin_port));
	if (http_start_on(&http, listen_on, fd, err, sizeof(err))) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		exit(1);
	}
	http_publish(http, metrics, sizeof(metrics) - 1, snapshot,
		     sizeof(snapshot) - 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd p = { .events = POLLIN };
	char reply[4096];
	size_t got = 0;
	ssize_t n;

	p.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (p.fd < 0)
		return 0;
	if (connect(p.fd, (void *)&server, sizeof(server)))
		goto out; /* the connection limits: not this input's doing */
	/*
	 * An empty line after the input: a request the input leaves open
	 * ends, and is answered at once rather than at its deadline.
	 */
	if ((size && send(p.fd, data, size, MSG_NOSIGNAL) < 0) ||
	    send(p.fd, "\r\n\r\n", 4, MSG_NOSIGNAL) < 0)
		goto out;
	shutdown(p.fd, SHUT_WR);
	/*
	 * The server keeps a connection open after its reply (kept alive) or
	 * with a request unfinished (its deadline cuts it): a pause ends the
	 * wait, shorter once a reply began (written in one go).
	 */
	while (poll(&p, 1, got ? 20 : 200) == 1) {
		n = recv(p.fd, reply + got, sizeof(reply) - got, 0);
		if (n <= 0)
			break;
		got += n;
		if (got == sizeof(reply))
			got = 16; /* keep the status line, drop the body */
	}
	if (got >= 7 && memcmp(reply, "HTTP/1.", 7)) {
		fprintf(stderr, "fuzz_http: a reply that is not HTTP/1.x\n");
		abort();
	}
out:
	/* a reset, not a FIN: the server frees the connection at once */
	setsockopt(p.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	close(p.fd);
	return 0;
}
