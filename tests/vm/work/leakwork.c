// SPDX-License-Identifier: GPL-2.0
/*
 * Drives the zdev_leak test module; prints what the module reports done
 * as ground truth.
 *   leakwork migrate NPAGES [LEAK]  migrate NPAGES of our memory to the
 *                                   device, leak LEAK references, unmap
 *   leakwork hold NPAGES [SECONDS]  the driver keeps NPAGES unmapped
 *                                   device pages; sleep SECONDS
 *   leakwork release                the driver drops what it keeps
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "truth.h"
#include "zdev_leak.h"

static unsigned long zl(int fd, unsigned long req, void *addr,
			unsigned long npages)
{
	struct zl_cmd c = { .addr = (uintptr_t)addr, .npages = npages };

	if (ioctl(fd, req, &c))
		die("zdev_leak ioctl");
	return c.done;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	unsigned long extra = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	unsigned long i;
	char *buf;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: leakwork migrate|hold|release ...\n");
		return 2;
	}
	fd = open("/dev/zdev_leak", O_RDWR);
	if (fd < 0)
		die("open /dev/zdev_leak");
	if (!strcmp(argv[1], "migrate")) {
		buf = mmap(NULL, n * PAGE_SZ, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED ||
		    madvise(buf, n * PAGE_SZ, MADV_NOHUGEPAGE))
			die("mmap");
		for (i = 0; i < n; i++)
			buf[i * PAGE_SZ] = 1;
		truth("migrated", zl(fd, ZL_MIGRATE, buf, n));
		truth("leaked", zl(fd, ZL_LEAK, NULL, extra));
		hold();
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "hold")) {
		truth("held", zl(fd, ZL_HOLD, NULL, n));
		sleep(extra);
	} else if (!strcmp(argv[1], "release")) {
		truth("released", zl(fd, ZL_RELEASE, NULL, 0));
	} else {
		fprintf(stderr, "leakwork: unknown command %s\n", argv[1]);
		return 2;
	}
	return 0;
}
