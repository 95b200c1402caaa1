/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU maps the daemon reads at each tick, summed over CPUs into
 * .bss (struct zdev_harvest) by one run of a syscall program.
 *
 * Not map lookups from user space: the kernel does each of those with
 * bpf_prog_active raised on its CPU (bpf_disable_instrumentation()),
 * under migrate_disable(), not preempt_disable(). Preempted there (a
 * PREEMPT or PREEMPT_LAZY kernel: Debian's 7.x, its 6.1 and 6.12 booted
 * with preempt=full), the reading task
 * leaves the count raised for whatever runs on that CPU meanwhile: every
 * kprobe program there, ours and anyone's, is skipped as a recursion.
 * A kprobe session saw a whole exit_mmap() (4,695 rmap calls) go missed
 * that way. A syscall program's run (BPF_PROG_TEST_RUN) raises nothing.
 * Included by zdev.bpf.c after the maps it reads.
 */
#ifndef ZDEV_HARVEST_BPF_H
#define ZDEV_HARVEST_BPF_H

struct zdev_harvest harvest;

static int harvest_slot(__u32 i, __u32 *cpu)
{
	struct zdev_pgmap_counters *c;
	__u32 key = i; /* on the stack: i stays bounded in its register */

	if (i >= ZDEV_MAX_SLOTS || !slots[i].pgmap)
		return 0;
	c = bpf_map_lookup_percpu_elem(&counters, &key, *cpu);
	if (c)
		zdev_counters_add(&harvest.counters[i], c);
	return 0;
}

static int harvest_cpu(__u32 cpu, void *unused)
{
	struct zdev_hook_stats *st;
	struct zdev_fast *f;
	__u32 i, zero = 0;
	__u64 *n;

	for (i = 0; i < ZDEV_EV_KIND_MAX; i++) {
		n = bpf_map_lookup_percpu_elem(&kinds, &i, cpu);
		if (n)
			harvest.kinds[i] += *n;
	}
	for (i = 0; i < ZDEV_STREAM_MAX; i++) {
		n = bpf_map_lookup_percpu_elem(&stream_drops, &i, cpu);
		if (n)
			harvest.stream_drops[i] += *n;
	}
	f = bpf_map_lookup_percpu_elem(&fast, &zero, cpu);
	for (i = 0; f && i < ZDEV_HOOK_MAX; i++)
		harvest.fast_calls[i] += f->device_calls[i];
	for (i = 0; i < ZDEV_HOOK_MAX; i++) {
		st = bpf_map_lookup_percpu_elem(&stats, &i, cpu);
		if (!st)
			continue;
		harvest.stats[i].device += st->device;
		harvest.stats[i].dropped += st->dropped;
		harvest.stats[i].anomalies += st->anomalies;
		harvest.stats[i].stack_collisions += st->stack_collisions;
		harvest.stats[i].stack_overflows += st->stack_overflows;
	}
	bpf_loop(ZDEV_MAX_SLOTS, harvest_slot, &cpu, 0);
	return 0;
}

SEC("syscall")
int harvest_counters(void *args)
{
	bpf_loop(nr_cpus, harvest_cpu, NULL, 0);
	return 0;
}

static int reset_slot_cpu(__u32 cpu, __u32 *slot)
{
	struct zdev_pgmap_counters *c =
		bpf_map_lookup_percpu_elem(&counters, slot, cpu);

	if (c)
		__builtin_memset(c, 0, sizeof(*c));
	return 0;
}

/* A gone pgmap's slot, given back: its counters start again at zero. */
SEC("syscall")
int counters_reset(__u32 *slot)
{
	__u32 i = *slot;

	bpf_loop(nr_cpus, reset_slot_cpu, &i, 0);
	return 0;
}

#endif /* ZDEV_HARVEST_BPF_H */
