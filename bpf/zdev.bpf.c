// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon's kernel side: ZONE_DEVICE folio lifecycle events.
 *
 * Every hook exists twice: an fentry/fexit program and a kprobe/kretprobe
 * twin; the loader keeps one of each pair, whichever really attaches. Both
 * twins share one handler that reads the kernel through BPF_CORE_READ, so
 * they report the same thing.
 *
 * Hot-path rule: the rmap hooks fire for every folio on the machine. They
 * test the zone bits of the folio's first word and return; nothing else
 * runs for ordinary memory.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "compat.bpf.h"
#include "zdev.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader from the kernel config and BTF (see src/kernel/). */
const volatile __u32 zone_shift = 0;
const volatile __u32 zone_mask = 0;
const volatile __u32 zone_device = 0;
/* kernel stacks at births and anomalies (zdevmon run, --stacks) */
const volatile bool capture_stacks = false;
/* a 256 MiB chunk evicted at once is 65536 entries */
const volatile __u32 max_migrate_entries = 1 << 20;

#define MIGRATE_PFN_VALID    (1UL << 0)
#define MIGRATE_PFN_MIGRATE  (1UL << 1)
#define MIGRATE_PFN_COMPOUND (1UL << 4) /* v6.18+, unused bit before */
#define MIGRATE_PFN_SHIFT    6
/*
 * Entries read at once from migrate_vma's arrays: a chunk of src and one
 * of dst, or a collect chunk of src alone, keeps the whole call chain
 * within v6.1's 512 bytes of stack (chunks of 8: its kretprobe chain down
 * to slot_new()'s loop took 544).
 */
#define MIG_CHUNK     7
#define COLLECT_CHUNK 32

#define RINGBUF_SIZE (8 << 20) /* the default; --ring-size sets another */

/* wake the reader past this much unread data: a quarter of the ring */
const volatile __u64 ring_wake_bytes = RINGBUF_SIZE / 4;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZDEV_HOOK_MAX);
	__type(key, __u32);
	__type(value, struct zdev_hook_stats);
} stats SEC(".maps");

/*
 * Call sites: bounded; what does not fit is counted, never silent. Every
 * id fits a record's stack field (ZDEV_REC_STACK_MASK - 1 at most).
 */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, ZDEV_REC_STACK_MASK);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, ZDEV_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

#include "scope.bpf.h"
#include "state.bpf.h"

/*
 * Entry arguments for kretprobe twins (and what fentry programs must read
 * before the function changes it), by task and hook: hooked functions
 * nest (migrate_vma_pages -> folio_split_unmapped ->
 * __folio_freeze_and_split_unmapped on 7.x), and one slot per task would
 * let the inner call overwrite and delete the outer one's.
 */
struct stash_key {
	__u64 task; /* bpf_get_current_pid_tgid() */
	__u32 hook; /* enum zdev_hook */
	__u32 pad;
};
struct stash {
	__u64 arg0;
	__u64 arg1;
};
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct stash_key);
	__type(value, struct stash);
} stashed SEC(".maps");

/* Randomised with RANDOMIZE_MEMORY; absent without it (weak). */
extern const void vmemmap_base __ksym __weak;
#define VMEMMAP_START_DEFAULT 0xffffea0000000000ULL /* 4-level, no KASLR */
static __u64 vmemmap; /* value of vmemmap_base, read once */

static __always_inline __u64 vmemmap_start(void)
{
	if (vmemmap)
		return vmemmap;
	if (&vmemmap_base)
		bpf_probe_read_kernel(&vmemmap, sizeof(vmemmap), &vmemmap_base);
	else
		vmemmap = VMEMMAP_START_DEFAULT;
	return vmemmap;
}

static __always_inline struct zdev_hook_stats *hook_stats(int hook)
{
	__u32 key = hook;

	return bpf_map_lookup_elem(&stats, &key);
}

static __always_inline bool zone_is_device(__u64 flags)
{
	return ((flags >> zone_shift) & zone_mask) == zone_device;
}

/* fentry arguments are typed pointers; turn one into a plain number. */
static __always_inline __u64 ptr_to_u64(const void *ptr)
{
	__u64 val = 0;

	bpf_probe_read_kernel(&val, sizeof(val), &ptr);
	return val;
}

/*
 * The same for fentry/fexit programs, from their context: the verifier
 * inlines bpf_get_func_arg() into a load, where a probe read is a call.
 */
static __always_inline __u64 arg_u64(void *ctx, __u32 n)
{
	__u64 val = 0;

	bpf_get_func_arg(ctx, n, &val);
	return val;
}

static __always_inline __u64 read_flags(__u64 addr)
{
	__u64 flags = 0;

	bpf_probe_read_kernel(&flags, sizeof(flags), (void *)addr);
	return flags;
}

static __always_inline __u64 page_to_pfn(__u64 page)
{
	__u64 size = bpf_core_type_size(struct page);

	/* a shift where struct page is 64 bytes (the loader drops the rest) */
	if (size == 64)
		return (page - vmemmap_start()) >> 6;
	return (page - vmemmap_start()) / size;
}

static __always_inline __u64 pfn_to_page(__u64 pfn)
{
	return vmemmap_start() + pfn * bpf_core_type_size(struct page);
}

/* ---- the ring buffer: rare records only ----------------------------- */

/* kind is a constant at every (inlined) call: so is the record size */
static __always_inline struct zdev_event *
event_reserve(int kind, int hook, int stream, struct zdev_hook_stats *st)
{
	struct zdev_event *e;

	if (ZDEV_EVENT_LARGE(kind))
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	else
		e = bpf_ringbuf_reserve(&events, ZDEV_EVENT_SMALL_SIZE, 0);
	if (!e) {
		count_drop(stream);
		if (st)
			st->dropped++;
		return NULL;
	}
	if (ZDEV_EVENT_LARGE(kind))
		__builtin_memset(e, 0, sizeof(*e));
	else
		__builtin_memset(e, 0, ZDEV_EVENT_SMALL_SIZE);
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = kind;
	e->hook = hook;
	e->stack_id = -1;
	return e;
}

/*
 * Waking the reader for every record costs more than the record: the
 * per-event stream wakes it only when a quarter of the ring is used (it
 * drains on its own timer too); lifecycle and anomalies wake it at once.
 */
static __always_inline void event_submit(struct zdev_event *e, bool urgent)
{
	bool wake = urgent || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >
				      ring_wake_bytes;

	bpf_ringbuf_submit(e, wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline __s32 stack_of(void *ctx, struct zdev_hook_stats *st)
{
	long id = bpf_get_stackid(ctx, &stacks, 0);

	if (id >= 0)
		return id;
	if (st) {
		if (id == -EEXIST)
			st->stack_collisions++;
		else
			st->stack_overflows++;
	}
	return -1;
}

/*
 * Births come in runs from one call site (a driver allocating for a
 * migration, a fault loop): walking the same stack for each is most of
 * what stacks cost. A small per-CPU cache remembers the last walks by
 * task, hook and the offset of our own frame in the kernel stack, which
 * is the same for the same call chain and differs between chains; a hit
 * within STACK_REUSE_NS of the walk reuses its id. Two chains at the same
 * depth in one task within that time would share a site: rare, and only
 * the attribution, never a count, could be wrong.
 */
#define STACK_CACHE	8
#define STACK_REUSE_NS	(10 * 1000 * 1000)
#define KSTACK_OFF_MASK 0x3fffULL /* THREAD_SIZE - 1 (16 KiB) */

struct stack_hit {
	__u64 key;
	__u64 ts;
	__s32 id;
	__u32 pad;
};

struct stack_cache {
	struct stack_hit hit[STACK_CACHE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_cache);
} stack_cache SEC(".maps");

static __always_inline __s32 stack_cached(void *ctx, struct zdev_hook_stats *st,
					  int hook)
{
	__u64 here = ptr_to_u64(&here), now = bpf_ktime_get_ns(), key;
	struct stack_cache *sc;
	struct stack_hit *h;
	__u32 zero = 0;

	key = (bpf_get_current_task() << 16) ^ ((here & KSTACK_OFF_MASK) << 5) ^
	      hook;
	sc = bpf_map_lookup_elem(&stack_cache, &zero);
	if (!sc)
		return stack_of(ctx, st);
	h = &sc->hit[(key ^ (key >> 13)) & (STACK_CACHE - 1)];
	/* walked again past the window: a wrong reuse does not last */
	if (h->key == key && h->id >= 0 && now - h->ts < STACK_REUSE_NS)
		return h->id;
	h->key = key;
	h->ts = now;
	h->id = stack_of(ctx, st);
	return h->id;
}

/* ---- pgmap slots ---------------------------------------------------- */

struct claim {
	__u64 pgmap;
	__s32 slot;
};

static int claim_one(__u32 i, struct claim *c)
{
	if (i >= ZDEV_MAX_SLOTS)
		return 1;
	if (slots[i].pgmap)
		return 0;
	if (__sync_val_compare_and_swap(&slots[i].pgmap, 0, c->pgmap))
		return 0; /* taken meanwhile, on another CPU */
	c->slot = i;
	return 1;
}

/* Read a pgmap's description into its slot. */
static __always_inline void slot_describe(struct zdev_slot *s, __u32 i,
					  __u64 addr)
{
	struct dev_pagemap *pgmap = (void *)addr;
	__u64 off = bpf_core_field_offset(struct dev_pagemap, range);
	__u64 pages = 0;
	__u32 nr, j;

	s->info.type = BPF_CORE_READ(pgmap, type);
	nr = BPF_CORE_READ(pgmap, nr_range);
	s->info.nr_range = nr;
	s->info.owner = (__u64)BPF_CORE_READ(pgmap, owner);
	s->info.vmemmap_shift = BPF_CORE_READ(pgmap, vmemmap_shift);
	/* the driver's CPU-fault op, named by the daemon from kallsyms */
	if (s->info.type == ZDEV_PGMAP_PRIVATE)
		s->info.fault_op =
			(__u64)BPF_CORE_READ(pgmap, ops, migrate_to_ram);
	s->info.slot = i;
	for (j = 0; j < ZDEV_MAX_RANGES; j++) {
		if (j >= nr)
			break;
		bpf_probe_read_kernel(
			&s->info.ranges[j], sizeof(struct zdev_range),
			(void *)(addr + off + j * sizeof(struct zdev_range)));
		pages += zdev_phys_pfn(s->info.ranges[j].end) -
			 zdev_phys_pfn(s->info.ranges[j].start) + 1;
	}
	bits_alloc(s, pages);
}

/* Tell the daemon about a slot's pgmap (lifecycle stream). */
static __always_inline void slot_announce(__s32 i, int hook)
{
	struct zdev_slot *s = slot_at(i);
	struct zdev_event *e;

	if (!s)
		return;
	count_kind(ZDEV_EV_PGMAP);
	e = event_reserve(ZDEV_EV_PGMAP, hook, ZDEV_STREAM_LIFECYCLE, NULL);
	if (!e)
		return; /* the daemon finds it in slots[] at its next tick */
	e->pgmap = s->pgmap;
	e->flags = (s->flags & ZDEV_SLOT_CREATED) ? ZDEV_F_CREATED : 0;
	e->pgmap_info = s->info;
	event_submit(e, true);
}

/*
 * A slot for a pgmap seen for the first time (or created again at an
 * address whose old pgmap we never saw go). -1 when every slot is taken.
 */
static __noinline int slot_new(__u64 addr, int hook, __u32 flags)
{
	struct claim c = { .pgmap = addr, .slot = -1 };
	struct zdev_slot *s;
	__u32 *old, idx;

	old = bpf_map_lookup_elem(&pgmap_slot, &addr);
	if (old) {
		s = slot_at(*old);
		if (!(flags & ZDEV_SLOT_CREATED) || !s)
			return *old;
		/* its memunmap_pages went unseen: that pgmap is gone */
		s->gone_ns = bpf_ktime_get_ns();
		__sync_lock_test_and_set(&s->state, ZDEV_SLOT_GONE);
		bpf_map_delete_elem(&pgmap_slot, &addr);
	}
	bpf_loop(ZDEV_MAX_SLOTS, claim_one, &c, 0);
	s = slot_at(c.slot);
	if (!s) {
		__sync_fetch_and_add(&slots_full, 1);
		return -1;
	}
	s->flags = flags;
	s->gen = __sync_fetch_and_add(&slot_gen, 1) + 1;
	s->created_ns = (flags & ZDEV_SLOT_CREATED) ? bpf_ktime_get_ns() : 0;
	s->kill_ns = s->drained_ns = s->gone_ns = 0;
	slot_describe(s, c.slot, addr);
	idx = c.slot;
	if (bpf_map_update_elem(&pgmap_slot, &addr, &idx, BPF_NOEXIST)) {
		/* another CPU described it first: use its slot, give ours back
		 */
		old = bpf_map_lookup_elem(&pgmap_slot, &addr);
		if (s->bit_len)
			__sync_val_compare_and_swap(&next_bit,
						    s->bit_base + s->bit_len,
						    s->bit_base);
		s->state = ZDEV_SLOT_FREE;
		__sync_lock_test_and_set(&s->pgmap, 0);
		return old ? *old : -1;
	}
	__sync_lock_test_and_set(&s->state, ZDEV_SLOT_LIVE);
	slot_announce(c.slot, hook);
	return c.slot;
}

/* Bucket of a time in a log2 histogram: [2^i, 2^(i+1)) ns. */
static __always_inline __u32 log2_bucket(__u64 ns)
{
	__u32 i = 0;

	/* branch-free enough: at most 6 steps */
	if (ns >> 32) {
		ns >>= 32;
		i += 32;
	}
	if (ns >> 16) {
		ns >>= 16;
		i += 16;
	}
	if (ns >> 8) {
		ns >>= 8;
		i += 8;
	}
	if (ns >> 4) {
		ns >>= 4;
		i += 4;
	}
	if (ns >> 2) {
		ns >>= 2;
		i += 2;
	}
	if (ns >> 1)
		i += 1;
	return i < ZDEV_FAULT_BUCKETS ? i : ZDEV_FAULT_BUCKETS - 1;
}

#include "residency.bpf.h"

/* The fast path's per-CPU state (struct zdev_fast in zdev.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct zdev_fast);
} fast SEC(".maps");

/* The slot of a pgmap, given one on first sight; -1 if none is free. */
static __always_inline int slot_of(__u64 pgmap, int hook)
{
	struct zdev_slot *s;
	struct zdev_fast *h;
	__u32 zero = 0, *slot;
	int found;

	if (!pgmap)
		return -1;
	h = bpf_map_lookup_elem(&fast, &zero);
	if (h && h->pgmap == pgmap) {
		s = slot_at(h->slot & (ZDEV_MAX_SLOTS - 1));
		if (s && s->pgmap == pgmap && s->gen == h->gen &&
		    slot_in_use(s))
			return h->slot & (ZDEV_MAX_SLOTS - 1);
	}
	slot = bpf_map_lookup_elem(&pgmap_slot, &pgmap);
	found = slot ? *slot : slot_new(pgmap, hook, 0);
	s = slot_at(found);
	if (h && s) {
		/*
		 * Another task on this CPU may read the hint meanwhile (only
		 * migration is disabled): unnamed while it is filled, named
		 * last, behind a full barrier.
		 */
		h->pgmap = 0;
		h->slot = found;
		h->type = s->info.type;
		h->gen = s->gen;
		h->lo = 1;
		h->hi = 0;
		if (s->bit_len && s->info.nr_range) {
			h->lo = zdev_phys_pfn(s->info.ranges[0].start);
			h->hi = zdev_phys_pfn(s->info.ranges[0].end);
			h->bit = s->bit_base;
		}
		__sync_lock_test_and_set(&h->pgmap, pgmap);
	}
	return found;
}

/*
 * The fast path, for what nearly every device event is: a base folio in
 * daemon mode, on the pgmap this CPU's hint names, its page in the first
 * range. It does what folio_event() would in a few dozen instructions,
 * and returns 0 before changing anything when folio_event() must decide
 * (large folios, CI records, anomalies, the census, first sights).
 */
static __always_inline int folio_fast(void *ctx, int kind, int hook, __u64 addr,
				      __u64 flags, const struct head_fields *h,
				      int maps_delta)
{
	__u64 pg_head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);
	__u64 pfn, bit, mask, *word, *rec = NULL, old;
	struct zdev_pgmap_counters *c;
	__s32 maps = h->maps + maps_delta;
	__u32 zero = 0, w, slot;
	struct zdev_fast *hint;
	struct zdev_slot *s;
	int born = 0;

	if (emit_events || census_active || (flags & pg_head))
		return 0;
	hint = bpf_map_lookup_elem(&fast, &zero);
	if (!hint || hint->pgmap != h->pgmap)
		return 0;
	slot = hint->slot & (ZDEV_MAX_SLOTS - 1);
	s = &slots[slot];
	if (s->pgmap != h->pgmap || s->gen != hint->gen || !slot_in_use(s) ||
	    s->unrecorded)
		return 0;
	pfn = page_to_pfn(addr);
	if (pfn < hint->lo || pfn > hint->hi)
		return 0;
	bit = hint->bit + (pfn - hint->lo);
	w = bit >> 6;
	word = bpf_map_lookup_elem(&live_bits, &w);
	c = bpf_map_lookup_elem(&counters, &slot);
	if (!word || !c)
		return 0;
	mask = 1ULL << (bit & 63);
	if (folio_records) {
		rec = rec_at(bit);
		if (!rec)
			return 0;
	}
	switch (kind) {
	case ZDEV_EV_INIT:
		/* a double init (or one on another CPU meanwhile) */
		if (*word & mask)
			return 0;
		if (rec)
			*rec = zdev_rec_new(
				       since_start(), 0,
				       capture_stacks
					       ? stack_cached(ctx,
							      hook_stats(hook),
							      hook)
					       : -1,
				       false) |
			       (task_foreign() ? ZDEV_REC_FOREIGN : 0);
		if (__sync_fetch_and_or(word, mask) & mask)
			return 0;
		c->inits++;
		born = 1;
		if (resid_sampled(pfn))
			resid_born(pfn);
		break;
	case ZDEV_EV_FREE:
		/* a record of a larger order: folio_event() subtracts it */
		old = rec ? *rec : 0;
		if (h->maps > 0 || !(*word & mask) || zdev_rec_order(old) ||
		    !(__sync_fetch_and_and(word, ~mask) & mask))
			return 0;
		/* unless a birth on another CPU rewrote it meanwhile */
		if (rec)
			__sync_val_compare_and_swap(rec, old, 0);
		c->frees++;
		born = -1;
		if (resid_sampled(pfn))
			resid_died(slot, pfn);
		break;
	case ZDEV_EV_MAP:
	case ZDEV_EV_UNMAP:
		/*
		 * device-dax idles at refcount 1: its last unmap is a death;
		 * CI records of folios born here come from folio_event()
		 */
		if (maps < 0 ||
		    (kind == ZDEV_EV_UNMAP && maps <= 0 &&
		     idle_refcount(hint->type)) ||
		    (rec && !(*word & mask)))
			return 0;
		if (kind == ZDEV_EV_MAP)
			c->maps++;
		else
			c->unmaps++;
		c->mapped_pages += (maps > 0) - (h->maps > 0);
		if (rec) {
			rec_touch(rec, maps > 0);
			break;
		}
		if ((*word & mask) || (__sync_fetch_and_or(word, mask) & mask))
			break;
		/* born at its first map, or alive before we started */
		if (kind == ZDEV_EV_MAP && born_at_map(hint->type))
			c->inits++;
		else
			c->preexisting++;
		born = 1;
		break;
	default:
		return 0;
	}
	c->live_folios += born;
	c->live_pages += born;
	if (hook >= 0 && hook < ZDEV_HOOK_MAX)
		hint->device_calls[hook]++;
	return 1;
}

/* ---- folio events --------------------------------------------------- */

/* What an event found: the folio before the call and after it. */
struct folio_facts {
	__u64 pfn;
	__u32 order;
	__u32 nr; /* pages the rmap operation covers */
	__s32 refcount;
	__s32 maps, entire; /* after the call */
	__s32 maps_before, entire_before;
};

static __always_inline void anomaly(void *ctx, int hook, __s32 slot,
				    struct zdev_pgmap_counters *c, int which,
				    struct folio_facts *f, __u64 pgmap)
{
	struct zdev_hook_stats *st = hook_stats(hook);
	struct zdev_event *e;

	if (which < 0 || which >= ZDEV_AN_MAX)
		return;
	if (c)
		c->anomalies[which]++;
	e = event_reserve(ZDEV_EV_ANOMALY, hook, ZDEV_STREAM_ANOMALY, st);
	if (!e)
		return;
	e->pgmap = pgmap;
	e->anomaly.pfn = f->pfn;
	e->anomaly.order = f->order;
	e->anomaly.anomaly = which;
	e->anomaly.refcount = f->refcount;
	e->anomaly.mapcount = f->maps;
	if (capture_stacks)
		e->stack_id = stack_of(ctx, st);
	event_submit(e, true);
}

/* The opt-in per-event stream (--events). */
static __always_inline void event_emit(int kind, int hook, __u64 pgmap,
				       __u16 evflags, struct folio_facts *f,
				       __s32 stack_id,
				       struct zdev_hook_stats *st)
{
	struct zdev_event *e;

	if (!emit_events)
		return;
	e = event_reserve(kind, hook, ZDEV_STREAM_EVENTS, st);
	if (!e)
		return;
	e->pgmap = pgmap;
	e->flags = evflags;
	e->stack_id = stack_id;
	e->folio.pfn = f->pfn;
	e->folio.order = f->order;
	e->folio.nr = f->nr;
	e->folio.refcount = f->refcount;
	e->folio.mapcount = f->maps;
	e->folio.entire_maps = f->entire;
	event_submit(e, false);
}

/* A folio became live: counted once, whatever the per-folio state says. */
static __always_inline void folio_born(void *ctx, int hook, __s32 slot,
				       struct zdev_slot *s,
				       struct zdev_pgmap_counters *c,
				       struct folio_facts *f, bool check,
				       __s32 *stack_id)
{
	struct zdev_hook_stats *st = hook_stats(hook);
	__s32 stack = -1;
	int was;

	/* births are where a leaked reference comes from */
	if (capture_stacks)
		stack = stack_cached(ctx, st, hook);
	*stack_id = stack;
	was = folio_live_set(s, slot, f->pfn, f->order, stack, false);
	c->inits++;
	if (was == 1) {
		/* the census found it between its init and our program */
		if (census_active) {
			c->preexisting--;
			return;
		}
		if (check)
			anomaly(ctx, hook, slot, c, ZDEV_AN_DOUBLE_INIT, f,
				s->pgmap);
		return;
	}
	if (was < 0) {
		c->untracked++;
		unrecorded_add(s);
	}
	c->live_folios++;
	c->live_pages += 1LL << f->order;
	if (resid_sampled(f->pfn))
		resid_born(f->pfn);
}

/* A folio found live where no birth was seen: alive before we started. */
static __always_inline void folio_found(__s32 slot, struct zdev_slot *s,
					struct zdev_pgmap_counters *c,
					struct folio_facts *f, bool census)
{
	int was;

	/* a birth we saw but had no room to mark: marked now, counted then */
	if (!census && unrecorded_take(s)) {
		folio_live_set(s, slot, f->pfn, f->order, -1, true);
		return;
	}
	was = folio_live_set(s, slot, f->pfn, f->order, -1, true);
	if (was == 1)
		return;
	if (was < 0) {
		c->untracked++;
		unrecorded_add(s);
	}
	c->preexisting++;
	c->live_folios++;
	c->live_pages += 1LL << f->order;
	if (census)
		c->mapped_pages +=
			zdev_mapped_pages(f->maps, f->entire, f->order);
}

/* A folio went back to idle (freed, or unmapped at refcount 1). */
static __always_inline void folio_died(void *ctx, int hook, __s32 slot,
				       struct zdev_slot *s,
				       struct zdev_pgmap_counters *c,
				       struct folio_facts *f, bool check)
{
	__u32 order = f->order;
	int was = folio_live_clear(s, slot, f->pfn, &order);

	c->frees++;
	/* a live folio we had no room to mark (counted then): not a double
	 * free */
	if (was == 0 && unrecorded_take(s))
		was = 2;
	if (was == 0) {
		if (check)
			anomaly(ctx, hook, slot, c,
				s->flags & (ZDEV_SLOT_CREATED |
					    ZDEV_SLOT_CENSUS)
					? ZDEV_AN_DOUBLE_FREE
					: ZDEV_AN_FREE_UNTRACKED,
				f, s->pgmap);
		return;
	}
	if (was < 0)
		c->untracked++;
	c->live_folios--;
	c->live_pages -= 1LL << (order & 31);
	if (resid_sampled(f->pfn))
		resid_died(slot, f->pfn);
}

/*
 * A lifecycle event of a device folio: init, free, map, unmap, devmap
 * put. Mapcounts are read from the folio at the call (before it, for
 * rmap entry programs: maps_delta and entire_delta give the after).
 * order >= 0: a folio not made yet (a birth at the init's entry), of that
 * order and mapped nowhere; -1: read from the folio.
 */
static __always_inline int
folio_event_at(void *ctx, int kind, int hook, __u64 addr, __u64 flags,
	       const struct head_fields *hp, __u32 nr, __u16 evflags,
	       int maps_delta, int entire_delta, int order)
{
	struct zdev_hook_stats *st;
	struct zdev_pgmap_counters *c;
	struct folio *folio = (void *)addr;
	struct folio_facts f = {};
	struct head_fields head = *hp;
	struct zdev_slot *s;
	__s32 slot, stack = -1;
	__s64 mapped_delta;
	__u32 type;
	int idle, live;

	if (folio_fast(ctx, kind, hook, addr, flags, hp, maps_delta))
		return 0;
	st = hook_stats(hook);
	if (st)
		st->device++;
	count_kind(kind);
	slot = slot_of(head.pgmap, hook);
	s = slot_at(slot);
	c = slot_counters(slot);
	if (!s || !c)
		return 0;
	f.pfn = page_to_pfn(addr);
	f.order = order >= 0 ? order : folio_order_of(folio, flags);
	f.refcount = head.refcount == ZDEV_REFCOUNT_UNREAD
			     ? folio_refcount(folio)
			     : head.refcount;
	if (f.order > ZDEV_MAX_ORDER) {
		anomaly(ctx, hook, slot, c, ZDEV_AN_BAD_ORDER, &f, head.pgmap);
		return 0;
	}
	f.nr = nr ? nr : 1U << f.order;
	if (order < 0) {
		f.maps_before =
			f.order ? folio_total_maps(folio, f.order) : head.maps;
		f.entire_before = folio_entire_maps(folio, f.order);
	}
	f.maps = f.maps_before + maps_delta;
	f.entire = f.entire_before + entire_delta;
	type = s->info.type;
	idle = idle_refcount(type);

	switch (kind) {
	case ZDEV_EV_INIT:
		folio_born(ctx, hook, slot, s, c, &f, true, &stack);
		break;
	case ZDEV_EV_FREE:
		if (f.maps > 0)
			anomaly(ctx, hook, slot, c, ZDEV_AN_FREE_MAPPED, &f,
				head.pgmap);
		folio_died(ctx, hook, slot, s, c, &f, true);
		break;
	case ZDEV_EV_MAP:
	case ZDEV_EV_UNMAP:
		if (kind == ZDEV_EV_MAP)
			c->maps++;
		else
			c->unmaps++;
		if (f.maps < 0 || f.entire < 0)
			anomaly(ctx, hook, slot, c, ZDEV_AN_MAPCOUNT_NEGATIVE,
				&f, head.pgmap);
		mapped_delta = zdev_mapped_pages(f.maps, f.entire, f.order) -
			       zdev_mapped_pages(f.maps_before, f.entire_before,
						 f.order);
		c->mapped_pages += mapped_delta;
		live = folio_live_test(s, slot, f.pfn);
		if (live < 0)
			c->untracked++;
		else if (!live && kind == ZDEV_EV_MAP && born_at_map(type))
			folio_born(ctx, hook, slot, s, c, &f, false, &stack);
		else if (!live)
			folio_found(slot, s, c, &f, false);
		folio_touch(s, f.pfn, f.maps > 0);
		/*
		 * Folios that idle at refcount 1 (device-dax) never reach
		 * the free path: the last unmap returns them to idle.
		 */
		if (kind == ZDEV_EV_UNMAP && idle && f.maps <= 0 &&
		    f.entire <= 0)
			folio_died(ctx, hook, slot, s, c, &f, false);
		break;
	case ZDEV_EV_DEVMAP_PUT:
		/*
		 * v6.1/6.12 devmap pages idle at refcount 1; only their puts
		 * are seen. Back at idle: a release (a folio not seen live
		 * was born and released unseen). Above idle: live.
		 */
		if (f.refcount <= idle) {
			if (folio_live_test(s, slot, f.pfn) == 0) {
				c->inits++;
				c->frees++;
			} else {
				folio_died(ctx, hook, slot, s, c, &f, false);
			}
		} else if (folio_live_test(s, slot, f.pfn) == 0) {
			folio_born(ctx, hook, slot, s, c, &f, false, &stack);
		}
		break;
	}
	event_emit(kind, hook, head.pgmap, evflags, &f, stack, st);
	return 0;
}

static __always_inline int folio_event(void *ctx, int kind, int hook,
				       __u64 addr, __u64 flags,
				       const struct head_fields *hp, __u32 nr,
				       __u16 evflags, int maps_delta,
				       int entire_delta)
{
	return folio_event_at(ctx, kind, hook, addr, flags, hp, nr, evflags,
			      maps_delta, entire_delta, -1);
}

/* ---- allocation and free ------------------------------------------- */

/* kprobe twins of fexit programs: stash the arguments, act on return. */
static __always_inline void stash_args(__u32 hook, __u64 a0, __u64 a1)
{
	struct stash_key key = { .task = bpf_get_current_pid_tgid(),
				 .hook = hook };
	struct stash s = { .arg0 = a0, .arg1 = a1 };

	bpf_map_update_elem(&stashed, &key, &s, BPF_ANY);
}

static __always_inline bool unstash_args(__u32 hook, struct stash *out)
{
	struct stash_key key = { .task = bpf_get_current_pid_tgid(),
				 .hook = hook };
	struct stash *s = bpf_map_lookup_elem(&stashed, &key);

	if (!s)
		return false;
	*out = *s;
	bpf_map_delete_elem(&stashed, &key);
	return true;
}

/*
 * EXIT_HOOK(name, func, hook, handler): a hook acting on func's first argument
 * once func returns: the fexit program and its kprobe + kretprobe twin,
 * handler(ctx, arg0) shared.
 */
#define EXIT_HOOK(name, func, hook, handler)          \
	SEC("fexit/" #func)                           \
	int BPF_PROG(name##_fexit, void *arg0)        \
	{                                             \
		return handler(ctx, arg_u64(ctx, 0)); \
	}                                             \
	SEC("kprobe/" #func)                          \
	int BPF_KPROBE(name##_kprobe, void *arg0)     \
	{                                             \
		stash_args(hook, (__u64)arg0, 0);     \
		return 0;                             \
	}                                             \
	SEC("kretprobe/" #func)                       \
	int BPF_KRETPROBE(name##_kretprobe)           \
	{                                             \
		struct stash s;                       \
                                                      \
		if (!unstash_args(hook, &s))          \
			return 0;                     \
		return handler(ctx, s.arg0);          \
	}

/* at exit: pgmap, order and refcount are set by then (v7.x sets pgmap) */
SEC("fexit/zone_device_page_init")
int BPF_PROG(page_init_fexit, struct page *page)
{
	struct folio *folio = (void *)page; /* a head page */
	struct head_fields h;

	folio_head_load(folio, &h);
	return folio_event(ctx, ZDEV_EV_INIT, ZDEV_HOOK_PAGE_INIT,
			   arg_u64(ctx, 0), *(__u64 *)folio, &h, 0, 0, 0, 0);
}

/*
 * The same at entry, where the folio is not made yet but the arguments say
 * what it will be: no fexit trampoline calling the function (make bench:
 * 0.02 s of the THP benchmark's 444,764 births, less than boots vary by;
 * 0.1 s at a boot of every program emptied). v6.1/6.12 pass the
 * page alone, its pgmap set since memremap_pages() and its order 0; v7.x
 * passes (page, pgmap, order), the page's own words still those of its
 * last life (a stale head flag, compound head or order). The loader takes
 * this program only for those two forms (src/kernel/probe.c).
 */
SEC("fentry/zone_device_page_init")
int BPF_PROG(page_init_fentry, struct page *page)
{
	__u64 pg_head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);
	struct folio *folio = (void *)page;
	__u64 pgmap = 0, order = 0, flags;
	struct head_fields h;

	folio_head_load(folio, &h);
	if (bpf_get_func_arg_cnt(ctx) == 3) {
		bpf_get_func_arg(ctx, 1, &pgmap);
		bpf_get_func_arg(ctx, 2, &order);
		/* an unsigned int: its register's upper half is not ours */
		order = (__u32)order;
		h.pgmap = pgmap;
	}
	h.refcount = 1; /* what the init sets */
	h.maps = 0;
	flags = (*(__u64 *)folio & ~pg_head) | (order ? pg_head : 0);
	return folio_event_at(ctx, ZDEV_EV_INIT, ZDEV_HOOK_PAGE_INIT,
			      arg_u64(ctx, 0), flags, &h, 0, 0, 0, 0,
			      order > ZDEV_MAX_ORDER ? ZDEV_MAX_ORDER + 1
						     : (int)order);
}

SEC("kprobe/zone_device_page_init")
int BPF_KPROBE(page_init_kprobe, void *page)
{
	stash_args(ZDEV_HOOK_PAGE_INIT, (__u64)page, 0);
	return 0;
}

SEC("kretprobe/zone_device_page_init")
int BPF_KRETPROBE(page_init_kretprobe)
{
	struct head_fields h;
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_PAGE_INIT, &s))
		return 0;
	folio_head_read((struct folio *)s.arg0, &h);
	return folio_event(ctx, ZDEV_EV_INIT, ZDEV_HOOK_PAGE_INIT, s.arg0,
			   read_flags(s.arg0), &h, 0, 0, 0, 0);
}

static __always_inline int on_free(void *ctx, __u64 addr, __u64 flags,
				   const struct head_fields *h)
{
	/* Only device folios get here: check the zone shift once more. */
	if (!zone_is_device(flags)) {
		struct zdev_hook_stats *st = hook_stats(ZDEV_HOOK_FREE);

		if (st)
			st->anomalies++;
	}
	return folio_event(ctx, ZDEV_EV_FREE, ZDEV_HOOK_FREE, addr, flags, h, 0,
			   0, 0, 0);
}

/* a folio typed by the kernel's BTF: plain loads */
static __always_inline int on_free_load(void *ctx, __u64 addr,
					struct folio *folio)
{
	struct head_fields h;

	folio_head_load(folio, &h);
	return on_free(ctx, addr, *(__u64 *)folio, &h);
}

SEC("fentry/free_zone_device_folio")
int BPF_PROG(free_fentry, struct folio *folio)
{
	return on_free_load(ctx, arg_u64(ctx, 0), folio);
}

/* a kprobe's folio: not a BTF pointer, probe reads */
static __always_inline int on_free_read(void *ctx, struct folio *folio)
{
	struct head_fields h;

	folio_head_read(folio, &h);
	return on_free(ctx, (__u64)folio, read_flags((__u64)folio), &h);
}

SEC("kprobe/free_zone_device_folio")
int BPF_KPROBE(free_kprobe, struct folio *folio)
{
	return on_free_read(ctx, folio);
}

/* the free hook where the kernel may preempt fentry (src/kernel/probe.c) */
SEC("kprobe.multi/free_zone_device_folio")
int BPF_KPROBE(free_kmulti, struct folio *folio)
{
	return on_free_read(ctx, folio);
}

/* v6.2+: a pointer typed by the kernel's BTF, whose loads need no helper */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/*
 * The same where the kernel has bpf_rdonly_cast(): the folio read by plain
 * loads, as free_fentry reads it, where on_free_read()'s probe reads cost
 * about 200 instructions a free (FS DAX faults, make bench)
 */
SEC("kprobe.multi/free_zone_device_folio")
int BPF_KPROBE(free_kmulti_cast, struct folio *folio)
{
	struct folio *f =
		bpf_rdonly_cast(folio, bpf_core_type_id_kernel(struct folio));

	return on_free_load(ctx, (__u64)folio, f);
}

#include "sections.bpf.h"
#include "usage.bpf.h"
#include "faults.bpf.h"
#include "pingpong.bpf.h"

/* ---- rmap: every folio of the machine passes here -------------------- */

/*
 * RMAP_HOOK(func, hook, kind, evflags, nr, maps_delta, entire_delta, vma)
 * defines the fentry and kprobe twins of one rmap function; `nr' and the
 * deltas are expressions over the arguments (folio, page, nr_pages), vma
 * the 1-based position of its vm_area_struct argument.
 */
#define RMAP_HOOK(func, hook, kind, evflags, nr, maps, entire, vma)            \
	SEC("fentry/" #func)                                                   \
	int BPF_PROG(func##_fentry, struct folio *folio, struct page *page,    \
		     int nr_pages)                                             \
	{                                                                      \
		__u64 flags = *(__u64 *)folio, addr;                           \
		struct head_fields h;                                          \
                                                                               \
		if (!zone_is_device(flags))                                    \
			return 0;                                              \
		folio_head_load(folio, &h);                                    \
		addr = arg_u64(ctx, 0);                                        \
		usage_mapped(ctx_vma_mm(ctx, vma - 1), kind, nr, addr, flags); \
		return folio_event(ctx, kind, hook, addr, flags, &h, nr,       \
				   evflags, maps, entire);                     \
	}                                                                      \
	SEC("kprobe/" #func)                                                   \
	int BPF_KPROBE(func##_kprobe, struct folio *folio, struct page *page,  \
		       int nr_pages)                                           \
	{                                                                      \
		__u64 flags = read_flags((__u64)folio);                        \
		struct head_fields h;                                          \
                                                                               \
		if (!zone_is_device(flags))                                    \
			return 0;                                              \
		folio_head_read(folio, &h);                                    \
		usage_mapped(vma_mm((__u64)PT_REGS_PARM##vma(ctx)), kind, nr,  \
			     (__u64)folio, flags);                             \
		return folio_event(ctx, kind, hook, (__u64)folio, flags, &h,   \
				   nr, evflags, maps, entire);                 \
	}

#define PMD_PAGES 0 /* 0: the folio's own size */

RMAP_HOOK(folio_add_anon_rmap_ptes, ZDEV_HOOK_ADD_ANON_PTES, ZDEV_EV_MAP, 0,
	  nr_pages, nr_pages, 0, 4)
RMAP_HOOK(folio_add_anon_rmap_pmd, ZDEV_HOOK_ADD_ANON_PMD, ZDEV_EV_MAP,
	  ZDEV_F_LARGE_MAP, PMD_PAGES, 1, 1, 3)
RMAP_HOOK(folio_add_file_rmap_ptes, ZDEV_HOOK_ADD_FILE_PTES, ZDEV_EV_MAP, 0,
	  nr_pages, nr_pages, 0, 4)
RMAP_HOOK(folio_add_file_rmap_pmd, ZDEV_HOOK_ADD_FILE_PMD, ZDEV_EV_MAP,
	  ZDEV_F_LARGE_MAP, PMD_PAGES, 1, 1, 3)
RMAP_HOOK(folio_add_file_rmap_pud, ZDEV_HOOK_ADD_FILE_PUD, ZDEV_EV_MAP,
	  ZDEV_F_LARGE_MAP, PMD_PAGES, 1, 1, 3)
RMAP_HOOK(folio_remove_rmap_ptes, ZDEV_HOOK_REMOVE_PTES, ZDEV_EV_UNMAP, 0,
	  nr_pages, -nr_pages, 0, 4)
RMAP_HOOK(folio_remove_rmap_pmd, ZDEV_HOOK_REMOVE_PMD, ZDEV_EV_UNMAP,
	  ZDEV_F_LARGE_MAP, PMD_PAGES, -1, -1, 3)
RMAP_HOOK(folio_remove_rmap_pud, ZDEV_HOOK_REMOVE_PUD, ZDEV_EV_UNMAP,
	  ZDEV_F_LARGE_MAP, PMD_PAGES, -1, -1, 3)

/* A new anon folio is mapped whole: once by PTE, or once by PMD if large. */
static __always_inline int on_new_anon(void *ctx, __u64 addr, __u64 flags,
				       const struct head_fields *h, __u64 mm)
{
	bool large =
		flags & (1ULL << bpf_core_enum_value(enum pageflags, PG_head));

	usage_mapped(mm, ZDEV_EV_MAP, 0, addr, flags);

	return folio_event(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_NEW_ANON, addr,
			   flags, h, 0,
			   ZDEV_F_NEW_ANON | (large ? ZDEV_F_LARGE_MAP : 0), 1,
			   large ? 1 : 0);
}

SEC("fentry/folio_add_new_anon_rmap")
int BPF_PROG(folio_add_new_anon_rmap_fentry, struct folio *folio)
{
	__u64 flags = *(__u64 *)folio;
	struct head_fields h;

	if (!zone_is_device(flags))
		return 0;
	folio_head_load(folio, &h);
	return on_new_anon(ctx, arg_u64(ctx, 0), flags, &h, ctx_vma_mm(ctx, 1));
}

SEC("kprobe/folio_add_new_anon_rmap")
int BPF_KPROBE(folio_add_new_anon_rmap_kprobe, struct folio *folio, void *vma)
{
	__u64 flags = read_flags((__u64)folio);
	struct head_fields h;

	if (!zone_is_device(flags))
		return 0;
	folio_head_read(folio, &h);
	return on_new_anon(ctx, (__u64)folio, flags, &h, vma_mm((__u64)vma));
}

/*
 * v6.1: rmap took pages, not folios, with a compound flag for PMD maps
 * (v6.2..v6.8 moved to the folio_* calls above). A page may be a tail.
 */
#define RMAP_COMPOUND (1U << 1) /* rmap_t, v6.1 */

static __always_inline int page_rmap(void *ctx, int kind, int hook, __u64 page,
				     bool compound, __u16 evflags, __u64 vma)
{
	__u64 flags = read_flags(page), head;
	struct head_fields h;

	if (!zone_is_device(flags))
		return 0;
	head = page_head(page);
	if (head != page)
		flags = read_flags(head);
	folio_head_read((struct folio *)head, &h);
	usage_mapped(vma_mm(vma), kind, compound ? 0 : 1, head, flags);
	return folio_event(ctx, kind, hook, head, flags, &h, compound ? 0 : 1,
			   evflags | (compound ? ZDEV_F_LARGE_MAP : 0),
			   kind == ZDEV_EV_MAP ? 1 : -1,
			   compound ? (kind == ZDEV_EV_MAP ? 1 : -1) : 0);
}

SEC("fentry/page_add_anon_rmap")
int BPF_PROG(page_add_anon_rmap_fentry, struct page *page, void *vma,
	     unsigned long address, unsigned int rmap_flags)
{
	return page_rmap(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_ANON_PTES,
			 arg_u64(ctx, 0), rmap_flags & RMAP_COMPOUND, 0,
			 arg_u64(ctx, 1));
}

SEC("kprobe/page_add_anon_rmap")
int BPF_KPROBE(page_add_anon_rmap_kprobe, struct page *page, void *vma,
	       unsigned long address, unsigned int rmap_flags)
{
	return page_rmap(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_ANON_PTES, (__u64)page,
			 rmap_flags & RMAP_COMPOUND, 0, (__u64)vma);
}

SEC("fentry/page_add_new_anon_rmap")
int BPF_PROG(page_add_new_anon_rmap_fentry, struct page *page)
{
	__u64 addr = arg_u64(ctx, 0);
	__u64 head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);

	return page_rmap(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_NEW_ANON, addr,
			 read_flags(addr) & head, ZDEV_F_NEW_ANON,
			 arg_u64(ctx, 1));
}

SEC("kprobe/page_add_new_anon_rmap")
int BPF_KPROBE(page_add_new_anon_rmap_kprobe, struct page *page, void *vma)
{
	__u64 head = 1ULL << bpf_core_enum_value(enum pageflags, PG_head);

	return page_rmap(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_NEW_ANON, (__u64)page,
			 read_flags((__u64)page) & head, ZDEV_F_NEW_ANON,
			 (__u64)vma);
}

SEC("fentry/page_add_file_rmap")
int BPF_PROG(page_add_file_rmap_fentry, struct page *page, void *vma,
	     bool compound)
{
	return page_rmap(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_FILE_PTES,
			 arg_u64(ctx, 0), compound, 0, arg_u64(ctx, 1));
}

SEC("kprobe/page_add_file_rmap")
int BPF_KPROBE(page_add_file_rmap_kprobe, struct page *page, void *vma,
	       bool compound)
{
	return page_rmap(ctx, ZDEV_EV_MAP, ZDEV_HOOK_ADD_FILE_PTES, (__u64)page,
			 compound, 0, (__u64)vma);
}

SEC("fentry/page_remove_rmap")
int BPF_PROG(page_remove_rmap_fentry, struct page *page, void *vma,
	     bool compound)
{
	return page_rmap(ctx, ZDEV_EV_UNMAP, ZDEV_HOOK_REMOVE_PTES,
			 arg_u64(ctx, 0), compound, 0, arg_u64(ctx, 1));
}

SEC("kprobe/page_remove_rmap")
int BPF_KPROBE(page_remove_rmap_kprobe, struct page *page, void *vma,
	       bool compound)
{
	return page_rmap(ctx, ZDEV_EV_UNMAP, ZDEV_HOOK_REMOVE_PTES, (__u64)page,
			 compound, 0, (__u64)vma);
}

/*
 * v6.1/6.12: FS DAX and device-dax pages idle at refcount 1 and are mapped
 * by devmap PTEs that neither rmap nor free paths see. Their references
 * come back through __put_devmap_managed_{page,folio}_refs(): at its exit
 * the refcount says whether the page is idle again.
 */
static __always_inline int on_devmap_put(void *ctx, __u64 page, bool done)
{
	__u64 head = page_head(page), flags = read_flags(head);
	struct head_fields h;

	/* false: not an FS DAX page; the caller puts it the ordinary way */
	if (!done || !zone_is_device(flags))
		return 0;
	folio_head_read((struct folio *)head, &h);
	return folio_event(ctx, ZDEV_EV_DEVMAP_PUT, ZDEV_HOOK_DEVMAP_PUT, head,
			   flags, &h, 0, 0, 0, 0);
}

SEC("fexit/__put_devmap_managed_folio_refs")
int BPF_PROG(devmap_put_fexit, void *page)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	return on_devmap_put(ctx, arg_u64(ctx, 0), (bool)ret);
}

SEC("kprobe/__put_devmap_managed_folio_refs")
int BPF_KPROBE(devmap_put_kprobe, void *page)
{
	stash_args(ZDEV_HOOK_DEVMAP_PUT, (__u64)page, 0);
	return 0;
}

SEC("kretprobe/__put_devmap_managed_folio_refs")
int BPF_KRETPROBE(devmap_put_kretprobe, long ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_DEVMAP_PUT, &s))
		return 0;
	return on_devmap_put(ctx, s.arg0, (bool)ret);
}

/* ---- splits of large device folios -------------------------------- */

struct split_walk {
	__u64 pfn;  /* the head */
	__u64 step; /* pages per piece */
	__u64 rec;  /* CI mode: the pieces' record, the head's with its order */
	__s32 slot;
	__u32 new_order;
};

/*
 * Piece i + 1 of a split: live like its head. What finds no room is
 * counted in the slot's map values, not in *w: the verifier would follow
 * a counter on the stack as a constant, one state per iteration.
 */
static int split_piece(__u32 i, struct split_walk *w)
{
	struct zdev_slot *s = slot_at(w->slot);
	struct zdev_pgmap_counters *c = slot_counters(w->slot);
	__u64 pfn = w->pfn + (__u64)(i + 1) * w->step, *rec;
	__s64 bit;
	int ret;

	if (!s || !c)
		return 1;
	bit = bit_of(s, pfn);
	rec = rec_at(bit);
	if (rec)
		*rec = w->rec;
	ret = bit_flip(bit, true);
	if (ret < 0) {
		c->untracked++;
		unrecorded_add(s);
	}
	return 0;
}

/* A large folio became 2^(order - new_order) folios of new_order. */
static __always_inline int on_split(void *ctx, __u64 addr, __u32 old_order,
				    __u32 new_order, long ret)
{
	__u64 flags = read_flags(addr), *rec, pieces;
	struct zdev_hook_stats *st;
	struct zdev_pgmap_counters *c;
	struct folio_facts f = {};
	struct split_walk w = {};
	struct zdev_slot *s;
	struct zdev_event *e;
	__u64 pgmap;
	int live;

	if (ret || !zone_is_device(flags))
		return 0;
	st = hook_stats(ZDEV_HOOK_SPLIT);
	if (st)
		st->device++;
	count_kind(ZDEV_EV_SPLIT);
	pgmap = (__u64)folio_pgmap((struct folio *)addr);
	w.slot = slot_of(pgmap, ZDEV_HOOK_SPLIT);
	s = slot_at(w.slot);
	c = slot_counters(w.slot);
	if (!s || !c)
		return 0;
	f.pfn = w.pfn = page_to_pfn(addr);
	f.order = new_order;
	c->splits++;
	if (new_order > ZDEV_MAX_ORDER || old_order > ZDEV_MAX_ORDER) {
		anomaly(ctx, ZDEV_HOOK_SPLIT, w.slot, c, ZDEV_AN_BAD_ORDER, &f,
			pgmap);
		return 0;
	}
	live = folio_live_test(s, w.slot, w.pfn);
	if (live == 0) {
		anomaly(ctx, ZDEV_HOOK_SPLIT, w.slot, c,
			ZDEV_AN_SPLIT_UNTRACKED, &f, pgmap);
		return 0;
	}
	if (new_order >= old_order)
		return 0;
	pieces = 1ULL << (old_order - new_order);
	w.step = 1ULL << new_order;
	w.new_order = new_order;
	rec = rec_at(bit_of(s, w.pfn));
	if (rec) {
		w.rec = (*rec & ~ZDEV_REC_ORDER_MASK) | new_order;
		*rec = w.rec;
	}
	bpf_loop(pieces - 1, split_piece, &w, 0);
	c->untracked += live < 0;
	c->split_new_folios += pieces - 1;
	c->live_folios += pieces - 1;

	if (!emit_events)
		return 0;
	e = event_reserve(ZDEV_EV_SPLIT, ZDEV_HOOK_SPLIT, ZDEV_STREAM_EVENTS,
			  st);
	if (!e)
		return 0;
	e->pgmap = pgmap;
	e->folio.pfn = w.pfn;
	e->folio.order = old_order;
	e->folio.new_order = new_order;
	event_submit(e, false);
	return 0;
}

/*
 * The common tail of __folio_split() and folio_split_unmapped() (v6.19).
 * Its exit sees the pieces; the order before comes from its entry.
 */
static __always_inline void split_enter(__u64 folio, __u32 new_order)
{
	__u64 flags = read_flags(folio);

	if (!zone_is_device(flags))
		return;
	stash_args(ZDEV_HOOK_SPLIT, folio,
		   ((__u64)folio_order_of((struct folio *)folio, flags) << 32) |
			   new_order);
}

static __always_inline int split_exit(void *ctx, long ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_SPLIT, &s))
		return 0;
	return on_split(ctx, s.arg0, s.arg1 >> 32, (__u32)s.arg1, ret);
}

SEC("fentry/__folio_freeze_and_split_unmapped")
int BPF_PROG(split_fentry, struct folio *folio, unsigned int new_order)
{
	split_enter(arg_u64(ctx, 0), new_order);
	return 0;
}

SEC("fexit/__folio_freeze_and_split_unmapped")
int BPF_PROG(split_fexit, struct folio *folio, unsigned int new_order)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	return split_exit(ctx, (int)ret);
}

SEC("kprobe/__folio_freeze_and_split_unmapped")
int BPF_KPROBE(split_kprobe, struct folio *folio, unsigned int new_order)
{
	split_enter((__u64)folio, new_order);
	return 0;
}

SEC("kretprobe/__folio_freeze_and_split_unmapped")
int BPF_KRETPROBE(split_kretprobe, long ret)
{
	return split_exit(ctx, ret);
}

/* ---- migration ------------------------------------------------------ */

/*
 * A walk's flag (beside ZDEV_F_*): the source pgmap's pages that went to
 * another device, counted as its outflow, not as migrated to RAM.
 */
#define MIG_W_D2D_OUT 0x8000

struct migrate_walk {
	__u64 src; /* unsigned long *src */
	__u64 dst; /* unsigned long *dst */
	__u64 npages;
	__u64 pgmap;   /* pgmap of the current run of entries */
	__u64 lo, hi;  /* its pfn range holding the last entry */
	__u64 first;   /* the first device page's pgmap */
	__u64 pp_bits; /* the pages moved, for ping-pong: pp_moved() */
	/*
	 * 32 bits (a call holds 2^20 entries at most, 2^29 pages): v6.1's
	 * 512-byte stack holds the walk's whole call chain
	 */
	__u32 collected;
	__u32 moved;	    /* pages of every run flushed */
	__u32 moved_large;  /* and their compound entries */
	__u32 pages, large; /* of the current run */
	__u32 failed;	    /* pages given a destination, not moved */
	__u32 skip_until;   /* chunk_read() */
	__u32 chunk_base; /* the chunk's first entry: here, not on the stack */
	__u32 pp_at;	  /* pp_moved()'s */
	__u16 flags;
	__u16 hook;
};

/* Migration outcomes per slot (struct zdev_migrations): migrations.bpf.h */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* read by the daemon, mapped */
	__uint(max_entries, ZDEV_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct zdev_migrations);
} migrations SEC(".maps");

/* What one pages step moved, for its call's outcome. */
struct migrate_result {
	__u64 collected; /* in: the call's, for its migrate events */
	__u64 moved;
	__u64 large;
	__u64 first;
	__u64 failed; /* given a destination, not moved (see migrate_entry) */
	__u32 pp_at;  /* in: pp_start() to mark the pages moved; 0: not */
	__u32 pad;
};

/*
 * Calls counted only: finalize and range are markers. Counting pages there
 * too would count twice (v6.1/6.12 migrate_vma_finalize tail-calls
 * migrate_device_finalize).
 */
static __always_inline int count_call(int hook)
{
	struct zdev_hook_stats *st = hook_stats(hook);

	if (st)
		st->device++;
	return 0;
}

static __always_inline void migrate_flush(struct migrate_walk *w)
{
	struct zdev_pgmap_counters *c;
	struct zdev_migrations *ms;
	struct zdev_event *e;
	__u32 slot;
	int s;

	/* pgmap 0: no device entry seen yet; collected waits for one */
	if (!w->pgmap || (!w->pages && !w->collected))
		return;
	s = slot_of(w->pgmap, w->hook);
	if (w->flags & MIG_W_D2D_OUT) {
		slot = s;
		ms = s >= 0 ? bpf_map_lookup_elem(&migrations, &slot) : NULL;
		if (ms)
			__sync_fetch_and_add(&ms->d2d_out_pages, w->pages);
		w->pages = w->large = w->collected = 0;
		return;
	}
	c = slot_counters(s);
	if (c) {
		c->collected_pages += w->collected;
		if (w->flags & ZDEV_F_TO_DEVICE) {
			c->migrated_to_device_pages += w->pages;
			c->migrated_to_device_large += w->large;
		} else {
			c->migrated_to_ram_pages += w->pages;
			c->migrated_to_ram_large += w->large;
			if (w->flags & ZDEV_F_EVICT)
				c->evicted_pages += w->pages;
		}
	}
	count_kind(ZDEV_EV_MIGRATE);
	if (emit_events) {
		e = event_reserve(ZDEV_EV_MIGRATE, w->hook, ZDEV_STREAM_EVENTS,
				  hook_stats(w->hook));
		if (e) {
			e->pgmap = w->pgmap;
			e->flags = w->flags;
			e->migrate.pages = w->pages;
			e->migrate.large = w->large;
			e->migrate.entries = w->npages;
			e->migrate.collected = w->collected;
			event_submit(e, false);
		}
	}
	w->moved += w->pages;
	w->moved_large += w->large;
	w->pages = w->large = w->collected = 0;
}

/* Switch the walk to the pgmap owning a device pfn. */
static __always_inline void migrate_locate(struct migrate_walk *w, __u64 pfn)
{
	__u64 pgmap = (__u64)folio_pgmap((struct folio *)pfn_to_page(pfn));
	struct dev_pagemap *pm = (void *)pgmap;
	__u64 off = bpf_core_field_offset(struct dev_pagemap, range);
	struct zdev_range r = {};
	__u32 i, nr;

	if (pgmap != w->pgmap) {
		migrate_flush(w);
		w->pgmap = pgmap;
		if (!w->first)
			w->first = pgmap;
		slot_of(pgmap, w->hook);
	}
	w->lo = w->hi = pfn;
	nr = BPF_CORE_READ(pm, nr_range);
	for (i = 0; i < ZDEV_MAX_RANGES && i < nr; i++) {
		bpf_probe_read_kernel(&r, sizeof(r),
				      (void *)(pgmap + off + i * sizeof(r)));
		if (pfn >= zdev_phys_pfn(r.start) &&
		    pfn <= zdev_phys_pfn(r.end)) {
			w->lo = zdev_phys_pfn(r.start);
			w->hi = zdev_phys_pfn(r.end);
			break;
		}
	}
}

/*
 * One src/dst entry pair, entry idx. A global function: the verifier
 * checks it once, not once per unrolled loop iteration.
 */
__noinline int migrate_entry(struct migrate_walk *w, __u64 s, __u64 d,
			     __u64 idx)
{
	__u64 pfn;

	__u64 dev = (w && (w->flags & ZDEV_F_TO_DEVICE)) ? d : s;

	if (!w)
		return 0;
	/* the first device page names the pgmap, migrated or not */
	if (!w->pgmap && (dev & MIGRATE_PFN_VALID))
		migrate_locate(w, dev >> MIGRATE_PFN_SHIFT);
	/* the core clears MIGRATE of a page it did not move */
	if ((s & MIGRATE_PFN_VALID) && !(s & MIGRATE_PFN_MIGRATE) &&
	    (d & MIGRATE_PFN_VALID))
		w->failed += (s & MIGRATE_PFN_COMPOUND) ? ZDEV_PMD_NR : 1;
	if (!(s & MIGRATE_PFN_MIGRATE) || !(d & MIGRATE_PFN_VALID))
		return 0;
	pfn = dev >> MIGRATE_PFN_SHIFT;
	if (pfn < w->lo || pfn > w->hi || !w->pgmap)
		migrate_locate(w, pfn);
	if (s & MIGRATE_PFN_COMPOUND) {
		w->pages += ZDEV_PMD_NR;
		w->large++;
	} else {
		w->pages++;
	}
	pp_moved(&w->pp_at, &w->pp_bits, idx, s & MIGRATE_PFN_COMPOUND);
	return 0;
}

/*
 * Chunk idx (of `chunk' entries) of a src or dst array into buf: its
 * entries, 0 past the end.
 *
 * A compound entry's 511 tail entries are empty in src at every step
 * (setup zeroes the array; a split rewrites them and clears COMPOUND):
 * the walks below note where a compound entry's tail ends (skip_until)
 * and leave the chunks before it unread. A note, not a cursor: a cursor
 * sizing the reads would be a precise value the verifier follows from
 * one callback to the next, never converging.
 */
static __always_inline __u64 chunk_read(unsigned long *buf, __u32 chunk,
					__u64 arr, __u64 npages, __u32 idx)
{
	__u64 base = (__u64)idx * chunk, n;

	if (base >= npages)
		return 0;
	n = npages - base;
	if (n > chunk)
		n = chunk;
	if (bpf_probe_read_kernel(buf, n * sizeof(long),
				  (void *)(arr + base * sizeof(long))))
		return 0;
	return n;
}

/* The OR of a chunk's n entries: to skip one with nothing to migrate. */
static __always_inline unsigned long chunk_or(const unsigned long *buf, __u64 n)
{
	unsigned long any = 0;
	int i;

	for (i = 0; i < MIG_CHUNK && i < n; i++)
		any |= buf[i];
	return any;
}

static int migrate_chunk(__u32 idx, struct migrate_walk *w)
{
	unsigned long src[MIG_CHUNK], dst[MIG_CHUNK];
	__u64 base = (__u64)idx * MIG_CHUNK, n;
	int i;

	if (base + MIG_CHUNK <= w->skip_until)
		return 0;
	n = chunk_read(src, MIG_CHUNK, w->src, w->npages, idx);
	if (!n)
		return 1;
	/* a chunk of uncollected entries: dst is not needed */
	if (!(chunk_or(src, n) & (MIGRATE_PFN_MIGRATE | MIGRATE_PFN_VALID)) &&
	    w->pgmap)
		return 0;
	if (chunk_read(dst, MIG_CHUNK, w->dst, w->npages, idx) != n)
		return 1;
	w->chunk_base = base;
	for (i = 0; i < MIG_CHUNK && i < n; i++) {
		if (!(src[i] & (MIGRATE_PFN_MIGRATE | MIGRATE_PFN_VALID)) &&
		    w->pgmap)
			continue;
		migrate_entry(w, src[i], dst[i], w->chunk_base + i);
		if (src[i] & MIGRATE_PFN_COMPOUND)
			w->skip_until = w->chunk_base + i + ZDEV_PMD_NR;
	}
	return 0;
}

/*
 * migrate_vma_setup's candidates in pages, as migrated pages are counted:
 * its cpages counts a compound entry once.
 */
struct collect_walk {
	__u64 src;
	__u64 npages;
	__u64 pages;
	__u64 skip_until; /* chunk_read() */
};

static int collect_chunk(__u32 idx, struct collect_walk *w)
{
	unsigned long src[COLLECT_CHUNK];
	__u64 base = (__u64)idx * COLLECT_CHUNK, n, tail = 0;
	int i;

	if (base + COLLECT_CHUNK <= w->skip_until)
		return 0;
	n = chunk_read(src, COLLECT_CHUNK, w->src, w->npages, idx);
	if (!n)
		return 1;
	/*
	 * Branch-free: a branch per entry multiplies the verifier's states.
	 * A compound entry's tail is empty, so a chunk holds one at most:
	 * tail ends up where its tail ends.
	 */
	for (i = 0; i < COLLECT_CHUNK && i < n; i++) {
		__u64 migrate = (src[i] / MIGRATE_PFN_MIGRATE) & 1;
		__u64 compound = (src[i] / MIGRATE_PFN_COMPOUND) & 1;

		w->pages += migrate * (1 + compound * (ZDEV_PMD_NR - 1));
		tail += compound * (base + i + ZDEV_PMD_NR);
	}
	if (tail)
		w->skip_until = tail;
	return 0;
}

/*
 * Count what one migrate_*_pages call really moved, per pgmap: the pages
 * moved, and into res (if given) the details; hook_flags: the hook,
 * ZDEV_F_* and MIG_W_* flags above 16 bits. res->collected in: the
 * call's collected pages, for its events. Global, as mig_pages()
 * (migrations.bpf.h) for the same reason.
 */
__noinline __u64 migrate_count(__u32 hook_flags, __u64 src, __u64 dst,
			       __u64 npages, struct migrate_result *res)
{
	int hook = hook_flags & 0xffff;
	struct zdev_hook_stats *st = hook_stats(hook);
	struct migrate_walk w = {
		.src = src,
		.dst = dst,
		.npages = npages,
		.flags = hook_flags >> 16,
		.hook = hook,
		.collected = res ? res->collected : 0,
		.pp_at = res ? res->pp_at : 0,
	};

	if (st && !(w.flags & MIG_W_D2D_OUT))
		st->device++;
	if (!src || !dst)
		return 0;
	if (npages > max_migrate_entries) {
		if (st)
			st->anomalies++;
		w.npages = max_migrate_entries;
	}
	bpf_loop((w.npages + MIG_CHUNK - 1) / MIG_CHUNK, migrate_chunk, &w, 0);
	migrate_flush(&w);
	pp_flush(&w.pp_at, &w.pp_bits);
	if (res) {
		res->moved = w.moved;
		res->large = w.moved_large;
		res->first = w.first;
		res->failed = w.failed;
	}
	return w.moved;
}

#include "migrations.bpf.h"

/*
 * A pages step's exit (migrate_vma_pages, migrate_device_pages): pages
 * moved per pgmap, the call's outcome, and who it moved them for.
 */
static __always_inline __u64 pages_step_done(int hook, __u64 src, __u64 dst,
					     __u64 npages, bool to_device)
{
	/*
	 * Inlined, and the walk's results in the call's record: the call
	 * chain down to slot_new()'s loop stays within v6.1's 512 bytes
	 */
	struct mig_call *r = bpf_map_lookup_elem(&mig_calls, &src);
	__u32 flags = mig_walk_flags(r, to_device);
	bool d2d = (flags & ZDEV_F_TO_DEVICE) && !to_device;
	__u64 moved;

	if (r) {
		/* collected_pages: what migrate_vma_setup() left locked */
		r->res.collected =
			hook == ZDEV_HOOK_MIGRATE_VMA_PAGES ? r->locked : 0;
		/* not from device to device: the page stays off RAM */
		r->res.pp_at = r->mm && !d2d ? pp_start(r->vstart) : 0;
		moved = migrate_count(hook | flags << 16, src, dst, npages,
				      &r->res);
	} else {
		moved = migrate_count(hook | flags << 16, src, dst, npages,
				      NULL);
	}
	/* device to device: the source pgmap's outflow too */
	if (d2d)
		migrate_count(hook | MIG_W_D2D_OUT << 16, src, dst, npages,
			      NULL);
	if (r)
		mig_moved(src, r, to_device);
	return d2d ? 0 : moved;
}

static __always_inline int on_migrate_vma_pages(void *ctx, __u64 args)
{
	struct migrate_vma *m = (void *)args;
	/* selecting system memory means moving it to the device */
	bool to_device = BPF_CORE_READ(m, flags) & MIGRATE_VMA_SELECT_SYSTEM;
	__u64 moved;

	moved = pages_step_done(ZDEV_HOOK_MIGRATE_VMA_PAGES,
				(__u64)BPF_CORE_READ(m, src),
				(__u64)BPF_CORE_READ(m, dst),
				BPF_CORE_READ(m, npages), to_device);
	/* the process's: the driver calls in for it, in its context or not */
	usage_migrated((__u64)BPF_CORE_READ(m, vma), moved, to_device);
	if (!to_device)
		fault_migrated(moved);
	return 0;
}

static __always_inline int on_migrate_vma_offer(__u64 args)
{
	struct migrate_vma *m = (void *)args;
	bool to_device = BPF_CORE_READ(m, flags) & MIGRATE_VMA_SELECT_SYSTEM;

	mig_offer((__u64)BPF_CORE_READ(m, src), (__u64)BPF_CORE_READ(m, dst),
		  BPF_CORE_READ(m, npages),
		  to_device ? ZDEV_MIG_TO_DEVICE : ZDEV_MIG_TO_RAM);
	return 0;
}

/* setups.bpf.h: a migration set up, open until its finalize */
static __always_inline void setup_opened(void *ctx, __u64 args, __u64 src,
					 __u64 pages, __u64 npages);

/* migrate_vma_setup's entry: a collection for a fault, or the driver's */
static __always_inline int on_migrate_vma_setup_entry(__u64 args)
{
	struct migrate_vma *m = (void *)args;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mig_ctx *c;

	c = mig_begin(bpf_map_lookup_elem(&faults_inflight, &tid)
			      ? ZDEV_MIG_FAULT
			      : ZDEV_MIG_DRIVER,
		      0);
	if (c) {
		c->mm = vma_mm((__u64)BPF_CORE_READ(m, vma));
		c->vstart = BPF_CORE_READ(m, start);
	}
	return 0;
}

static __always_inline int on_migrate_vma_setup(void *ctx, __u64 args, long ret)
{
	struct migrate_vma *m = (void *)args;
	struct zdev_hook_stats *st = hook_stats(ZDEV_HOOK_MIGRATE_VMA_SETUP);
	bool to_device = BPF_CORE_READ(m, flags) & MIGRATE_VMA_SELECT_SYSTEM;
	__u64 src = (__u64)BPF_CORE_READ(m, src), npages, cpages, pages = 0;
	struct zdev_mm_stats *owner;

	if (st)
		st->device++;
	npages = BPF_CORE_READ(m, npages);
	if (npages > max_migrate_entries)
		npages = max_migrate_entries;
	cpages = BPF_CORE_READ(m, cpages);
	if (!ret && cpages)
		pages = mig_pages(src, npages);
	owner = mm_entry(vma_mm((__u64)BPF_CORE_READ(m, vma)));
	mig_collected(src, npages, pages, (__u64)BPF_CORE_READ(m, pgmap_owner),
		      owner ? owner->tgid : 0,
		      to_device ? ZDEV_MIG_TO_DEVICE : ZDEV_MIG_TO_RAM, ret,
		      /* cpages counts entries: a compound one is 512 pages */
		      pages == cpages);
	if (pages)
		setup_opened(ctx, args, src, pages, npages);
	return 0;
}

SEC("fentry/migrate_vma_setup")
int BPF_PROG(migrate_vma_setup_fentry, struct migrate_vma *args)
{
	return on_migrate_vma_setup_entry(arg_u64(ctx, 0));
}

SEC("fexit/migrate_vma_setup")
int BPF_PROG(migrate_vma_setup_fexit, struct migrate_vma *args, int ret)
{
	return on_migrate_vma_setup(ctx, arg_u64(ctx, 0), ret);
}

SEC("fentry/migrate_vma_pages")
int BPF_PROG(migrate_vma_pages_fentry, struct migrate_vma *args)
{
	return on_migrate_vma_offer(arg_u64(ctx, 0));
}

SEC("fexit/migrate_vma_pages")
int BPF_PROG(migrate_vma_pages_fexit, struct migrate_vma *args)
{
	return on_migrate_vma_pages(ctx, arg_u64(ctx, 0));
}

SEC("kprobe/migrate_vma_pages")
int BPF_KPROBE(migrate_vma_pages_kprobe, struct migrate_vma *args)
{
	stash_args(ZDEV_HOOK_MIGRATE_VMA_PAGES, (__u64)args, 0);
	return on_migrate_vma_offer((__u64)args);
}

SEC("kretprobe/migrate_vma_pages")
int BPF_KRETPROBE(migrate_vma_pages_kretprobe)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_MIGRATE_VMA_PAGES, &s))
		return 0;
	return on_migrate_vma_pages(ctx, s.arg0);
}

/* Evictions (driver unbind, release) and pin migrations: device to RAM. */
SEC("fentry/migrate_device_pages")
int BPF_PROG(migrate_device_pages_fentry, unsigned long *src,
	     unsigned long *dst, unsigned long npages)
{
	mig_offer(arg_u64(ctx, 0), arg_u64(ctx, 1), npages, ZDEV_MIG_TO_RAM);
	return 0;
}

SEC("fexit/migrate_device_pages")
int BPF_PROG(migrate_device_pages_fexit, unsigned long *src, unsigned long *dst,
	     unsigned long npages)
{
	pages_step_done(ZDEV_HOOK_MIGRATE_DEVICE_PAGES, arg_u64(ctx, 0),
			arg_u64(ctx, 1), npages, false);
	return 0;
}

SEC("kprobe/migrate_vma_setup")
int BPF_KPROBE(migrate_vma_setup_kprobe, struct migrate_vma *args)
{
	stash_args(ZDEV_HOOK_MIGRATE_VMA_SETUP, (__u64)args, 0);
	return on_migrate_vma_setup_entry((__u64)args);
}

SEC("kretprobe/migrate_vma_setup")
int BPF_KRETPROBE(migrate_vma_setup_kretprobe, long ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_MIGRATE_VMA_SETUP, &s))
		return 0;
	return on_migrate_vma_setup(ctx, s.arg0, ret);
}

/* migrate_device_pages(src, dst, npages): three arguments to keep. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64[3]);
} stashed3 SEC(".maps");

SEC("kprobe/migrate_device_pages")
int BPF_KPROBE(migrate_device_pages_kprobe, unsigned long *src,
	       unsigned long *dst, unsigned long npages)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 args[3] = { (__u64)src, (__u64)dst, npages };

	bpf_map_update_elem(&stashed3, &id, args, BPF_ANY);
	mig_offer((__u64)src, (__u64)dst, npages, ZDEV_MIG_TO_RAM);
	return 0;
}

SEC("kretprobe/migrate_device_pages")
int BPF_KRETPROBE(migrate_device_pages_kretprobe)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 *a = bpf_map_lookup_elem(&stashed3, &id);
	__u64 src, dst, npages;

	if (!a)
		return 0;
	src = a[0];
	dst = a[1];
	npages = a[2];
	bpf_map_delete_elem(&stashed3, &id);
	pages_step_done(ZDEV_HOOK_MIGRATE_DEVICE_PAGES, src, dst, npages,
			false);
	return 0;
}

/* migrate_vma_finalize: a migration closed */
#include "setups.bpf.h"

/* The device path's finalize (v6.1/6.12: also migrate_vma_finalize's). */
static __always_inline int device_finalized(__u64 src)
{
	count_call(ZDEV_HOOK_MIGRATE_DEVICE_FINALIZE);
	mig_finalized(src);
	return 0;
}

SEC("fentry/migrate_device_finalize")
int BPF_PROG(migrate_device_finalize_fentry, unsigned long *src)
{
	return device_finalized(arg_u64(ctx, 0));
}

SEC("kprobe/migrate_device_finalize")
int BPF_KPROBE(migrate_device_finalize_kprobe, unsigned long *src)
{
	return device_finalized((__u64)src);
}

/* ---- pgmap lifecycle ------------------------------------------------ */

/*
 * Teardown steps: the slot's state first (the daemon's source of truth),
 * then a record that wakes the daemon to look at once.
 */
static __always_inline int pgmap_marker(int kind, int hook, __u64 pgmap)
{
	struct zdev_hook_stats *st = hook_stats(hook);
	__s32 slot = slot_of(pgmap, hook);
	struct zdev_slot *s = slot_at(slot);
	__u64 now = bpf_ktime_get_ns();
	struct zdev_event *e;

	if (st)
		st->device++;
	count_kind(kind);
	if (s) {
		if (kind == ZDEV_EV_PGMAP_KILL) {
			s->kill_ns = now;
			__sync_lock_test_and_set(&s->state, ZDEV_SLOT_KILLING);
		} else if (kind == ZDEV_EV_PGMAP_DRAINED) {
			s->drained_ns = now;
			__sync_lock_test_and_set(&s->state, ZDEV_SLOT_DRAINED);
		} else {
			s->gone_ns = now;
			__sync_lock_test_and_set(&s->state, ZDEV_SLOT_GONE);
			/* a new pgmap at this address gets a new slot */
			bpf_map_delete_elem(&pgmap_slot, &pgmap);
		}
	}
	e = event_reserve(kind, hook, ZDEV_STREAM_LIFECYCLE, st);
	if (!e)
		return 0;
	e->pgmap = pgmap;
	e->ts_ns = now;
	event_submit(e, true);
	return 0;
}

static __always_inline int on_memremap_ret(__u64 pgmap, long ret)
{
	count_call(ZDEV_HOOK_MEMREMAP);
	if (ret < 0 && ret > -4096)
		return 0; /* ERR_PTR: no pgmap was created */
	sections_mark_pgmap(pgmap);
	slot_new(pgmap, ZDEV_HOOK_MEMREMAP, ZDEV_SLOT_CREATED);
	return 0;
}

SEC("fexit/memremap_pages")
int BPF_PROG(memremap_pages_fexit, struct dev_pagemap *pgmap, int nid,
	     void *ret)
{
	return on_memremap_ret(arg_u64(ctx, 0), (long)ret);
}

SEC("kprobe/memremap_pages")
int BPF_KPROBE(memremap_pages_kprobe, struct dev_pagemap *pgmap)
{
	stash_args(ZDEV_HOOK_MEMREMAP, (__u64)pgmap, 0);
	return 0;
}

SEC("kretprobe/memremap_pages")
int BPF_KRETPROBE(memremap_pages_kretprobe, long ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_MEMREMAP, &s))
		return 0;
	return on_memremap_ret(s.arg0, ret);
}

SEC("fentry/memunmap_pages")
int BPF_PROG(memunmap_pages_fentry, struct dev_pagemap *pgmap)
{
	return pgmap_marker(ZDEV_EV_PGMAP_KILL, ZDEV_HOOK_MEMUNMAP,
			    arg_u64(ctx, 0));
}

SEC("fexit/memunmap_pages")
int BPF_PROG(memunmap_pages_fexit, struct dev_pagemap *pgmap)
{
	return pgmap_marker(ZDEV_EV_PGMAP_GONE, ZDEV_HOOK_MEMUNMAP,
			    arg_u64(ctx, 0));
}

SEC("kprobe/memunmap_pages")
int BPF_KPROBE(memunmap_pages_kprobe, struct dev_pagemap *pgmap)
{
	stash_args(ZDEV_HOOK_MEMUNMAP, (__u64)pgmap, 0);
	return pgmap_marker(ZDEV_EV_PGMAP_KILL, ZDEV_HOOK_MEMUNMAP,
			    (__u64)pgmap);
}

SEC("kretprobe/memunmap_pages")
int BPF_KRETPROBE(memunmap_pages_kretprobe)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_MEMUNMAP, &s))
		return 0;
	return pgmap_marker(ZDEV_EV_PGMAP_GONE, ZDEV_HOOK_MEMUNMAP, s.arg0);
}

/* The pgmap's percpu_ref reached zero after kill: teardown can finish. */
static __always_inline int on_percpu_release(__u64 ref)
{
	__u64 pgmap = ref - bpf_core_field_offset(struct dev_pagemap, ref);

	return pgmap_marker(ZDEV_EV_PGMAP_DRAINED, ZDEV_HOOK_PERCPU_RELEASE,
			    pgmap);
}

SEC("fentry/dev_pagemap_percpu_release")
int BPF_PROG(percpu_release_fentry, struct percpu_ref *ref)
{
	return on_percpu_release(arg_u64(ctx, 0));
}

SEC("kprobe/dev_pagemap_percpu_release")
int BPF_KPROBE(percpu_release_kprobe, struct percpu_ref *ref)
{
	return on_percpu_release((__u64)ref);
}

#include "pins.bpf.h"
#include "layout.bpf.h"
#include "kallocs.bpf.h"
#include "census.bpf.h"
#include "refs.bpf.h"
#include "opname.bpf.h"
#include "harvest.bpf.h"
