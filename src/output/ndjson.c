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

/*
 * Is the file at path another than the one we fill? logrotate moved ours
 * away (its SIGHUP still to come) or put a new one there: -ENOENT or 1; 0
 * when it is ours.
 */
static int path_moved(const struct ndjson *n)
{
	struct stat at, ours;

	if (fstat(n->fd, &ours))
		return 0;
	if (lstat(n->path, &at))
		return errno == ENOENT ? -ENOENT : 0;
	return at.st_dev != ours.st_dev || at.st_ino != ours.st_ino;
}

/* path.keep is dropped, path.i becomes path.i+1, path becomes path.1 */
static int rotate(struct ndjson *n)
{
	size_t len = strlen(n->path) + 16;
	char from[len];
	int old = n->fd, moved = path_moved(n), err;

	/*
	 * Ours is no longer at path: the numbered files are not ours to
	 * shift (a shift per line, until the SIGHUP, would push the oldest
	 * out), and the moved file is not ours to grow. Go on at path.
	 */
	if (moved) {
		err = open_path(n);
		if (!err) {
			close(old);
			return 0;
		}
		n->fd = old;
		if (moved == -ENOENT)
			return err; /* keep appending to the moved file */
		/* something we may not open (a link): rotated away below */
	}
	/*
	 * Ours out of the way first, in one step: logrotate may move it at
	 * any moment, and a move between the shift and our rename would
	 * leave the shift done (a gap in the numbers) and us writing on,
	 * past the size, into the moved file.
	 */
	snprintf(from, len, "%s.rotating", n->path);
	if (rename(n->path, from)) {
		err = -errno;
		if (err != -ENOENT || open_path(n))
			return err; /* keep appending where we are */
		close(old);	    /* moved just now: go on at path */
		return 0;
	}
	err = outfile_shift(n->path, from, n->keep);
	if (err)
		return err;
	close(n->fd);
	return open_path(n);
}

/*
 * The file's real size. It may shrink under us (logrotate's copytruncate):
 * a size remembered from our own writes would rotate too early, and
 * truncating back to it would grow the file with a hole of NULs.
 */
static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

/*
 * Take back the `done' bytes of a torn line, the file being `before' long
 * when the write began; ftruncate() only ever shortens it.
 */
static void untear(struct ndjson *n, off_t before, ssize_t done)
{
	off_t after = file_size(n->fd), to = before;

	if (after < 0)
		return;
	/* emptied between the measure and the write: the line began at 0 */
	if (after - done < to)
		to = after - done;
	if (to >= 0 && to < after && !ftruncate(n->fd, to))
		after = to;
	n->size = after;
}

int ndjson_write(struct ndjson *n, const char *line)
{
	size_t len = strlen(line);
	struct iovec iov[2] = { { (void *)line, len }, { "\n", 1 } };
	off_t before = 0;
	ssize_t done;
	int err;

	if (n->fd < 0 && n->path && (err = open_path(n))) {
		n->lost++;
		return n->last_errno = err;
	}
	if (n->path) {
		before = file_size(n->fd);
		if (before >= 0)
			n->size = before;
	}
	if (n->path && n->max_size && before > 0 &&
	    (uint64_t)before + len + 1 > n->max_size) {
		err = rotate(n);
		if (err && n->fd < 0) { /* renamed, but no new file */
			n->lost++;
			return n->last_errno = err;
		}
		/* otherwise keep appending to this file, not lose lines */
		before = file_size(n->fd);
	}
	/* O_APPEND: written at the real end, never at an offset of ours */
	done = writev(n->fd, iov, 2);
	if (done == (ssize_t)(len + 1)) {
		n->size = before >= 0 ? before + done : n->size + done;
		n->lines++;
		n->last_errno = 0;
		return 0;
	}
	n->last_errno = done < 0 ? -errno : -ENOSPC;
	/* never leave half a line behind: the next one starts clean */
	if (done > 0 && n->path && before >= 0)
		untear(n, before, done);
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
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	/* digits first: strtoull() would take blanks and negate a '-' */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	}
	/* the suffix must not shift bits out */
	if (*end || !v || v > UINT64_MAX >> shift)
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}
