// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's workloads and timer.
 *   benchwork faults MB ROUNDS   anonymous page faults: map, touch every
 *                                page, unmap, ROUNDS times
 *   benchwork dax FILE MB ROUNDS FS DAX page faults: FILE (on a DAX mount)
 *                                allocated and written once, untimed; then
 *                                ROUNDS times map it shared, write every
 *                                page, unmap. The mapping starts 4 KiB
 *                                past a 2 MiB boundary and is
 *                                MADV_NOHUGEPAGE: every fault a 4 KiB one
 *   benchwork gup DEV MB ROUNDS  O_DIRECT reads of DEV's first MB into
 *                                ordinary memory, 64 KiB at a time,
 *                                ROUNDS times: every read pins its
 *                                buffer's 16 pages (GUP's fast path)
 *   benchwork time CMD ARGS...   run CMD, print "elapsed SECONDS"
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include "truth.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define PMD_SZ (2UL << 20)

/* The FS DAX fault loop; returns its start time (after the set-up). */
static double dax_faults(const char *path, unsigned long size, int rounds)
{
	static char zero[1 << 16];
	unsigned long i, off;
	double t0;
	int fd, r;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open");
	if (fallocate(fd, 0, 0, size))
		die("fallocate");
	for (off = 0; off < size; off += sizeof(zero))
		if (pwrite(fd, zero, sizeof(zero), off) != sizeof(zero))
			die("write");
	fsync(fd);
	t0 = now();
	for (r = 0; r < rounds; r++) {
		/* reserve, then map over it 4 KiB past a 2 MiB boundary */
		char *res = mmap(NULL, size + 2 * PMD_SZ, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *m;

		if (res == MAP_FAILED)
			die("reserve");
		m = (char *)((((uintptr_t)res + PMD_SZ - 1) & ~(PMD_SZ - 1)) +
			     PAGE_SZ);
		m = mmap(m, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		if (m == MAP_FAILED)
			die("mmap");
		madvise(m, size, MADV_NOHUGEPAGE);
		for (i = 0; i < size; i += PAGE_SZ)
			m[i] = 1;
		munmap(res, size + 2 * PMD_SZ);
	}
	close(fd);
	return t0;
}

#define GUP_CHUNK (64UL << 10)

/* The O_DIRECT read loop: GUP of ordinary memory, nothing else. */
static void gup_reads(const char *dev, unsigned long size, int rounds)
{
	unsigned long off;
	void *buf;
	int fd, r;

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		die("open");
	if (posix_memalign(&buf, GUP_CHUNK, GUP_CHUNK))
		die("posix_memalign");
	memset(buf, 0, GUP_CHUNK);
	for (r = 0; r < rounds; r++)
		for (off = 0; off < size; off += GUP_CHUNK)
			if (pread(fd, buf, GUP_CHUNK, off) != (ssize_t)GUP_CHUNK)
				die("pread");
	free(buf);
	close(fd);
}

int main(int argc, char **argv)
{
	double t0 = now();

	if (argc > 4 && !strcmp(argv[1], "dax")) {
		t0 = dax_faults(argv[2], strtoul(argv[3], NULL, 0) << 20,
				atoi(argv[4]));
	} else if (argc > 4 && !strcmp(argv[1], "gup")) {
		gup_reads(argv[2], strtoul(argv[3], NULL, 0) << 20,
			  atoi(argv[4]));
	} else if (argc > 3 && !strcmp(argv[1], "faults")) {
		unsigned long size = strtoul(argv[2], NULL, 0) << 20;
		int rounds = atoi(argv[3]), r;
		unsigned long i;

		for (r = 0; r < rounds; r++) {
			char *m = mmap(NULL, size, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED)
				die("mmap");
			madvise(m, size, MADV_NOHUGEPAGE);
			for (i = 0; i < size; i += PAGE_SZ)
				m[i] = 1;
			munmap(m, size);
		}
	} else if (argc > 2 && !strcmp(argv[1], "time")) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			execvp(argv[2], argv + 2);
			die("exec");
		}
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "benchwork: %s failed\n", argv[2]);
	} else {
		fprintf(stderr, "usage: benchwork faults MB ROUNDS | "
				"dax FILE MB ROUNDS | gup DEV MB ROUNDS | "
				"time CMD...\n");
		return 2;
	}
	printf("elapsed %.4f\n", now() - t0);
	return 0;
}
