// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side's state, read back. Slots live in the skeleton's .bss,
 * mapped into this process when it was loaded; per-CPU counters are
 * summed into .bss, and the hash maps read whole are copied into the
 * mapped walk_out, by syscall programs (bpf/harvest.bpf.h: a map lookup
 * from here would blind kprobe programs); the faults,
 * migrations and residency arrays, live_bits and the CI records are
 * arrays mapped here, read where a bit is set and cleared when a gone
 * pgmap's region is given back. None of it needs a capability once the
 * descriptors are open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kstate.h"
#include "ksyms.h"
#include "live_walk.h"
#include "model/intake.h"
#include "record/record.h"
#include "zdev.skel.h"

struct kstate {
	struct probes *probes;
	struct zdev *skel;
	bool records; /* CI mode */
	uint64_t start_ns;
	struct zdev_slot slots[ZDEV_MAX_SLOTS]; /* a tick's copy */
	/* mapped arrays, a slot's entry at its index */
	struct zdev_faults *faults;
	struct zdev_migrations *migrations;
	struct zdev_residency *residency;
	const struct zdev_walk_rec *walked; /* walk_out, mapped */
	size_t walked_size;
	uint64_t *bits; /* live_bits, mapped */
	size_t bits_size;
	uint64_t *recs; /* CI mode: records, mapped (a record per bit) */
	size_t recs_size;
	/* the tracker pgmap of each slot, while it holds one */
	int pgmap_of[ZDEV_MAX_SLOTS];
	struct recorder *rec; /* what each read gives is recorded too */
	struct tracker *t;    /* the one a map walk fills */
};

void kstate_record(struct kstate *k, struct recorder *r)
{
	k->rec = r;
}

uint64_t kstate_start_ns(const struct kstate *k)
{
	return k->start_ns;
}

/* A read's result into the recording: its frame begins with it. */
static void rec_begin(struct kstate *k, enum zrec_type type)
{
	if (k->rec)
		recorder_begin(k->rec, type, recorder_now_ns());
}

static void rec_add(struct kstate *k, const void *data, size_t len)
{
	if (k->rec)
		recorder_add(k->rec, data, len);
}

static int rec_end(struct kstate *k, int ret)
{
	int32_t ret32 = ret;

	if (k->rec) {
		recorder_add(k->rec, &ret32, sizeof(ret32));
		recorder_end(k->rec);
	}
	return ret;
}

static void rec_stack(struct kstate *k, int32_t id)
{
	if (k->rec)
		recorder_stack(k->rec, id);
}

static void rec_cgroup(struct kstate *k, uint64_t id)
{
	if (k->rec)
		recorder_cgroup(k->rec, id);
}

/* An array of ZDEV_MAX_SLOTS elements, mapped; NULL and errno if not. */
static void *map_array(const struct bpf_map *m, size_t elem)
{
	void *a;

	/* the kernel's stride is the value rounded up to 8 bytes */
	if (elem % 8 || bpf_map__value_size(m) != elem ||
	    bpf_map__max_entries(m) != ZDEV_MAX_SLOTS) {
		errno = EINVAL;
		return NULL;
	}
	a = mmap(NULL, ZDEV_MAX_SLOTS * elem, PROT_READ | PROT_WRITE,
		 MAP_SHARED, bpf_map__fd(m), 0);
	return a == MAP_FAILED ? NULL : a;
}

static void unmap_array(void *a, size_t elem)
{
	if (a)
		munmap(a, ZDEV_MAX_SLOTS * elem);
}

int kstate_open(struct kstate **out, struct probes *p)
{
	struct zdev *skel = probes_skel(p);
	struct kstate *k = calloc(1, sizeof(*k));
	const struct bpf_map *bm = skel->maps.live_bits, *rm;
	int err;

	if (!k)
		return -ENOMEM;
	k->probes = p;
	k->skel = skel;
	k->records = skel->rodata->folio_records;
	k->start_ns = skel->rodata->session_start_ns;
	k->faults = map_array(skel->maps.faults, sizeof(*k->faults));
	k->migrations =
		map_array(skel->maps.migrations, sizeof(*k->migrations));
	k->residency = map_array(skel->maps.residency, sizeof(*k->residency));
	if (!k->faults || !k->migrations || !k->residency) {
		err = -errno;
		goto fail;
	}
	k->walked_size = (size_t)bpf_map__max_entries(skel->maps.walk_out) *
			 sizeof(*k->walked);
	k->walked = mmap(NULL, k->walked_size, PROT_READ, MAP_SHARED,
			 bpf_map__fd(skel->maps.walk_out), 0);
	if (k->walked == MAP_FAILED) {
		err = -errno;
		k->walked = NULL;
		goto fail;
	}
	k->bits_size = (size_t)bpf_map__max_entries(bm) * sizeof(__u64);
	k->bits = mmap(NULL, k->bits_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(bm), 0);
	if (k->bits == MAP_FAILED) {
		err = -errno;
		k->bits = NULL;
		goto fail;
	}
	if (k->records) {
		rm = skel->maps.records;
		k->recs_size = (size_t)bpf_map__max_entries(rm) * sizeof(__u64);
		k->recs = mmap(NULL, k->recs_size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, bpf_map__fd(rm), 0);
		if (k->recs == MAP_FAILED) {
			err = -errno;
			k->recs = NULL;
			goto fail;
		}
	}
	*out = k;
	return 0;
fail:
	kstate_close(k);
	return err;
}

void kstate_close(struct kstate *k)
{
	if (!k)
		return;
	if (k->bits)
		munmap(k->bits, k->bits_size);
	if (k->recs)
		munmap(k->recs, k->recs_size);
	unmap_array(k->faults, sizeof(*k->faults));
	unmap_array(k->migrations, sizeof(*k->migrations));
	unmap_array(k->residency, sizeof(*k->residency));
	if (k->walked)
		munmap((void *)k->walked, k->walked_size);
	free(k);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A syscall program's run: its context comes back where it came from. */
static int syscall_run(int fd, void *args, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = size);

	return bpf_prog_test_run_opts(fd, &opts) ? -errno : 0;
}

static int pgmap_refs(struct kstate *k, uint32_t slot, int64_t *count)
{
	struct zdev_pgmap_refs args = {};
	int fd = bpf_program__fd(k->skel->progs.pgmap_refs), err;

	if (slot >= ZDEV_MAX_SLOTS)
		return -EINVAL;
	args.pgmap = k->skel->bss->slots[slot].pgmap;
	if (!args.pgmap)
		return -ENOENT;
	err = syscall_run(fd, &args, sizeof(args));
	if (err)
		return err;
	/* before the kill's switch to atomic mode the count means nothing */
	if (!(args.mode & ZDEV_REF_READ) || !(args.mode & ZDEV_REF_ATOMIC))
		return -EAGAIN;
	*count = args.count;
	return 0;
}

int kstate_pgmap_refs(struct kstate *k, uint32_t slot, int64_t *count)
{
	struct zrec_refs r = { .slot = slot };

	r.ret = pgmap_refs(k, slot, &r.count);
	if (k->rec)
		recorder_put(k->rec, ZREC_REFS, recorder_now_ns(), &r,
			     sizeof(r));
	if (!r.ret)
		*count = r.count;
	return r.ret;
}

int kstate_op_name(struct kstate *k, uint64_t addr, char *buf, size_t len)
{
	struct zdev_op_name args = { .addr = addr };
	const char *out = k->skel->bss->op_name_out;
	int err;

	err = syscall_run(bpf_program__fd(k->skel->progs.op_name), &args,
			  sizeof(args));
	if (err)
		return err;
	if (!memchr(out, '\0', ZDEV_OP_NAME_LEN))
		return -ENOENT;
	return ksyms_from_pS(out, buf, len) ? 0 : -ENOENT;
}

/* Walk chunks of this many pfns per run: each run is one syscall. */
#define CENSUS_CHUNK (ZDEV_SUBSECTION_PAGES * 4096ULL)

void kstate_census(struct kstate *k, struct census_result *res)
{
	int fd = bpf_program__fd(k->skel->progs.census);
	struct zdev_census args = {};
	struct zdev_range regions[ZDEV_CENSUS_REGIONS];
	double t0 = now_s();
	uint32_t i, nr;
	int err;

	memset(res, 0, sizeof(*res));
	k->skel->bss->census_active = 1;
	k->skel->bss->census_scanned = k->skel->bss->census_found = 0;
	err = syscall_run(fd, &args, sizeof(args));
	nr = k->skel->bss->census_nr_regions;
	if (nr > ZDEV_CENSUS_REGIONS)
		nr = ZDEV_CENSUS_REGIONS;
	memcpy(regions, k->skel->bss->census_regions, sizeof(regions));
	for (i = 0; !err && i < nr; i++) {
		/* whole subsections: memremap_pages() maps no less */
		uint64_t lo = zdev_phys_pfn(regions[i].start) &
			      ~(uint64_t)(ZDEV_SUBSECTION_PAGES - 1);
		uint64_t end = zdev_phys_pfn(regions[i].end) + 1, pfn;

		res->regions++;
		res->pfns += end - lo;
		for (pfn = lo; !err && pfn < end; pfn += CENSUS_CHUNK) {
			args.start_pfn = pfn;
			args.nr_pfns = end - pfn < CENSUS_CHUNK ? end - pfn
								: CENSUS_CHUNK;
			/* a partial last subsection still gets looked at */
			args.nr_pfns =
				(args.nr_pfns + ZDEV_SUBSECTION_PAGES - 1) &
				~(uint64_t)(ZDEV_SUBSECTION_PAGES - 1);
			err = syscall_run(fd, &args, sizeof(args));
		}
	}
	res->scanned = k->skel->bss->census_scanned;
	res->found = k->skel->bss->census_found;
	k->skel->bss->census_active = 0;
	/*
	 * Device sections are known once every region was walked and while
	 * memremap_pages() is followed (bpf/sections.bpf.h).
	 */
	res->sections_armed = !err && nr < ZDEV_CENSUS_REGIONS &&
			      probes_hook_on(k->probes, ZDEV_HOOK_MEMREMAP);
	k->skel->bss->device_sections_armed = res->sections_armed;
	res->err = err;
	res->seconds = now_s() - t0;
}

/*
 * The per-CPU maps summed over CPUs into .bss by a syscall program
 * (bpf/harvest.bpf.h), not read here with map lookups: each of those
 * blinds the kprobe programs of its CPU while this thread is preempted
 * in it. NULL if the program could not run.
 */
static const struct zdev_harvest *harvest(struct kstate *k)
{
	struct zdev_harvest *hv = &k->skel->bss->harvest;

	memset(hv, 0, sizeof(*hv));
	if (syscall_run(bpf_program__fd(k->skel->progs.harvest_counters), NULL,
			0))
		return NULL;
	return hv;
}

/* Events by kind: the fast path counts by hook, not by kind. */
static void kinds_read(const struct zdev_harvest *hv, struct tracker *t)
{
	int kind, h;

	for (kind = 0; kind < ZDEV_EV_KIND_MAX; kind++)
		t->events_by_kind[kind] = hv->kinds[kind];
	for (h = 0; h < ZDEV_HOOK_MAX; h++)
		if (zdev_fast_kind(h))
			t->events_by_kind[zdev_fast_kind(h)] +=
				hv->fast_calls[h];
	t->events = 0;
	for (kind = 0; kind < ZDEV_EV_KIND_MAX; kind++)
		t->events += t->events_by_kind[kind];
}

/*
 * The slots first, then their counters: a slot seen gone has counters
 * at least as new, all its frees among them. The faults, migrations and
 * residency arrays are mapped here, read without a syscall.
 */
int kstate_sync(struct kstate *k, struct tracker *t, int *gone, int max)
{
	const struct zdev_harvest *hv;
	struct intake_slot in;
	int i, n = 0;

	memcpy(k->slots, k->skel->bss->slots, sizeof(k->slots));
	/* not summed: this tick changes nothing, and is recorded so */
	hv = harvest(k);
	if (hv)
		kinds_read(hv, t);
	rec_begin(k, ZREC_SYNC);
	rec_add(k, t->events_by_kind, sizeof(t->events_by_kind));
	for (i = 0; hv && i < ZDEV_MAX_SLOTS; i++) {
		struct zt_pgmap *p;

		in.slot = k->slots[i];
		if (!in.slot.pgmap || in.slot.state == ZDEV_SLOT_FREE)
			continue;
		in.sum = hv->counters[i];
		in.slot.info.slot = i;
		in.faults = k->faults[i];
		in.migrations = k->migrations[i];
		in.residency = k->residency[i];
		rec_add(k, &in, sizeof(in));
		p = intake_slot(t, &in, gone, &n, max);
		if (p)
			k->pgmap_of[i] = p->id;
	}
	rec_end(k, hv ? 0 : -EIO);
	return n;
}

void kstate_release(struct kstate *k, struct tracker *t, int pgmap_id)
{
	struct zt_pgmap *p =
		(struct zt_pgmap *)tracker_pgmap_by_id(t, pgmap_id);
	struct zdev_slot *s;
	uint32_t slot;
	__u64 top;

	if (k->rec) {
		int32_t rslot = p ? p->slot : -1;

		recorder_put(k->rec, ZREC_RELEASE, recorder_now_ns(), &rslot,
			     sizeof(rslot));
	}
	if (!p || p->final || p->slot < 0 || p->slot >= ZDEV_MAX_SLOTS)
		return;
	slot = p->slot;
	s = &k->skel->bss->slots[slot];
	tracker_pgmap_final(t, p);
	if (s->gen != p->gen || s->state != ZDEV_SLOT_GONE)
		return;
	/* its struct pages are gone: nothing writes this state any more */
	if (k->bits && s->bit_len &&
	    (s->bit_base + s->bit_len) / 64 <= k->bits_size / 8) {
		memset(&k->bits[s->bit_base / 64], 0, s->bit_len / 8);
		if (k->recs && s->bit_base + s->bit_len <= k->recs_size / 8)
			memset(&k->recs[s->bit_base], 0, s->bit_len * 8);
		/* the newest region comes back at once; others wait for it */
		top = s->bit_base + s->bit_len;
		__atomic_compare_exchange_n(&k->skel->bss->next_bit, &top,
					    s->bit_base, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
	/* its counters, pins and sampled births (bpf/harvest.bpf.h) */
	syscall_run(bpf_program__fd(k->skel->progs.slot_forget), &slot,
		    sizeof(slot));
	memset(&k->faults[slot], 0, sizeof(k->faults[slot]));
	memset(&k->migrations[slot], 0, sizeof(k->migrations[slot]));
	memset(&k->residency[slot], 0, sizeof(k->residency[slot]));
	s->state = ZDEV_SLOT_FREE;
	__atomic_store_n(&s->pgmap, 0, __ATOMIC_RELEASE);
	k->pgmap_of[slot] = 0;
}

struct folios_walk {
	struct kstate *k;
	struct tracker *t;
	int pgmap_id;
	int slot;
};

/* A live folio into the tracker's cache, from its CI record. */
static int folio_add(uint64_t pfn, uint64_t bit, void *arg)
{
	struct folios_walk *w = arg;
	uint64_t rec = __atomic_load_n(&w->k->recs[bit], __ATOMIC_ACQUIRE);
	struct zt_folio_view v =
		zt_view_of_record(w->pgmap_id, pfn, rec, w->k->start_ns);
	struct zrec_folio z = { pfn, rec, w->slot };

	/* freed since its bit was read: its record may be gone already */
	if (!(__atomic_load_n(&w->k->bits[bit / 64], __ATOMIC_ACQUIRE) &
	      (1ULL << (bit % 64))))
		return 0;
	rec_add(w->k, &z, sizeof(z));
	rec_stack(w->k, v.birth_stack);
	return tracker_folio_add(w->t, w->pgmap_id, &v);
}

int kstate_folios(struct kstate *k, struct tracker *t)
{
	uint32_t slot;
	int err;

	tracker_folios_clear(t);
	rec_begin(k, ZREC_FOLIOS);
	if (!k->recs)
		return rec_end(k, 0);
	for (slot = 0; slot < ZDEV_MAX_SLOTS; slot++) {
		/* a copy: the kernel side may be writing it */
		struct zdev_slot s = k->skel->bss->slots[slot];
		struct folios_walk w = { k, t, k->pgmap_of[slot], slot };

		if (!w.pgmap_id || s.bit_base + s.bit_len > k->recs_size / 8)
			continue;
		err = live_walk(&s, k->bits, k->bits_size * 8, folio_add, &w);
		if (err)
			return rec_end(k, err);
	}
	return rec_end(k, 0);
}

/*
 * Each entry of a map the kernel side copied whole into walk_out (the
 * walk syscall program: no lookup from here, bpf/harvest.bpf.h); fn's
 * error ends the walk.
 */
static int walk_each(struct kstate *k, enum zdev_walk_map map,
		     int (*fn)(__u64 key, const void *val, void *ctx),
		     void *ctx)
{
	size_t cap = k->walked_size / sizeof(*k->walked), i;
	struct zdev_walk args = { .map = map };
	int err;

	err = syscall_run(bpf_program__fd(k->skel->progs.walk), &args,
			  sizeof(args));
	for (i = 0; !err && i < args.nr && i < cap; i++)
		err = fn(k->walked[i].key, &k->walked[i].val, ctx);
	return err;
}

static int pin_add(__u64 pfn, const void *val, void *ctx)
{
	struct kstate *k = ctx;
	struct intake_pin in = { .pfn = pfn };

	memcpy(&in.rec, val, sizeof(in.rec));
	rec_add(k, &in, sizeof(in));
	rec_stack(k, in.rec.stack_id);
	rec_cgroup(k, in.rec.cgroup);
	return intake_pin(k->t, &in);
}

int kstate_pins(struct kstate *k, struct tracker *t)
{
	int err;

	pins_clear(&t->pins);
	rec_begin(k, ZREC_PINS);
	k->t = t;
	err = walk_each(k, ZDEV_WALK_PINS, pin_add, k);
	pins_sort(&t->pins);
	return rec_end(k, err);
}

static int kalloc_add(__u64 kaddr, const void *val, void *ctx)
{
	struct kstate *k = ctx;
	struct intake_kalloc in = { .kaddr = kaddr };

	memcpy(&in.rec, val, sizeof(in.rec));
	rec_add(k, &in, sizeof(in));
	rec_stack(k, in.rec.stack_id);
	rec_cgroup(k, in.rec.cgroup);
	return intake_kalloc(k->t, &in);
}

int kstate_kallocs(struct kstate *k, struct tracker *t)
{
	kallocs_clear(&t->kallocs);
	rec_begin(k, ZREC_KALLOCS);
	k->t = t;
	return rec_end(k, walk_each(k, ZDEV_WALK_KALLOCS, kalloc_add, k));
}

static int setup_add(__u64 src, const void *val, void *ctx)
{
	struct kstate *k = ctx;
	struct intake_setup in = { .src = src };

	memcpy(&in.rec, val, sizeof(in.rec));
	rec_add(k, &in, sizeof(in));
	rec_stack(k, in.rec.stack_id);
	rec_cgroup(k, in.rec.cgroup);
	return intake_setup(k->t, &in);
}

int kstate_setups(struct kstate *k, struct tracker *t)
{
	setups_clear(&t->setups);
	rec_begin(k, ZREC_SETUPS);
	k->t = t;
	return rec_end(k, walk_each(k, ZDEV_WALK_SETUPS, setup_add, k));
}

static int usage_put(struct kstate *k, const struct intake_usage *in)
{
	rec_add(k, in, sizeof(*in));
	if (in->kind == INTAKE_MM)
		rec_cgroup(k, in->mm.cgroup);
	else if (in->kind == INTAKE_CGROUP)
		rec_cgroup(k, in->key);
	return intake_usage(k->t, in);
}

static int mm_add(__u64 mm, const void *val, void *ctx)
{
	struct intake_usage in = { .kind = INTAKE_MM, .key = mm };

	memcpy(&in.mm, val, sizeof(in.mm));
	return usage_put(ctx, &in);
}

static int cgroup_add(__u64 cgroup, const void *val, void *ctx)
{
	struct intake_usage in = { .kind = INTAKE_CGROUP, .key = cgroup };

	memcpy(&in.cgroup, val, sizeof(in.cgroup));
	return usage_put(ctx, &in);
}

/* A CPU's pages not yet folded into its last address space's entry. */
static int pending_add(__u64 mm, const void *val, void *ctx)
{
	struct intake_usage in = { .kind = INTAKE_PENDING,
				   .key = mm,
				   .pending = *(const __s64 *)val };

	return usage_put(ctx, &in);
}

int kstate_usage(struct kstate *k, struct tracker *t)
{
	int err;

	usage_clear(&t->usage);
	rec_begin(k, ZREC_USAGE);
	k->t = t;
	err = walk_each(k, ZDEV_WALK_MMS, mm_add, k);
	if (!err)
		err = walk_each(k, ZDEV_WALK_PENDING, pending_add, k);
	if (!err)
		err = walk_each(k, ZDEV_WALK_CGROUPS, cgroup_add, k);
	return rec_end(k, err);
}

/*
 * Is thread tid of process tgid gone? A signal 0 says, whatever our
 * privileges (EPERM: it exists), where /proc may hide other users' tasks.
 */
static bool thread_gone(__u32 tgid, __u32 tid)
{
	return syscall(SYS_tgkill, tgid, tid, 0) && errno == ESRCH;
}

static int wait_add(__u64 tid, const void *val, void *ctx)
{
	struct kstate *k = ctx;
	struct intake_wait in = { .tid = tid };
	__u32 key = tid;

	memcpy(&in.rec, val, sizeof(in.rec));
	/* killed while it waited, where no exit hook saw it end */
	if (thread_gone(in.rec.tgid, key)) {
		bpf_map_delete_elem(bpf_map__fd(k->skel->maps.layout_waits),
				    &key);
		return 0;
	}
	/* a call still looking for busy pages */
	if (!in.rec.busy)
		return 0;
	rec_add(k, &in, sizeof(in));
	rec_cgroup(k, in.rec.cgroup);
	return intake_wait(k->t, &in);
}

int kstate_waits(struct kstate *k, struct tracker *t)
{
	int err;

	waits_begin(&t->waits);
	rec_begin(k, ZREC_WAITS);
	k->t = t;
	err = walk_each(k, ZDEV_WALK_WAITS, wait_add, k);
	waits_end(&t->waits);
	return rec_end(k, err);
}

void kstate_status(struct kstate *k, struct zdev_status *st)
{
	/* summed at the tick's kstate_sync() */
	const struct zdev_harvest *hv = &k->skel->bss->harvest;
	int i;

	for (i = 0; i < ZDEV_STREAM_MAX; i++)
		st->dropped_by_stream[i] = hv->stream_drops[i];
	st->slots_full = k->skel->bss->slots_full;
	/* both modes: pages covered, and handed out to pgmaps so far */
	st->folio_state = k->records ? "records" : "bitmap";
	st->folio_state_capacity = k->bits_size * 8;
	st->folio_state_used = k->skel->bss->next_bit;
	st->folio_state_bytes = k->bits_size + (k->recs ? k->recs_size : 0);
}
