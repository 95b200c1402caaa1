/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migrations set up and not finalized. migrate_vma_setup() returns with
 * each collected page locked, its references held and its mappings
 * replaced by migration entries; migrate_vma_finalize() undoes that. A
 * driver that skips finalize on an error path leaves every CPU access to
 * those pages waiting in migration_entry_wait() forever, and a
 * device-private source's pgmap reference held (memunmap_pages() hangs).
 * Nothing marks a migration finalized: the src array's address pairs the
 * two calls (args->src at both).
 *   int migrate_vma_setup(struct migrate_vma *)     v5.7+
 *   void migrate_vma_finalize(struct migrate_vma *) v5.7+
 * Included by zdev.bpf.c after its helpers; on_migrate_vma_setup() calls
 * setup_opened().
 */
#ifndef ZDEV_SETUPS_BPF_H
#define ZDEV_SETUPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZDEV_MAX_SETUPS);
	__type(key, __u64); /* args->src */
	__type(value, struct zdev_setup);
} open_setups SEC(".maps");

/* A setup returned with pages collected: open until finalize. */
static __always_inline void setup_opened(void *ctx, __u64 args, __u64 src,
					 __u64 pages, __u64 npages)
{
	struct zdev_hook_stats *st = hook_stats(ZDEV_HOOK_MIGRATE_VMA_SETUP);
	__u64 id = bpf_get_current_pid_tgid();
	struct zdev_setup s = {
		.args = args,
		.first_ns = bpf_ktime_get_ns(),
		.cgroup = bpf_get_current_cgroup_id(),
		.pages = pages,
		.npages = npages,
		.tgid = id >> 32,
		.pid = (__u32)id,
	};

	/* a driver sets up from one site in runs: its walk cached */
	s.stack_id = stack_cached(ctx, st, ZDEV_HOOK_MIGRATE_VMA_SETUP);
	s.foreign = task_foreign();
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	bpf_map_update_elem(&open_setups, &src, &s, BPF_ANY);
}

static __always_inline int setup_finalized(__u64 args)
{
	struct migrate_vma *m = (void *)args;
	__u64 src = (__u64)BPF_CORE_READ(m, src);

	count_call(ZDEV_HOOK_MIGRATE_VMA_FINALIZE);
	bpf_map_delete_elem(&open_setups, &src);
	mig_finalized(src);
	return 0;
}

SEC("fentry/migrate_vma_finalize")
int BPF_PROG(migrate_vma_finalize_fentry, struct migrate_vma *args)
{
	return setup_finalized(arg_u64(ctx, 0));
}

SEC("kprobe/migrate_vma_finalize")
int BPF_KPROBE(migrate_vma_finalize_kprobe, struct migrate_vma *args)
{
	return setup_finalized((__u64)args);
}

#endif /* ZDEV_SETUPS_BPF_H */
