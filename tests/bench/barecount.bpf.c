// SPDX-License-Identifier: GPL-2.0
/*
 * The reference point of make bench: a bare fentry counter on the
 * functions zdevmon hooks on the hot path, and nothing else. With --floor
 * (make bench's floor configuration), FS DAX's three device calls get
 * the least issue 12's item 1 asks of them instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

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

struct floor_counts {
	__u64 calls[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct floor_counts);
} floor_counts SEC(".maps");

/*
 * Per-pgmap, per-CPU counters and nothing else: the zone test, the pgmap
 * against a per-CPU hint (a miss, where zdevmon looks its slot up in a
 * hash, takes slot 0), one add. No per-folio state, no mapped pages, no
 * attribution.
 */
static __always_inline int floor_count(struct folio *folio, int kind)
{
	__u64 flags = *(__u64 *)folio;
	struct floor_counts *c;
	struct floor_hint *h;
	__u32 zero = 0, slot;
	void *pgmap;

	count();
	if (((flags >> zone_shift) & zone_mask) != zone_device)
		return 0;
	pgmap = folio->pgmap;
	h = bpf_map_lookup_elem(&floor_hints, &zero);
	if (!h)
		return 0;
	if (h->pgmap != (__u64)pgmap) {
		h->pgmap = (__u64)pgmap;
		h->slot = 0;
	}
	slot = h->slot & 255;
	c = bpf_map_lookup_elem(&floor_counts, &slot);
	if (c)
		c->calls[kind & 3]++;
	return 0;
}

#define FLOOR(func, kind)                               \
	SEC("fentry/" #func)                            \
	int BPF_PROG(func##_floor, struct folio *folio) \
	{                                               \
		return floor_count(folio, kind);        \
	}

FLOOR(folio_add_file_rmap_ptes, 0)
FLOOR(folio_remove_rmap_ptes, 1)
FLOOR(free_zone_device_folio, 2)

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
