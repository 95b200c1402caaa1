/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ground truth helpers of the guest workloads: what the kernel itself says
 * about the pages a workload touched (pagemap, kpageflags), printed as
 * "truth KEY VALUE" lines for the scenario checks. Nothing here asks zdevmon.
 */
#ifndef ZDEV_TRUTH_H
#define ZDEV_TRUTH_H

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE_SZ 4096UL

static inline void truth(const char *key, unsigned long long val)
{
	printf("truth %s %llu\n", key, val);
	fflush(stdout);
}

static inline void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * With ZDEV_HOLD set, stop here while the mappings are live: the scenario
 * snapshots zdevmon and sends SIGCONT.
 */
static inline void hold(void)
{
	if (getenv("ZDEV_HOLD"))
		raise(SIGSTOP);
}

/* pfn of a mapped virtual address (root only), 0 if not present. */
static inline uint64_t vaddr_pfn(const void *addr)
{
	static int fd = -1;
	uint64_t ent;
	off_t off = (uintptr_t)addr / PAGE_SZ * 8;

	if (fd < 0 && (fd = open("/proc/self/pagemap", O_RDONLY)) < 0)
		die("open pagemap");
	if (pread(fd, &ent, 8, off) != 8)
		die("read pagemap");
	if (!(ent & (1ULL << 63)))
		return 0;
	return ent & ((1ULL << 55) - 1);
}

/*
 * Walk a mapping: count present pages and report their pfn bounds.
 * (/proc/kpageflags says nothing of ZONE_DEVICE pfns: they are not
 * online memory, so folio sizes come from elsewhere.)
 */
struct walk {
	unsigned long present, pfn_lo, pfn_hi;
};

static inline struct walk walk_mapping(const char *base, unsigned long npages)
{
	struct walk w = { .pfn_lo = ~0UL };
	unsigned long i;

	for (i = 0; i < npages; i++) {
		uint64_t pfn = vaddr_pfn(base + i * PAGE_SZ);

		if (!pfn)
			continue;
		w.present++;
		if (pfn < w.pfn_lo)
			w.pfn_lo = pfn;
		if (pfn > w.pfn_hi)
			w.pfn_hi = pfn;
	}
	return w;
}

/* Touch every page of a shared mapping, report it, hold if asked. */
static inline void touch_and_report(char *map, unsigned long npages)
{
	struct walk w;
	unsigned long i;

	for (i = 0; i < npages; i++)
		map[i * PAGE_SZ] = (char)i;
	w = walk_mapping(map, npages);
	truth("pages_mapped", w.present);
	truth("pfn_lo", w.pfn_lo);
	truth("pfn_hi", w.pfn_hi);
	hold();
}

#endif
