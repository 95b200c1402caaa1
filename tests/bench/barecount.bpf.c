// SPDX-License-Identifier: GPL-2.0
/*
 * The reference point of make bench: a bare fentry counter on the
 * functions zdevmon hooks on the hot path, and nothing else.
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

#define COUNTER(func)                           \
	SEC("fentry/" #func)                    \
	int BPF_PROG(func##_count)              \
	{                                       \
		return count();                 \
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
