// SPDX-License-Identifier: GPL-2.0
/*
 * The recording's file layer (record/format.h): what is written reads back
 * frame for frame; a file cut at any byte, a changed byte anywhere in a
 * chunk, another version, hostile sizes: one sentence with an offset, the
 * frames before the damage intact, never a crash or a huge allocation;
 * rotation begins every file with the head.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>
#include "fake_file.h"
#include "record/format.h"
#include "record/reader.h"
#include "record/record.h"
#include "record/writer.h"

static char dir[64], path[128];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/zdevmon-rec-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.zrec", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static uint8_t *slurp(const char *p, size_t *size)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*size = n;
	return buf;
}

/* frame i: type, ns and bytes that say which it is */
static size_t frame_len(int i)
{
	return i == 7 ? 200000 : (size_t)(i * 13) % 300;
}

static void frame_bytes(int i, uint8_t *buf)
{
	for (size_t j = 0; j < frame_len(i); j++)
		buf[j] = (uint8_t)(i * 31 + j * 7);
}

#define FRAMES 40

static void write_frames(int n)
{
	static uint8_t buf[200000];
	struct zrec_writer w;
	int i;

	assert_int_equal(zrec_writer_open(&w, path, 0, 1, "{\"k\":1}"), 0);
	for (i = 0; i < n; i++) {
		frame_bytes(i, buf);
		zrec_put(&w, ZREC_EVENT + i % 10, 1000 + i, buf, frame_len(i));
		if (i % 9 == 0)
			assert_int_equal(zrec_flush(&w), 0);
	}
	assert_int_equal(zrec_writer_close(&w), 0);
}

/* Read what r holds: frames read, each checked against what was written. */
static int read_frames(struct zrec_reader *r, int *ret)
{
	static uint8_t want[200000];
	struct zrec_frame f;
	int n = 0;

	while ((*ret = zrec_next(r, &f)) == 1) {
		assert_true(n < FRAMES);
		frame_bytes(n, want);
		assert_int_equal(f.type, ZREC_EVENT + n % 10);
		assert_int_equal(f.ns, 1000 + n);
		assert_int_equal(f.len, frame_len(n));
		assert_memory_equal(f.data, want, f.len ? f.len : 1 - 1);
		n++;
	}
	return n;
}

static void test_round_trip(void **state)
{
	struct zrec_reader r;
	struct zrec_frame f;
	int ret;

	write_frames(FRAMES);
	assert_int_equal(zrec_reader_open(&r, path), 0);
	assert_string_equal(
		json_object_to_json_string_ext(r.head, JSON_C_TO_STRING_PLAIN),
		"{\"k\":1}");
	/* peeking does not take */
	assert_int_equal(zrec_peek(&r, &f), 1);
	assert_int_equal(f.type, ZREC_EVENT);
	assert_int_equal(read_frames(&r, &ret), FRAMES);
	assert_int_equal(ret, 0);
	assert_string_equal(r.err, "");
	zrec_reader_close(&r);
}

/* Cut at every byte: the frames before the cut, then a clean error. */
static void test_truncated(void **state)
{
	struct zrec_reader r;
	size_t size, cut;
	uint8_t *file;
	int ret, whole = 0, n;

	write_frames(12);
	file = slurp(path, &size);
	for (cut = 0; cut < size; cut++) {
		if (zrec_reader_open_mem(&r, file, cut)) {
			assert_non_null(strstr(r.err, "at offset"));
			zrec_reader_close(&r);
			continue;
		}
		n = read_frames(&r, &ret);
		assert_true(n < 12);
		/* the end of a chunk is a clean end: no frame is lost there */
		if (ret == 0)
			whole++;
		else
			assert_non_null(strstr(r.err, "at offset"));
		zrec_reader_close(&r);
	}
	assert_true(whole >= 2); /* the head alone, chunk boundaries */
	free(file);
}

/* Any byte of a chunk changed: told, nothing after it believed. */
static void test_corrupted(void **state)
{
	struct zrec_reader r;
	size_t size, at, first;
	uint8_t *file;
	int ret, n, unseen = 0;

	write_frames(12);
	file = slurp(path, &size);
	assert_int_equal(zrec_reader_open_mem(&r, file, size), 0);
	first = r.next_chunk;
	zrec_reader_close(&r);
	for (at = first; at < size; at++) {
		file[at] ^= 0x5a;
		assert_int_equal(zrec_reader_open_mem(&r, file, size), 0);
		/* read_frames() checks every byte that comes out */
		n = read_frames(&r, &ret);
		/* deflate's padding bits of a last byte change nothing */
		if (ret == 0 && n == 12) {
			zrec_reader_close(&r);
			file[at] ^= 0x5a;
			unseen++;
			continue;
		}
		assert_int_equal(ret, -1);
		assert_true(n < 12);
		assert_non_null(strstr(r.err, "at offset"));
		zrec_reader_close(&r);
		file[at] ^= 0x5a;
	}
	assert_true(unseen <= 2);
	free(file);
}

static void test_not_a_recording(void **state)
{
	struct zrec_reader r;
	uint8_t head[32] = "ZDEVREC";

	assert_int_equal(zrec_reader_open_mem(&r, "{\"kind\":1}\n", 11), -1);
	assert_non_null(strstr(r.err, "not a zdevmon recording"));
	zrec_reader_close(&r);
	/* another version */
	head[8] = 9;
	assert_int_equal(zrec_reader_open_mem(&r, head, sizeof(head)), -1);
	assert_non_null(strstr(r.err, "version 9"));
	zrec_reader_close(&r);
	/* a head longer than the file */
	head[8] = ZREC_VERSION;
	head[12] = 0xff;
	assert_int_equal(zrec_reader_open_mem(&r, head, sizeof(head)), -1);
	assert_non_null(strstr(r.err, "at offset 12"));
	zrec_reader_close(&r);
	/* a head that is no JSON object */
	memcpy(head + 12, &(uint32_t){ 3 }, 4);
	memcpy(head + 16, "[1]", 3);
	assert_int_equal(zrec_reader_open_mem(&r, head, 19), -1);
	assert_non_null(strstr(r.err, "not a JSON object"));
	zrec_reader_close(&r);
	assert_int_equal(zrec_reader_open(&r, "/nonexistent/r.zrec"), -1);
	assert_non_null(strstr(r.err, "cannot open"));
	zrec_reader_close(&r);
}

/* A chunk claiming far more than its bytes could inflate to. */
static void test_hostile_sizes(void **state)
{
	uint8_t file[128] = "ZDEVREC";
	uint32_t words[4] = { ZREC_CHUNK_MAGIC, 8, 200U << 20, 0 };
	uint8_t raw[32] = { 0 };
	uLongf stored = sizeof(file) - 48;
	struct zrec_reader r;
	struct zrec_frame f;

	memcpy(file + 8, &(uint32_t){ ZREC_VERSION }, 4);
	memcpy(file + 12, &(uint32_t){ 2 }, 4);
	memcpy(file + 16, "{}", 2);
	memcpy(file + 18, words, sizeof(words));
	assert_int_equal(zrec_reader_open_mem(&r, file, 18 + 16 + 8), 0);
	assert_int_equal(zrec_next(&r, &f), -1);
	assert_non_null(strstr(r.err, "cannot hold"));
	zrec_reader_close(&r);

	/* a frame whose length runs past its chunk */
	memcpy(raw, &(uint16_t){ ZREC_EVENT }, 2);
	memcpy(raw + 4, &(uint32_t){ 1000 }, 4);
	assert_int_equal(zrec_deflate(raw, 16, file + 34, &stored), 0);
	words[1] = stored;
	words[2] = 16;
	words[3] = crc32(0, raw, 16);
	memcpy(file + 18, words, sizeof(words));
	assert_int_equal(zrec_reader_open_mem(&r, file, 34 + stored), 0);
	assert_int_equal(zrec_next(&r, &f), -1);
	assert_non_null(strstr(r.err, "past its chunk"));
	zrec_reader_close(&r);

	/* a frame of a type no zdevmon writes */
	memcpy(raw, &(uint16_t){ 999 }, 2);
	memcpy(raw + 4, &(uint32_t){ 0 }, 4);
	stored = sizeof(file) - 48;
	assert_int_equal(zrec_deflate(raw, 16, file + 34, &stored), 0);
	words[1] = stored;
	words[3] = crc32(0, raw, 16);
	memcpy(file + 18, words, sizeof(words));
	assert_int_equal(zrec_reader_open_mem(&r, file, 34 + stored), 0);
	assert_int_equal(zrec_next(&r, &f), -1);
	assert_non_null(strstr(r.err, "unknown type 999"));
	zrec_reader_close(&r);
}

/*
 * Rotation at boundaries: FILE, FILE.1 .. FILE.keep, each a recording
 * with the head, past the size by at most what came since a boundary.
 */
static void test_rotation(void **state)
{
	static uint8_t noise[20000];
	struct zrec_writer w;
	struct zrec_reader r;
	struct zrec_frame f;
	char name[160];
	uint64_t frames = 0;
	int i, files = 0;

	srand(7);
	for (i = 0; i < (int)sizeof(noise); i++)
		noise[i] = rand();
	assert_int_equal(zrec_writer_open(&w, path, 64 << 10, 3, "{\"h\":2}"),
			 0);
	for (i = 0; i < 40; i++) {
		zrec_put(&w, ZREC_EVENT, i, noise, sizeof(noise));
		/* mid-step flushes never rotate: only boundaries do */
		assert_int_equal(zrec_flush(&w), 0);
		assert_true(zrec_boundary(&w) >= 0);
	}
	assert_int_equal(zrec_writer_close(&w), 0);
	for (i = 0; i <= 4; i++) {
		struct stat st;

		if (i)
			snprintf(name, sizeof(name), "%s.%d", path, i);
		else
			snprintf(name, sizeof(name), "%s", path);
		if (stat(name, &st)) {
			assert_int_equal(i, 4); /* keep 3: no FILE.4 */
			continue;
		}
		files++;
		assert_true(st.st_size < (64 << 10) + 20100);
		assert_int_equal(zrec_reader_open(&r, name), 0);
		assert_non_null(
			strstr(json_object_to_json_string(r.head), "\"h\""));
		while (zrec_next(&r, &f) == 1)
			frames++;
		assert_string_equal(r.err, "");
		zrec_reader_close(&r);
	}
	assert_int_equal(files, 4);
	/* the newest are kept: the last frame is in FILE */
	assert_true(frames > 3 && frames < 40);
}

/* The recorder's sources, as the live session gives them. */
static struct ksyms *fake_ks;

static int fake_stack(void *ctx, int32_t id, uint64_t *ips, int max)
{
	ips[0] = 0xffffffff81000010ULL + id;
	ips[1] = 0xffffffffc0000020ULL; /* in a module */
	return 2;
}

static const struct ksyms *fake_ksyms(void *ctx, bool reload)
{
	return fake_ks;
}

/* The kinds of frame a file holds, in order, as a string of letters. */
static void kinds_of(const char *file, char *out, size_t len)
{
	struct zrec_reader r;
	struct zrec_frame f;
	size_t n = 0;

	assert_int_equal(zrec_reader_open(&r, file), 0);
	while (zrec_next(&r, &f) == 1 && n + 1 < len)
		out[n++] = f.type == ZREC_STACK	    ? 's'
			   : f.type == ZREC_SYMS    ? 'y'
			   : f.type == ZREC_PINS    ? 'p'
			   : f.type < ZREC_STEP_MAX ? 'T'
						    : '?';
	out[n] = '\0';
	assert_string_equal(r.err, "");
	zrec_reader_close(&r);
}

/*
 * A frame's stacks and their symbols go before it; a rotated file names
 * again every stack and symbol known, before its first step.
 */
static void test_recorder_names(void **state)
{
	int kfd = fake_file("ffffffff81000000 T first_func\n"
			    "ffffffff82000000 T _etext\n"
			    "ffffffffc0000000 t mod_func [zdev_leak]\n"),
	    mfd = fake_file("zdev_leak 4096 0 - Live 0xffffffffc0000000\n");
	struct recorder r = { .stack = fake_stack, .ksyms = fake_ksyms };
	static uint8_t noise[70000];
	char kinds[64], name[160];
	uint64_t ns = 1;
	int i;

	fake_ks = ksyms_load_fds(kfd, mfd);
	assert_non_null(fake_ks);
	for (i = 0; i < (int)sizeof(noise); i++)
		noise[i] = rand();
	assert_int_equal(
		recorder_open(&r, path, 64 << 10, 2, json_object_new_object()),
		0);
	/* a step, then a read naming stack 5: s, y, y before p */
	recorder_put(&r, ZREC_STEP_TICK, ns++, "x", 1);
	recorder_begin(&r, ZREC_PINS, ns++);
	recorder_add(&r, noise, 16);
	recorder_stack(&r, 5);
	recorder_stack(&r, 5); /* once */
	recorder_end(&r);
	recorder_flush(&r);
	/* enough to pass the size at the next boundary */
	recorder_put(&r, ZREC_STEP_TICK, ns++, noise, sizeof(noise));
	recorder_flush(&r);
	recorder_put(&r, ZREC_STEP_TICK, ns++, "y", 1);
	assert_int_equal(recorder_close(&r), 0);

	snprintf(name, sizeof(name), "%s.1", path);
	kinds_of(name, kinds, sizeof(kinds));
	assert_string_equal(kinds, "TyyspT");
	/* the new file: its names first, then the step */
	kinds_of(path, kinds, sizeof(kinds));
	assert_string_equal(kinds, "yysT");
	ksyms_free(fake_ks);
	close(kfd);
	close(mfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupted, setup,
						teardown),
		cmocka_unit_test(test_not_a_recording),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recorder_names, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
