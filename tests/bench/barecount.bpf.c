// SPDX-License-Identifier: GPL-2.0
/*
 * The reference point of make bench: a bare fentry counter on the
 * functions zdevmon hooks on the hot path, and nothing else. With --floor
 * (make bench's floor configuration), the device calls of FS DAX faults
 * and of device-private migrations get the least issue 12's items 1 and
 * 2 ask of them instead (v7.x's prototypes).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "barecount.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

static __always_inline int count(void)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &key);

	if (n)
		(*n)++;
	return 0;
}

#define COUNTER(func)              \
	SEC("fentry/" #func)       \
	int BPF_PROG(func##_count) \
	{                          \
		return count();    \
	}

/* --floor: set by the loader from the running kernel's layout */
const volatile __u32 zone_shift, zone_mask, zone_device;

struct floor_hint {
	__u64 pgmap;
	__u32 slot;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct floor_hint);
} floor_hints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct floor_counts);
} floor_counts SEC(".maps");

/* daemon mode's live heads: a bit per device page (by its struct page) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << 16);
	__type(key, __u32);
	__type(value, __u64);
} floor_bits SEC(".maps");

/*
 * A pgmap's per-CPU counters: the pgmap against a per-CPU hint (a miss,
 * where zdevmon looks its slot up in a hash, takes slot 0).
 */
static __always_inline struct floor_counts *floor_slot(void *pgmap)
{
	struct floor_hint *h;
	__u32 zero = 0, slot;

	h = bpf_map_lookup_elem(&floor_hints, &zero);
	if (!h)
		return NULL;
	if (h->pgmap != (__u64)pgmap) {
		h->pgmap = (__u64)pgmap;
		h->slot = 0;
	}
	slot = h->slot & 255;
	return bpf_map_lookup_elem(&floor_counts, &slot);
}

/* An argument as a number, not a typed pointer: an inlined load. */
static __always_inline __u64 arg_u64(void *ctx, __u32 n)
{
	__u64 val = 0;

	bpf_get_func_arg(ctx, n, &val);
	return val;
}

/* Set or clear a page's live bit; a double birth or death is counted. */
static __always_inline void floor_live(struct floor_counts *c, __u64 page,
				       bool born)
{
	__u64 bit = page >> 6, mask = 1ULL << (bit & 63), old;
	__u32 w = (bit >> 6) & 0xffff;
	__u64 *word = bpf_map_lookup_elem(&floor_bits, &w);

	if (!word)
		return;
	if (born)
		old = __sync_fetch_and_or(word, mask) & mask;
	else
		old = !(__sync_fetch_and_and(word, ~mask) & mask);
	if (old)
		c->calls[FLOOR_DOUBLE]++;
}

/*
 * The least issue 12's items 1 and 2 (daemon mode) ask of a device call:
 * the zone test, per-pgmap counters, mapped pages, and a live bit set at
 * birth (a first map on FS DAX) and cleared at death. No attribution, no
 * per-call migration outcomes, no residency: issues 13 and 14's.
 */
static __always_inline int floor_count(void *ctx, struct folio *folio, int kind,
				       int pages, bool born_at_map)
{
	__u64 flags = *(__u64 *)folio;
	struct floor_counts *c;

	count();
	if (((flags >> zone_shift) & zone_mask) != zone_device)
		return 0;
	c = floor_slot(folio->pgmap);
	if (!c)
		return 0;
	c->calls[kind & 7]++;
	c->mapped_pages += pages;
	/* FS DAX is born at its first map, dies at its free */
	if (kind == FLOOR_FREE || (born_at_map && folio->_mapcount.counter < 0))
		floor_live(c, arg_u64(ctx, 0), kind != FLOOR_FREE);
	return 0;
}

#define FLOOR(func, kind, sign, born_at_map)                               \
	SEC("fentry/" #func)                                               \
	int BPF_PROG(func##_floor, struct folio *folio, struct page *page, \
		     int nr_pages)                                         \
	{                                                                  \
		return floor_count(ctx, folio, kind, sign nr_pages,        \
				   born_at_map);                           \
	}

FLOOR(folio_add_file_rmap_ptes, FLOOR_MAP, +, true)
FLOOR(folio_add_anon_rmap_ptes, FLOOR_MAP, +, false)
FLOOR(folio_remove_rmap_ptes, FLOOR_UNMAP, -, false)

SEC("fentry/free_zone_device_folio")
int BPF_PROG(free_zone_device_folio_floor, struct folio *folio)
{
	return floor_count(ctx, folio, FLOOR_FREE, 0, false);
}

/* v7.x's zone_device_page_init(page, pgmap, order): a device-private birth */
SEC("fentry/zone_device_page_init")
int BPF_PROG(zone_device_page_init_floor, struct page *page,
	     struct dev_pagemap *pgmap)
{
	struct floor_counts *c;

	count();
	c = floor_slot(pgmap);
	if (!c)
		return 0;
	c->calls[FLOOR_INIT]++;
	floor_live(c, arg_u64(ctx, 0), true);
	return 0;
}

/* migrated pages and large entries per direction: src's MIGRATE bits */
#define FLOOR_CHUNK 32
#define PMD_NR	    512

struct floor_walk {
	unsigned long *src;
	__u64 npages;
	__u64 pages, large, skip_until;
};

static int floor_chunk(__u32 idx, struct floor_walk *w)
{
	unsigned long src[FLOOR_CHUNK];
	__u64 base = (__u64)idx * FLOOR_CHUNK, n, tail = 0;
	int i;

	if (base >= w->npages)
		return 1;
	if (base + FLOOR_CHUNK <= w->skip_until)
		return 0;
	n = w->npages - base;
	if (n > FLOOR_CHUNK)
		n = FLOOR_CHUNK;
	if (bpf_probe_read_kernel(src, n * sizeof(long), w->src + base))
		return 1;
	for (i = 0; i < FLOOR_CHUNK && i < n; i++) {
		__u64 moved = (src[i] >> 1) & 1, compound = (src[i] >> 4) & 1;

		w->pages += moved * (1 + compound * (PMD_NR - 1));
		w->large += moved * compound;
		tail += compound * (base + i + PMD_NR);
	}
	if (tail)
		w->skip_until = tail;
	return 0;
}

SEC("fexit/migrate_vma_pages")
int BPF_PROG(migrate_vma_pages_floor, struct migrate_vma *args)
{
	struct floor_walk w = { .src = args->src, .npages = args->npages };
	struct floor_counts *c;

	count();
	bpf_loop((w.npages + FLOOR_CHUNK - 1) / FLOOR_CHUNK, floor_chunk, &w,
		 0);
	/* the owner stands in for the pgmap: the same hint test, no locate */
	c = floor_slot(args->pgmap_owner);
	if (!c)
		return 0;
	c->calls[args->flags & MIGRATE_VMA_SELECT_SYSTEM ? FLOOR_TO_DEVICE
							 : FLOOR_TO_RAM] +=
		w.pages;
	c->calls[FLOOR_LARGE] += w.large;
	return 0;
}

COUNTER(folio_add_new_anon_rmap)
COUNTER(folio_add_anon_rmap_ptes)
COUNTER(folio_add_anon_rmap_pmd)
COUNTER(folio_add_file_rmap_ptes)
COUNTER(folio_add_file_rmap_pmd)
COUNTER(folio_remove_rmap_ptes)
COUNTER(folio_remove_rmap_pmd)
COUNTER(free_zone_device_folio)
COUNTER(zone_device_page_init)
COUNTER(migrate_vma_pages)
/* GUP: every pin of the machine (issue 13's hooks) */
COUNTER(try_grab_folio)
COUNTER(gup_fast_fallback)
COUNTER(gup_put_folio)
