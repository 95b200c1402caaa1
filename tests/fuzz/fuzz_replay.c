// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: zdevmon replay, the whole of it (the reader, the head, every
 * read of record/replay.c, the session's steps, the rules and reports).
 * The input's first byte says what the rest is:
 *   0: a recording file, as is (the reader's checks)
 *   1: a head's JSON, a NUL, then raw frames: made into a valid file here
 *      (the checksum and deflate would stop nearly every mutation before
 *      the frames are read)
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <argp.h>
#include <zlib.h>
#include "cmd/cmd.h"
#include "record/format.h"
#include "record/writer.h"

static FILE *quiet;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* the replay's messages: not the fuzzer's log (crashes still are) */
	quiet = fopen("/dev/null", "w");
	return quiet ? 0 : 1;
}

static int put(int fd, const void *data, size_t len)
{
	return write(fd, data, len) == (ssize_t)len ? 0 : -1;
}

/* A file of the head and one chunk holding the frames. */
static int wrap(int fd, const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	uint32_t words[4], head_len;
	uLongf stored;
	uint8_t *out;
	int err;

	if (!nul)
		return -1;
	head_len = nul - data;
	size -= head_len + 1;
	words[0] = ZREC_VERSION;
	words[1] = head_len;
	if (put(fd, ZREC_MAGIC, 8) || put(fd, words, 8) ||
	    put(fd, data, head_len))
		return -1;
	if (!size)
		return 0;
	stored = compressBound(size);
	out = malloc(stored);
	if (!out || zrec_deflate(nul + 1, size, out, &stored)) {
		free(out);
		return -1;
	}
	words[0] = ZREC_CHUNK_MAGIC;
	words[1] = stored;
	words[2] = size;
	words[3] = crc32(0, nul + 1, size);
	err = put(fd, words, 16) || put(fd, out, stored);
	free(out);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], *argv[] = { "zdevmon", "replay", "-q", path, NULL };
	int fd = memfd_create("recording", MFD_CLOEXEC), err;
	FILE *saved = stderr;
	struct session s;

	if (fd < 0 || !size)
		goto out;
	err = data[0] == 1 ? wrap(fd, data + 1, size - 1)
			   : put(fd, data + 1, size - 1);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	session_init(&s);
	if (!options_parse(4, argv, &s.cfg, ARGP_SILENT)) {
		stderr = quiet;
		replay_mode(&s);
		stderr = saved;
	}
	session_close(&s);
out:
	if (fd >= 0)
		close(fd);
	return 0;
}
