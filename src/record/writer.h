/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a recording (format.h): frames gathered in memory, deflated a
 * chunk at a time, each chunk one write(2) whole or taken back; rotated by
 * size like the NDJSON file, every file beginning with the head. A failed
 * write loses that chunk, counted, never the monitoring.
 */
#ifndef ZDEVMON_RECORD_WRITER_H
#define ZDEVMON_RECORD_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct zrec_writer {
	int fd;
	char *path;
	char *head;	   /* the head's JSON, written atop every file */
	uint64_t max_size; /* rotate beyond this, at a boundary; 0: never */
	int keep;
	uint64_t size; /* bytes in the current file */
	uint8_t *raw;  /* frames not yet written */
	size_t len, cap;
	size_t frame_at; /* the open frame's offset in raw */
	int frame_open;
	int hold;	      /* frames being reordered: no flush */
	int reopened;	      /* a new file began outside a boundary */
	int failed;	      /* -errno of the last write, 0 after a success */
	uint64_t chunks_lost; /* to write errors */
	uint64_t frames;
};

/* Create (truncate) path and write the head. 0 or -errno. */
int zrec_writer_open(struct zrec_writer *w, const char *path, uint64_t max_size,
		     int keep, const char *head_json);
/* A frame in pieces: begin, add its bytes, end. */
void zrec_frame_begin(struct zrec_writer *w, uint16_t type, uint64_t ns);
void zrec_frame_add(struct zrec_writer *w, const void *data, size_t len);
void zrec_frame_end(struct zrec_writer *w);
/* A frame whole. */
void zrec_put(struct zrec_writer *w, uint16_t type, uint64_t ns,
	      const void *data, size_t len);
/* zrec_flush() once enough is gathered. */
void zrec_flush_if_full(struct zrec_writer *w);
/* Write what is gathered as a chunk now. 0 or -errno (the chunk lost). */
int zrec_flush(struct zrec_writer *w);
/*
 * The same where a replay may begin (before a step); a file past max_size
 * is then rotated: 1 when it was, 0, or -errno.
 */
int zrec_boundary(struct zrec_writer *w);
/* A chunk's bytes deflated into out (*stored: its room, then its use). */
int zrec_deflate(const void *in, size_t len, void *out, unsigned long *stored);
/* Flush, close; the writer is empty after. 0 or the last -errno. */
int zrec_writer_close(struct zrec_writer *w);

#endif /* ZDEVMON_RECORD_WRITER_H */
