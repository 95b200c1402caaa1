/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a recording (format.h), frame by frame. Nothing in it is
 * trusted: every length is checked against what is there, and the first
 * damage ends the reading with one sentence naming its offset; every
 * frame before it was good.
 */
#ifndef ZDEVMON_RECORD_READER_H
#define ZDEVMON_RECORD_READER_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

struct zrec_frame {
	uint16_t type;
	uint64_t ns;
	const uint8_t *data; /* valid until the next zrec_next() */
	uint32_t len;
	uint64_t offset; /* its chunk's file offset, for messages */
};

struct zrec_reader {
	const uint8_t *file; /* the whole file, mapped or given */
	size_t size;
	int mapped;
	uint32_t version;
	json_object *head;
	size_t next_chunk; /* file offset of the next chunk */
	uint64_t chunk_at; /* the current one's */
	uint8_t *raw;	   /* the current chunk, inflated */
	size_t raw_len, raw_pos, raw_cap;
	struct zrec_frame peeked;
	int has_peeked;
	uint64_t frames;
	char err[256]; /* why reading stopped, "" at a clean end */
};

/*
 * Open a recording: its head read and checked. 0, or -1 with the reason
 * in r->err. zrec_reader_close() in either case.
 */
int zrec_reader_open(struct zrec_reader *r, const char *path);
/* The same over bytes in memory (kept by the caller). */
int zrec_reader_open_mem(struct zrec_reader *r, const void *data, size_t size);
/* The next frame: 1; 0 at the end; -1 with r->err on damage. */
int zrec_next(struct zrec_reader *r, struct zrec_frame *f);
/* zrec_next() without taking it. */
int zrec_peek(struct zrec_reader *r, struct zrec_frame *f);
void zrec_reader_close(struct zrec_reader *r);

#endif /* ZDEVMON_RECORD_READER_H */
