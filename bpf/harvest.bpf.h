/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the daemon reads at each tick, gathered by syscall programs: the
 * per-CPU counters summed over CPUs into .bss (struct zdev_harvest), the
 * hash maps it reads whole copied into a mapped array (walk_out).
 *
 * Not map lookups from user space: the kernel does each of those with
 * bpf_prog_active raised on its CPU (bpf_disable_instrumentation()),
 * under migrate_disable(), not preempt_disable(). Preempted there (a
 * PREEMPT or PREEMPT_LAZY kernel: Debian's 7.x, its 6.1 and 6.12 booted
 * with preempt=full), the reading task leaves the count raised for
 * whatever runs on that CPU meanwhile: every kprobe program there, ours
 * and anyone's, is skipped as a recursion.
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
	__u32 i, key, zero = 0; /* i in a register: v6.1 sees the loop end */
	__u64 *n;

	for (i = 0; i < ZDEV_EV_KIND_MAX; i++) {
		key = i;
		n = bpf_map_lookup_percpu_elem(&kinds, &key, cpu);
		if (n)
			harvest.kinds[i] += *n;
	}
	for (i = 0; i < ZDEV_STREAM_MAX; i++) {
		key = i;
		n = bpf_map_lookup_percpu_elem(&stream_drops, &key, cpu);
		if (n)
			harvest.stream_drops[i] += *n;
	}
	f = bpf_map_lookup_percpu_elem(&fast, &zero, cpu);
	for (i = 0; f && i < ZDEV_HOOK_MAX; i++)
		harvest.fast_calls[i] += f->device_calls[i];
	for (i = 0; i < ZDEV_HOOK_MAX; i++) {
		key = i;
		st = bpf_map_lookup_percpu_elem(&stats, &key, cpu);
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

/* What a gone pgmap leaves behind, for the slot_forget callbacks. */
struct forget {
	__u64 pgmap;
	/* its ranges, in pfns; lo > hi: none */
	__u64 lo[ZDEV_MAX_RANGES];
	__u64 hi[ZDEV_MAX_RANGES];
	__u32 slot;
};

static int forget_counters(__u32 cpu, struct forget *f)
{
	struct zdev_pgmap_counters *c =
		bpf_map_lookup_percpu_elem(&counters, &f->slot, cpu);

	if (c)
		__builtin_memset(c, 0, sizeof(*c));
	return 0;
}

static long forget_pin(struct bpf_map *map, __u64 *pfn, struct zdev_pin *pin,
		       struct forget *f)
{
	if (pin->pgmap == f->pgmap)
		bpf_map_delete_elem(&pins, pfn);
	return 0;
}

static long forget_birth(struct bpf_map *map, __u64 *pfn, __u64 *ns,
			 struct forget *f)
{
	__u64 k = *pfn;
	int j;

	for (j = 0; j < ZDEV_MAX_RANGES; j++)
		if (k >= f->lo[j] && k <= f->hi[j]) {
			bpf_map_delete_elem(&resid_births, pfn);
			break;
		}
	return 0;
}

/*
 * A gone pgmap's slot, given back: its counters start again at zero, and
 * its pins and sampled births are forgotten (a pgmap made later in the
 * same place is not them). Deleting from a map bpf_for_each_map_elem()
 * walks is allowed for hash maps; from user space, a delete is a syscall.
 */
SEC("syscall")
int slot_forget(__u32 *args)
{
	struct forget f = { .slot = *args };
	struct zdev_slot *s = slot_at(f.slot);
	__u32 j, nr;

	if (!s)
		return 0;
	f.pgmap = s->pgmap;
	nr = s->info.nr_range;
	for (j = 0; j < ZDEV_MAX_RANGES; j++) {
		f.lo[j] = 1;
		f.hi[j] = 0;
		if (j < nr) {
			f.lo[j] = zdev_phys_pfn(s->info.ranges[j].start);
			f.hi[j] = zdev_phys_pfn(s->info.ranges[j].end);
		}
	}
	bpf_loop(nr_cpus, forget_counters, &f, 0);
	bpf_for_each_map_elem(&pins, forget_pin, &f, 0);
	bpf_for_each_map_elem(&resid_births, forget_birth, &f, 0);
	return 0;
}

/* What a walk copies into: a record per entry, mapped by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ZDEV_WALK_RECS); /* the loader adds room per CPU */
	__type(key, __u32);
	__type(value, struct zdev_walk_rec);
} walk_out SEC(".maps");

struct walk_copy {
	__u32 nr;
	__u32 key_size;
	__u32 val_size;
};

static long walk_entry(struct bpf_map *map, const void *key, void *val,
		       struct walk_copy *w)
{
	__u32 i = w->nr, ks = w->key_size, vs = w->val_size;
	struct zdev_walk_rec *r = bpf_map_lookup_elem(&walk_out, &i);

	if (!r)
		return 1; /* full */
	if (ks > sizeof(r->key))
		ks = sizeof(r->key);
	if (vs > sizeof(r->val))
		vs = sizeof(r->val);
	r->key = 0;
	bpf_probe_read_kernel(&r->key, ks, key);
	bpf_probe_read_kernel(&r->val, vs, val);
	w->nr = i + 1;
	return 0;
}

static int walk_pending(__u32 cpu, struct walk_copy *w)
{
	__u32 i = w->nr, zero = 0;
	struct zdev_walk_rec *r = bpf_map_lookup_elem(&walk_out, &i);
	struct zdev_mm_pending *p =
		bpf_map_lookup_percpu_elem(&mm_pending, &zero, cpu);

	if (!r)
		return 1;
	r->key = p ? p->mm : 0;
	r->val.pending = p ? p->pages : 0;
	w->nr = i + 1;
	return 0;
}

/*
 * One function per map: v6.1 takes a bpf_for_each_map_elem() call site
 * given several maps (as the compiler merges a switch's calls) for an
 * abuse of its map pointer.
 */
#define WALKER(name, map, ktype, vtype)                               \
	static __noinline int walk_##name(struct walk_copy *w)        \
	{                                                             \
		w->key_size = sizeof(ktype);                          \
		w->val_size = sizeof(vtype);                          \
		return bpf_for_each_map_elem(&map, walk_entry, w, 0); \
	}

WALKER(pins, pins, __u64, struct zdev_pin)
WALKER(kallocs, kallocs, __u64, struct zdev_kalloc)
WALKER(setups, open_setups, __u64, struct zdev_setup)
WALKER(mms, mm_stats, __u64, struct zdev_mm_stats)
WALKER(cgroups, cgroup_stats, __u64, struct zdev_cgroup_stats)
WALKER(waits, layout_waits, __u32, struct zdev_layout_wait)

/*
 * A hash map the daemon reads whole (enum zdev_walk_map), copied into
 * walk_out: its lookups one by one would each be a syscall.
 */
SEC("syscall")
int walk(struct zdev_walk *args)
{
	struct walk_copy w = {};

	switch (args->map) {
	case ZDEV_WALK_PINS:
		walk_pins(&w);
		break;
	case ZDEV_WALK_KALLOCS:
		walk_kallocs(&w);
		break;
	case ZDEV_WALK_SETUPS:
		walk_setups(&w);
		break;
	case ZDEV_WALK_MMS:
		walk_mms(&w);
		break;
	case ZDEV_WALK_CGROUPS:
		walk_cgroups(&w);
		break;
	case ZDEV_WALK_WAITS:
		walk_waits(&w);
		break;
	case ZDEV_WALK_PENDING:
		bpf_loop(nr_cpus, walk_pending, &w, 0);
		break;
	}
	args->nr = w.nr;
	return 0;
}

#endif /* ZDEV_HARVEST_BPF_H */
