/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel allocations of device memory that hold a reference on its
 * pgmap and no folio does: P2PDMA's pci_alloc_p2pmem() takes one on the
 * pgmap's percpu_ref per allocation, pci_free_p2pmem() puts it. A driver
 * that never frees one keeps memunmap_pages() waiting forever at unbind,
 * every folio long freed. Each live allocation, by its kernel address:
 * the allocating task, its stack, the pgmap.
 *   pci_alloc_p2pmem(pdev, size) -> kaddr    v4.20+ (CONFIG_PCI_P2PDMA)
 *   pci_free_p2pmem(pdev, kaddr, size)
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_KALLOCS_BPF_H
#define ZDEV_KALLOCS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZDEV_MAX_KALLOCS);
	__type(key, __u64); /* the allocation's kernel address */
	__type(value, struct zdev_kalloc);
} kallocs SEC(".maps");

/* Randomised with RANDOMIZE_MEMORY, as vmemmap_base. */
extern const void page_offset_base __ksym __weak;
#define PAGE_OFFSET_DEFAULT 0xffff888000000000ULL /* 4-level, no KASLR */

/* The struct page of a direct-map address (x86's virt_to_page()). */
static __always_inline __u64 kaddr_page(__u64 kaddr)
{
	__u64 base = PAGE_OFFSET_DEFAULT;

	if (&page_offset_base)
		bpf_probe_read_kernel(&base, sizeof(base), &page_offset_base);
	if (kaddr < base)
		return 0;
	return pfn_to_page((kaddr - base) >> 12);
}

static __always_inline int kalloc_taken(void *ctx, __u64 kaddr, __u64 size)
{
	struct zdev_hook_stats *st = hook_stats(ZDEV_HOOK_P2P_ALLOC);
	__u64 page = kaddr_page(kaddr), id = bpf_get_current_pid_tgid();
	struct zdev_kalloc k = {};
	struct head_fields h;

	if (!page || !zone_is_device(read_flags(page)))
		return 0;
	if (st)
		st->device++;
	folio_head_read((struct folio *)page, &h);
	k.pgmap = h.pgmap;
	k.first_ns = bpf_ktime_get_ns();
	k.cgroup = bpf_get_current_cgroup_id();
	k.size = size;
	k.tgid = id >> 32;
	k.pid = (__u32)id;
	k.stack_id = stack_of(ctx, st);
	k.foreign = task_foreign();
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	bpf_map_update_elem(&kallocs, &kaddr, &k, BPF_ANY);
	return 0;
}

static __always_inline int kalloc_freed(__u64 kaddr)
{
	bpf_map_delete_elem(&kallocs, &kaddr);
	return 0;
}

SEC("fexit/pci_alloc_p2pmem")
int BPF_PROG(p2p_alloc_fexit, void *pdev, size_t size, void *ret)
{
	/* the return value: ctx[2], past what bpf_get_func_arg() reaches */
	if (!ret)
		return 0;
	return kalloc_taken(ctx, (__u64)ret, size);
}

SEC("kprobe/pci_alloc_p2pmem")
int BPF_KPROBE(p2p_alloc_kprobe, void *pdev, size_t size)
{
	stash_args(ZDEV_HOOK_P2P_ALLOC, size, 0);
	return 0;
}

SEC("kretprobe/pci_alloc_p2pmem")
int BPF_KRETPROBE(p2p_alloc_kretprobe, void *ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_P2P_ALLOC, &s) || !ret)
		return 0;
	return kalloc_taken(ctx, (__u64)ret, s.arg0);
}

SEC("fentry/pci_free_p2pmem")
int BPF_PROG(p2p_free_fentry, void *pdev, void *addr)
{
	return kalloc_freed(arg_u64(ctx, 1));
}

SEC("kprobe/pci_free_p2pmem")
int BPF_KPROBE(p2p_free_kprobe, void *pdev, void *addr)
{
	return kalloc_freed((__u64)addr);
}

#endif /* ZDEV_KALLOCS_BPF_H */
