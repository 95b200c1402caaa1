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
 * v6.15 ("mm: move pgmap to folio", 82ba975e4c43) moved pgmap from struct
 * page to struct folio; before it, folio->page.pgmap.
 */
struct page___pre615 {
	struct dev_pagemap *pgmap;
} __attribute__((preserve_access_index));

/*
 * v6.1: the large-folio mapcount was _total_mapcount (v6.11 renamed) and
 * the order had a byte of its own (v6.6 moved it into _flags_1, which
 * v6.1 already has for other bits).
 */
struct folio___pre611 {
	atomic_t _total_mapcount;
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

/* v6.1: PMD mappings were counted in the first tail page (v6.2 moved it):
 * struct page___pre62, below. */

/* v6.2..v6.10: _entire_mapcount existed before _large_mapcount. */
struct folio___pre611b {
	atomic_t _entire_mapcount;
} __attribute__((preserve_access_index));

/*
 * v6.1/6.12: a tail page's compound_head word is the head's address + 1.
 * (v6.18+ renamed it compound_info and, with HVO, made it a mask; the
 * page_* hooks that need this exist on v6.1 only.)
 */
struct page___pre618 {
	unsigned long compound_head;
} __attribute__((preserve_access_index));

static __always_inline __u64 page_head(__u64 page)
{
	struct page___pre618 *p = (void *)page;
	unsigned long word;

	if (!bpf_core_field_exists(p->compound_head))
		return page;
	word = BPF_CORE_READ(p, compound_head);
	return word & 1 ? word - 1 : page;
}

static __always_inline struct dev_pagemap *folio_pgmap(struct folio *folio)
{
	if (bpf_core_field_exists(folio->pgmap))
		return BPF_CORE_READ(folio, pgmap);
	return BPF_CORE_READ((struct page___pre615 *)folio, pgmap);
}

/*
 * What every event needs of a folio's first struct page, in one read
 * instead of one each: pgmap, _refcount, _mapcount (small folios).
 */
struct head_fields {
	__u64 pgmap;
	__s32 refcount;
	__s32 maps; /* _mapcount + 1 */
};

static __always_inline void folio_head_read(struct folio *folio,
					    struct head_fields *h)
{
	__u32 pg = bpf_core_field_exists(folio->pgmap)
			   ? bpf_core_field_offset(struct folio, pgmap)
			   : bpf_core_field_offset(struct page___pre615, pgmap);
	__u32 ref = bpf_core_field_offset(struct folio, _refcount);
	__u32 map = bpf_core_field_offset(struct folio, _mapcount);
	__u8 buf[64];

	/* all three live in the first 64 bytes on every kernel we know */
	bpf_probe_read_kernel(buf, sizeof(buf), folio);
	h->pgmap = pg <= 56 ? *(__u64 *)(buf + pg) : 0;
	h->refcount = ref <= 60 ? *(__s32 *)(buf + ref) : 0;
	h->maps = map <= 60 ? *(__s32 *)(buf + map) + 1 : 0;
}

/* Order of a head folio; flags must be the folio's first word. */
static __always_inline __u32 folio_order_of(struct folio *folio, __u64 flags)
{
	__u64 head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);
	struct folio___pre611 *old = (void *)folio;

	if (!(flags & head))
		return 0;
	if (bpf_core_field_exists(old->_folio_order))
		return BPF_CORE_READ(old, _folio_order);
	/* v6.6 (ebc1baf5c9b4) keeps the order in the low byte of _flags_1 */
	return BPF_CORE_READ(folio, _flags_1) & 0xff;
}

/*
 * v6.1: PG_double_map (first tail page) marked an anon THP mapped by PMD
 * and by PTEs at once; v6.2 ("mm,thp,rmap: simplify compound page
 * mapcount handling") removed it. page->flags was a plain word until
 * v6.18 wrapped it in memdesc_flags_t.
 */
enum pageflags___pre62 {
	PG_double_map___pre62 = 6,
};

struct page___pre62 {
	unsigned long flags;
	atomic_t compound_mapcount;
} __attribute__((preserve_access_index));

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
 * v6.1's folio_mapcount() (mm/util.c): _total_mapcount there is only the
 * entire (PMD) mapcount (FOLIO_MATCH(compound_mapcount, _total_mapcount));
 * PTE mappings are in each page's _mapcount, which for file folios
 * include the entire mappings, and double-mapped anon folios count one
 * more per page.
 */
static __always_inline __s32 folio_total_maps_v61(struct folio *folio,
						  __u32 order)
{
	struct folio___pre611 *old = (void *)folio;
	__s32 entire = BPF_CORE_READ(old, _total_mapcount.counter) + 1;
	__u32 nr = 1U << (order & 31);
	struct v61_maps m = {
		.first = (__u64)folio,
		.stride = bpf_core_type_size(struct page),
	};
	struct page___pre62 *tail = (void *)((__u64)folio + m.stride);
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
	if (bpf_core_field_exists(folio->_large_mapcount))
		return BPF_CORE_READ(folio, _large_mapcount.counter) + 1;
	if (bpf_core_enum_value_exists(enum pageflags___pre62,
				       PG_double_map___pre62))
		return folio_total_maps_v61(folio, order);
	/* kernels between (none zdevmon tests): the old field as it was */
	return BPF_CORE_READ((struct folio___pre611 *)folio,
			     _total_mapcount.counter) +
	       1;
}

/* PMD/PUD ("entire") mappings of a large folio. */
static __always_inline __s32 folio_entire_maps(struct folio *folio, __u32 order)
{
	struct folio___pre611b *mid = (void *)folio;
	struct page___pre62 *tail =
		(void *)((__u64)folio + bpf_core_type_size(struct page));

	if (!order)
		return 0;
	if (bpf_core_field_exists(mid->_entire_mapcount))
		return BPF_CORE_READ(mid, _entire_mapcount.counter) + 1;
	if (bpf_core_field_exists(tail->compound_mapcount))
		return BPF_CORE_READ(tail, compound_mapcount.counter) + 1;
	return 0;
}

#endif /* ZDEV_COMPAT_BPF_H */
