/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long device folios live, birth to free, per pgmap: a log2 histogram
 * (struct zdev_residency) of a sample of them. The folios headed at one
 * pfn in 2^resid_sample_shift (pfn & mask == 0: the same at birth and at
 * free, no state for the others; a large folio's head is aligned, always
 * in) get their birth time in resid_births, an LRU hash by head pfn; their
 * free finds it there. A sampled free without a birth (alive before we
 * started, or evicted from a full hash) is counted apart, never timed.
 * Included by zdev.bpf.c before the folio paths.
 */
#ifndef ZDEV_RESIDENCY_BPF_H
#define ZDEV_RESIDENCY_BPF_H

const volatile __u32 resid_sample_shift = 6; /* --residency-sample */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ZDEV_MAX_RESID_BIRTHS);
	__type(key, __u64);   /* head pfn */
	__type(value, __u64); /* bpf_ktime_get_ns() at its birth */
} resid_births SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* read by the daemon, mapped */
	__uint(max_entries, ZDEV_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct zdev_residency);
} residency SEC(".maps");

static __always_inline bool resid_sampled(__u64 pfn)
{
	return !(pfn & ((1ULL << resid_sample_shift) - 1));
}

static __noinline void resid_born(__u64 pfn)
{
	__u64 now = bpf_ktime_get_ns();

	bpf_map_update_elem(&resid_births, &pfn, &now, BPF_ANY);
}

static __noinline void resid_died(__u32 slot, __u64 pfn)
{
	struct zdev_residency *r = bpf_map_lookup_elem(&residency, &slot);
	__u64 *born = bpf_map_lookup_elem(&resid_births, &pfn), ns;

	if (!r)
		return;
	r->sample_shift = resid_sample_shift;
	if (!born) {
		__sync_fetch_and_add(&r->unmatched, 1);
		return;
	}
	ns = bpf_ktime_get_ns() - *born;
	bpf_map_delete_elem(&resid_births, &pfn);
	__sync_fetch_and_add(&r->frees, 1);
	__sync_fetch_and_add(&r->ns_total, ns);
	__sync_fetch_and_add(&r->ns_log2[log2_bucket(ns)], 1);
}

#endif /* ZDEV_RESIDENCY_BPF_H */
