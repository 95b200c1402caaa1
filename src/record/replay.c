// SPDX-License-Identifier: GPL-2.0
/* A recording read back as the kernel side's reads, in their order. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "model/intake.h"
#include "sys/cgroup.h"
#include "format.h"
#include "replay.h"

struct stack_entry {
	int32_t id;
	int n;
	uint64_t ips[ZDEV_STACK_DEPTH];
};

struct cgroup_name {
	uint64_t id;
	char path[256]; /* "": none known */
};

struct text {
	char *buf;
	size_t len, cap;
};

struct replay {
	struct zrec_reader rd;
	struct zrec_head head;
	int (*handler)(void *, void *, size_t);
	void *handler_ctx;
	char err[320];
	bool done;		    /* ended, or failed: reads give nothing */
	struct stack_entry *stacks; /* sorted by id */
	size_t nr_stacks, cap_stacks;
	struct text kallsyms, modules;
	struct ksyms *ks;
	bool ks_stale;
	struct cgroup_name *cgroups; /* in the order recorded */
	size_t nr_cgroups, cap_cgroups;
};

static const char *const type_names[ZREC_TYPE_MAX] = {
	[ZREC_STEP_START] = "the start",
	[ZREC_STEP_SYNC] = "a sync",
	[ZREC_STEP_TICK] = "a snapshot",
	[ZREC_STEP_TEARDOWNS] = "a teardown judgement",
	[ZREC_STEP_WAITS] = "a layout-wait judgement",
	[ZREC_STEP_FOLIOS] = "a read of the live folios",
	[ZREC_STEP_CMD_ENDED] = "the command's end",
	[ZREC_STEP_VERDICT] = "the verdict",
	[ZREC_EVENT] = "a ring record",
	[ZREC_SYNC] = "the slots",
	[ZREC_REFS] = "a pgmap's references",
	[ZREC_RELEASE] = "a slot's release",
	[ZREC_FOLIOS] = "the live folios",
	[ZREC_PINS] = "the pins",
	[ZREC_KALLOCS] = "the in-kernel allocations",
	[ZREC_USAGE] = "the address spaces",
	[ZREC_WAITS] = "the layout waits",
	[ZREC_STATUS] = "the status",
	[ZREC_SETUPS] = "the open migrations",
	[ZREC_OPNAME] = "an op's name",
	[ZREC_STACK] = "a stack",
	[ZREC_SYMS] = "symbols",
	[ZREC_CGROUP] = "a cgroup's path",
};

static const char *type_name(uint16_t type)
{
	return type < ZREC_TYPE_MAX && type_names[type] ? type_names[type]
							: "?";
}

static void stop(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void stop(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0]) /* the first damage is the one told */
		return;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->done = true;
}

static void damaged(struct replay *r, uint64_t off, const char *what)
{
	stop(r, "at offset %llu: %s", (unsigned long long)off, what);
}

static int text_add(struct text *t, const void *data, size_t len)
{
	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *n;

		while (cap < t->len + len + 1)
			cap *= 2;
		n = realloc(t->buf, cap);
		if (!n)
			return -ENOMEM;
		t->buf = n;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, data, len);
	t->len += len;
	t->buf[t->len] = '\0';
	return 0;
}

static void absorb_syms(struct replay *r, const struct zrec_frame *f)
{
	const uint8_t *nul = memchr(f->data, '\0', f->len);
	size_t klen = nul ? (size_t)(nul - f->data) : f->len;

	if (!nul || text_add(&r->kallsyms, f->data, klen) ||
	    text_add(&r->modules, nul + 1, f->len - klen - 1))
		damaged(r, f->offset, "a symbols frame is malformed");
	/* a NUL inside the module part would cut the text: harmless */
	r->ks_stale = true;
}

static void absorb_stack(struct replay *r, const struct zrec_frame *f)
{
	struct stack_entry e = {};
	size_t lo = 0, hi = r->nr_stacks;

	if (f->len < sizeof(e.id) || (f->len - sizeof(e.id)) % 8 ||
	    (f->len - sizeof(e.id)) / 8 > ZDEV_STACK_DEPTH) {
		damaged(r, f->offset, "a stack frame is malformed");
		return;
	}
	memcpy(&e.id, f->data, sizeof(e.id));
	e.n = (f->len - sizeof(e.id)) / 8;
	memcpy(e.ips, f->data + sizeof(e.id), e.n * 8);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->stacks[mid].id < e.id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->nr_stacks && r->stacks[lo].id == e.id) {
		r->stacks[lo] = e; /* a rotated file's head repeats them */
		return;
	}
	if (r->nr_stacks == r->cap_stacks) {
		size_t cap = r->cap_stacks ? 2 * r->cap_stacks : 64;
		struct stack_entry *n = realloc(r->stacks, cap * sizeof(*n));

		if (!n) {
			stop(r, "out of memory for the stacks");
			return;
		}
		r->stacks = n;
		r->cap_stacks = cap;
	}
	memmove(&r->stacks[lo + 1], &r->stacks[lo],
		(r->nr_stacks - lo) * sizeof(*r->stacks));
	r->stacks[lo] = e;
	r->nr_stacks++;
}

static void absorb_cgroup(struct replay *r, const struct zrec_frame *f)
{
	struct cgroup_name *c;
	size_t len;

	if (f->len < 8 || f->len - 8 >= sizeof(c->path)) {
		damaged(r, f->offset, "a cgroup frame is malformed");
		return;
	}
	if (r->nr_cgroups == r->cap_cgroups) {
		size_t cap = r->cap_cgroups ? 2 * r->cap_cgroups : 16;

		c = realloc(r->cgroups, cap * sizeof(*c));
		if (!c) {
			stop(r, "out of memory for the cgroups");
			return;
		}
		r->cgroups = c;
		r->cap_cgroups = cap;
	}
	c = &r->cgroups[r->nr_cgroups++];
	len = f->len - 8;
	memcpy(&c->id, f->data, 8);
	memcpy(c->path, f->data + 8, len);
	c->path[len] = '\0';
}

/* A cgroup's path as the recording machine named it (cgroup.h). */
static const char *cgroup_name(void *ctx, uint64_t id)
{
	struct replay *r = ctx;
	size_t i;

	/* the latest: a rotated file's head may name it again */
	for (i = r->nr_cgroups; i-- > 0;)
		if (r->cgroups[i].id == id)
			return r->cgroups[i].path[0] ? r->cgroups[i].path
						     : NULL;
	return NULL;
}

/* The next frame that is not a stack, symbols or a cgroup (kept). */
static int next(struct replay *r, struct zrec_frame *f, bool peek)
{
	int ret;

	for (;;) {
		if (r->done)
			return 0;
		ret = zrec_peek(&r->rd, f);
		if (ret < 0) {
			stop(r, "%s", r->rd.err);
			return -1;
		}
		if (ret == 0) {
			r->done = true;
			return 0;
		}
		if (f->type != ZREC_STACK && f->type != ZREC_SYMS &&
		    f->type != ZREC_CGROUP) {
			if (!peek)
				zrec_next(&r->rd, f);
			return 1;
		}
		zrec_next(&r->rd, f);
		if (f->type == ZREC_STACK)
			absorb_stack(r, f);
		else if (f->type == ZREC_SYMS)
			absorb_syms(r, f);
		else
			absorb_cgroup(r, f);
	}
}

/*
 * The read the session makes now must be the one recorded next: its
 * entries (each of size) and its result, or false with the replay stopped.
 */
static bool expect(struct replay *r, uint16_t type, size_t prefix, size_t size,
		   struct zrec_frame *f, size_t *nr, int32_t *ret)
{
	if (next(r, f, false) <= 0) {
		if (!r->err[0])
			stop(r, "the recording ends inside a step, before %s",
			     type_name(type));
		return false;
	}
	if (f->type != type) {
		stop(r,
		     "at offset %llu: out of step: the session reads %s, the "
		     "recording holds %s",
		     (unsigned long long)f->offset, type_name(type),
		     type_name(f->type));
		return false;
	}
	if (f->len < prefix + sizeof(*ret) ||
	    (size && (f->len - prefix - sizeof(*ret)) % size) ||
	    (!size && f->len != prefix + sizeof(*ret))) {
		damaged(r, f->offset, "a frame's length fits not its entries");
		return false;
	}
	*nr = size ? (f->len - prefix - sizeof(*ret)) / size : 0;
	memcpy(ret, f->data + f->len - sizeof(*ret), sizeof(*ret));
	/* a read's result: 0 or -errno (a release's: a pgmap id) */
	if (type != ZREC_RELEASE && (*ret > 0 || *ret < -4095)) {
		damaged(r, f->offset, "a read's result is no error number");
		return false;
	}
	return true;
}

static void replay_consume(void *ctx)
{
	struct replay *r = ctx;
	struct zdev_event e;
	struct zrec_frame f;

	while (next(r, &f, true) > 0 && f.type == ZREC_EVENT) {
		zrec_next(&r->rd, &f);
		if (f.len < ZDEV_EVENT_SMALL_SIZE || f.len > sizeof(e)) {
			damaged(r, f.offset, "a ring record's length is wrong");
			return;
		}
		/* the handler reads on: the frame's bytes may go */
		memcpy(&e, f.data, f.len);
		r->handler(r->handler_ctx, &e, f.len);
	}
}

static int replay_sync(void *ctx, struct tracker *t, int *gone, int max)
{
	struct replay *r = ctx;
	size_t kinds = sizeof(t->events_by_kind), nr, i;
	struct intake_slot in;
	struct zrec_frame f = {};
	int32_t ret;
	int n = 0, k;

	if (!expect(r, ZREC_SYNC, kinds, sizeof(in), &f, &nr, &ret))
		return 0;
	if (nr > ZDEV_MAX_SLOTS) {
		damaged(r, f.offset, "a sync holds more slots than there are");
		return 0;
	}
	memcpy(t->events_by_kind, f.data, kinds);
	t->events = 0;
	for (k = 0; k < ZDEV_EV_KIND_MAX; k++)
		t->events += t->events_by_kind[k];
	for (i = 0; i < nr; i++) {
		memcpy(&in, f.data + kinds + i * sizeof(in), sizeof(in));
		if (in.slot.info.slot >= ZDEV_MAX_SLOTS) {
			damaged(r, f.offset, "a slot's index is out of range");
			return n;
		}
		intake_slot(t, &in, gone, &n, max);
	}
	return n;
}

static void replay_release(void *ctx, struct tracker *t, int pgmap_id)
{
	struct replay *r = ctx;
	struct zt_pgmap *p =
		(struct zt_pgmap *)tracker_pgmap_by_id(t, pgmap_id);
	int32_t slot, want = p ? p->slot : -1;
	struct zrec_frame f = {};
	size_t nr;

	/* the release frame is the pgmap's slot alone: its "result" */
	if (!expect(r, ZREC_RELEASE, 0, 0, &f, &nr, &slot))
		return;
	if (slot != want) {
		stop(r,
		     "at offset %llu: out of step: slot %d released, the "
		     "recording releases %d",
		     (unsigned long long)f.offset, want, slot);
		return;
	}
	if (p && !p->final && p->slot >= 0 && p->slot < ZDEV_MAX_SLOTS)
		tracker_pgmap_final(t, p);
}

static int replay_pgmap_refs(void *ctx, uint32_t slot, int64_t *count)
{
	struct replay *r = ctx;
	struct zrec_refs z;
	struct zrec_frame f = {};

	if (next(r, &f, false) <= 0 || f.type != ZREC_REFS ||
	    f.len != sizeof(z)) {
		if (!r->done || !r->err[0])
			stop(r,
			     "at offset %llu: out of step: the session "
			     "reads a pgmap's references",
			     (unsigned long long)f.offset);
		return -EIO;
	}
	memcpy(&z, f.data, sizeof(z));
	if (z.ret > 0 || z.ret < -4095) {
		damaged(r, f.offset, "a read's result is no error number");
		return -EIO;
	}
	if (z.slot != slot) {
		stop(r,
		     "at offset %llu: out of step: slot %u's references, "
		     "the recording holds slot %u's",
		     (unsigned long long)f.offset, slot, z.slot);
		return -EIO;
	}
	if (!z.ret)
		*count = z.count;
	return z.ret;
}

static int replay_folios(void *ctx, struct tracker *t)
{
	struct replay *r = ctx;
	struct zrec_folio z;
	struct zrec_frame f = {};
	int32_t ret, slot = -1;
	size_t nr, i;
	int id = 0;

	/* a cut recording keeps what it had */
	if (!expect(r, ZREC_FOLIOS, 0, sizeof(z), &f, &nr, &ret))
		return 0;
	tracker_folios_clear(t);
	for (i = 0; i < nr; i++) {
		struct zt_folio_view v;

		memcpy(&z, f.data + i * sizeof(z), sizeof(z));
		/* runs of one slot: its pgmap looked up once */
		if (z.slot != slot) {
			slot = z.slot;
			id = tracker_pgmap_in_slot(t, slot);
		}
		v = zt_view_of_record(id, z.pfn, z.rec, r->head.start_ns);
		tracker_folio_add(t, id, &v);
	}
	return ret;
}

/* A holder map's read: its entries, each into the tracker. */
#define REPLAY_ENTRIES(name, type, frame, entry_t, begin, end)            \
	static int replay_##name(void *ctx, struct tracker *t)            \
	{                                                                 \
		struct replay *r = ctx;                                   \
		struct zrec_frame f = {};                                 \
		entry_t in;                                               \
		int32_t ret;                                              \
		size_t nr, i;                                             \
                                                                          \
		/* a cut recording keeps what it had */                   \
		if (!expect(r, frame, 0, sizeof(in), &f, &nr, &ret))      \
			return 0;                                         \
		begin;                                                    \
		for (i = 0; i < nr; i++) {                                \
			memcpy(&in, f.data + i * sizeof(in), sizeof(in)); \
			type(t, &in);                                     \
		}                                                         \
		end;                                                      \
		return ret;                                               \
	}

REPLAY_ENTRIES(pins, intake_pin, ZREC_PINS, struct intake_pin,
	       pins_clear(&t->pins), pins_sort(&t->pins))
REPLAY_ENTRIES(kallocs, intake_kalloc, ZREC_KALLOCS, struct intake_kalloc,
	       kallocs_clear(&t->kallocs), (void)0)
REPLAY_ENTRIES(setups, intake_setup, ZREC_SETUPS, struct intake_setup,
	       setups_clear(&t->setups), (void)0)
REPLAY_ENTRIES(usage, intake_usage, ZREC_USAGE, struct intake_usage,
	       usage_clear(&t->usage), (void)0)
REPLAY_ENTRIES(waits, intake_wait, ZREC_WAITS, struct intake_wait,
	       waits_begin(&t->waits), waits_end(&t->waits))

static void replay_status(void *ctx, struct zdev_status *st)
{
	struct replay *r = ctx;
	struct zrec_frame f = {};
	struct zrec_status z;
	struct zrec_hook zh;
	int i;

	memset(st, 0, sizeof(*st));
	st->bpf_stats = r->head.bpf_stats;
	st->nr_hooks = r->head.nr_hooks;
	for (i = 0; i < st->nr_hooks; i++) {
		const struct head_hook *hh = &r->head.hooks[i];
		struct hook_status *h = &st->hooks[i];

		h->func = hh->func;
		h->state = hh->state;
		h->mechanism = hh->mechanism;
		h->reason = hh->reason[0] ? hh->reason : NULL;
		h->loses = hh->loses[0] ? hh->loses : NULL;
	}
	st->folio_state = r->head.folio_records ? "records" : "bitmap";
	if (next(r, &f, false) <= 0 || f.type != ZREC_STATUS ||
	    f.len < sizeof(z) ||
	    (f.len - sizeof(z)) != st->nr_hooks * sizeof(zh)) {
		stop(r,
		     "at offset %llu: out of step or damaged: the session "
		     "reads the status",
		     (unsigned long long)f.offset);
		return;
	}
	memcpy(&z, f.data, sizeof(z));
	memcpy(st->dropped_by_stream, z.dropped_by_stream,
	       sizeof(st->dropped_by_stream));
	st->slots_full = z.slots_full;
	st->folio_state_capacity = z.folio_state_capacity;
	st->folio_state_used = z.folio_state_used;
	st->folio_state_bytes = z.folio_state_bytes;
	st->probe_misses = z.probe_misses;
	st->bpf_anomalies = z.bpf_anomalies;
	st->stack_collisions = z.stack_collisions;
	st->stack_overflows = z.stack_overflows;
	st->dropped_events = z.dropped_events;
	st->cpu_seconds = z.cpu_seconds;
	st->resident_bytes = z.resident_bytes;
	for (i = 0; i < st->nr_hooks; i++) {
		struct hook_status *h = &st->hooks[i];

		memcpy(&zh, f.data + sizeof(z) + i * sizeof(zh), sizeof(zh));
		h->device_calls = zh.device_calls;
		h->dropped = zh.dropped;
		h->anomalies = zh.anomalies;
		h->misses = zh.misses;
		h->run_ns = zh.run_ns;
		h->runs = zh.runs;
	}
}

static int replay_stack(void *ctx, int32_t id, uint64_t *ips, int max)
{
	struct replay *r = ctx;
	size_t lo = 0, hi = r->nr_stacks;
	int n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->stacks[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->nr_stacks || r->stacks[lo].id != id)
		return 0;
	n = r->stacks[lo].n < max ? r->stacks[lo].n : max;
	memcpy(ips, r->stacks[lo].ips, n * sizeof(*ips));
	return n;
}

static int memfd_text(const struct text *t)
{
	int fd = memfd_create("zdevmon-syms", MFD_CLOEXEC);

	if (fd >= 0 && t->len && write(fd, t->buf, t->len) != (ssize_t)t->len) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The recorded symbols, as the kernel's were: rebuilt as they grow. */
static const struct ksyms *replay_ksyms(void *ctx, bool reload)
{
	struct replay *r = ctx;
	int kfd, mfd;

	if (r->ks && !r->ks_stale)
		return r->ks;
	kfd = memfd_text(&r->kallsyms);
	mfd = memfd_text(&r->modules);
	if (kfd >= 0) {
		ksyms_free(r->ks);
		r->ks = ksyms_load_fds(kfd, mfd);
		r->ks_stale = false;
	}
	if (kfd >= 0)
		close(kfd);
	if (mfd >= 0)
		close(mfd);
	return r->ks;
}

static void replay_name_op(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct replay *r = ctx;
	struct zrec_frame f = {};
	uint64_t at;
	size_t n;

	snprintf(buf, len, "?");
	if (next(r, &f, false) <= 0 || f.type != ZREC_OPNAME || f.len < 8) {
		stop(r,
		     "at offset %llu: out of step: the session names an op, "
		     "the "
		     "recording holds %s",
		     (unsigned long long)f.offset, type_name(f.type));
		return;
	}
	memcpy(&at, f.data, sizeof(at));
	if (at != addr) {
		stop(r, "at offset %llu: out of step: another op is named",
		     (unsigned long long)f.offset);
		return;
	}
	n = f.len - 8 < len - 1 ? f.len - 8 : len - 1;
	memcpy(buf, f.data + 8, n);
	buf[n] = '\0';
}

const struct source_ops replay_ops = {
	.consume = replay_consume,
	.sync = replay_sync,
	.release = replay_release,
	.pgmap_refs = replay_pgmap_refs,
	.pins = replay_pins,
	.kallocs = replay_kallocs,
	.setups = replay_setups,
	.usage = replay_usage,
	.waits = replay_waits,
	.folios = replay_folios,
	.status = replay_status,
	.stack = replay_stack,
	.ksyms = replay_ksyms,
	.name_op = replay_name_op,
};

struct replay *replay_open(const char *path, char *err, size_t errlen)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (zrec_reader_open(&r->rd, path)) {
		snprintf(err, errlen, "%s", r->rd.err);
		goto fail;
	}
	if (head_read(r->rd.head, &r->head, err, errlen))
		goto fail;
	cgroup_names_from(cgroup_name, r);
	return r;
fail:
	replay_close(r);
	return NULL;
}

void replay_close(struct replay *r)
{
	if (!r)
		return;
	cgroup_names_from(NULL, NULL);
	zrec_reader_close(&r->rd);
	head_release(&r->head);
	free(r->stacks);
	free(r->cgroups);
	free(r->kallsyms.buf);
	free(r->modules.buf);
	ksyms_free(r->ks);
	free(r);
}

const struct zrec_head *replay_head(const struct replay *r)
{
	return &r->head;
}

void replay_set_handler(struct replay *r, int (*fn)(void *, void *, size_t),
			void *ctx)
{
	r->handler = fn;
	r->handler_ctx = ctx;
}

int replay_next_step(struct replay *r, struct zrec_frame *f)
{
	int ret = next(r, f, false);

	if (ret <= 0)
		return r->err[0] ? -1 : 0;
	if (f->type >= ZREC_STEP_MAX && f->type != ZREC_EVENT) {
		stop(r, "at offset %llu: out of step: %s where a step begins",
		     (unsigned long long)f->offset, type_name(f->type));
		return -1;
	}
	return 1;
}

const char *replay_error(const struct replay *r)
{
	return r->err[0] ? r->err : NULL;
}

uint64_t replay_frames(const struct replay *r)
{
	return r->rd.frames;
}
