// SPDX-License-Identifier: GPL-2.0
/*
 * A second, minimal count of what the device-private paths did, for the
 * guest tests' ground truth where no workload reports it (upstream
 * hmm-tests): device folio births and frees, and pages migrated per
 * direction as the kernel left the src/dst arrays. Written apart from
 * zdevmon, sharing none of its code: global counters, no pgmaps, no ring.
 * For Debian sid's 7.x kernel (MIGRATE_PFN_COMPOUND, free_zone_device_folio),
 * with test_hmm loaded (its migrate_to_ram op, dmirror_devmem_fault).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define PFN_VALID    (1UL << 0)
#define PFN_MIGRATE  (1UL << 1)
#define PFN_COMPOUND (1UL << 4)
#define PMD_PAGES    512
#define SELECT_SYSTEM (1 << 0) /* MIGRATE_VMA_SELECT_SYSTEM */

enum {
	BIRTHS,
	FREES,
	TO_DEVICE,
	TO_RAM,
	EVICTED,
	FAULTS,
	FAULT_SIGBUS,
	FAULT_OOM,
	THP_MIGRATED,	/* compound entries moved whole, both ways */
	SPLIT_TO_SMALL,	/* compound sources given small destinations */
	COLLECT_SPLITS,	/* migrate_vma_split_folio() that split */
	NR_COUNTS
};

__u64 counts[NR_COUNTS];

struct walk {
	unsigned long *src, *dst;
	__u64 pages;
	__u64 compound; /* moved whole */
	__u64 to_small; /* at the entry: compound sources, small destinations */
};

static int entry(__u32 i, struct walk *w)
{
	unsigned long s = 0, d = 0;

	bpf_probe_read_kernel(&s, sizeof(s), &w->src[i]);
	bpf_probe_read_kernel(&d, sizeof(d), &w->dst[i]);
	if ((s & PFN_MIGRATE) && (s & PFN_COMPOUND) && (d & PFN_VALID) &&
	    !(d & PFN_COMPOUND))
		w->to_small++;
	if ((s & PFN_MIGRATE) && (d & PFN_VALID)) {
		w->pages += (s & PFN_COMPOUND) ? PMD_PAGES : 1;
		w->compound += !!(s & PFN_COMPOUND);
	}
	return 0;
}

SEC("fentry/migrate_vma_pages")
int BPF_PROG(vma_pages_entry, struct migrate_vma *m)
{
	struct walk w = { .src = BPF_CORE_READ(m, src),
			  .dst = BPF_CORE_READ(m, dst) };

	bpf_loop(BPF_CORE_READ(m, npages), entry, &w, 0);
	__sync_fetch_and_add(&counts[SPLIT_TO_SMALL], w.to_small);
	return 0;
}

SEC("fexit/migrate_vma_split_folio")
int BPF_PROG(collect_split, struct folio *folio, struct page *fault_page,
	     int ret)
{
	if (!ret)
		__sync_fetch_and_add(&counts[COLLECT_SPLITS], 1);
	return 0;
}

static __u64 migrated(unsigned long *src, unsigned long *dst, __u64 npages)
{
	struct walk w = { .src = src, .dst = dst };

	bpf_loop(npages, entry, &w, 0);
	__sync_fetch_and_add(&counts[THP_MIGRATED], w.compound);
	return w.pages;
}

SEC("fexit/zone_device_page_init")
int BPF_PROG(births)
{
	__sync_fetch_and_add(&counts[BIRTHS], 1);
	return 0;
}

SEC("fentry/free_zone_device_folio")
int BPF_PROG(frees)
{
	__sync_fetch_and_add(&counts[FREES], 1);
	return 0;
}

SEC("fexit/migrate_vma_pages")
int BPF_PROG(vma_pages, struct migrate_vma *m)
{
	__u64 n = migrated(BPF_CORE_READ(m, src), BPF_CORE_READ(m, dst),
			   BPF_CORE_READ(m, npages));

	if (BPF_CORE_READ(m, flags) & SELECT_SYSTEM)
		__sync_fetch_and_add(&counts[TO_DEVICE], n);
	else
		__sync_fetch_and_add(&counts[TO_RAM], n);
	return 0;
}

SEC("fexit/migrate_device_pages")
int BPF_PROG(device_pages, unsigned long *src, unsigned long *dst,
	     unsigned long npages)
{
	__u64 n = migrated(src, dst, npages);

	__sync_fetch_and_add(&counts[TO_RAM], n);
	__sync_fetch_and_add(&counts[EVICTED], n);
	return 0;
}

/* test_hmm's migrate_to_ram op: the CPU faults it served, its results */
SEC("kretprobe/dmirror_devmem_fault")
int BPF_KRETPROBE(devmem_fault, long ret)
{
	__sync_fetch_and_add(&counts[FAULTS], 1);
	if (ret & 0x2) /* VM_FAULT_SIGBUS */
		__sync_fetch_and_add(&counts[FAULT_SIGBUS], 1);
	if (ret & 0x1) /* VM_FAULT_OOM */
		__sync_fetch_and_add(&counts[FAULT_OOM], 1);
	return 0;
}
