/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where device pages can be: a bit per 128 MiB memory section of the
 * first 64 TiB of physical addresses, set for every section holding
 * device memory. Hooks that see every page of the machine (the GUP fast
 * path's pages array) test a page's section before they read the page.
 *   memremap_pages() exit  the new pgmap's ranges (before any user has
 *                          the pgmap, so before any of its pages is pinned)
 *   the census             the device subsections it finds, alive before
 *                          zdevmon started
 * Bits are only ever set. The daemon arms the test once the census is
 * done, and only if memremap_pages() is followed; until then, or for a
 * page above 64 TiB, the page is read. A section shared by RAM and device
 * memory (memremap_pages() works in 2 MiB subsections) lets that RAM be
 * read too: slower, never wrong.
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_SECTIONS_BPF_H
#define ZDEV_SECTIONS_BPF_H

#define SECTION_PFN_SHIFT 15   /* 128 MiB sections (x86-64 SECTION_SIZE_BITS) */
#define SECTION_WORDS	  8192 /* 2^19 sections: 64 TiB */

/* global data: a page's test is a plain load, not a map lookup */
__u64 device_sections[SECTION_WORDS];

bool device_sections_armed;   /* set by the daemon after the census */
bool device_sections_unknown; /* a pgmap whose ranges were not all read */

static __always_inline void section_mark(__u64 pfn)
{
	__u64 sec = pfn >> SECTION_PFN_SHIFT, bit = 1ULL << (sec & 63);
	__u64 w = sec / 64;

	if (w < SECTION_WORDS && !(device_sections[w] & bit))
		__sync_fetch_and_or(&device_sections[w], bit);
}

struct section_walk {
	__u64 first, last; /* sections */
};

static int section_mark_one(__u32 i, struct section_walk *w)
{
	__u64 sec = w->first + i;

	if (sec > w->last)
		return 1;
	section_mark(sec << SECTION_PFN_SHIFT);
	return 0;
}

/* Mark the sections of a pgmap's ranges (at its memremap_pages() exit). */
static __always_inline void sections_mark_pgmap(__u64 addr)
{
	struct dev_pagemap *pgmap = (void *)addr;
	__u64 off = bpf_core_field_offset(struct dev_pagemap, range);
	struct section_walk w;
	struct zdev_range r;
	__u32 nr, j;

	nr = BPF_CORE_READ(pgmap, nr_range);
	for (j = 0; j < ZDEV_MAX_RANGES; j++) {
		if (j >= nr)
			break;
		r.start = r.end = 0;
		bpf_probe_read_kernel(&r, sizeof(r),
				      (void *)(addr + off + j * sizeof(r)));
		if (r.end < r.start)
			continue;
		w.first = zdev_phys_pfn(r.start) >> SECTION_PFN_SHIFT;
		w.last = zdev_phys_pfn(r.end) >> SECTION_PFN_SHIFT;
		bpf_loop(SECTION_WORDS * 64, section_mark_one, &w, 0);
	}
	if (nr > ZDEV_MAX_RANGES)
		device_sections_unknown = true; /* for good: read every page */
}

/*
 * Can the struct page at addr be a device page? vmemmap: vmemmap_start(),
 * read once by a caller that tests many pages.
 */
static __always_inline bool section_has_device(__u64 page, __u64 vmemmap)
{
	__u64 size = bpf_core_type_size(struct page), sec, w;

	if (!device_sections_armed || device_sections_unknown)
		return true;
	/* a shift where struct page is 64 bytes (the loader drops the rest) */
	if (size == 64)
		sec = (page - vmemmap) >> (6 + SECTION_PFN_SHIFT);
	else
		sec = (page - vmemmap) / size >> SECTION_PFN_SHIFT;
	w = sec / 64;
	return w >= SECTION_WORDS || (device_sections[w & (SECTION_WORDS - 1)] &
				      (1ULL << (sec & 63)));
}

#endif /* ZDEV_SECTIONS_BPF_H */
