// SPDX-License-Identifier: GPL-2.0
/* NDJSON to a file: whole lines only, rotation, reopen, full disks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "ndjson.h"
#include "outfile.h"

static int open_path(struct ndjson *n)
{
	struct stat st;
	int fd = outfile_open(n->path, O_APPEND);

	n->fd = fd < 0 ? -1 : fd;
	if (fd < 0)
		return fd;
	n->size = fstat(n->fd, &st) ? 0 : st.st_size;
	return 0;
}

int ndjson_open(struct ndjson *n, const char *path, uint64_t max_size, int keep)
{
	memset(n, 0, sizeof(*n));
	n->max_size = max_size;
	n->keep = keep > 0 ? keep : 1;
	if (!strcmp(path, "-")) {
		n->fd = STDOUT_FILENO;
		n->max_size = 0; /* a pipe is not rotated */
		return 0;
	}
	n->path = strdup(path);
	if (!n->path)
		return -ENOMEM;
	return open_path(n);
}

/* path.keep is dropped, path.i becomes path.i+1, path becomes path.1 */
static int rotate(struct ndjson *n)
{
	size_t len = strlen(n->path) + 16;
	char from[len], to[len];
	int i;

	for (i = n->keep - 1; i >= 1; i--) {
		snprintf(from, len, "%s.%d", n->path, i);
		snprintf(to, len, "%s.%d", n->path, i + 1);
		rename(from, to); /* a missing one is fine */
	}
	snprintf(to, len, "%s.1", n->path);
	if (rename(n->path, to))
		return -errno;
	close(n->fd);
	return open_path(n);
}

int ndjson_write(struct ndjson *n, const char *line)
{
	size_t len = strlen(line);
	struct iovec iov[2] = { { (void *)line, len }, { "\n", 1 } };
	ssize_t done;

	int err;

	if (n->fd < 0 && n->path && (err = open_path(n))) {
		n->lost++;
		return n->last_errno = err;
	}
	if (n->path && n->max_size && n->size > 0 &&
	    (uint64_t)n->size + len + 1 > n->max_size && rotate(n)) {
		/* keep appending to the current file rather than lose lines */
	}
	done = writev(n->fd, iov, 2);
	if (done == (ssize_t)(len + 1)) {
		n->size += done;
		n->lines++;
		n->last_errno = 0;
		return 0;
	}
	n->last_errno = done < 0 ? -errno : -ENOSPC;
	/* never leave half a line behind: the next one starts clean */
	if (done > 0 && n->path && ftruncate(n->fd, n->size))
		n->size += done;
	n->lost++;
	return n->last_errno;
}

int ndjson_reopen(struct ndjson *n)
{
	if (!n->path)
		return 0;
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
	return open_path(n);
}

void ndjson_close(struct ndjson *n)
{
	if (n->path && n->fd >= 0)
		close(n->fd);
	free(n->path);
	memset(n, 0, sizeof(*n));
	n->fd = -1;
}

int ndjson_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}
