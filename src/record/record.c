// SPDX-License-Identifier: GPL-2.0
/* The session's intake, written as a recording as it happens. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "record.h"
#include "sys/cgroup.h"

uint64_t recorder_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int recorder_open(struct recorder *r, const char *path, uint64_t max_size,
		  int keep, json_object *head)
{
	const char *json =
		json_object_to_json_string_ext(head, JSON_C_TO_STRING_PLAIN);
	int err = zrec_writer_open(&r->w, path, max_size, keep, json);

	json_object_put(head);
	return err;
}

int recorder_close(struct recorder *r)
{
	int err = zrec_writer_close(&r->w);

	free(r->stacks_seen);
	free(r->addrs_seen);
	free(r->pending_stacks);
	free(r->cgroups_seen);
	free(r->pending_cgroups);
	memset(r, 0, sizeof(*r));
	r->w.fd = -1;
	return err;
}

void recorder_put(struct recorder *r, enum zrec_type type, uint64_t ns,
		  const void *data, size_t len)
{
	zrec_put(&r->w, type, ns, data, len);
}

void recorder_begin(struct recorder *r, enum zrec_type type, uint64_t ns)
{
	zrec_frame_begin(&r->w, type, ns);
}

void recorder_add(struct recorder *r, const void *data, size_t len)
{
	zrec_frame_add(&r->w, data, len);
}

/* Move the frames from mid to end before those from at to mid. */
static void swap_frames(struct zrec_writer *w, size_t at, size_t mid)
{
	size_t first = mid - at, second = w->len - mid;
	uint8_t *tmp = malloc(first);

	if (!tmp) { /* the data frame goes: never a reference ahead */
		memmove(w->raw + at, w->raw + mid, second);
		w->len = at + second;
		w->chunks_lost++;
		return;
	}
	memcpy(tmp, w->raw + at, first);
	memmove(w->raw + at, w->raw + mid, second);
	memcpy(w->raw + at + second, tmp, first);
	free(tmp);
}

static void write_stack(struct recorder *r, int32_t id);
static void write_symbol(struct recorder *r, uint64_t addr);
static void write_cgroup(struct recorder *r, uint64_t id);

/*
 * The stacks and symbols a frame referred to go before it: whatever reads
 * the frame then finds them known.
 */
void recorder_end(struct recorder *r)
{
	size_t at = r->w.frame_at, mid, i;

	r->w.hold++;
	zrec_frame_end(&r->w);
	mid = r->w.len;
	for (i = 0; i < r->nr_pending_stacks; i++)
		write_stack(r, r->pending_stacks[i]);
	for (i = 0; i < r->nr_pending_cgroups; i++)
		write_cgroup(r, r->pending_cgroups[i]);
	r->nr_pending_stacks = 0;
	r->nr_pending_cgroups = 0;
	if (r->w.len > mid && mid > at)
		swap_frames(&r->w, at, mid);
	r->w.hold--;
	zrec_flush_if_full(&r->w);
}

/* Keep v for the frame's end: false if there is no room (it is lost). */
static bool pend(void **arr, size_t *nr, size_t *cap, size_t size,
		 const void *v)
{
	if (*nr == *cap) {
		size_t n = *cap ? 2 * *cap : 64;
		void *grown = realloc(*arr, n * size);

		if (!grown)
			return false;
		*arr = grown;
		*cap = n;
	}
	memcpy((char *)*arr + *nr * size, v, size);
	(*nr)++;
	return true;
}

/* A new file names again every stack, symbol and cgroup known so far. */
static void rename_all(struct recorder *r)
{
	uint64_t *addrs = r->addrs_seen, *cgroups = r->cgroups_seen;
	size_t nr_addrs = r->nr_addrs, nr_cgroups = r->nr_cgroups, i;
	uint32_t id;

	r->addrs_seen = r->cgroups_seen = NULL;
	r->nr_addrs = r->cap_addrs = r->nr_cgroups = r->cap_cgroups = 0;
	for (i = 0; i < nr_addrs; i++)
		write_symbol(r, addrs[i]);
	for (i = 0; i < nr_cgroups; i++)
		write_cgroup(r, cgroups[i]);
	for (id = 0; id < r->stacks_cap; id++) {
		if (!(r->stacks_seen[id / 8] & (1 << (id % 8))))
			continue;
		r->stacks_seen[id / 8] &= ~(1 << (id % 8));
		write_stack(r, id);
	}
	free(addrs);
	free(cgroups);
}

void recorder_flush(struct recorder *r)
{
	if (zrec_boundary(&r->w) == 1)
		rename_all(r);
}

/* Is v in the sorted set? If not, it is now. */
static bool seen(uint64_t **set, size_t *nr, size_t *cap, uint64_t v)
{
	size_t lo = 0, hi = *nr;
	uint64_t *n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((*set)[mid] == v)
			return true;
		if ((*set)[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (*nr == *cap) {
		size_t grown = *cap ? 2 * *cap : 256;

		n = realloc(*set, grown * sizeof(*n));
		if (!n)
			return true; /* its name is lost, not the recording */
		*set = n;
		*cap = grown;
	}
	memmove(&(*set)[lo + 1], &(*set)[lo], (*nr - lo) * sizeof(*n));
	(*set)[lo] = v;
	(*nr)++;
	return false;
}

static void write_symbol(struct recorder *r, uint64_t addr)
{
	char sym[512], bound[256];
	const struct ksyms *ks;

	if (seen(&r->addrs_seen, &r->nr_addrs, &r->cap_addrs, addr))
		return;
	ks = r->ksyms(r->ksyms_ctx, false);
	/* a module loaded since the symbols were read: read them again */
	if (!ks ||
	    !ksyms_lines(ks, addr, sym, sizeof(sym), bound, sizeof(bound))) {
		ks = r->ksyms(r->ksyms_ctx, true);
		if (!ks || !ksyms_lines(ks, addr, sym, sizeof(sym), bound,
					sizeof(bound)))
			return;
	}
	/* kallsyms lines, a NUL, /proc/modules lines: a module's extent */
	zrec_frame_begin(&r->w, ZREC_SYMS, recorder_now_ns());
	zrec_frame_add(&r->w, sym, strlen(sym));
	if (strstr(sym, " [")) {
		zrec_frame_add(&r->w, "", 1);
		zrec_frame_add(&r->w, bound, strlen(bound));
	} else {
		zrec_frame_add(&r->w, bound, strlen(bound));
		zrec_frame_add(&r->w, "", 1);
	}
	zrec_frame_end(&r->w);
}

void recorder_stack(struct recorder *r, int32_t id)
{
	if (id < 0 || !r->stack)
		return;
	if (r->w.frame_open)
		pend((void **)&r->pending_stacks, &r->nr_pending_stacks,
		     &r->cap_pending_stacks, sizeof(id), &id);
	else
		write_stack(r, id);
}

static void write_stack(struct recorder *r, int32_t id)
{
	uint64_t ips[ZDEV_STACK_DEPTH];
	int n, i;

	if ((uint32_t)id >= r->stacks_cap) {
		uint32_t cap = r->stacks_cap ? r->stacks_cap : 4096;
		uint8_t *bits;

		while (cap <= (uint32_t)id && cap < (1U << 30))
			cap *= 2;
		if (cap <= (uint32_t)id)
			return;
		bits = realloc(r->stacks_seen, cap / 8);
		if (!bits)
			return;
		memset(bits + r->stacks_cap / 8, 0, (cap - r->stacks_cap) / 8);
		r->stacks_seen = bits;
		r->stacks_cap = cap;
	}
	if (r->stacks_seen[id / 8] & (1 << (id % 8)))
		return;
	r->stacks_seen[id / 8] |= 1 << (id % 8);
	n = r->stack(r->stack_ctx, id, ips, ZDEV_STACK_DEPTH);
	/* the names first: a replay reading the stack finds them there */
	for (i = 0; i < n; i++)
		write_symbol(r, ips[i]);
	zrec_frame_begin(&r->w, ZREC_STACK, recorder_now_ns());
	zrec_frame_add(&r->w, &id, sizeof(id));
	zrec_frame_add(&r->w, ips, n * sizeof(ips[0]));
	zrec_frame_end(&r->w);
}

void recorder_cgroup(struct recorder *r, uint64_t id)
{
	if (!id)
		return;
	if (r->w.frame_open)
		pend((void **)&r->pending_cgroups, &r->nr_pending_cgroups,
		     &r->cap_pending_cgroups, sizeof(id), &id);
	else
		write_cgroup(r, id);
}

/* Its path as this machine names it now; "" if it names none. */
static void write_cgroup(struct recorder *r, uint64_t id)
{
	char buf[256];
	const char *path;

	if (seen(&r->cgroups_seen, &r->nr_cgroups, &r->cap_cgroups, id))
		return;
	path = cgroup_path(id, buf, sizeof(buf));
	zrec_frame_begin(&r->w, ZREC_CGROUP, recorder_now_ns());
	zrec_frame_add(&r->w, &id, sizeof(id));
	if (path)
		zrec_frame_add(&r->w, path, strlen(path));
	zrec_frame_end(&r->w);
}

void recorder_status(struct recorder *r, const struct zdev_status *st)
{
	struct zrec_status z = {
		.slots_full = st->slots_full,
		.folio_state_capacity = st->folio_state_capacity,
		.folio_state_used = st->folio_state_used,
		.folio_state_bytes = st->folio_state_bytes,
		.probe_misses = st->probe_misses,
		.bpf_anomalies = st->bpf_anomalies,
		.stack_collisions = st->stack_collisions,
		.stack_overflows = st->stack_overflows,
		.dropped_events = st->dropped_events,
		.cpu_seconds = st->cpu_seconds,
		.resident_bytes = st->resident_bytes,
		.nr_hooks = st->nr_hooks,
	};
	int i;

	_Static_assert(ZDEV_STREAM_MAX <= 8, "zrec_status holds 8 streams");
	memcpy(z.dropped_by_stream, st->dropped_by_stream,
	       sizeof(st->dropped_by_stream));
	recorder_begin(r, ZREC_STATUS, recorder_now_ns());
	recorder_add(r, &z, sizeof(z));
	for (i = 0; i < st->nr_hooks; i++) {
		const struct hook_status *h = &st->hooks[i];
		struct zrec_hook zh = { h->device_calls, h->dropped,
					h->anomalies,	 h->misses,
					h->run_ns,	 h->runs };

		recorder_add(r, &zh, sizeof(zh));
	}
	recorder_end(r);
}
