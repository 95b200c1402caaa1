// SPDX-License-Identifier: GPL-2.0
/* A recording's frames into deflated chunks, files rotated by size. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>
#include "format.h"
#include "output/outfile.h"
#include "writer.h"

/* gathered frames are written once they pass this */
#define FLUSH_AT (64U << 10)

static int write_whole(struct zrec_writer *w, const struct iovec *iov, int cnt,
		       size_t total)
{
	ssize_t done = writev(w->fd, iov, cnt);

	if (done == (ssize_t)total) {
		w->size += total;
		return 0;
	}
	/* never half a chunk: the reader would stop there */
	if (done > 0 && ftruncate(w->fd, w->size))
		w->size += done; /* cannot take it back: it is there */
	else if (done > 0)
		lseek(w->fd, w->size, SEEK_SET); /* no hole before the next */
	return done < 0 ? -errno : -ENOSPC;
}

static int write_head(struct zrec_writer *w)
{
	uint32_t words[2] = { ZREC_VERSION, strlen(w->head) };
	struct iovec iov[3] = { { ZREC_MAGIC, 8 },
				{ words, sizeof(words) },
				{ w->head, words[1] } };

	return write_whole(w, iov, 3, ZREC_HEAD_SIZE + words[1]);
}

static int open_file(struct zrec_writer *w)
{
	int fd = outfile_open(w->path, O_TRUNC), err;

	if (fd < 0)
		return fd;
	w->fd = fd;
	w->size = 0;
	err = write_head(w);
	if (err) { /* a file without its head is no recording */
		close(fd);
		w->fd = -1;
	}
	return err;
}

int zrec_writer_open(struct zrec_writer *w, const char *path, uint64_t max_size,
		     int keep, const char *head_json)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->max_size = max_size;
	w->keep = keep > 0 ? keep : 1;
	w->path = strdup(path);
	w->head = strdup(head_json);
	if (!w->path || !w->head || strlen(head_json) > ZREC_MAX_JSON) {
		err = w->path && w->head ? -E2BIG : -ENOMEM;
		goto fail;
	}
	err = open_file(w);
	if (!err)
		return 0;
fail:
	zrec_writer_close(w);
	return err;
}

static void reserve(struct zrec_writer *w, size_t more)
{
	size_t cap = w->cap ? w->cap : FLUSH_AT * 2;
	uint8_t *n;

	if (w->failed == -ENOMEM && w->frame_open)
		return;
	while (cap < w->len + more)
		cap *= 2;
	if (cap == w->cap)
		return;
	n = realloc(w->raw, cap);
	if (!n) {
		/* this frame is lost: frame_end() takes it back */
		w->failed = -ENOMEM;
		return;
	}
	w->raw = n;
	w->cap = cap;
}

void zrec_frame_begin(struct zrec_writer *w, uint16_t type, uint64_t ns)
{
	uint8_t head[ZREC_FRAME_HEAD] = { 0 };

	if (!w->path)
		return;
	w->frame_at = w->len;
	w->frame_open = 1;
	memcpy(head, &type, 2);
	memcpy(head + 8, &ns, 8);
	if (w->failed == -ENOMEM)
		w->failed = 0;
	zrec_frame_add(w, head, sizeof(head));
}

void zrec_frame_add(struct zrec_writer *w, const void *data, size_t len)
{
	if (!w->frame_open)
		return;
	reserve(w, len);
	if (w->failed == -ENOMEM)
		return;
	memcpy(w->raw + w->len, data, len);
	w->len += len;
}

void zrec_frame_end(struct zrec_writer *w)
{
	size_t len;
	uint32_t len32;

	if (!w->frame_open)
		return;
	w->frame_open = 0;
	len = w->len - w->frame_at - ZREC_FRAME_HEAD;
	if (w->failed == -ENOMEM || len > ZREC_MAX_RAW / 2) {
		w->len = w->frame_at;
		w->chunks_lost++;
		return;
	}
	len32 = len;
	memcpy(w->raw + w->frame_at + 4, &len32, 4);
	w->frames++;
	zrec_flush_if_full(w);
}

void zrec_flush_if_full(struct zrec_writer *w)
{
	if (!w->hold && w->len >= FLUSH_AT)
		zrec_flush(w);
}

void zrec_put(struct zrec_writer *w, uint16_t type, uint64_t ns,
	      const void *data, size_t len)
{
	zrec_frame_begin(w, type, ns);
	zrec_frame_add(w, data, len);
	zrec_frame_end(w);
}

/* path.1 .. path.keep shifted, a new path begun with the head */
static int rotate(struct zrec_writer *w)
{
	int err = outfile_shift(w->path, w->path, w->keep);

	if (err)
		return err;
	close(w->fd);
	w->fd = -1;
	return open_file(w);
}

/*
 * What is gathered ends in this file; a new one begins at a boundary only,
 * so that its replay begins with a step. Files grow past max_size by what
 * came since the last boundary.
 */
int zrec_boundary(struct zrec_writer *w)
{
	int err = zrec_flush(w);

	if (!err && w->reopened) { /* after a failed rotation, at last */
		w->reopened = 0;
		return 1;
	}
	if (err || !w->max_size || w->size < w->max_size)
		return err;
	err = rotate(w);
	if (err && w->fd >= 0)
		return 0; /* keep writing to the file we have */
	return err ? err : 1;
}

/*
 * Raw deflate (RFC 1951): the chunk's CRC-32 is its one check, zlib's own
 * Adler-32 would be a second pass over the bytes.
 */
int zrec_deflate(const void *in, size_t len, void *out, unsigned long *stored)
{
	z_stream z = { .next_in = (Bytef *)in,
		       .avail_in = len,
		       .next_out = out,
		       .avail_out = *stored };
	int ret;

	if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	ret = deflate(&z, Z_FINISH);
	*stored = z.total_out;
	deflateEnd(&z);
	return ret == Z_STREAM_END ? 0 : -1;
}

int zrec_flush(struct zrec_writer *w)
{
	uLongf stored;
	uint32_t head[4];
	uint8_t *out;
	struct iovec iov[2];
	int err;

	if (!w->path || !w->len || w->frame_open || w->hold)
		return 0;
	/* a rotation that could not create the new file: again now */
	if (w->fd < 0) {
		err = open_file(w);
		if (err) {
			out = NULL;
			goto lost;
		}
		w->reopened = 1;
	}
	stored = compressBound(w->len);
	out = malloc(stored);
	if (!out || zrec_deflate(w->raw, w->len, out, &stored)) {
		err = -ENOMEM;
		goto lost;
	}
	head[0] = ZREC_CHUNK_MAGIC;
	head[1] = stored;
	head[2] = w->len;
	head[3] = crc32(0, w->raw, w->len);
	iov[0] = (struct iovec){ head, sizeof(head) };
	iov[1] = (struct iovec){ out, stored };
	err = write_whole(w, iov, 2, sizeof(head) + stored);
	if (err)
		goto lost;
	free(out);
	w->len = 0;
	w->failed = 0;
	return 0;
lost:
	free(out);
	w->len = 0;
	w->chunks_lost++;
	w->failed = err;
	return err;
}

int zrec_writer_close(struct zrec_writer *w)
{
	int err = zrec_flush(w) ?: w->failed;

	if (!err && w->chunks_lost)
		err = -EIO; /* some were lost, though the last got through */
	if (w->fd >= 0 && close(w->fd) && !err)
		err = -errno;
	free(w->raw);
	free(w->path);
	free(w->head);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	return err;
}
