/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The census: folios alive before zdevmon started. The daemon runs this
 * syscall program (BPF_PROG_TEST_RUN) once its hooks are attached: first
 * to list iomem's top-level regions that are not System RAM (device
 * memory is registered there: request_free_mem_region(), pmem, PCI BARs),
 * then over each region in chunks. A subsection whose first struct page
 * is not ZONE_DEVICE (or has none) is skipped whole: memremap_pages()
 * works in subsections. Each live head found is marked like a birth and
 * counted preexisting; one already marked (born since the attach) is not
 * counted twice.
 */
#ifndef ZDEV_CENSUS_BPF_H
#define ZDEV_CENSUS_BPF_H

#define IORESOURCE_SYSRAM 0x01000000 /* include/linux/ioport.h */

extern const void iomem_resource __ksym __weak;

/* What the last run found (read by the daemon through .bss). */
struct zdev_range census_regions[ZDEV_CENSUS_REGIONS];
__u32 census_nr_regions;
__u64 census_scanned; /* device pages looked at */
__u64 census_found;   /* live folios found, not seen born before */

static __always_inline bool page_flags_read(__u64 pfn, __u64 *flags)
{
	return !bpf_probe_read_kernel(flags, sizeof(*flags),
				      (void *)pfn_to_page(pfn));
}

struct census_walk {
	__u64 start; /* first pfn of the walk */
	__u64 pfn;   /* first pfn of the current subsection */
	__u64 next;  /* first pfn not inside a folio already looked at */
};

static int census_page(__u32 i, struct census_walk *w)
{
	__u64 pfn = w->pfn + i, addr = pfn_to_page(pfn), flags;
	struct folio *folio = (void *)addr;
	struct zdev_pgmap_counters *c;
	struct folio_facts f = {};
	struct head_fields head;
	struct zdev_slot *s;
	__s32 slot;

	if (pfn < w->next)
		return 0; /* a tail of the last folio */
	if (!page_flags_read(pfn, &flags) || !zone_is_device(flags) ||
	    page_is_tail(addr))
		return 0;
	folio_head_read(folio, &head);
	slot = slot_of(head.pgmap, ZDEV_HOOK_MEMREMAP);
	s = slot_at(slot);
	c = slot_counters(slot);
	if (!s || !c)
		return 0;
	if (!(s->flags & ZDEV_SLOT_CENSUS))
		__sync_fetch_and_or(&s->flags, ZDEV_SLOT_CENSUS);
	census_scanned++;
	if (head.refcount <= idle_refcount(s->info.type))
		return 0;
	f.pfn = pfn;
	f.order = folio_order_of(folio, flags);
	if (f.order > ZDEV_MAX_ORDER)
		return 0;
	w->next = pfn + (1ULL << f.order);
	f.refcount = head.refcount;
	f.maps = f.order ? folio_total_maps(folio, f.order) : head.maps;
	f.entire = folio_entire_maps(folio, f.order);
	if (folio_live_test(s, slot, pfn) == 0)
		census_found++;
	folio_found(slot, s, c, &f, true);
	return 0;
}

static int census_subsection(__u32 i, struct census_walk *w)
{
	__u64 flags;

	w->pfn = w->start + (__u64)i * ZDEV_SUBSECTION_PAGES;
	if (!page_flags_read(w->pfn, &flags) || !zone_is_device(flags))
		return 0;
	section_mark(w->pfn);
	bpf_loop(ZDEV_SUBSECTION_PAGES, census_page, w, 0);
	return 0;
}

struct census_list {
	__u64 res; /* struct resource *, 0 at the end */
};

static int census_region(__u32 i, struct census_list *l)
{
	struct resource *r = (void *)l->res;
	__u32 n = census_nr_regions;

	if (!l->res || n >= ZDEV_CENSUS_REGIONS)
		return 1;
	if (!(BPF_CORE_READ(r, flags) & IORESOURCE_SYSRAM)) {
		census_regions[n].start = BPF_CORE_READ(r, start);
		census_regions[n].end = BPF_CORE_READ(r, end);
		census_nr_regions = n + 1;
	}
	l->res = (__u64)BPF_CORE_READ(r, sibling);
	return 0;
}

SEC("syscall")
int census(struct zdev_census *args)
{
	struct census_walk w = { .start = args->start_pfn };
	struct census_list l = {};
	__u64 nr = args->nr_pfns;

	if (!nr) {
		census_nr_regions = 0;
		if (&iomem_resource)
			l.res = (__u64)BPF_CORE_READ(
				(struct resource *)&iomem_resource, child);
		bpf_loop(1024, census_region, &l, 0);
		return 0;
	}
	w.next = w.start;
	bpf_loop(nr / ZDEV_SUBSECTION_PAGES, census_subsection, &w, 0);
	return 0;
}

#endif /* ZDEV_CENSUS_BPF_H */
