/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU faults on device-private memory. do_swap_page() on a device-private
 * entry (and on v7.x do_huge_pmd_device_private() on a PMD one) calls the
 * pgmap's migrate_to_ram op, in the faulting task. Per pgmap, in faults[]
 * (struct zdev_faults): the faults, their results, a log2 histogram of
 * their time and the pages migrate_vma_pages() moved back to RAM inside
 * them. The first attempt under a per-VMA lock (v6.12+) returns
 * VM_FAULT_RETRY before the op: counted apart, not timed.
 *
 * Every swap-in of the machine passes here: the entry is decoded at
 * entry and exit (x86-64: type = pte >> 59, offset = (~pte << 5) >> 14,
 * the pfn of a device entry) and an ordinary swap entry (type below 24,
 * the lowest MAX_SWAPFILES of the kernels we know) leaves at once; a pfn
 * outside the device sections (sections.bpf.h) too.
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_FAULTS_BPF_H
#define ZDEV_FAULTS_BPF_H

#define LEAF_PRESENT	   ((1ULL << 0) | (1ULL << 8)) /* _PAGE_PRESENT, PROTNONE */
#define LEAF_FIRST_NONSWAP 24
#define LEAF_PFN_MASK	   ((1ULL << 40) - 1) /* MAX_PHYSMEM_BITS 52 */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* read by the daemon, mapped */
	__uint(max_entries, ZDEV_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct zdev_faults);
} faults SEC(".maps");

/* A fault under way, by thread. */
struct fault_start {
	__u64 ts;
	__u64 pages; /* migrated back to RAM meanwhile */
	__u64 address;
	__u64 pfn;
	__u32 slot;
	__u32 pmd;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* thread id */
	__type(value, struct fault_start);
} faults_inflight SEC(".maps");

/*
 * The struct page a non-present PTE or PMD value names if it can be a
 * device entry's, else 0: a few instructions for a swap entry.
 */
static __always_inline __u64 leaf_page(__u64 val)
{
	__u64 vmemmap, page;

	if (!val || (val & LEAF_PRESENT) || (val >> 59) < LEAF_FIRST_NONSWAP)
		return 0;
	vmemmap = vmemmap_start();
	page = vmemmap + (((~val << 5) >> 14) & LEAF_PFN_MASK) *
				 bpf_core_type_size(struct page);
	return section_has_device(page, vmemmap) ? page : 0;
}

/* At the entry: a device-private entry's fault starts. */
static __always_inline int fault_enter(__u64 val, __u64 address, bool pmd)
{
	__u64 page = leaf_page(val), head;
	struct fault_start f = { .pmd = pmd, .address = address };
	struct head_fields h;
	struct zdev_slot *s;
	__u32 tid;
	int slot;

	if (!page || !zone_is_device(read_flags(page)))
		return 0;
	head = page_head(page);
	folio_head_read((struct folio *)head, &h);
	slot = slot_of(h.pgmap, pmd ? ZDEV_HOOK_FAULT_PMD : ZDEV_HOOK_FAULT);
	s = slot_at(slot);
	if (!s || s->info.type != ZDEV_PGMAP_PRIVATE)
		return 0;
	f.slot = slot;
	f.pfn = page_to_pfn(page);
	f.ts = bpf_ktime_get_ns();
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&faults_inflight, &tid, &f, BPF_ANY);
	return 0;
}

/* A fault that ends in SIGBUS: the process, and where. */
static __noinline void fault_sigbus(struct fault_start *f)
{
	struct zdev_slot *s = f ? slot_at(f->slot) : NULL;
	__u64 size =
		f && f->pmd ? 1ULL << ZDEV_PMD_SHIFT : 1ULL << ZDEV_PAGE_SHIFT;
	struct zdev_event *e;

	if (!s)
		return;
	e = event_reserve(ZDEV_EV_FAULT_SIGBUS,
			  f->pmd ? ZDEV_HOOK_FAULT_PMD : ZDEV_HOOK_FAULT,
			  ZDEV_STREAM_LIFECYCLE, NULL);
	count_kind(ZDEV_EV_FAULT_SIGBUS);
	if (!e)
		return;
	e->pgmap = s->pgmap;
	e->sigbus.address = f->address & ~(size - 1);
	e->sigbus.size = size;
	e->sigbus.pfn = f->pfn;
	bpf_get_current_comm(e->sigbus.comm, sizeof(e->sigbus.comm));
	event_submit(e, true);
}

/*
 * At the exit: its result. vmf->page is set once the op's branch was
 * taken; the VMA-lock bounce leaves it NULL with VM_FAULT_RETRY.
 */
static __always_inline int fault_exit(__u64 val, __u64 vmf_page, __u32 ret)
{
	__u32 retry = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_RETRY);
	__u32 sigbus =
		bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGBUS);
	__u32 oom = bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_OOM);
	__u32 err =
		oom | sigbus |
		bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_SIGSEGV) |
		bpf_core_enum_value(enum vm_fault_reason, VM_FAULT_HWPOISON);
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), slot;
	struct fault_start *f;
	struct zdev_faults *c;
	__u64 ns;

	if (!leaf_page(val))
		return 0;
	f = bpf_map_lookup_elem(&faults_inflight, &tid);
	if (!f)
		return 0;
	ns = bpf_ktime_get_ns() - f->ts;
	slot = f->slot;
	c = bpf_map_lookup_elem(&faults, &slot);
	if (c && !vmf_page && (ret & retry)) {
		__sync_fetch_and_add(&c->vma_lock_retries, 1);
	} else if (c) {
		__sync_fetch_and_add(&c->calls, 1);
		if (f->pmd)
			__sync_fetch_and_add(&c->thp_calls, 1);
		__sync_fetch_and_add(&c->pages, f->pages);
		if (ret & sigbus) {
			__sync_fetch_and_add(&c->sigbus, 1);
			fault_sigbus(f);
		} else if (ret & oom)
			__sync_fetch_and_add(&c->oom, 1);
		else if (ret & err)
			__sync_fetch_and_add(&c->other, 1);
		else if (ret & retry)
			__sync_fetch_and_add(&c->retry, 1);
		else
			__sync_fetch_and_add(&c->ok, 1);
		__sync_fetch_and_add(&c->ns_total, ns);
		__sync_fetch_and_add(&c->ns_log2[log2_bucket(ns)], 1);
	}
	bpf_map_delete_elem(&faults_inflight, &tid);
	return 0;
}

/* migrate_vma_pages() moved pages to RAM: inside a fault of this thread? */
static __always_inline void fault_migrated(__u64 pages)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fault_start *f;

	if (!pages)
		return;
	f = bpf_map_lookup_elem(&faults_inflight, &tid);
	if (f)
		__sync_fetch_and_add(&f->pages, pages);
}

SEC("fentry/do_swap_page")
int BPF_PROG(fault_fentry, struct vm_fault *vmf)
{
	return fault_enter(vmf->orig_pte.pte, vmf->address, false);
}

SEC("fexit/do_swap_page")
int BPF_PROG(fault_fexit, struct vm_fault *vmf, vm_fault_t ret)
{
	/* the return value: past the arguments bpf_get_func_arg() reaches */
	return fault_exit(vmf->orig_pte.pte, (__u64)vmf->page, ret);
}

SEC("fentry/do_huge_pmd_device_private")
int BPF_PROG(fault_pmd_fentry, struct vm_fault *vmf)
{
	return fault_enter(vmf->orig_pmd.pmd, vmf->address, true);
}

SEC("fexit/do_huge_pmd_device_private")
int BPF_PROG(fault_pmd_fexit, struct vm_fault *vmf, vm_fault_t ret)
{
	return fault_exit(vmf->orig_pmd.pmd, (__u64)vmf->page, ret);
}

SEC("kprobe/do_swap_page")
int BPF_KPROBE(fault_kprobe, struct vm_fault *vmf)
{
	__u64 val = 0;

	bpf_core_read(&val, sizeof(val), &vmf->orig_pte.pte);
	if (!leaf_page(val))
		return 0; /* a hash update per swap-in is not for swap-ins */
	stash_args(ZDEV_HOOK_FAULT, (__u64)vmf, val);
	return fault_enter(val, BPF_CORE_READ(vmf, address), false);
}

SEC("kretprobe/do_swap_page")
int BPF_KRETPROBE(fault_kretprobe, long ret)
{
	struct vm_fault *vmf;
	struct stash s;
	__u64 page = 0;

	if (!unstash_args(ZDEV_HOOK_FAULT, &s))
		return 0;
	vmf = (void *)s.arg0;
	bpf_core_read(&page, sizeof(page), &vmf->page);
	return fault_exit(s.arg1, page, (__u32)ret);
}

SEC("kprobe/do_huge_pmd_device_private")
int BPF_KPROBE(fault_pmd_kprobe, struct vm_fault *vmf)
{
	__u64 val = 0;

	bpf_core_read(&val, sizeof(val), &vmf->orig_pmd.pmd);
	if (!leaf_page(val))
		return 0;
	stash_args(ZDEV_HOOK_FAULT_PMD, (__u64)vmf, val);
	return fault_enter(val, BPF_CORE_READ(vmf, address), true);
}

SEC("kretprobe/do_huge_pmd_device_private")
int BPF_KRETPROBE(fault_pmd_kretprobe, long ret)
{
	struct vm_fault *vmf;
	struct stash s;
	__u64 page = 0;

	if (!unstash_args(ZDEV_HOOK_FAULT_PMD, &s))
		return 0;
	vmf = (void *)s.arg0;
	bpf_core_read(&page, sizeof(page), &vmf->page);
	return fault_exit(s.arg1, page, (__u32)ret);
}

#endif /* ZDEV_FAULTS_BPF_H */
