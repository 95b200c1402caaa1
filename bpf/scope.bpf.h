/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What zdevmon run judges (--scope): a folio born, a pin taken or an
 * allocation made by a task outside the scope is another job's, marked
 * foreign where it is recorded, and left out of the run's verdict.
 *   tree    the command's process tree: the loader puts its pid in
 *           scope_tgids, sched_process_fork adds what those processes fork
 *   cgroup  the tasks of the command's cgroup v2 and the cgroups below
 * Daemons and --scope all: nothing is foreign.
 * Included by zdev.bpf.c before the per-folio state.
 */
#ifndef ZDEV_SCOPE_BPF_H
#define ZDEV_SCOPE_BPF_H

const volatile __u32 scope_mode = ZDEV_SCOPE_ALL;
const volatile __u64 scope_cgroup = 0; /* cgroup v2 id */
const volatile __u32 scope_level = 0;  /* its depth below the root */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZDEV_MAX_SCOPE_TGIDS);
	__type(key, __u32); /* tgid */
	__type(value, __u8);
} scope_tgids SEC(".maps");

/* Is the current task outside the run's scope? */
static __always_inline bool task_foreign(void)
{
	__u32 tgid;

	switch (scope_mode) {
	case ZDEV_SCOPE_TREE:
		tgid = bpf_get_current_pid_tgid() >> 32;
		return !bpf_map_lookup_elem(&scope_tgids, &tgid);
	case ZDEV_SCOPE_CGROUP:
		return bpf_get_current_ancestor_cgroup_id(scope_level) !=
		       scope_cgroup;
	}
	return false;
}

/* A process of the tree forks: its child joins (a thread: its own tgid). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(scope_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 tgid = BPF_CORE_READ(parent, tgid);
	__u8 one = 1;

	if (!bpf_map_lookup_elem(&scope_tgids, &tgid))
		return 0;
	tgid = BPF_CORE_READ(child, tgid);
	bpf_map_update_elem(&scope_tgids, &tgid, &one, BPF_ANY);
	return 0;
}

#endif /* ZDEV_SCOPE_BPF_H */
