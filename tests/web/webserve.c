// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon's HTTP endpoint serving a snapshot and metrics captured from a
 * real run (the guest's), for testing the page at / in a browser on a host
 * whose kernel zdevmon cannot attach to.
 *   webserve PORT SNAPSHOT.json METRICS.txt     serves until SIGTERM
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output/http.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	if (buf && fread(buf, 1, *len, f) != *len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	struct http_server *h;
	size_t slen, mlen;
	char err[256], *snap, *metrics;
	sigset_t set;
	int sig;

	if (argc != 4) {
		fprintf(stderr, "usage: webserve PORT SNAPSHOT METRICS\n");
		return 2;
	}
	snap = slurp(argv[2], &slen);
	metrics = slurp(argv[3], &mlen);
	if (!snap || !metrics || http_start(&h, argv[1], err, sizeof(err))) {
		fprintf(stderr, "webserve: cannot serve: %s\n",
			snap && metrics ? err : "unreadable input");
		return 1;
	}
	http_publish(h, metrics, mlen, snap, slen);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("webserve: ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	http_stop(h);
	return 0;
}
