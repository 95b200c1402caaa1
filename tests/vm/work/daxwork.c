// SPDX-License-Identifier: GPL-2.0
/*
 * FS DAX workload: map a file on a DAX mount, touch every page, unmap,
 * truncate. Prints the ground truth: pages mapped (present in pagemap) and
 * their pfn bounds; the scenario adds the PMD faults the kernel traced.
 *   daxwork FILE NPAGES [pmd | gup]
 * With "pmd" the file is fallocated and mapped 2 MiB aligned, so that ext4
 * can hand out aligned extents and the fault handler map PMDs. Without
 * it, the mapping starts 4 KiB past a 2 MiB boundary: file offsets and
 * addresses never line up, and every folio is a 4 KiB one.
 * With "gup", process_vm_writev() into the mapping then pins every page
 * and unpins it (pin_user_pages_remote, unpin_user_pages): on v6.1/6.12,
 * where FS DAX pages idle at refcount 1 behind devmap PTEs, those puts are
 * what there is to see ("pages_pinned"). Block I/O is no substitute: its
 * release path in 6.1.192 skips the devmap hook (__bio_release_pages).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include "truth.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif
#define PMD_SZ (2UL << 20)

int main(int argc, char **argv)
{
	unsigned long npages, size;
	int fd, pmd, gup;
	char *map, *hint;
	struct statx stx;

	if (argc < 3) {
		fprintf(stderr, "usage: daxwork FILE NPAGES [pmd]\n");
		return 2;
	}
	npages = strtoul(argv[2], NULL, 0);
	pmd = argc > 3 && !strcmp(argv[3], "pmd");
	gup = argc > 3 && !strcmp(argv[3], "gup");
	size = npages * PAGE_SZ;

	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("open");
	if (pmd ? fallocate(fd, 0, 0, size) : ftruncate(fd, size))
		die("size the file");
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		die("statx");
	truth("dax", !!(stx.stx_attributes & STATX_ATTR_DAX));
	{
		/* place the mapping: reserve more, then map over it */
		char *r = mmap(NULL, size + 2 * PMD_SZ, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (r == MAP_FAILED)
			die("reserve");
		hint = (char *)(((uintptr_t)r + PMD_SZ - 1) & ~(PMD_SZ - 1));
		if (!pmd)
			hint += PAGE_SZ;
	}
	map = mmap(hint, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		   fd, 0);
	if (map == MAP_FAILED)
		die("mmap");
	touch_and_report(map, npages);
	if (gup) {
		/* pin each page of the mapping from "another" process: us */
		char *src = calloc(1, size);
		struct iovec local = { src, size }, remote = { map, size };
		ssize_t n = process_vm_writev(getpid(), &local, 1, &remote, 1,
					      0);

		if (!src || n < 0)
			die("process_vm_writev into the DAX mapping");
		truth("pages_pinned", n / PAGE_SZ);
		free(src);
	}
	if (munmap(map, size))
		die("munmap");
	if (ftruncate(fd, 0))
		die("truncate");
	close(fd);
	unlink(argv[1]);
	truth("done", 1);
	return 0;
}
