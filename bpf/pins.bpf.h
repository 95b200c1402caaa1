/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GUP pins of device folios: who holds them. Every get_user_pages() and
 * pin_user_pages() of the machine passes these hooks, so ordinary memory
 * leaves after the FOLL_PIN test and the zone test. A device folio's
 * first pin creates its zdev_pin record (the pinning task, cgroup and
 * stack), later pins and unpins count on it, and the last unpin deletes it.
 *   slow path  try_grab_folio(folio, refs, flags) -> 0       v6.2+
 *              try_grab_page(page, flags) -> bool             v6.1
 *   fast path  gup_fast_fallback(start, nr, flags, pages)     v6.11+
 *              internal_get_user_pages_fast(...)              v6.1
 *              -> pages pinned: the fast walk's grab is inlined
 *              (try_grab_folio_fast), so the pages it returned are
 *              walked at its exit; what its slow fallback and its
 *              unwinding do inside is left to that walk
 *   unpin      gup_put_folio(folio, refs, flags)              all
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_PINS_BPF_H
#define ZDEV_PINS_BPF_H

/*
 * FOLL_PIN: mm/internal.h's enum on v6.2+ (the loader reads it from BTF),
 * a #define of 0x40000 on v6.1.
 */
const volatile __u32 foll_pin = 0x40000;
/* try_grab_page() returns bool (v6.1), else 0 on success (v6.2..v6.10) */
const volatile bool grab_page_bool = true;

static __always_inline bool grab_page_ok(long ret)
{
	return grab_page_bool ? (ret & 0xff) != 0 : ret == 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZDEV_MAX_PINNED);
	__type(key, __u64); /* head pfn */
	__type(value, struct zdev_pin);
} pins SEC(".maps");

/* A device call of a pin hook: counted, and its pgmap's counters. */
static __always_inline struct zdev_pgmap_counters *
pin_counters(int hook, __u64 folio, __u64 *pgmap)
{
	struct zdev_hook_stats *st = hook_stats(hook);
	struct head_fields h;

	if (st)
		st->device++;
	folio_head_read((struct folio *)folio, &h);
	*pgmap = h.pgmap;
	return slot_counters(slot_of(h.pgmap, hook));
}

/*
 * A pin taken on a folio (a head) whose flags word is flags, stack_id the
 * pinning call's. Global: verified once, not in every caller's loop.
 */
__noinline int pin_record(int hook, __u64 folio, __u64 flags, __s32 refs,
			  __s32 stack_id)
{
	struct zdev_pgmap_counters *c;
	struct zdev_pin *rec, new = {};
	__u64 pfn, pgmap;

	c = pin_counters(hook, folio, &pgmap);
	if (!c)
		return 0;
	c->pins += refs;
	pfn = page_to_pfn(folio);
	rec = bpf_map_lookup_elem(&pins, &pfn);
	if (rec) {
		__sync_fetch_and_add(&rec->pins, refs);
		return 0;
	}
	new.pgmap = pgmap;
	new.first_ns = bpf_ktime_get_ns();
	new.cgroup = bpf_get_current_cgroup_id();
	new.pins = refs;
	new.order = folio_order_of((struct folio *)folio, flags);
	new.tgid = bpf_get_current_pid_tgid() >> 32;
	new.pid = (__u32)bpf_get_current_pid_tgid();
	new.stack_id = stack_id;
	new.foreign = task_foreign();
	bpf_get_current_comm(new.comm, sizeof(new.comm));
	if (!bpf_map_update_elem(&pins, &pfn, &new, BPF_NOEXIST)) {
		c->pinned_pages += 1LL << (new.order & 31);
		return 0;
	}
	/* another CPU's first pin won: count ours on its record */
	rec = bpf_map_lookup_elem(&pins, &pfn);
	if (rec)
		__sync_fetch_and_add(&rec->pins, refs);
	else
		c->pins_untracked += refs;
	return 0;
}

/*
 * The fast path's text, from kallsyms (0, 0: unknown; its entry program
 * then marks each call in stashed, a hash update per call).
 */
const volatile __u64 gup_fast_lo = 0, gup_fast_hi = 0;

#define FAST_GUP_FRAMES 12

/*
 * Inside the fast path's call, whose exit walks what it pinned? Asked of
 * device folios only: a stack walk, where marking every call of the
 * machine's GUP would cost ordinary memory a hash update.
 */
static __always_inline bool in_fast_gup(void *ctx)
{
	struct stash_key key = { .task = bpf_get_current_pid_tgid(),
				 .hook = ZDEV_HOOK_PIN_FAST };
	__u64 ips[FAST_GUP_FRAMES];
	long n;
	int i;

	if (!gup_fast_hi)
		return bpf_map_lookup_elem(&stashed, &key);
	n = bpf_get_stack(ctx, ips, sizeof(ips), 0);
	for (i = 0; i < FAST_GUP_FRAMES; i++) {
		if (i * 8 >= n)
			break;
		if (ips[i] >= gup_fast_lo && ips[i] < gup_fast_hi)
			return true;
	}
	return false;
}

/* The slow path's grab, outside the fast path's call. */
static __always_inline int pin_taken(void *ctx, int hook, __u64 folio,
				     __u64 flags, __s32 refs)
{
	struct zdev_hook_stats *st;

	if (!zone_is_device(flags) || refs <= 0 || in_fast_gup(ctx))
		return 0;
	st = hook_stats(hook);
	return pin_record(hook, folio, flags, refs, stack_of(ctx, st));
}

/* Pins released (refs of them) on a folio whose flags word is flags. */
static __always_inline int pin_dropped(void *ctx, int hook, __u64 folio,
				       __u64 flags, __s32 refs)
{
	struct zdev_pgmap_counters *c;
	struct zdev_pin *rec;
	__u64 pfn, pgmap;
	__u32 order;
	__s32 left;

	/* the fast path's unwinding: its exit counts what stayed pinned */
	if (!zone_is_device(flags) || refs <= 0 || in_fast_gup(ctx))
		return 0;
	c = pin_counters(hook, folio, &pgmap);
	if (!c)
		return 0;
	c->unpins += refs;
	pfn = page_to_pfn(folio);
	/* pinned before zdevmon started, or when the map was full */
	rec = bpf_map_lookup_elem(&pins, &pfn);
	if (!rec)
		return 0;
	order = rec->order;
	left = __sync_fetch_and_add(&rec->pins, -refs) - refs;
	if (left <= 0 && !bpf_map_delete_elem(&pins, &pfn))
		c->pinned_pages -= 1LL << (order & 31);
	return 0;
}

/* ---- slow path: the caller holds a reference already ---------------- */

SEC("fexit/try_grab_folio")
int BPF_PROG(pin_grab_fexit, struct folio *folio, int refs, unsigned int flags,
	     int ret)
{
	if (!(flags & foll_pin) || ret)
		return 0;
	/* a BTF pointer: its first word is a plain load */
	return pin_taken(ctx, ZDEV_HOOK_PIN, arg_u64(ctx, 0), *(__u64 *)folio,
			 refs);
}

SEC("kprobe/try_grab_folio")
int BPF_KPROBE(pin_grab_kprobe, void *folio, int refs, unsigned int flags)
{
	/* a hash update per grab is not for ordinary memory */
	if ((flags & foll_pin) && zone_is_device(read_flags((__u64)folio)))
		stash_args(ZDEV_HOOK_PIN, (__u64)folio,
			   ((__u64)(__u32)refs << 32) | flags);
	return 0;
}

SEC("kretprobe/try_grab_folio")
int BPF_KRETPROBE(pin_grab_kretprobe, int ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_PIN, &s) || ret)
		return 0;
	return pin_taken(ctx, ZDEV_HOOK_PIN, s.arg0, read_flags(s.arg0),
			 (__s32)(s.arg1 >> 32));
}

/* v6.1: a page (a tail of a compound one too), one reference */
SEC("fexit/try_grab_page")
int BPF_PROG(pin_grab_page_fexit, struct page *page, unsigned int flags,
	     long ret)
{
	__u64 head;

	if (!(flags & foll_pin) || !grab_page_ok(ret))
		return 0;
	head = page_head(arg_u64(ctx, 0));
	return pin_taken(ctx, ZDEV_HOOK_PIN, head, read_flags(head), 1);
}

SEC("kprobe/try_grab_page")
int BPF_KPROBE(pin_grab_page_kprobe, void *page, unsigned int flags)
{
	/* a tail's flags carry the zone too */
	if ((flags & foll_pin) && zone_is_device(read_flags((__u64)page)))
		stash_args(ZDEV_HOOK_PIN, (__u64)page, flags);
	return 0;
}

SEC("kretprobe/try_grab_page")
int BPF_KRETPROBE(pin_grab_page_kretprobe, long ret)
{
	struct stash s;
	__u64 head;

	if (!unstash_args(ZDEV_HOOK_PIN, &s) || !grab_page_ok(ret))
		return 0;
	head = page_head(s.arg0);
	return pin_taken(ctx, ZDEV_HOOK_PIN, head, read_flags(head), 1);
}

/* ---- fast path: the pages array it returns ---------------------------- */

#define PIN_WALK_MAX (1U << 20)
#define PIN_CHUNK    16 /* pointers read at once */

/*
 * What a walk's callback shares with its caller; a callback's state must
 * converge (v6.8+ verifies it as a loop): flags, never a count.
 */
struct pin_walk {
	__u64 pages; /* struct page *[] */
	__u64 nr;
	__s32 stack_id;
	bool device; /* a device page seen (first pass) */
	bool record; /* second pass */
};

/*
 * One chunk of the array. Ordinary memory costs a copy of its pointers
 * and a bit test each: only a page in a device section is read.
 */
static int pin_walk_chunk(__u32 idx, struct pin_walk *w)
{
	__u64 pages[PIN_CHUNK], base = (__u64)idx * PIN_CHUNK, n, page;
	__u64 vmemmap = vmemmap_start();
	int i;

	if (base >= w->nr)
		return 1;
	n = w->nr - base;
	if (n > PIN_CHUNK)
		n = PIN_CHUNK;
	if (bpf_probe_read_kernel(pages, n * sizeof(__u64),
				  (void *)(w->pages + base * sizeof(__u64))))
		return 1;
	for (i = 0; i < PIN_CHUNK && i < n; i++) {
		page = pages[i];
		/* the zone bits are in every struct page, tails' too */
		if (!page || !section_has_device(page, vmemmap) ||
		    !zone_is_device(read_flags(page)))
			continue;
		w->device = true;
		if (w->record) {
			page = page_head(page);
			pin_record(ZDEV_HOOK_PIN_FAST, page, read_flags(page),
				   1, w->stack_id);
		}
	}
	return 0;
}

/*
 * The pages pinned by one fast-path call: one pin each (a large folio
 * pinned whole appears once per page, as its refs count), the call's
 * stack taken once if any is a device page.
 */
static __always_inline int pins_walk(void *ctx, __u64 pages, long nr)
{
	struct zdev_hook_stats *st;
	struct pin_walk w = { .pages = pages };
	__u32 chunks;

	if (nr <= 0 || !pages)
		return 0;
	if (nr > PIN_WALK_MAX)
		nr = PIN_WALK_MAX;
	w.nr = nr;
	chunks = (nr + PIN_CHUNK - 1) / PIN_CHUNK;
	bpf_loop(chunks, pin_walk_chunk, &w, 0);
	if (!w.device)
		return 0;
	st = hook_stats(ZDEV_HOOK_PIN_FAST);
	w.stack_id = stack_of(ctx, st);
	w.record = true;
	bpf_loop(chunks, pin_walk_chunk, &w, 0);
	return 0;
}

/* marks the call for in_fast_gup(); not loaded when kallsyms told */
SEC("fentry/gup_fast_fallback")
int BPF_PROG(pin_fast_fentry, unsigned long start, unsigned long nr_pages,
	     unsigned int flags)
{
	if (flags & foll_pin)
		stash_args(ZDEV_HOOK_PIN_FAST, 0, 0);
	return 0;
}

SEC("fexit/gup_fast_fallback")
int BPF_PROG(pin_fast_fexit, unsigned long start, unsigned long nr_pages,
	     unsigned int flags, struct page **pages, long ret)
{
	struct stash s;

	if (!(flags & foll_pin) ||
	    (!gup_fast_hi && !unstash_args(ZDEV_HOOK_PIN_FAST, &s)))
		return 0;
	return pins_walk(ctx, arg_u64(ctx, 3), ret);
}

SEC("kprobe/gup_fast_fallback")
int BPF_KPROBE(pin_fast_kprobe, unsigned long start, unsigned long nr_pages,
	       unsigned int flags, void *pages)
{
	if (flags & foll_pin)
		stash_args(ZDEV_HOOK_PIN_FAST, (__u64)pages, 0);
	return 0;
}

SEC("kretprobe/gup_fast_fallback")
int BPF_KRETPROBE(pin_fast_kretprobe, long ret)
{
	struct stash s;

	if (!unstash_args(ZDEV_HOOK_PIN_FAST, &s))
		return 0;
	return pins_walk(ctx, s.arg0, ret);
}

/* ---- unpin ------------------------------------------------------------ */

SEC("fentry/gup_put_folio")
int BPF_PROG(unpin_fentry, struct folio *folio, int refs, unsigned int flags)
{
	if (!(flags & foll_pin))
		return 0;
	return pin_dropped(ctx, ZDEV_HOOK_UNPIN, arg_u64(ctx, 0),
			   *(__u64 *)folio, refs);
}

SEC("kprobe/gup_put_folio")
int BPF_KPROBE(unpin_kprobe, void *folio, int refs, unsigned int flags)
{
	if (!(flags & foll_pin))
		return 0;
	return pin_dropped(ctx, ZDEV_HOOK_UNPIN, (__u64)folio,
			   read_flags((__u64)folio), refs);
}

#endif /* ZDEV_PINS_BPF_H */
