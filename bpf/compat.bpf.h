/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences of the ZONE_DEVICE surface, in one place (the
 * role of libbpf-tools' core_fixes.bpf.h). vmlinux.h is generated from a
 * 7.x kernel; older layouts are reached through ___flavour types, chosen
 * with bpf_core_field_exists() at load time, never by version number.
 * Reads go through BPF_CORE_READ (bpf_probe_read_kernel) so that fentry and
 * kprobe programs share them.
 */
#ifndef ZDEV_COMPAT_BPF_H
#define ZDEV_COMPAT_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * Each ___flavour below is a layout older than vmlinux.h's, named after the
 * release of the commit that changed it; the comment names that commit.
 * A flavour is read only behind bpf_core_field_exists() or
 * bpf_core_enum_value_exists(): the loader removes the untaken branch.
 */

/*
 * 82ba975e4c43 ("mm: allow compound zone device pages"), v6.15: pgmap
 * moved from struct page (the ZONE_DEVICE union) to struct folio.
 */
struct page___pre615 {
	struct dev_pagemap *pgmap;
} __attribute__((preserve_access_index));

/*
 * ebc1baf5c9b4 ("mm: free up a word in the first tail page"), v6.6: the
 * order lost its own byte and lives in the low byte of _flags_1.
 */
struct folio___pre66 {
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

/*
 * cb67f4282bf9 ("mm,thp,rmap: simplify compound page mapcount handling"),
 * v6.2: replaced _total_mapcount, which on v6.1 is the entire (PMD)
 * mapcount only (FOLIO_MATCH(compound_mapcount, _total_mapcount)), and
 * deleted PG_double_map, which marked an anon THP mapped by a PMD and by
 * PTEs at once (its bit is in the first tail page's flags).
 */
struct folio___pre62 {
	atomic_t _total_mapcount;
} __attribute__((preserve_access_index));

enum pageflags___pre62 {
	PG_double_map___pre62 = 6,
};

/*
 * 53fbef56e07d ("mm: introduce memdesc_flags_t"), v6.18: page->flags, a
 * plain word before, became a struct.
 */
struct page___pre618 {
	unsigned long flags;
} __attribute__((preserve_access_index));

/*
 * "mm: Rename the 'compound_head' field in the 'struct page' to
 * 'compound_info'" (Kiryl Shutsemau, 2026; in 7.2, not in 6.12): a tail
 * page's first word is the head's address + 1 here. Later patches of that
 * series make it a mask with HVO (then this needs their flavour).
 */
struct page___pre_compound_info {
	unsigned long compound_head;
} __attribute__((preserve_access_index));

static __always_inline __u64 page_head(__u64 page)
{
	struct page___pre_compound_info *old = (void *)page;
	struct page *p = (void *)page;
	unsigned long word;

	if (bpf_core_field_exists(p->compound_info))
		word = BPF_CORE_READ(p, compound_info);
	else
		word = BPF_CORE_READ(old, compound_head);
	return word & 1 ? word - 1 : page;
}

/*
 * Whether a struct page is a tail of a compound page (bit 0 of its
 * compound_head, compound_info from 7.2). A tail's pgmap word is that
 * word (v6.15+ keeps pgmap in the folio, over it): never read it as one.
 */
static __always_inline bool page_is_tail(__u64 page)
{
	struct page___pre_compound_info *old = (void *)page;
	struct page *p = (void *)page;

	if (bpf_core_field_exists(p->compound_info))
		return BPF_CORE_READ(p, compound_info) & 1;
	return BPF_CORE_READ(old, compound_head) & 1;
}

static __always_inline struct dev_pagemap *folio_pgmap(struct folio *folio)
{
	if (bpf_core_field_exists(folio->pgmap))
		return BPF_CORE_READ(folio, pgmap);
	return BPF_CORE_READ((struct page___pre615 *)folio, pgmap);
}

/* What every event needs of a folio's first struct page. */
struct head_fields {
	__u64 pgmap;
	__s32 refcount; /* or ZDEV_REFCOUNT_UNREAD (folio_head_load()) */
	__s32 maps;	/* _mapcount + 1 */
};

/*
 * One bpf_probe_read_kernel() of the span holding pgmap, _mapcount and
 * _refcount (40 bytes in every layout we know: pgmap in the second word,
 * v6.1..v6.14 in struct page, v6.15+ in struct folio), offsets relocated
 * at load time; field by field if a layout ever spreads them further.
 * Device folios only; a failed read leaves 0.
 */
#define HEAD_SPAN 64

static __always_inline void folio_head_read(struct folio *folio,
					    struct head_fields *h)
{
	struct page___pre615 *old = (void *)folio;
	__u32 pgmap_off =
		bpf_core_field_exists(folio->pgmap)
			? bpf_core_field_offset(struct folio, pgmap)
			: bpf_core_field_offset(struct page___pre615, pgmap);
	__u32 map_off = bpf_core_field_offset(struct folio, _mapcount);
	__u32 ref_off = bpf_core_field_offset(struct folio, _refcount);
	__u8 span[HEAD_SPAN] = {};
	int ref = 0, map = 0;

	if (pgmap_off < map_off && ref_off == map_off + 4 &&
	    ref_off + 4 - pgmap_off <= HEAD_SPAN) {
		bpf_probe_read_kernel(span, ref_off + 4 - pgmap_off,
				      (void *)folio + pgmap_off);
		h->pgmap = *(__u64 *)&span[0];
		map = *(int *)&span[(map_off - pgmap_off) & (HEAD_SPAN - 8)];
		ref = *(int *)&span[(ref_off - pgmap_off) & (HEAD_SPAN - 4)];
	} else {
		if (bpf_core_field_exists(folio->pgmap))
			bpf_core_read(&h->pgmap, sizeof(h->pgmap),
				      &folio->pgmap);
		else
			bpf_core_read(&h->pgmap, sizeof(h->pgmap), &old->pgmap);
		bpf_core_read(&ref, sizeof(ref), &folio->_refcount.counter);
		bpf_core_read(&map, sizeof(map), &folio->_mapcount.counter);
	}
	h->refcount = ref;
	h->maps = map + 1;
}

/* head_fields.refcount not read yet: folio_refcount() reads it */
#define ZDEV_REFCOUNT_UNREAD (-0x7fffffff - 1)

static __always_inline __s32 folio_refcount(struct folio *folio)
{
	int ref = 0;

	bpf_core_read(&ref, sizeof(ref), &folio->_refcount.counter);
	return ref;
}

/*
 * The same from a tracing (fentry/fexit) program, whose folio is a BTF
 * pointer: plain loads, which the JIT guards with its exception table,
 * where a probe read is a helper call. Kprobe programs cannot do this.
 * The refcount is left unread: the fast path needs none (a guarded load
 * is 8 instructions at every device rmap call).
 */
static __always_inline void folio_head_load(struct folio *folio,
					    struct head_fields *h)
{
	struct page___pre615 *old = (void *)folio;

	if (bpf_core_field_exists(folio->pgmap))
		h->pgmap = (__u64)folio->pgmap;
	else
		h->pgmap = (__u64)old->pgmap;
	h->refcount = ZDEV_REFCOUNT_UNREAD;
	h->maps = folio->_mapcount.counter + 1;
}

/* Order of a head folio; flags must be the folio's first word. */
static __always_inline __u32 folio_order_of(struct folio *folio, __u64 flags)
{
	__u64 head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);
	struct folio___pre66 *old = (void *)folio;

	if (!(flags & head))
		return 0;
	if (bpf_core_field_exists(old->_folio_order))
		return BPF_CORE_READ(old, _folio_order);
	return BPF_CORE_READ(folio, _flags_1) & 0xff;
}

#define ZDEV_V61_MAPCOUNT_MAX_PAGES 512 /* a PMD folio: what v6.1 PTE-maps */

struct v61_maps {
	__u64 first; /* struct page of the head */
	__u32 stride;
	__s32 sum;
};

static int v61_page_maps(__u32 i, struct v61_maps *m)
{
	struct page *p = (void *)(m->first + (__u64)i * m->stride);

	m->sum += BPF_CORE_READ(p, _mapcount.counter) + 1;
	return 0;
}

/*
 * v6.1's folio_mapcount() (mm/util.c): PTE mappings are in each page's
 * _mapcount, which for file folios include the entire mappings, and
 * double-mapped anon folios count one more per page.
 */
static __always_inline __s32 folio_total_maps_v61(struct folio *folio,
						  __u32 order)
{
	struct folio___pre62 *old = (void *)folio;
	__s32 entire = BPF_CORE_READ(old, _total_mapcount.counter) + 1;
	__u32 nr = 1U << (order & 31);
	struct v61_maps m = {
		.first = (__u64)folio,
		.stride = bpf_core_type_size(struct page),
	};
	struct page___pre618 *tail = (void *)((__u64)folio + m.stride);
	__u64 anon = (__u64)BPF_CORE_READ(folio, mapping) & 1;
	__u64 dbl = 1ULL << bpf_core_enum_value(enum pageflags___pre62,
						PG_double_map___pre62);

	if (nr > ZDEV_V61_MAPCOUNT_MAX_PAGES)
		nr = ZDEV_V61_MAPCOUNT_MAX_PAGES;
	bpf_loop(nr, v61_page_maps, &m, 0);
	if (!anon)
		return m.sum; /* entire mappings are in every page's count */
	if (BPF_CORE_READ(tail, flags) & dbl)
		return entire + m.sum - (__s32)nr;
	return entire + m.sum;
}

/* Total mappings of a folio: folio_mapcount() without the inline. */
static __always_inline __s32 folio_total_maps(struct folio *folio, __u32 order)
{
	if (!order)
		return BPF_CORE_READ(folio, _mapcount.counter) + 1;
	/*
	 * 05c5323b2a34 ("mm: track mapcount of large folios in single
	 * value"), v6.11
	 */
	if (bpf_core_field_exists(folio->_large_mapcount))
		return BPF_CORE_READ(folio, _large_mapcount.counter) + 1;
	if (bpf_core_enum_value_exists(enum pageflags___pre62,
				       PG_double_map___pre62))
		return folio_total_maps_v61(folio, order);
	/*
	 * v6.2..v6.10, which zdevmon does not test: the entire mappings
	 * only; PTE mappings of large folios are not summed there.
	 */
	return BPF_CORE_READ(folio, _entire_mapcount.counter) + 1;
}

/* PMD/PUD ("entire") mappings of a large folio. */
static __always_inline __s32 folio_entire_maps(struct folio *folio, __u32 order)
{
	struct folio___pre62 *old = (void *)folio;

	if (!order)
		return 0;
	if (bpf_core_field_exists(folio->_entire_mapcount))
		return BPF_CORE_READ(folio, _entire_mapcount.counter) + 1;
	if (bpf_core_field_exists(old->_total_mapcount))
		return BPF_CORE_READ(old, _total_mapcount.counter) + 1;
	return 0;
}

#endif /* ZDEV_COMPAT_BPF_H */
