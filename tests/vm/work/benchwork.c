// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's workloads and timer.
 *   benchwork faults MB ROUNDS   anonymous page faults: map, touch every
 *                                page, unmap, ROUNDS times
 *   benchwork time CMD ARGS...   run CMD, print "elapsed SECONDS"
 */
#define _GNU_SOURCE
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

int main(int argc, char **argv)
{
	double t0 = now();

	if (argc > 3 && !strcmp(argv[1], "faults")) {
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
				"time CMD...\n");
		return 2;
	}
	printf("elapsed %.4f\n", now() - t0);
	return 0;
}
