/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who maps and migrates device pages: per address space (mm), the pages
 * rmap maps and unmaps there and those migrate_vma_pages() moves for it,
 * with the mm's owner (mm->owner with CONFIG_MEMCG, else the first task
 * seen) and its cgroup v2 id taken at the mm's first device event; per
 * cgroup, what migrated for its processes. The mapping's mm, not
 * `current': evictions and unmaps run in kworkers too. Both maps are LRU
 * hashes: the least recently active entries make room, never a failure.
 *   exit_mmap(mm)  the mm's entry leaves with it, at the exit: the
 *                  unmaps of the mm's last mappings run inside
 * fork copies device-private PTEs without rmap (copy_nonpresent_pte() is
 * inlined): a child's inherited mappings are not seen, its unmaps at exit
 * are, on the child's own mm.
 * Included by zdev.bpf.c before its rmap and migration hooks.
 */
#ifndef ZDEV_USAGE_BPF_H
#define ZDEV_USAGE_BPF_H

const volatile __u32 nr_cpus = 1; /* possible CPUs, set by the loader */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ZDEV_MAX_MMS);
	__type(key, __u64); /* struct mm_struct * */
	__type(value, struct zdev_mm_stats);
} mm_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ZDEV_MAX_CGROUPS);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, struct zdev_cgroup_stats);
} cgroup_stats SEC(".maps");

/*
 * Each CPU's last address space and the pages mapped there since it was
 * last folded into its mm_stats entry: a fault loop touches one mm, whose
 * entry then costs one per-CPU lookup per rmap call, not a hash update.
 * The daemon adds these deltas to the entries it reads.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zdev_mm_pending);
} mm_pending SEC(".maps");

struct mm_struct___memcg {
	struct task_struct *owner;
} __attribute__((preserve_access_index));

/*
 * An mm's entry, made at its first device event with its owner's name.
 * Not inlined: its new entry would weigh on every caller's stack, and the
 * migration hooks' combined stack is near v6.1's 512-byte limit.
 */
static __noinline struct zdev_mm_stats *mm_entry(__u64 mm)
{
	struct mm_struct___memcg *m = (void *)mm;
	struct zdev_mm_stats *s = bpf_map_lookup_elem(&mm_stats, &mm), new = {};
	struct task_struct *owner = NULL;

	if (s)
		return s;
	if (bpf_core_field_exists(m->owner))
		owner = BPF_CORE_READ(m, owner);
	if (!owner)
		owner = (void *)bpf_get_current_task();
	new.tgid = BPF_CORE_READ(owner, tgid);
	new.cgroup = BPF_CORE_READ(owner, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&new.comm, owner, comm);
	bpf_map_update_elem(&mm_stats, &mm, &new, BPF_NOEXIST);
	return bpf_map_lookup_elem(&mm_stats, &mm);
}

static __always_inline __u64 vma_mm(__u64 vma)
{
	struct vm_area_struct *v = (void *)vma;

	return vma ? (__u64)BPF_CORE_READ(v, vm_mm) : 0;
}

/*
 * The same from argument n of an fentry program, a vm_area_struct: the
 * verifier types the context's arguments from the traced function's BTF,
 * so vm_mm is a plain load, not a probe read (rmap calls are hot).
 */
static __always_inline __u64 ctx_vma_mm(void *ctx, int n)
{
	struct vm_area_struct *v = (void *)((__u64 *)ctx)[n];

	return v ? (__u64)v->vm_mm : 0;
}

/*
 * An rmap call on a device folio mapped (pages > 0) or unmapped pages of
 * it in address space mm (the vma's vm_mm); pages 0: the whole folio (a
 * PMD or PUD entry).
 */
static __always_inline void usage_mapped(__u64 mm, int kind, __s64 pages,
					 __u64 folio, __u64 flags)
{
	struct zdev_mm_pending *c;
	struct zdev_mm_stats *s;
	__u32 zero = 0;

	if (!mm)
		return;
	if (!pages)
		pages = 1LL
			<< (folio_order_of((struct folio *)folio, flags) & 31);
	if (kind != ZDEV_EV_MAP)
		pages = -pages;
	c = bpf_map_lookup_elem(&mm_pending, &zero);
	if (!c)
		return;
	if (c->mm == mm) {
		c->pages += pages;
		return;
	}
	/* another address space: the last one's pages go to its entry */
	if (c->mm && c->pages) {
		s = bpf_map_lookup_elem(&mm_stats, &c->mm);
		if (s)
			__sync_fetch_and_add(&s->mapped_pages, c->pages);
	}
	c->mm = mm;
	c->pages = pages;
	mm_entry(mm); /* made now: its owner is known */
}

/*
 * pages migrated for the mm of vma, to the device or back to RAM. Not
 * inlined either: the migration hook's own frame is the large one.
 */
static __noinline void usage_migrated(__u64 vma, __u64 pages, bool to_device)
{
	__u64 mm = vma_mm(vma);
	struct zdev_cgroup_stats *c, zero = {};
	struct zdev_mm_stats *s;

	if (!mm || !pages)
		return;
	s = mm_entry(mm);
	if (!s)
		return;
	if (to_device)
		__sync_fetch_and_add(&s->to_device_pages, pages);
	else
		__sync_fetch_and_add(&s->to_ram_pages, pages);
	c = bpf_map_lookup_elem(&cgroup_stats, &s->cgroup);
	if (!c) {
		bpf_map_update_elem(&cgroup_stats, &s->cgroup, &zero,
				    BPF_NOEXIST);
		c = bpf_map_lookup_elem(&cgroup_stats, &s->cgroup);
	}
	if (!c)
		return;
	if (to_device)
		__sync_fetch_and_add(&c->to_device_pages, pages);
	else
		__sync_fetch_and_add(&c->to_ram_pages, pages);
}

/* Forget mm's pending pages on one CPU (a bpf_loop callback). */
static int pending_forget(__u32 cpu, __u64 *mm)
{
	__u32 zero = 0;
	struct zdev_mm_pending *c =
		bpf_map_lookup_percpu_elem(&mm_pending, &zero, cpu);

	if (c && c->mm == *mm) {
		c->mm = 0;
		c->pages = 0;
	}
	return 0;
}

/* An address space's end: its entry, and every CPU's pending pages. */
static __always_inline int usage_exit(__u64 mm)
{
	bpf_map_delete_elem(&mm_stats, &mm);
	bpf_loop(nr_cpus, pending_forget, &mm, 0);
	return 0;
}

/* at its exit: exit_mmap() unmaps everything first, counted on the mm */
SEC("fexit/exit_mmap")
int BPF_PROG(mm_exit_fexit, struct mm_struct *mm)
{
	return usage_exit(arg_u64(ctx, 0));
}

SEC("kprobe/exit_mmap")
int BPF_KPROBE(mm_exit_kprobe, struct mm_struct *mm)
{
	stash_args(ZDEV_HOOK_MM_EXIT, (__u64)mm, 0);
	return 0;
}

SEC("kretprobe/exit_mmap")
int BPF_KRETPROBE(mm_exit_kretprobe)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_MM_EXIT, &s))
		return 0;
	return usage_exit(s.arg0);
}

#endif /* ZDEV_USAGE_BPF_H */
