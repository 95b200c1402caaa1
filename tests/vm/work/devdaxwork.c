// SPDX-License-Identifier: GPL-2.0
/*
 * device-dax workload: map NPAGES of a /dev/daxX.Y (2 MiB aligned, as its
 * align demands), touch them, report them (pagemap), unmap.
 *   devdaxwork DEVICE NPAGES
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "truth.h"

#define ALIGN_SZ (2UL << 20)

int main(int argc, char **argv)
{
	unsigned long npages, size;
	char *r, *hint, *map;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: devdaxwork DEVICE NPAGES\n");
		return 2;
	}
	npages = strtoul(argv[2], NULL, 0);
	size = npages * PAGE_SZ;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		die("open the device-dax device");
	r = mmap(NULL, size + ALIGN_SZ, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (r == MAP_FAILED)
		die("reserve");
	hint = (char *)(((uintptr_t)r + ALIGN_SZ - 1) & ~(ALIGN_SZ - 1));
	map = mmap(hint, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		   fd, 0);
	if (map == MAP_FAILED)
		die("mmap the device-dax device");
	touch_and_report(map, npages);
	if (munmap(map, size))
		die("munmap");
	close(fd);
	truth("done", 1);
	return 0;
}
