/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pfns that can be ZONE_DEVICE pages: the union of every node's
 * ZONE_DEVICE span (zone_start_pfn, spanned_pages). memremap_pages()
 * widens its node's span before it returns, so a span read at the census
 * and again at each memremap_pages() exit covers every device page that
 * can be pinned. Hooks that see every page of the machine (the GUP fast
 * path's pages array) test a page against it before they read the page.
 * Until the daemon arms it (its memremap_pages hook attached), and where
 * the nodes cannot all be read, it is every pfn. A span that spans RAM
 * too (device memory below and above it) only makes the test weaker.
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_SPAN_BPF_H
#define ZDEV_SPAN_BPF_H

#define SPAN_NODES 8 /* nodes read; more: every pfn */

extern const void node_data __ksym __weak; /* struct pglist_data *[] */
extern const void nr_node_ids __ksym __weak;

/* [lo, hi) in pfns; in .data (initialised) for the daemon to read */
struct {
	__u64 lo, hi;
} device_span = { 0, ~0ULL };
bool device_span_armed; /* by the daemon, before the census */
__u64 device_span_gen;	/* memremap_pages() exits seen */

static __always_inline __u64 kernel_ulong(__u64 addr)
{
	__u64 val = 0;

	bpf_probe_read_kernel(&val, sizeof(val), (void *)addr);
	return val;
}

/* The span now, in *lo and *hi; false if it cannot be read whole. */
static __always_inline bool device_span_read(__u64 *lo, __u64 *hi)
{
	__u32 zid = bpf_core_enum_value(enum zone_type, ZONE_DEVICE);
	__u64 zone = bpf_core_field_offset(struct pglist_data, node_zones) +
		     zid * bpf_core_type_size(struct zone);
	__u64 start_off = bpf_core_field_offset(struct zone, zone_start_pfn);
	__u64 span_off = bpf_core_field_offset(struct zone, spanned_pages);
	__u64 pgdat, start, span;
	__u32 nodes = 0;
	int n;

	if (!&node_data || !&nr_node_ids)
		return false;
	bpf_probe_read_kernel(&nodes, sizeof(nodes), &nr_node_ids);
	if (!nodes || nodes > SPAN_NODES)
		return false;
	*lo = ~0ULL;
	*hi = 0;
	for (n = 0; n < SPAN_NODES; n++) {
		if (n >= nodes)
			break;
		pgdat = kernel_ulong((__u64)&node_data + n * sizeof(__u64));
		if (!pgdat)
			continue;
		start = kernel_ulong(pgdat + zone + start_off);
		span = kernel_ulong(pgdat + zone + span_off);
		if (!span)
			continue;
		if (start < *lo)
			*lo = start;
		if (start + span > *hi)
			*hi = start + span;
	}
	if (*hi <= *lo)
		*lo = *hi = 0; /* no device page anywhere */
	return true;
}

/* Only ever widen a bound (a failed race: the widest). */
static __always_inline void span_widen(__u64 *bound, __u64 want, bool lower)
{
	__u64 cur;
	int i;

	for (i = 0; i < 4; i++) {
		cur = *bound;
		if (lower ? cur <= want : cur >= want)
			return;
		if (__sync_val_compare_and_swap(bound, cur, want) == cur)
			return;
	}
	*bound = lower ? 0 : ~0ULL;
}

/* At a memremap_pages() exit: the new pgmap's pfns join the span. */
static __always_inline void device_span_grow(void)
{
	__u64 lo, hi;

	__sync_fetch_and_add(&device_span_gen, 1);
	if (!device_span_armed)
		return;
	if (!device_span_read(&lo, &hi)) {
		device_span.lo = 0;
		device_span.hi = ~0ULL;
		return;
	}
	span_widen(&device_span.lo, lo, true);
	span_widen(&device_span.hi, hi, false);
}

/*
 * At the census, armed: the span replaces every pfn, unless a
 * memremap_pages() exit ran meanwhile (its span may be missing): then it
 * is read again, and after three tries every pfn stays.
 */
static __always_inline void device_span_arm(void)
{
	__u64 lo, hi, gen;
	int i;

	device_span_armed = true;
	for (i = 0; i < 3; i++) {
		gen = device_span_gen;
		if (!device_span_read(&lo, &hi))
			return;
		device_span.lo = lo;
		device_span.hi = hi;
		if (device_span_gen == gen)
			return;
	}
	device_span.lo = 0;
	device_span.hi = ~0ULL;
}

/* Can the struct page at addr be a device page? */
static __always_inline bool device_span_has(__u64 page)
{
	__u64 pfn = page_to_pfn(page);

	return pfn >= device_span.lo && pfn < device_span.hi;
}

#endif /* ZDEV_SPAN_BPF_H */
