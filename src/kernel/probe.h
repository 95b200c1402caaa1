/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader: picks fentry/fexit or kprobe/kretprobe for every hook by
 * really trying to attach, loads the skeleton and keeps the links.
 */
#ifndef ZDEVMON_PROBE_H
#define ZDEVMON_PROBE_H

#include <stdbool.h>
#include "status.h"
#include "zdev.h"
#include "zone_layout.h"

struct probes;

struct probe_opts {
	bool force_kprobes; /* use the kprobe twins everywhere */
	bool verbose;	    /* libbpf's own log */
	bool stacks;	    /* capture kernel stacks (call sites) */
	/*
	 * Relocate against this BTF file instead of the running kernel's,
	 * with kprobe twins: checks that the programs load for another
	 * kernel's layout (they are verified by the running one).
	 */
	const char *btf_path;
	bool bpf_stats; /* the kernel's run-time statistics of our programs */
	uint64_t ring_size; /* the events ring in bytes; 0: the default */
	bool records;	    /* CI mode: a record per live folio, not a bit */
	bool events;	    /* the opt-in per-event stream (--events) */
	unsigned int resid_shift;    /* lifetimes of one head pfn in 2^this */
	uint64_t pingpong_window_ns; /* back within it: ping-pong */
	uint64_t max_device_pages;   /* pages the per-folio state covers */
	/* run --scope: what the kernel side marks foreign (zdev.h) */
	enum zdev_scope scope;
	uint64_t scope_cgroup; /* ZDEV_SCOPE_CGROUP: its id, its depth */
	uint32_t scope_level;
};

/*
 * Defaults of the per-folio state's bound (zdevmon(8),
 * --max-device-memory): a bit per page, and in CI mode 8 bytes more.
 */
#define PROBE_MAX_DEVICE_PAGES	  (1ULL << 24) /* 64 GiB: a 2 MiB bitmap */
#define PROBE_MAX_DEVICE_PAGES_CI (1ULL << 22) /* 16 GiB: 32 MiB records */

/* Is one of hook's functions attached? */
bool probes_hook_on(const struct probes *p, enum zdev_hook hook);
/* FS DAX pages idle at refcount 1 here (v6.1/6.12 devmap scheme)? */
bool probes_fsdax_idle_at_one(const struct probes *p);
/* The zone bits' layout the programs were loaded with. */
const struct zone_layout *probes_zone_layout(const struct probes *p);

/*
 * Attach what can be attached. Fails (-errno, one sentence in err) when no
 * core lifecycle hook attached at all.
 */
int probes_open(struct probes **out, const struct probe_opts *opts, char *err,
		size_t errlen);
int probes_events_fd(const struct probes *p);
/* Hooks, their mechanisms and the counters summed at the last tick. */
void probes_status(const struct probes *p, struct zdev_status *st);
/* ZDEV_SCOPE_TREE: tgid's process is in the tree (the command's pid). */
int probes_scope_add(struct probes *p, uint32_t tgid);
/* The skeleton, for the reader of the kernel side's state (kstate.c). */
struct zdev *probes_skel(struct probes *p);
/* The frames of a captured stack, innermost first; their number or 0. */
int probes_stack(void *probes, int32_t id, uint64_t *ips, int max);
void probes_close(struct probes *p);

#endif /* ZDEVMON_PROBE_H */
