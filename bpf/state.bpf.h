/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel side keeps between events, so that nothing per event
 * has to cross the ring buffer:
 *  - a slot per pgmap: its description and lifecycle, in a global array
 *    the daemon reads through the skeleton's mmap of .bss;
 *  - per-CPU counters per slot, summed at each tick (harvest.bpf.h): a full
 *    ring buffer can never change them;
 *  - per-folio state, only what the leak rules need: a bit per device page
 *    while the folio headed there is live, and in CI mode (run, --stacks)
 *    a packed 8-byte record per device page beside it: array lookups, no
 *    allocation at a birth, nothing to free at a death.
 * What does not fit (slots, bitmap room, records) is counted, never lost
 * silently; the daemon reports it and run's verdict becomes inconclusive.
 */
#ifndef ZDEV_STATE_BPF_H
#define ZDEV_STATE_BPF_H

#define EEXIST 17 /* errno: not in vmlinux.h */

/* Set by the loader (src/kernel/probe.c). */
const volatile bool folio_records = false;     /* CI mode: per-folio records */
const volatile bool emit_events = false;       /* --events: one record each */
const volatile bool fsdax_idle_at_one = false; /* v6.1/6.12 devmap scheme */
const volatile __u64 session_start_ns = 0;     /* bpf_ktime_get_ns() base */
const volatile __u64 live_bits_cap = 64;       /* bits in live_bits */

struct zdev_slot slots[ZDEV_MAX_SLOTS];
__u64 next_bit;	     /* live_bits: first bit not handed out */
__u64 slot_gen;	     /* last generation handed out */
__u64 slots_full;    /* pgmaps seen with no slot free: their events lost */
__u64 census_active; /* the census is walking: births may meet its marks */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZDEV_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct zdev_pgmap_counters);
} counters SEC(".maps");

/* The slot of each pgmap not yet gone, by kernel address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * ZDEV_MAX_SLOTS);
	__type(key, __u64);
	__type(value, __u32);
} pgmap_slot SEC(".maps");

/* A bit per device page of every pgmap given room; sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} live_bits SEC(".maps");

/*
 * CI mode: the record (zdev_rec_*) of the live folio headed at each bit
 * of live_bits, at the bit's index; sized by the loader (one entry in
 * daemon mode). Written before its bit is set, zeroed after it is
 * cleared: a reader that sees the bit sees the record.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} records SEC(".maps");

/* Device events by kind (events_by_kind), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZDEV_EV_KIND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} kinds SEC(".maps");

/* Ring reserves that failed, per stream and CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZDEV_STREAM_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stream_drops SEC(".maps");

static __always_inline void count_kind(int kind)
{
	__u32 key = kind;
	__u64 *n = bpf_map_lookup_elem(&kinds, &key);

	if (n)
		(*n)++;
}

static __always_inline void count_drop(int stream)
{
	__u32 key = stream;
	__u64 *n = bpf_map_lookup_elem(&stream_drops, &key);

	if (n)
		(*n)++;
}

static __always_inline struct zdev_slot *slot_at(__s32 i)
{
	if (i < 0 || i >= ZDEV_MAX_SLOTS)
		return NULL;
	return &slots[i];
}

/* A slot holding a described pgmap not yet gone (one being described is
 * still FREE). */
static __always_inline bool slot_in_use(struct zdev_slot *s)
{
	__u32 state = s->state;

	return state >= ZDEV_SLOT_LIVE && state <= ZDEV_SLOT_DRAINED;
}

static __always_inline struct zdev_pgmap_counters *slot_counters(__s32 i)
{
	__u32 key = i;

	if (i < 0)
		return NULL;
	return bpf_map_lookup_elem(&counters, &key);
}

/* The refcount of an idle folio of this type (see tracker.h). */
static __always_inline int idle_refcount(__u32 type)
{
	if (type == ZDEV_PGMAP_GENERIC)
		return 1;
	if (type == ZDEV_PGMAP_FSDAX)
		return fsdax_idle_at_one;
	return 0;
}

/* FS DAX, device-dax and P2PDMA folios are born at their first map. */
static __always_inline bool born_at_map(__u32 type)
{
	return type == ZDEV_PGMAP_FSDAX || type == ZDEV_PGMAP_GENERIC ||
	       type == ZDEV_PGMAP_P2PDMA;
}

/*
 * Not the cheaper bpf_ktime_get_coarse_ns(): tracing programs may not call
 * it (v6.1 refuses it; a program running inside the timekeeper's write
 * section would spin on its seqcount).
 */
static __always_inline __u64 since_start(void)
{
	__u64 now = bpf_ktime_get_ns();

	return now > session_start_ns ? now - session_start_ns : 0;
}

/* ---- daemon mode: live_bits ------------------------------------------ */

/* The bit of a pfn in its slot's region, or -1 (zdev.h). */
static __always_inline __s64 bit_of(struct zdev_slot *s, __u64 pfn)
{
	return zdev_bit_of(s, pfn);
}

/* Set or clear a bit: 1 if it was set, 0 if not, -1 no bit. */
static __always_inline int bit_flip(__s64 bit, bool on)
{
	__u64 *word, mask, old;
	__u32 w;

	if (bit < 0)
		return -1;
	w = bit >> 6;
	word = bpf_map_lookup_elem(&live_bits, &w);
	if (!word)
		return -1;
	mask = 1ULL << (bit & 63);
	if (on)
		old = __sync_fetch_and_or(word, mask);
	else
		old = __sync_fetch_and_and(word, ~mask);
	return !!(old & mask);
}

/* A region of live_bits for a pgmap of this many pages, or NO_BITS. */
static __always_inline void bits_alloc(struct zdev_slot *s, __u64 pages)
{
	__u64 len = (pages + 63) & ~63ULL, base;

	s->bit_len = 0;
	if (!len)
		return;
	base = __sync_fetch_and_add(&next_bit, len);
	if (base + len > live_bits_cap) {
		__sync_fetch_and_add(&next_bit, -len);
		s->flags |= ZDEV_SLOT_NO_BITS;
		return;
	}
	s->bit_base = base;
	s->bit_len = len;
}

/* ---- CI mode: records ----------------------------------------------- */

/* The record at a bit of live_bits; NULL in daemon mode or without one. */
static __always_inline __u64 *rec_at(__s64 bit)
{
	__u32 i = bit;

	if (!folio_records || bit < 0)
		return NULL;
	return bpf_map_lookup_elem(&records, &i);
}

/* ---- either mode ---------------------------------------------------- */

/*
 * A live folio found no room in the per-folio state: its slot counts it,
 * so that its free (or next mapping) is not taken for a double free or a
 * folio alive before we started.
 */
static __always_inline void unrecorded_add(struct zdev_slot *s)
{
	__sync_fetch_and_add(&s->unrecorded, 1);
}

static __always_inline bool unrecorded_take(struct zdev_slot *s)
{
	__u64 n = s->unrecorded;

	return n && __sync_val_compare_and_swap(&s->unrecorded, n, n - 1) == n;
}

/*
 * Mark a folio live: 1 it already was, 0 it was not, -1 no room to tell
 * (counted untracked by the caller). A record keeps the birth stack.
 */
static __always_inline int folio_live_set(struct zdev_slot *s, __u32 slot,
					  __u64 pfn, __u32 order,
					  __s32 stack_id, bool census)
{
	__s64 bit = bit_of(s, pfn);
	__u64 *rec = rec_at(bit);

	if (rec)
		*rec = zdev_rec_new(since_start(), order, stack_id, census) |
		       (!census && task_foreign() ? ZDEV_REC_FOREIGN : 0);
	return bit_flip(bit, true);
}

/*
 * Mark a folio dead: 1 it was live (its recorded order in *order, if a
 * record knew it), 0 it was not, -1 no room to tell.
 */
static __always_inline int folio_live_clear(struct zdev_slot *s, __u32 slot,
					    __u64 pfn, __u32 *order)
{
	__s64 bit = bit_of(s, pfn);
	__u64 *rec = rec_at(bit), old = rec ? *rec : 0;
	int was = bit_flip(bit, false);

	if (was == 1 && rec) {
		*order = zdev_rec_order(old);
		/* unless a birth on another CPU rewrote it meanwhile */
		__sync_val_compare_and_swap(rec, old, 0);
	}
	return was;
}

/* Whether a folio is live, without changing it: 1 / 0 / -1 no bit. */
static __always_inline int folio_live_test(struct zdev_slot *s, __u32 slot,
					   __u64 pfn)
{
	__s64 bit = bit_of(s, pfn);
	__u64 *word;
	__u32 w;

	if (bit < 0)
		return -1;
	w = bit >> 6;
	word = bpf_map_lookup_elem(&live_bits, &w);
	if (!word)
		return -1;
	return !!(*word & (1ULL << (bit & 63)));
}

/* CI mode: a record's mapped bit and the time of its last change. */
static __always_inline void rec_touch(__u64 *rec, bool mapped)
{
	__u64 old = *rec, new = zdev_rec_touch(old, since_start(), mapped);

	/* another CPU touching the same folio wins; both are the same age */
	if (new != old)
		__sync_val_compare_and_swap(rec, old, new);
}

/* The same, found from the folio. */
static __always_inline void folio_touch(struct zdev_slot *s, __u64 pfn,
					bool mapped)
{
	__u64 *rec = rec_at(bit_of(s, pfn));

	if (rec)
		rec_touch(rec, mapped);
}

#endif /* ZDEV_STATE_BPF_H */
