/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NDJSON file: one object a line, appended with one write(2) each,
 * rotated by size, reopened on SIGHUP (logrotate). A full disk loses lines,
 * counted and reported, never the monitoring; writing resumes by itself.
 */
#ifndef ZDEVMON_NDJSON_H
#define ZDEVMON_NDJSON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct ndjson {
	int fd;
	char *path;	   /* NULL: standard output */
	off_t size;	   /* bytes in the current file */
	uint64_t max_size; /* rotate beyond this; 0: never */
	int keep;	   /* rotated files kept: path.1 .. path.keep */
	uint64_t lines;	   /* lines written */
	uint64_t lost;	   /* lines lost to write errors */
	int last_errno;	   /* of the latest failure, 0 after a success */
};

/* Open path for appending ("-": standard output). 0 or -errno. */
int ndjson_open(struct ndjson *n, const char *path, uint64_t max_size,
		int keep);
/*
 * Append one line (a newline is added). 0; or -errno when it was lost,
 * the file holding no part of it.
 */
int ndjson_write(struct ndjson *n, const char *line);
/* Reopen the path: after logrotate moved the file away. 0 or -errno. */
int ndjson_reopen(struct ndjson *n);
void ndjson_close(struct ndjson *n);

/* "10M", "512k", "1G", "4096": bytes; 0 or -EINVAL. */
int ndjson_parse_size(const char *s, uint64_t *out);

#endif /* ZDEVMON_NDJSON_H */
