// SPDX-License-Identifier: GPL-2.0
/* A recording read back, each length checked before it is believed. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "format.h"
#include "reader.h"

/* deflate never shrinks by more than this (zlib's technical details) */
#define MAX_RATIO 1032

static int fail(struct zrec_reader *r, uint64_t off, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "at offset %llu: %s",
		 (unsigned long long)off, why);
	return -1;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static int read_head(struct zrec_reader *r)
{
	uint32_t json_len;
	json_tokener *tok;

	if (r->size < ZREC_HEAD_SIZE || memcmp(r->file, ZREC_MAGIC, 8))
		return fail(r, 0, "not a zdevmon recording");
	r->version = u32_at(r->file + 8);
	if (r->version != ZREC_VERSION)
		return fail(r, 8,
			    "recording format version %u; this zdevmon reads "
			    "version %u",
			    r->version, ZREC_VERSION);
	json_len = u32_at(r->file + 12);
	if (json_len > ZREC_MAX_JSON || json_len > r->size - ZREC_HEAD_SIZE)
		return fail(r, 12, "the head says %u bytes, the file has %zu",
			    json_len, r->size - ZREC_HEAD_SIZE);
	tok = json_tokener_new();
	if (!tok)
		return fail(r, 16, "out of memory");
	r->head = json_tokener_parse_ex(tok, (const char *)r->file + 16,
					json_len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(r->head, json_type_object) ||
	    tok->char_offset != (int)json_len) {
		json_object_put(r->head);
		r->head = NULL;
		json_tokener_free(tok);
		return fail(r, 16, "the head is not a JSON object");
	}
	json_tokener_free(tok);
	r->next_chunk = ZREC_HEAD_SIZE + json_len;
	return 0;
}

int zrec_reader_open_mem(struct zrec_reader *r, const void *data, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->file = data;
	r->size = size;
	return read_head(r);
}

int zrec_reader_open(struct zrec_reader *r, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *map;

	memset(r, 0, sizeof(*r));
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(r->err, sizeof(r->err), "cannot open it: %s",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return fail(r, 0, "%s",
			    S_ISREG(st.st_mode) ? "the file is empty"
						: "not a regular file");
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(r->err, sizeof(r->err), "cannot map it: %s",
			 strerror(errno));
		return -1;
	}
	r->file = map;
	r->size = st.st_size;
	r->mapped = 1;
	return read_head(r);
}

/* Raw deflate (writer.c): exactly len bytes out of stored, or -1. */
static int inflate_raw(const uint8_t *in, size_t stored, uint8_t *out,
		       size_t len)
{
	z_stream z = { .next_in = (Bytef *)in,
		       .avail_in = stored,
		       .next_out = out,
		       .avail_out = len };
	int ret;

	if (inflateInit2(&z, -15) != Z_OK)
		return -1;
	ret = inflate(&z, Z_FINISH);
	inflateEnd(&z);
	return ret == Z_STREAM_END && z.total_out == len && z.total_in == stored
		       ? 0
		       : -1;
}

/* The next chunk inflated into raw: 1, 0 at the end, -1 on damage. */
static int next_chunk(struct zrec_reader *r)
{
	size_t at = r->next_chunk, left = r->size - at;
	uint32_t stored, raw_len, crc;

	if (!left)
		return 0;
	if (left < ZREC_CHUNK_HEAD)
		return fail(r, at, "truncated: %zu bytes of a chunk's head",
			    left);
	if (u32_at(r->file + at) != ZREC_CHUNK_MAGIC)
		return fail(r, at, "no chunk begins here (corrupted)");
	stored = u32_at(r->file + at + 4);
	raw_len = u32_at(r->file + at + 8);
	crc = u32_at(r->file + at + 12);
	if (stored > left - ZREC_CHUNK_HEAD)
		return fail(r, at,
			    "truncated: the chunk says %u bytes, %zu are left",
			    stored, left - ZREC_CHUNK_HEAD);
	/* hostile sizes: no more memory than the bytes could inflate to */
	if (!raw_len || raw_len > ZREC_MAX_RAW || raw_len / MAX_RATIO > stored)
		return fail(r, at, "a chunk of %u bytes cannot hold %u", stored,
			    raw_len);
	if (raw_len > r->raw_cap) {
		uint8_t *n = realloc(r->raw, raw_len);

		if (!n)
			return fail(r, at, "out of memory for %u bytes",
				    raw_len);
		r->raw = n;
		r->raw_cap = raw_len;
	}
	if (inflate_raw(r->file + at + ZREC_CHUNK_HEAD, stored, r->raw,
			raw_len))
		return fail(r, at, "the chunk does not inflate (corrupted)");
	if (crc32(0, r->raw, raw_len) != crc)
		return fail(r, at, "the chunk's checksum is wrong (corrupted)");
	r->chunk_at = at;
	r->raw_len = raw_len;
	r->raw_pos = 0;
	r->next_chunk = at + ZREC_CHUNK_HEAD + stored;
	return 1;
}

static int take(struct zrec_reader *r, struct zrec_frame *f)
{
	uint32_t len;
	int ret;

	while (r->raw_pos == r->raw_len) {
		if (r->err[0])
			return -1;
		ret = next_chunk(r);
		if (ret <= 0)
			return ret;
	}
	if (r->raw_len - r->raw_pos < ZREC_FRAME_HEAD)
		return fail(r, r->chunk_at, "a frame is cut at byte %zu",
			    r->raw_pos);
	memcpy(&f->type, r->raw + r->raw_pos, 2);
	len = u32_at(r->raw + r->raw_pos + 4);
	memcpy(&f->ns, r->raw + r->raw_pos + 8, 8);
	if (len > r->raw_len - r->raw_pos - ZREC_FRAME_HEAD)
		return fail(r, r->chunk_at,
			    "a frame at byte %zu says %u bytes, past its "
			    "chunk",
			    r->raw_pos, len);
	if (!f->type || f->type >= ZREC_TYPE_MAX ||
	    (f->type >= ZREC_STEP_MAX && f->type < ZREC_EVENT))
		return fail(r, r->chunk_at,
			    "a frame at byte %zu has unknown type %u",
			    r->raw_pos, f->type);
	f->data = r->raw + r->raw_pos + ZREC_FRAME_HEAD;
	f->len = len;
	f->offset = r->chunk_at;
	r->raw_pos += ZREC_FRAME_HEAD + len;
	r->frames++;
	return 1;
}

int zrec_next(struct zrec_reader *r, struct zrec_frame *f)
{
	if (r->has_peeked) {
		r->has_peeked = 0;
		*f = r->peeked;
		return 1;
	}
	if (r->err[0])
		return -1;
	return take(r, f);
}

int zrec_peek(struct zrec_reader *r, struct zrec_frame *f)
{
	int ret;

	if (r->has_peeked) {
		*f = r->peeked;
		return 1;
	}
	ret = zrec_next(r, &r->peeked);
	if (ret == 1) {
		r->has_peeked = 1;
		*f = r->peeked;
	}
	return ret;
}

void zrec_reader_close(struct zrec_reader *r)
{
	if (r->mapped && r->file)
		munmap((void *)r->file, r->size);
	json_object_put(r->head);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}
