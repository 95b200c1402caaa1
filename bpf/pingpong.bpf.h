/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ping-pong: a page migrated one way within pingpong_window_ns of its
 * own migration the other way (a GPU's migration undone by a CPU fault,
 * or the reverse), per page of an address space.
 *
 * Per 2 MiB region of an address space (an LRU hash), each way: the
 * pages moved in its current epoch and in the one before (512-bit maps),
 * the current epoch's start, each epoch's last migration. An epoch lasts
 * one window: the first migration after it moves the current map to the
 * previous (dropped if its last migration is a window old) and starts
 * empty. The two hold every page moved that way within the window. A
 * page moved back counts when its bit is set the other way in an epoch
 * whose last migration is within the window: a page that moved up to two
 * windows ago counts when its region kept migrating that way all along.
 * CPUs add to a region's maps atomically (an epoch's turn, rare, is not).
 *
 * The pages step's walk marks the pages it moved (pp_moved(), a 64-bit
 * word at a time), per region of the first PINGPONG_REGIONS of its range,
 * in a per-CPU map that pingpong_check() reads and clears in the same
 * program run.
 * Included by zdev.bpf.c before its migration walks.
 */
#ifndef ZDEV_PINGPONG_BPF_H
#define ZDEV_PINGPONG_BPF_H

const volatile __u64 pingpong_window_ns = 1000000000ULL;

#define PINGPONG_REGIONS 16
#define PP_WORDS	 (ZDEV_PMD_NR / 64) /* a region's 64-bit words */

struct region_key {
	__u64 mm;
	__u64 region; /* address >> ZDEV_PMD_SHIFT */
};

#define PP_CUR	0
#define PP_PREV 1

struct pp_region {
	__u64 since[ZDEV_MIG_DIRS];   /* each way's current epoch start */
	__u64 last[ZDEV_MIG_DIRS][2]; /* its epochs' last migration */
	__u64 moved[ZDEV_MIG_DIRS][2][PP_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ZDEV_MAX_PINGPONG_REGIONS);
	__type(key, struct region_key);
	__type(value, struct pp_region);
} pingpong_regions SEC(".maps");

/*
 * The pages step's moved pages, per region of its range; the region being
 * looked at (its key, its pages) and a new one: off the stack, which the
 * walk's call chain fills on v6.1.
 */
struct pp_scratch {
	__u64 moved[PINGPONG_REGIONS * PP_WORDS];
	__u64 regions; /* the last region marked + 1 */
	__u64 cur[PP_WORDS];
	struct region_key key;
	struct pp_region fresh;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pp_scratch);
} pp_scratch SEC(".maps");

/* its key, off the stack too */
const volatile __u32 pp_key = 0;

/*
 * A walk's marking, packed (the walk's call chain is at v6.1's 512-byte
 * stack): on, where entry 0 lies in its region, and the word filled.
 */
#define PP_ON		(1U << 31)
#define PP_OFFSET(at)	((at) & (ZDEV_PMD_NR - 1))
#define PP_WORD(at)	(((at) >> 16) & 0xff) /* index + 1; 0: none */
#define PP_AT(at, word) (((at) & ~(0xffU << 16)) | (word) << 16)

/* The marking of a walk whose entry 0 maps address start. */
static __always_inline __u32 pp_start(__u64 start)
{
	return PP_ON | PP_OFFSET(start >> ZDEV_PAGE_SHIFT);
}

/* Pages of scratch word `word' moved: marked, its region counted. */
static __always_inline void pp_or(struct pp_scratch *sc, __u32 word, __u64 bits)
{
	sc->moved[word & (PINGPONG_REGIONS * PP_WORDS - 1)] |= bits;
	if (sc->regions < word / PP_WORDS + 1)
		sc->regions = word / PP_WORDS + 1;
}

/* The word being filled, to the scratch map. */
static __always_inline void pp_flush(__u32 *at, __u64 *bits)
{
	struct pp_scratch *sc;
	__u32 word = PP_WORD(*at);

	if (!word)
		return;
	sc = bpf_map_lookup_elem(&pp_scratch, (void *)&pp_key);
	if (sc)
		pp_or(sc, word - 1, *bits);
	*at = PP_AT(*at, 0);
	*bits = 0;
}

/* Entry idx of the walk moved (a whole region if compound). */
static __always_inline void pp_moved(__u32 *at, __u64 *bits, __u64 idx,
				     bool compound)
{
	__u64 page = PP_OFFSET(*at) + idx; /* from the first region's start */
	struct pp_scratch *sc;
	__u32 word = page / 64, i;

	if (!(*at & PP_ON) || page >= PINGPONG_REGIONS * ZDEV_PMD_NR)
		return;
	if (compound) {
		sc = bpf_map_lookup_elem(&pp_scratch, (void *)&pp_key);
		if (!sc)
			return;
		word &= ~(PP_WORDS - 1);
		for (i = 0; i < PP_WORDS; i++)
			pp_or(sc, word + i, ~0ULL);
		return;
	}
	if (PP_WORD(*at) != word + 1) {
		pp_flush(at, bits);
		*at = PP_AT(*at, word + 1);
	}
	*bits |= 1ULL << (page & 63);
}

struct region_walk {
	__u64 mm;
	__u64 region; /* the range's first */
	__u64 now;
	__u64 back; /* pages moved back within the window */
	__u32 dir;
	__u32 pad;
};

/* A time within the window before now, or after it; 0 is never. */
static __always_inline bool pp_recent(__u64 t, __u64 now)
{
	return t && (__s64)(now - t) < (__s64)pingpong_window_ns;
}

/* Region i of the range: its moved pages, taken out of the scratch map. */
static int pingpong_region(__u32 i, struct region_walk *w)
{
	__u64 any = 0, other, *moved, *mine, *prev;
	struct pp_scratch *sc;
	struct pp_region *t;
	__u32 j, dir = w->dir & 1;
	bool cur, old;

	sc = bpf_map_lookup_elem(&pp_scratch, (void *)&pp_key);
	if (!sc)
		return 1;
	moved = sc->cur;
	for (j = 0; j < PP_WORDS; j++) {
		__u32 k = ((i & (PINGPONG_REGIONS - 1)) * PP_WORDS + j) &
			  (PINGPONG_REGIONS * PP_WORDS - 1);

		moved[j] = sc->moved[k];
		sc->moved[k] = 0;
		any |= moved[j];
	}
	if (!any)
		return 0;
	sc->key.mm = w->mm;
	sc->key.region = w->region + i;
	t = bpf_map_lookup_elem(&pingpong_regions, &sc->key);
	if (!t) {
		/* another CPU's entry, if it made one meanwhile */
		__builtin_memset(&sc->fresh, 0, sizeof(sc->fresh));
		bpf_map_update_elem(&pingpong_regions, &sc->key, &sc->fresh,
				    BPF_NOEXIST);
		t = bpf_map_lookup_elem(&pingpong_regions, &sc->key);
		if (!t)
			return 0;
	}
	/* pages that moved the other way within the window */
	cur = pp_recent(t->last[dir ^ 1][PP_CUR], w->now);
	old = pp_recent(t->last[dir ^ 1][PP_PREV], w->now);
	for (j = 0; cur | old && j < PP_WORDS; j++) {
		other = (cur ? t->moved[dir ^ 1][PP_CUR][j] : 0) |
			(old ? t->moved[dir ^ 1][PP_PREV][j] : 0);
		w->back += __builtin_popcountll(moved[j] & other);
	}
	mine = t->moved[dir][PP_CUR];
	prev = t->moved[dir][PP_PREV];
	/* this way's epoch ended (not if another CPU just began one) */
	if (!pp_recent(t->since[dir], w->now)) {
		cur = pp_recent(t->last[dir][PP_CUR], w->now);
		for (j = 0; j < PP_WORDS; j++) {
			prev[j] = cur ? mine[j] : 0;
			mine[j] = 0;
		}
		t->last[dir][PP_PREV] = cur ? t->last[dir][PP_CUR] : 0;
		t->since[dir] = w->now;
	}
	for (j = 0; j < PP_WORDS; j++)
		__sync_fetch_and_or(&mine[j], moved[j]);
	t->last[dir][PP_CUR] = w->now;
	return 0;
}

/*
 * The pages the walk marked for mm, moved in dir from start on: those
 * that had moved the other way within the window, added to mm's entry.
 * Run after every walk that marked (it clears the marks).
 */
static __noinline __u32 pingpong_check(__u64 mm, __u64 start, __u32 dir)
{
	struct region_walk w = {
		.mm = mm,
		.region = start >> ZDEV_PMD_SHIFT,
		.now = bpf_ktime_get_ns(),
		.dir = dir & 1,
	};
	struct pp_scratch *sc =
		bpf_map_lookup_elem(&pp_scratch, (void *)&pp_key);
	struct zdev_mm_stats *e;
	__u32 regions;

	if (!sc)
		return 0;
	/* the regions marked: one for a CPU fault's page */
	regions = sc->regions;
	sc->regions = 0;
	bpf_loop(regions < PINGPONG_REGIONS ? regions : PINGPONG_REGIONS,
		 pingpong_region, &w, 0);
	if (!w.back || !mm)
		return 0;
	e = mm_entry(mm);
	if (e)
		__sync_fetch_and_add(&e->pingpong_pages, w.back);
	return w.back;
}

#endif /* ZDEV_PINGPONG_BPF_H */
