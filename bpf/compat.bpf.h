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

/* v6.1: the large-folio mapcount was _total_mapcount (v6.11 renamed). */
struct folio___pre611 {
	atomic_t _total_mapcount;
	atomic_t _compound_mapcount;
	unsigned char _folio_order;
} __attribute__((preserve_access_index));

/* v6.2..v6.10: _entire_mapcount existed before _large_mapcount. */
struct folio___pre611b {
	atomic_t _entire_mapcount;
} __attribute__((preserve_access_index));

static __always_inline struct dev_pagemap *folio_pgmap(struct folio *folio)
{
	if (bpf_core_field_exists(folio->pgmap))
		return BPF_CORE_READ(folio, pgmap);
	return BPF_CORE_READ((struct page___pre615 *)folio, pgmap);
}

/* Order of a head folio; flags must be the folio's first word. */
static __always_inline __u32 folio_order_of(struct folio *folio, __u64 flags)
{
	__u64 head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);
	struct folio___pre611 *old = (void *)folio;

	if (!(flags & head))
		return 0;
	/* v6.6 (ebc1baf5c9b4) keeps the order in the low byte of _flags_1 */
	if (bpf_core_field_exists(folio->_flags_1))
		return BPF_CORE_READ(folio, _flags_1) & 0xff;
	return BPF_CORE_READ(old, _folio_order);
}

/* Total mappings of a folio: folio_mapcount() without the inline. */
static __always_inline __s32 folio_total_maps(struct folio *folio, __u32 order)
{
	struct folio___pre611 *old = (void *)folio;

	if (!order)
		return BPF_CORE_READ(folio, _mapcount.counter) + 1;
	if (bpf_core_field_exists(folio->_large_mapcount))
		return BPF_CORE_READ(folio, _large_mapcount.counter) + 1;
	return BPF_CORE_READ(old, _total_mapcount.counter) + 1;
}

/* PMD/PUD ("entire") mappings of a large folio. */
static __always_inline __s32 folio_entire_maps(struct folio *folio, __u32 order)
{
	struct folio___pre611 *old = (void *)folio;
	struct folio___pre611b *mid = (void *)folio;

	if (!order)
		return 0;
	if (bpf_core_field_exists(mid->_entire_mapcount))
		return BPF_CORE_READ(mid, _entire_mapcount.counter) + 1;
	return BPF_CORE_READ(old, _compound_mapcount.counter) + 1;
}

#endif /* ZDEV_COMPAT_BPF_H */
