/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration outcomes: for each migration, from its collection to its
 * pages step, what was collected and why the rest did not move, per
 * pgmap and direction (struct zdev_migrations), and one
 * ZDEV_EV_MIGRATION record per call on the --events stream.
 *
 * A collection (migrate_vma_setup, migrate_device_range/pfns, and
 * migrate_device_coherent_folio's own) runs in one thread: mig_ctxs holds
 * what it gathers, by thread id. migrate_device_unmap()'s entry sees the
 * candidates (its restore loop then zeroes the busy or pinned ones:
 * restored = candidates - entries still locked at the collection's end);
 * migrate_vma_split_folio() (v6.18+) splits system THPs met on the way.
 * The call's record then waits in mig_calls, keyed by its src array (the
 * API's, unique while the migration is open), for the pages step: at its
 * entry the entries the driver gave no destination, at its exit those
 * that moved (the rest failed in the core); or for a finalize without a
 * pages step (every page without a destination).
 *   static unsigned long migrate_device_unmap(src, npages, fault_page)
 *   static int migrate_vma_split_folio(folio, fault_page)       v6.18+
 *   int migrate_device_range(src, start, npages)                 v6.0+
 *   int migrate_device_pfns(src, npages)                         v6.15+
 *   int migrate_device_coherent_folio(folio)                     v6.7+
 *   int migrate_device_coherent_page(page)                       v6.1
 * Included by zdev.bpf.c after its migration walks (and the migrations
 * map, which their device-to-device outflow adds to).
 */
#ifndef ZDEV_MIGRATIONS_BPF_H
#define ZDEV_MIGRATIONS_BPF_H

/* A collection under way, by thread. */
struct mig_ctx {
	__u64 collected;  /* pages at migrate_device_unmap()'s entry */
	__u64 pgmap_hint; /* the device pages' pgmap, when known at entry */
	__u64 src, start, npages; /* the kretprobe twins' arguments */
	__u64 mm, vstart;	  /* migrate_vma_*: address space and range */
	__u32 cause;		  /* enum zdev_mig_cause */
	__u32 splits, split_failures;
	__u32 unmapped;	 /* migrate_device_unmap() ran */
	__u32 unmap_ret; /* and returned (entries unmapped) + 1; 0: not yet */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct mig_ctx);
} mig_ctxs SEC(".maps");

/* A migration collected, until its pages step or finalize. */
struct mig_call {
	struct zdev_migration_info m;
	__u64 start_ns;
	__u64 owner; /* args->pgmap_owner: names its pgmap if no page does */
	__u64 pgmap_hint;     /* mig_ctx's */
	__u64 locked;	      /* pages still collected when collection ended */
	__u64 offered;	      /* pages collected at the pages step's entry */
	__u64 no_dst_offered; /* of them, without a destination */
	__u32 split_failures;
	__u32 dst_device;	   /* its first destination is a device page */
	struct migrate_result res; /* the pages step's walk */
	__u64 mm, vstart;	   /* mig_ctx's */
	/*
	 * Every entry locked is one page (no compound one): the pages
	 * step's exit alone tells the outcome, its entry walk is skipped.
	 */
	__u32 small;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* the src array */
	__type(value, struct mig_call);
} mig_calls SEC(".maps");

/* a record is built here: too large for v6.1's stack beside the walks */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mig_call);
} mig_scratch SEC(".maps");

static __always_inline struct mig_ctx *mig_ctx_get(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return bpf_map_lookup_elem(&mig_ctxs, &tid);
}

/* A collection starts in this thread. */
static __always_inline struct mig_ctx *mig_begin(__u32 cause, __u64 pgmap_hint)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mig_ctx c = { .cause = cause, .pgmap_hint = pgmap_hint };

	bpf_map_update_elem(&mig_ctxs, &tid, &c, BPF_ANY);
	return bpf_map_lookup_elem(&mig_ctxs, &tid);
}

static __always_inline void mig_ctx_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&mig_ctxs, &tid);
}

/*
 * Pages of src[0, npages)'s MIGRATE entries (a compound one is 512). A
 * global function: verified once, its result an unknown number to its
 * callers (a static one's, tested by them, made the verifier walk every
 * iteration of the loop).
 */
__noinline __u64 mig_pages(__u64 src, __u64 npages)
{
	struct collect_walk w = { .src = src, .npages = npages };

	if (!src)
		return 0;
	if (w.npages > max_migrate_entries)
		w.npages = max_migrate_entries;
	bpf_loop((w.npages + COLLECT_CHUNK - 1) / COLLECT_CHUNK, collect_chunk,
		 &w, 0);
	return w.pages;
}

/* migrate_device_unmap()'s entry: the candidates collection gathered. */
static __always_inline int mig_unmap(__u64 src, __u64 npages)
{
	struct mig_ctx *c = mig_ctx_get();

	count_call(ZDEV_HOOK_MIGRATE_UNMAP);
	if (c) {
		c->collected = mig_pages(src, npages);
		c->unmapped = 1;
	}
	return 0;
}

/* migrate_device_unmap()'s return: entries unmapped (the rest restored). */
static __always_inline int mig_unmap_done(long ret)
{
	struct mig_ctx *c = mig_ctx_get();

	if (c)
		c->unmap_ret = (__u32)ret + 1;
	return 0;
}

/* migrate_vma_split_folio()'s return: a system THP split, or not. */
static __always_inline int mig_split(long ret)
{
	struct mig_ctx *c = mig_ctx_get();

	count_call(ZDEV_HOOK_MIGRATE_SPLIT_FOLIO);
	if (c && ret)
		c->split_failures++;
	else if (c)
		c->splits++;
	return 0;
}

/*
 * The pgmap of a driver's pgmap_owner (a call that moved nothing names no
 * page): its device-private or coherent one seen first (lowest
 * generation) and not torn down, the same whichever slots the daemon
 * happened to free and reuse.
 */
struct owner_find {
	__u64 owner;
	__s64 slot; /* the best so far; -1: none */
};

static int owner_slot(__u32 i, struct owner_find *f)
{
	struct zdev_slot *s = slot_at(i), *best;

	if (!s || !slot_in_use(s) || s->state == ZDEV_SLOT_GONE ||
	    s->info.owner != f->owner ||
	    (s->info.type != ZDEV_PGMAP_PRIVATE &&
	     s->info.type != ZDEV_PGMAP_COHERENT))
		return 0;
	best = f->slot >= 0 ? slot_at(f->slot) : NULL;
	if (!best || s->gen < best->gen)
		f->slot = i;
	return 0;
}

/* A migration ended: its outcome to its pgmap's counters and the stream. */
static __noinline void mig_end(struct mig_call *r, __u64 pgmap)
{
	struct owner_find f = { .owner = r ? r->owner : 0, .slot = -1 };
	struct zdev_mig_dir_stats *d;
	struct zdev_migrations *ms = NULL;
	struct zdev_event *e;
	__u32 slot;
	int s;

	if (!r)
		return;
	if (!pgmap)
		pgmap = r->pgmap_hint;
	if (!pgmap && f.owner) {
		bpf_loop(ZDEV_MAX_SLOTS, owner_slot, &f, 0);
		if (f.slot >= 0 && slot_at(f.slot))
			pgmap = slot_at(f.slot)->pgmap;
	}
	r->m.ns = bpf_ktime_get_ns() - r->start_ns;
	s = pgmap ? slot_of(pgmap, ZDEV_HOOK_MIGRATE_VMA_PAGES) : -1;
	if (s >= 0) {
		slot = s;
		ms = bpf_map_lookup_elem(&migrations, &slot);
	}
	if (ms) {
		d = &ms->dir[r->m.dir & 1];
		__sync_fetch_and_add(&d->calls, 1);
		__sync_fetch_and_add(&d->range_pages, r->m.range_pages);
		__sync_fetch_and_add(&d->collected, r->m.collected);
		__sync_fetch_and_add(&d->restored, r->m.restored);
		__sync_fetch_and_add(&d->no_dst, r->m.no_dst);
		__sync_fetch_and_add(&d->failed, r->m.failed);
		__sync_fetch_and_add(&d->migrated, r->m.migrated);
		__sync_fetch_and_add(&d->thp, r->m.thp);
		__sync_fetch_and_add(&d->split_dst, r->m.split_dst);
		__sync_fetch_and_add(&d->pingpong, r->m.pingpong);
		__sync_fetch_and_add(&d->by_cause[r->m.cause & 3],
				     r->m.migrated);
		__sync_fetch_and_add(&d->ns_total, r->m.ns);
		__sync_fetch_and_add(&d->ns_log2[log2_bucket(r->m.ns)], 1);
		__sync_fetch_and_add(&ms->collect_splits, r->m.splits);
		__sync_fetch_and_add(&ms->collect_split_failures,
				     r->split_failures);
	}
	count_kind(ZDEV_EV_MIGRATION);
	if (!emit_events)
		return;
	e = event_reserve(ZDEV_EV_MIGRATION, ZDEV_HOOK_MIGRATE_VMA_PAGES,
			  ZDEV_STREAM_EVENTS, NULL);
	if (!e)
		return;
	e->pgmap = pgmap;
	e->migration = r->m;
	event_submit(e, false);
}

/*
 * A collection ended (ret: its return): the call's record, kept by src
 * until its pages step unless nothing stayed locked, which ends it now.
 */
static __always_inline void mig_collected(__u64 src, __u64 range_pages,
					  __u64 locked, __u64 owner,
					  __u32 owner_tgid, __u32 dir, long ret,
					  bool small)
{
	struct mig_ctx *c = mig_ctx_get();
	__u32 zero = 0;
	struct mig_call *r = bpf_map_lookup_elem(&mig_scratch, &zero);

	if (!r)
		return;
	__builtin_memset(r, 0, sizeof(*r));
	/* seen from its pages step only: a driver's, or an eviction */
	r->m.cause = c ? c->cause
		       : (dir == ZDEV_MIG_TO_DEVICE ? ZDEV_MIG_DRIVER
						    : ZDEV_MIG_EVICT);
	r->m.dir = dir;
	r->m.range_pages = range_pages;
	r->m.collected = c && c->unmapped ? c->collected : locked;
	if (r->m.collected < locked) /* a large folio marked at unmap */
		r->m.collected = locked;
	r->m.restored = r->m.collected - locked;
	r->m.splits = c ? c->splits : 0;
	r->m.owner_tgid = owner_tgid;
	r->mm = c ? c->mm : 0;
	r->vstart = c ? c->vstart : 0;
	r->split_failures = c ? c->split_failures : 0;
	r->pgmap_hint = c ? c->pgmap_hint : 0;
	r->owner = owner;
	r->locked = locked;
	r->small = small;
	r->start_ns = bpf_ktime_get_ns();
	mig_ctx_end();
	if (!ret && locked && src) {
		bpf_map_update_elem(&mig_calls, &src, r, BPF_ANY);
		return;
	}
	mig_end(r, 0);
}

/* ---- the pages step ----------------------------------------------------- */

struct offer_walk {
	__u64 src, dst, npages;
	__u64 offered;	  /* pages of MIGRATE entries */
	__u64 no_dst;	  /* of them, without a destination */
	__u64 split_left; /* entries of a split source still ahead */
	__u64 first_dst;  /* the first destination entry */
	__u32 split_dst;  /* compound sources with small destinations */
	__u32 skip_until; /* chunk_read() */
	__u32 chunk_base; /* as migrate_walk's */
	__u32 pad;
};

/*
 * One entry at the pages step's entry; global: verified once. Its return:
 * whether the entries after it are a compound source's empty tail, not
 * to be read (unless a split puts destinations there).
 */
__noinline int offer_entry(struct offer_walk *w, __u64 s, __u64 d)
{
	if (!w)
		return 0;
	/* a split source's pieces: their destinations follow its own */
	if (w->split_left) {
		w->split_left--;
		if (!(d & MIGRATE_PFN_VALID))
			w->no_dst++;
		return 0;
	}
	if (!(s & MIGRATE_PFN_MIGRATE))
		return 0;
	if (!w->first_dst && (d & MIGRATE_PFN_VALID))
		w->first_dst = d;
	if (s & MIGRATE_PFN_COMPOUND) {
		w->offered += ZDEV_PMD_NR;
		if (!(d & MIGRATE_PFN_VALID))
			w->no_dst += ZDEV_PMD_NR;
		else if (!(d & MIGRATE_PFN_COMPOUND)) {
			w->split_dst++;
			w->split_left = ZDEV_PMD_NR - 1;
			return 0;
		}
		return 1;
	}
	w->offered++;
	if (!(d & MIGRATE_PFN_VALID))
		w->no_dst++;
	return 0;
}

static int offer_chunk(__u32 idx, struct offer_walk *w)
{
	unsigned long src[MIG_CHUNK], dst[MIG_CHUNK];
	__u64 base = (__u64)idx * MIG_CHUNK, n;
	int i;

	if (base + MIG_CHUNK <= w->skip_until)
		return 0;
	n = chunk_read(src, MIG_CHUNK, w->src, w->npages, idx);
	if (!n)
		return 1;
	/* most chunks of a compound migration are empty: nothing to look at */
	if (!(chunk_or(src, n) & MIGRATE_PFN_MIGRATE) && !w->split_left)
		return 0;
	if (chunk_read(dst, MIG_CHUNK, w->dst, w->npages, idx) != n)
		return 1;
	w->chunk_base = base;
	for (i = 0; i < MIG_CHUNK && i < n; i++)
		if (offer_entry(w, src[i], dst[i]))
			w->skip_until = w->chunk_base + i + ZDEV_PMD_NR;
	return 0;
}

/*
 * The first valid destination among the first MIG_CHUNK entries, or 0.
 * Not inlined: its array stays off the pages step's deepest call chain.
 */
static __noinline __u64 first_dst(__u64 dst, __u64 npages)
{
	unsigned long d[MIG_CHUNK];
	__u64 n = chunk_read(d, MIG_CHUNK, dst, npages, 0);
	int i;

	for (i = 0; i < MIG_CHUNK && i < n; i++)
		if (d[i] & MIGRATE_PFN_VALID)
			return d[i];
	return 0;
}

/*
 * The pages step's entry (migrate_vma_pages, migrate_device_pages): what
 * the driver found destinations for. A call collected where we did not
 * see it (migrate_device_coherent_folio's stack array, a collection
 * before we started) gets its record here.
 */
static __noinline void mig_offer(__u64 src, __u64 dst, __u64 npages, __u32 dir)
{
	struct offer_walk w = { .src = src, .dst = dst, .npages = npages };
	struct mig_call *r;

	if (!src || !dst)
		return;
	r = bpf_map_lookup_elem(&mig_calls, &src);
	if (r && r->small) {
		/* to RAM, or to another device? the first destination says */
		if (dir == ZDEV_MIG_TO_DEVICE)
			return;
		w.first_dst = first_dst(dst, npages);
		if (w.first_dst) {
			r->dst_device = zone_is_device(read_flags(
				pfn_to_page(w.first_dst >> MIGRATE_PFN_SHIFT)));
			return;
		}
		r->small = 0; /* none near the start: walk them all */
	}
	if (w.npages > max_migrate_entries)
		w.npages = max_migrate_entries;
	bpf_loop((w.npages + MIG_CHUNK - 1) / MIG_CHUNK, offer_chunk, &w, 0);
	if (!r && w.offered) {
		mig_collected(src, npages, w.offered, 0, 0, dir, 0, false);
		r = bpf_map_lookup_elem(&mig_calls, &src);
	}
	if (!r)
		return;
	r->offered = w.offered;
	r->no_dst_offered = w.no_dst;
	/* entries the driver took back before the pages step: no destination */
	r->m.no_dst =
		w.no_dst + (r->locked > w.offered ? r->locked - w.offered : 0);
	r->m.split_dst = w.split_dst;
	if (w.first_dst)
		r->dst_device = zone_is_device(read_flags(
			pfn_to_page(w.first_dst >> MIGRATE_PFN_SHIFT)));
}

/* The flags of the pages step's walk: direction and eviction. */
static __always_inline __u16 mig_walk_flags(struct mig_call *r, bool to_device)
{
	__u16 flags = 0;

	if (to_device || (r && r->dst_device))
		flags |= ZDEV_F_TO_DEVICE;
	else if (!r || r->m.cause == ZDEV_MIG_EVICT)
		flags |= ZDEV_F_EVICT;
	return flags;
}

/* The pages step's exit (its walk in r->res): what moved ends the call. */
static __noinline void mig_moved(__u64 src, struct mig_call *r, bool to_device)
{
	__u64 tried;

	if (!r)
		return;
	r->m.migrated = r->res.moved;
	r->m.thp = r->res.large;
	if (r->small) {
		/*
		 * At the exit, an entry given a destination that lost MIGRATE
		 * failed in the core; the rest of what was locked had none
		 */
		r->m.failed = r->res.failed;
		tried = r->res.moved + r->res.failed;
		r->m.no_dst = r->locked > tried ? r->locked - tried : 0;
	} else {
		tried = r->offered > r->no_dst_offered
				? r->offered - r->no_dst_offered
				: 0;
		r->m.failed = tried > r->res.moved ? tried - r->res.moved : 0;
	}
	if (to_device || r->dst_device)
		r->m.dir = ZDEV_MIG_TO_DEVICE;
	else
		r->m.dir = ZDEV_MIG_TO_RAM;
	if (!to_device && r->dst_device)
		r->m.d2d = r->res.moved;
	/* the walk marked the pages it moved for an address space */
	r->m.pingpong = r->res.pp_at & PP_ON
				? pingpong_check(r->mm, r->vstart, r->m.dir)
				: 0;
	mig_end(r, r->res.first);
	bpf_map_delete_elem(&mig_calls, &src);
}

/* A finalize whose migration had no pages step: nothing got a destination. */
static __always_inline void mig_finalized(__u64 src)
{
	struct mig_call *r = bpf_map_lookup_elem(&mig_calls, &src);

	if (!r)
		return;
	r->m.no_dst = r->locked;
	mig_end(r, 0);
	bpf_map_delete_elem(&mig_calls, &src);
}

/* ---- hooks -------------------------------------------------------------- */

SEC("fentry/migrate_device_unmap")
int BPF_PROG(migrate_unmap_fentry, unsigned long *src, unsigned long npages)
{
	return mig_unmap(arg_u64(ctx, 0), npages);
}

SEC("kprobe/migrate_device_unmap")
int BPF_KPROBE(migrate_unmap_kprobe, unsigned long *src, unsigned long npages)
{
	return mig_unmap((__u64)src, npages);
}

SEC("fexit/migrate_device_unmap")
int BPF_PROG(migrate_unmap_fexit, unsigned long *src, unsigned long npages,
	     struct page *fault_page, unsigned long ret)
{
	return mig_unmap_done(ret);
}

SEC("kretprobe/migrate_device_unmap")
int BPF_KRETPROBE(migrate_unmap_kretprobe, long ret)
{
	return mig_unmap_done(ret);
}

SEC("fexit/migrate_vma_split_folio")
int BPF_PROG(migrate_split_folio_fexit, struct folio *folio,
	     struct page *fault_page, int ret)
{
	return mig_split(ret);
}

SEC("kretprobe/migrate_vma_split_folio")
int BPF_KRETPROBE(migrate_split_folio_kretprobe, long ret)
{
	return mig_split((int)ret);
}

/* Evictions: collected by range or by pfns, moved to RAM. */
static __always_inline int evict_begin(int hook, __u64 src, __u64 start,
				       __u64 npages)
{
	struct mig_ctx *c;

	count_call(hook);
	c = mig_begin(
		ZDEV_MIG_EVICT,
		start ? (__u64)folio_pgmap((struct folio *)pfn_to_page(start))
		      : 0);
	if (c) {
		c->src = src;
		c->npages = npages;
	}
	return 0;
}

static __always_inline int evict_collected(long ret)
{
	struct mig_ctx *c = mig_ctx_get();
	__u64 src, npages;

	if (!c)
		return 0;
	src = c->src;
	npages = c->npages;
	mig_collected(src, npages, mig_pages(src, npages), 0, 0,
		      ZDEV_MIG_TO_RAM, ret, false);
	return 0;
}

SEC("fentry/migrate_device_range")
int BPF_PROG(migrate_device_range_fentry, unsigned long *src,
	     unsigned long start, unsigned long npages)
{
	return evict_begin(ZDEV_HOOK_MIGRATE_DEVICE_RANGE, arg_u64(ctx, 0),
			   start, npages);
}

SEC("fexit/migrate_device_range")
int BPF_PROG(migrate_device_range_fexit, unsigned long *src,
	     unsigned long start, unsigned long npages, int ret)
{
	return evict_collected(ret);
}

SEC("kprobe/migrate_device_range")
int BPF_KPROBE(migrate_device_range_kprobe, unsigned long *src,
	       unsigned long start, unsigned long npages)
{
	return evict_begin(ZDEV_HOOK_MIGRATE_DEVICE_RANGE, (__u64)src, start,
			   npages);
}

SEC("kretprobe/migrate_device_range")
int BPF_KRETPROBE(migrate_device_range_kretprobe, long ret)
{
	return evict_collected(ret);
}

SEC("fentry/migrate_device_pfns")
int BPF_PROG(migrate_device_pfns_fentry, unsigned long *src,
	     unsigned long npages)
{
	return evict_begin(ZDEV_HOOK_MIGRATE_DEVICE_PFNS, arg_u64(ctx, 0), 0,
			   npages);
}

SEC("fexit/migrate_device_pfns")
int BPF_PROG(migrate_device_pfns_fexit, unsigned long *src,
	     unsigned long npages, int ret)
{
	return evict_collected(ret);
}

SEC("kprobe/migrate_device_pfns")
int BPF_KPROBE(migrate_device_pfns_kprobe, unsigned long *src,
	       unsigned long npages)
{
	return evict_begin(ZDEV_HOOK_MIGRATE_DEVICE_PFNS, (__u64)src, 0,
			   npages);
}

SEC("kretprobe/migrate_device_pfns")
int BPF_KRETPROBE(migrate_device_pfns_kretprobe, long ret)
{
	return evict_collected(ret);
}

/*
 * A long-term pin (FOLL_LONGTERM GUP) of a device-coherent page moves it
 * to RAM first, by migrate_device_coherent_folio(): a collection of its
 * own (unmap, pages step, finalize). Where the pages step is seen, the
 * thread's collection ends there; where the compiler inlined
 * migrate_device_pages() into it (7.x), the exit tells the outcome: 0
 * moved; -EBUSY restored at unmap, else not moved by the core (or no RAM
 * page).
 */
static __always_inline int coherent_begin(__u64 folio)
{
	count_call(ZDEV_HOOK_MIGRATE_COHERENT);
	mig_begin(ZDEV_MIG_PIN, (__u64)folio_pgmap((struct folio *)folio));
	return 0;
}

static __noinline void coherent_end(long ret)
{
	struct mig_ctx *c = mig_ctx_get();
	struct zdev_pgmap_counters *pc;
	__u32 zero = 0;
	struct mig_call *r = bpf_map_lookup_elem(&mig_scratch, &zero);

	if (!c)
		return; /* its pages step ended it */
	if (!c->unmapped || !r) {
		mig_ctx_end();
		return;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->m.cause = ZDEV_MIG_PIN;
	r->m.dir = ZDEV_MIG_TO_RAM;
	r->m.range_pages = c->collected;
	r->m.collected = c->collected;
	if (!ret)
		r->m.migrated = c->collected;
	else if (c->unmap_ret == 1) /* nothing unmapped */
		r->m.restored = c->collected;
	else
		r->m.failed = c->collected;
	r->pgmap_hint = c->pgmap_hint;
	r->start_ns = bpf_ktime_get_ns();
	mig_ctx_end();
	/* migrated_to_ram_pages too: its pages step counted nothing */
	pc = slot_counters(slot_of(r->pgmap_hint, ZDEV_HOOK_MIGRATE_COHERENT));
	if (pc)
		pc->migrated_to_ram_pages += r->m.migrated;
	mig_end(r, 0);
}

SEC("fentry/migrate_device_coherent_folio")
int BPF_PROG(migrate_coherent_folio_fentry, struct folio *folio)
{
	return coherent_begin(arg_u64(ctx, 0));
}

SEC("fexit/migrate_device_coherent_folio")
int BPF_PROG(migrate_coherent_folio_fexit, struct folio *folio, int ret)
{
	coherent_end(ret);
	return 0;
}

SEC("kprobe/migrate_device_coherent_folio")
int BPF_KPROBE(migrate_coherent_folio_kprobe, struct folio *folio)
{
	return coherent_begin((__u64)folio);
}

SEC("kretprobe/migrate_device_coherent_folio")
int BPF_KRETPROBE(migrate_coherent_folio_kretprobe, long ret)
{
	coherent_end((int)ret);
	return 0;
}

#endif /* ZDEV_MIGRATIONS_BPF_H */
