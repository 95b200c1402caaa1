// SPDX-License-Identifier: GPL-2.0
/*
 * P2PDMA workload: mmap NPAGES of a PCI device's p2pmem/allocate, touch
 * them, unmap. Prints the pages mapped and their pfn bounds (pagemap).
 *   p2pwork /sys/bus/pci/devices/BDF/p2pmem/allocate NPAGES
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "truth.h"

int main(int argc, char **argv)
{
	unsigned long npages, size;
	char *map;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: p2pwork ALLOCATE NPAGES\n");
		return 2;
	}
	npages = strtoul(argv[2], NULL, 0);
	size = npages * PAGE_SZ;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		die("open p2pmem/allocate");
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap p2pmem");
	touch_and_report(map, npages);
	if (munmap(map, size))
		die("munmap");
	close(fd);
	truth("done", 1);
	return 0;
}
