/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel side keeps, read back (bpf/state.bpf.h): slots and
 * their per-CPU counters into the tracker at each sync, the census at
 * start, the per-folio records (CI mode) when the leak rules need folios,
 * and gone pgmaps' slots given back once judged. Reads only through
 * descriptors and mappings made while privileged.
 */
#ifndef ZDEVMON_KSTATE_H
#define ZDEVMON_KSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include "model/tracker.h"
#include "probe.h"
#include "status.h"

struct kstate;
struct recorder;

struct census_result {
	int regions;	  /* iomem regions walked */
	uint64_t pfns;	  /* pfns they span */
	uint64_t scanned; /* device pages looked at */
	uint64_t found;	  /* live folios found: preexisting */
	/* the GUP walk reads only pages of device sections (sections.bpf.h) */
	bool sections_armed;
	double seconds;
	int err; /* the first failure, -errno; 0 if none */
};

int kstate_open(struct kstate **out, struct probes *p);
void kstate_close(struct kstate *k);
/* From now on, what each read gives is recorded too (NULL: no more). */
void kstate_record(struct kstate *k, struct recorder *r);
/* The kernel side's clock at its start: CI records count from it. */
uint64_t kstate_start_ns(const struct kstate *k);

/* Mark the folios alive before monitoring began (hooks attached). */
void kstate_census(struct kstate *k, struct census_result *res);

/*
 * Bring the tracker up to date with every slot. The pgmaps that went
 * gone since are stored in gone (ids, at most max) for the caller to
 * judge before kstate_release() gives their slots back; their number is
 * returned.
 */
int kstate_sync(struct kstate *k, struct tracker *t, int *gone, int max);
/* A gone pgmap judged: its per-folio state cleared, its slot reused. */
void kstate_release(struct kstate *k, struct tracker *t, int pgmap_id);

/*
 * The references a killed pgmap still waits for (its percpu_ref's count in
 * atomic mode): 0 and *count, or -EAGAIN before the kill took effect.
 */
int kstate_pgmap_refs(struct kstate *k, uint32_t slot, int64_t *count);
/*
 * The function at addr as "name+0xoff [module]", named by the kernel
 * (no /proc/kallsyms read); -ENOENT when it knows no symbol there.
 */
int kstate_op_name(struct kstate *k, uint64_t addr, char *buf, size_t len);

/* Refill the tracker's pins from the kernel's pins map. */
int kstate_pins(struct kstate *k, struct tracker *t);
/* Refill the tracker's in-kernel allocations from the kallocs map. */
int kstate_kallocs(struct kstate *k, struct tracker *t);
/* Refill the tracker's open migrations from the open_setups map. */
int kstate_setups(struct kstate *k, struct tracker *t);
/* Refill the tracker's owners from the mm_stats and cgroup_stats maps. */
int kstate_usage(struct kstate *k, struct tracker *t);
/* Refill the tracker's waits from the kernel's layout_waits map. */
int kstate_waits(struct kstate *k, struct tracker *t);

/* CI mode: refill the tracker's folio cache from the kernel's records. */
int kstate_folios(struct kstate *k, struct tracker *t);

/*
 * What the kernel side's own bookkeeping says: drops per stream, slots
 * lacking, the per-folio state's size and use.
 */
void kstate_status(struct kstate *k, struct zdev_status *st);

#endif /* ZDEVMON_KSTATE_H */
