// SPDX-License-Identifier: GPL-2.0
/*
 * The NDJSON file: rotation by size, reopen after logrotate, and a full
 * disk (RLIMIT_FSIZE stands in for it: writes past the limit fail) that
 * loses whole lines only and resumes when space returns.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cmocka.h>
#include "output/ndjson.h"
#include "output/outfile.h"

static char dir[64], path[128];

/*
 * Linked with -Wl,--wrap=writev: a full disk that takes only the first
 * short_write bytes of the next write and fails the one after (a real one
 * still lets ftruncate() make a sparse file longer).
 */
static size_t short_write;
ssize_t __real_writev(int fd, const struct iovec *iov, int cnt);

/*
 * And -Wl,--wrap=rename: logrotate's move of the file, made just before
 * the next rename of it (move_on_rename set).
 */
static int move_on_rename;
static char move_to[160];
int __real_rename(const char *from, const char *to);

int __wrap_rename(const char *from, const char *to)
{
	if (move_on_rename && !strcmp(from, path)) {
		move_on_rename = 0;
		__real_rename(path, move_to);
	}
	return __real_rename(from, to);
}

ssize_t __wrap_writev(int fd, const struct iovec *iov, int cnt)
{
	size_t n = short_write;

	if (!n)
		return __real_writev(fd, iov, cnt);
	short_write = 0;
	if (n > iov[0].iov_len)
		n = iov[0].iov_len;
	return write(fd, iov[0].iov_base, n);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/zdevmon-ndjson-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.ndjson", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* Lines of a file, each checked to be a whole {"n":...} object. */
static int whole_lines(const char *file)
{
	char line[256];
	FILE *f = fopen(file, "r");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		assert_true(line[0] == '{');
		assert_non_null(strstr(line, "}\n"));
		n++;
	}
	fclose(f);
	return n;
}

static void put(struct ndjson *n, int i, int expect_ok)
{
	char line[64];

	snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%040d\"}", i, i);
	if (expect_ok)
		assert_int_equal(ndjson_write(n, line), 0);
	else
		assert_true(ndjson_write(n, line) < 0);
}

static void test_rotation(void **state)
{
	struct ndjson n;
	char name[160];
	struct stat st;
	/* 17 lines of 59-60 bytes fill 1 KiB: newest file first */
	static const int want[] = { 9, 17, 17, 17 };
	int i, total = 0;

	assert_int_equal(ndjson_open(&n, path, 1024, 3), 0);
	for (i = 0; i < 60; i++) /* 60 lines: 4 files' worth, none dropped */
		put(&n, i, 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 1024);
	assert_int_equal(whole_lines(path), want[0]);
	total += want[0];
	for (i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		assert_int_equal(stat(name, &st), 0);
		assert_true(st.st_size <= 1024);
		assert_int_equal(whole_lines(name), want[i]);
		total += want[i];
	}
	snprintf(name, sizeof(name), "%s.4", path);
	assert_int_not_equal(stat(name, &st), 0); /* only --json-keep kept */
	assert_int_equal(total, 60);
	assert_int_equal(n.lines, 60);
	assert_int_equal(n.lost, 0);
	ndjson_close(&n);
}

/* logrotate moves the file away and sends SIGHUP: a new file begins. */
static void test_reopen(void **state)
{
	struct ndjson n;
	char moved[160];

	assert_int_equal(ndjson_open(&n, path, 0, 1), 0);
	put(&n, 1, 1);
	snprintf(moved, sizeof(moved), "%s.moved", path);
	assert_int_equal(rename(path, moved), 0);
	put(&n, 2, 1); /* still the moved file until reopened */
	assert_int_equal(ndjson_reopen(&n), 0);
	put(&n, 3, 1);
	assert_int_equal(whole_lines(moved), 2);
	assert_int_equal(whole_lines(path), 1);
	ndjson_close(&n);
}

/* The line numbers a file holds, each marked in seen[] (once only). */
static int mark_lines(const char *file, int *seen, int max)
{
	char line[256];
	FILE *f = fopen(file, "r");
	int n = 0, i;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		assert_int_equal(sscanf(line, "{\"n\":%d,", &i), 1);
		assert_true(i >= 0 && i < max);
		assert_int_equal(seen[i]++, 0);
		n++;
	}
	fclose(f);
	return n;
}

/*
 * logrotate moves a full file away; lines keep coming before its SIGHUP
 * arrives. Each of them would rotate: the numbered files must not be
 * shifted (a shift per line pushed the oldest out, and left gaps), and no
 * line may be lost.
 */
static void test_rotation_after_move(void **state)
{
	char name[160], moved[160];
	int seen[20] = { 0 }, i, total = 0;
	struct ndjson n;
	struct stat st;

	/* 3 lines a file; 5 kept: this test's rotations, so none dropped */
	assert_int_equal(ndjson_open(&n, path, 200, 5), 0);
	for (i = 0; i < 9; i++) /* .2 0-2, .1 3-5, 6-8 */
		put(&n, i, 1);
	snprintf(moved, sizeof(moved), "%s.moved", path);
	assert_int_equal(rename(path, moved), 0);
	for (i = 9; i < 16; i++) /* the SIGHUP is late */
		put(&n, i, 1);
	assert_int_equal(ndjson_reopen(&n), 0);
	for (i = 16; i < 20; i++)
		put(&n, i, 1);
	ndjson_close(&n);

	assert_int_equal(mark_lines(moved, seen, 20), 3);
	total += mark_lines(path, seen, 20) + 3;
	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		assert_int_equal(stat(name, &st), 0);
		assert_true(st.st_size <= 200);
		total += mark_lines(name, seen, 20);
	}
	snprintf(name, sizeof(name), "%s.6", path);
	assert_int_not_equal(stat(name, &st), 0);
	assert_int_equal(total, 20); /* each line once, none lost */
}

/*
 * logrotate moves the file at the very moment we rotate (our first rename
 * finds it gone): no number is skipped and the moved file grows no more.
 */
static void test_rotation_racing_move(void **state)
{
	char name[160];
	int seen[20] = { 0 }, i, total = 0;
	struct ndjson n;
	struct stat st;

	assert_int_equal(ndjson_open(&n, path, 200, 5), 0);
	for (i = 0; i < 6; i++) /* .1 0-2, 3-5 */
		put(&n, i, 1);
	snprintf(move_to, sizeof(move_to), "%s.moved", path);
	move_on_rename = 1; /* the next rotation's first rename */
	for (i = 6; i < 12; i++)
		put(&n, i, 1);
	assert_int_equal(move_on_rename, 0);
	ndjson_close(&n);

	assert_int_equal(stat(move_to, &st), 0);
	assert_true(st.st_size <= 200);
	total += mark_lines(move_to, seen, 20);
	total += mark_lines(path, seen, 20);
	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		if (stat(name, &st))
			break;
		assert_true(st.st_size <= 200);
		total += mark_lines(name, seen, 20);
	}
	/* numbered from 1 without a gap */
	for (; i <= 6; i++) {
		snprintf(name, sizeof(name), "%s.%d", path, i);
		assert_int_not_equal(stat(name, &st), 0);
	}
	assert_int_equal(total, 12); /* each line once, none lost */
}

/* Full, then space again: whole lines lost, counted, writing resumes. */
static void test_full_disk(void **state)
{
	struct rlimit old, lim;
	struct ndjson n;
	int i;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(ndjson_open(&n, path, 0, 1), 0);
	put(&n, 0, 1);
	lim = old;
	lim.rlim_cur = 62 * 3 + 30; /* room for 3 lines and a half */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	put(&n, 1, 1);
	put(&n, 2, 1);
	for (i = 3; i < 8; i++)
		put(&n, i, 0);
	assert_int_equal(n.lost, 5);
	assert_true(n.last_errno < 0);
	assert_int_equal(whole_lines(path), 3); /* no half line left */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	put(&n, 8, 1);
	assert_int_equal(n.last_errno, 0);
	assert_int_equal(whole_lines(path), 4);
	ndjson_close(&n);

	/* a device that is always full */
	assert_int_equal(ndjson_open(&n, "/dev/full", 0, 1), 0);
	put(&n, 9, 0);
	assert_int_equal(n.last_errno, -ENOSPC);
	ndjson_close(&n);
}

/* A file of its own, holding what was written to it. */
static void make_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_file_is(const char *name, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(name, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_string_equal(buf, text);
}

/* Root writes where others may plant links: a link is never followed. */
static void test_symlink_refused(void **state)
{
	char target[160];
	struct ndjson n;
	struct stat st;

	snprintf(target, sizeof(target), "%s/target", dir);
	make_file(target, "precious\n");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ndjson_open(&n, path, 0, 1), -ELOOP);
	ndjson_close(&n);
	assert_file_is(target, "precious\n");
	assert_string_equal(outfile_strerror(ELOOP),
			    "is a symbolic link; refusing to follow it");

	/* a link planted before a SIGHUP reopen */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ndjson_open(&n, path, 0, 1), 0);
	put(&n, 1, 1);
	assert_int_equal(rename(path, target), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ndjson_reopen(&n), -ELOOP);
	put(&n, 2, 0); /* lost, not written through the link */
	assert_int_equal(whole_lines(target), 1);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	ndjson_close(&n);

	/* the report files */
	assert_null(outfile_fopen_w(path));
	assert_int_equal(errno, ELOOP);
	assert_int_equal(whole_lines(target), 1);
}

/* Created 0640 whatever the umask: snapshots are not for everyone. */
static void test_mode(void **state)
{
	char report[160];
	mode_t old = umask(0);
	struct ndjson n;
	struct stat st;
	FILE *f;

	assert_int_equal(ndjson_open(&n, path, 0, 1), 0);
	put(&n, 1, 1);
	ndjson_close(&n);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	snprintf(report, sizeof(report), "%s/report.json", dir);
	f = outfile_fopen_w(report);
	assert_non_null(f);
	assert_true(fputs("{}\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(stat(report, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* rewritten from the start */
	f = outfile_fopen_w(report);
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(stat(report, &st), 0);
	assert_int_equal(st.st_size, 0);
	umask(old);
}

/*
 * Rotation renames (which moves a link, never follows it) and opens the
 * path afresh, O_NOFOLLOW should a link appear there in between: a link at
 * FILE.1 or at FILE is never written through.
 */
static void test_rotation_symlinks(void **state)
{
	char target[160], one[160];
	struct ndjson n;
	struct stat st;
	int i;

	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(one, sizeof(one), "%s.1", path);
	make_file(target, "precious\n");
	assert_int_equal(symlink(target, one), 0);
	assert_int_equal(ndjson_open(&n, path, 200, 1), 0);
	for (i = 0; i < 6; i++) /* 62 bytes each: rotates twice */
		put(&n, i, 1);
	assert_file_is(target, "precious\n");
	assert_int_equal(lstat(one, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(whole_lines(one) + whole_lines(path), 6);

	/* a link at FILE itself when rotation opens it again */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	for (i = 6; i < 12; i++)
		ndjson_write(&n, "{\"n\":0,\"pad\":\"0123456789\"}");
	assert_file_is(target, "precious\n");
	assert_int_equal(lstat(path, &st), 0);
	ndjson_close(&n);
}

/* No NUL byte anywhere, every line a whole object: the number of lines. */
static int clean_lines(const char *file)
{
	char buf[4096], *p, *nl;
	FILE *f = fopen(file, "r");
	size_t len;
	int n = 0;

	assert_non_null(f);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(len < sizeof(buf));
	assert_null(memchr(buf, '\0', len));
	for (p = buf; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', buf + len - p);
		assert_non_null(nl);
		assert_true(*p == '{' && nl[-1] == '}');
		/* one object: no torn line glued to the next */
		assert_null(memchr(p + 1, '{', nl - p - 1));
		n++;
	}
	return n;
}

/*
 * logrotate's copytruncate empties the file under us while the disk is
 * full: no write may land at a remembered offset, so no hole of NULs.
 */
static void test_truncated_externally(void **state)
{
	struct rlimit old, lim;
	struct ndjson n;
	int i;

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	assert_int_equal(ndjson_open(&n, path, 0, 1), 0);
	for (i = 0; i < 5; i++)
		put(&n, i, 1);
	assert_int_equal(truncate(path, 0), 0);
	short_write = 20; /* a torn line, then ftruncate() with room */
	put(&n, 5, 0);
	put(&n, 6, 1);
	assert_int_equal(clean_lines(path), 1);

	/* the same, the disk full for ftruncate() too */
	assert_int_equal(truncate(path, 0), 0);
	lim = old;
	lim.rlim_cur = 62 + 30; /* room for a line and a half */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	put(&n, 7, 1);
	put(&n, 8, 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	put(&n, 9, 1);
	assert_int_equal(clean_lines(path), 2);
	ndjson_close(&n);

	/* rotation goes by the file's real size: 8 lines fit after it */
	assert_int_equal(ndjson_open(&n, path, 62 * 8, 2), 0);
	for (i = 0; i < 6; i++)
		put(&n, i, 1);
	assert_int_equal(truncate(path, 0), 0);
	for (i = 6; i < 14; i++)
		put(&n, i, 1);
	assert_int_equal(clean_lines(path), 8);
	ndjson_close(&n);
}

static void test_sizes(void **state)
{
	uint64_t v;

	assert_int_equal(ndjson_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(ndjson_parse_size("10M", &v), 0);
	assert_int_equal(v, 10 << 20);
	assert_int_equal(ndjson_parse_size("2g", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(ndjson_parse_size("0", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size("-5", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size("5T", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size("", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_after_move, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rotation_racing_move,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_symlinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated_externally,
						setup, teardown),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests_name("ndjson", tests, NULL, NULL);
}
