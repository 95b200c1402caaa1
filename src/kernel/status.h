/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the loader reports about itself: each hook's mechanism and
 * counters, events lost; the session adds zdevmon's own cost. Filled by
 * probes_status(), read by every output.
 */
#ifndef ZDEVMON_STATUS_H
#define ZDEVMON_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include "zdev.h"

/* What the loader made of one hook. */
enum hook_state {
	HOOK_ATTACHED_FENTRY, /* fentry and/or fexit programs */
	HOOK_ATTACHED_KPROBE, /* kprobe and/or kretprobe programs */
	HOOK_OFF_MISSING,     /* its function is not in this kernel */
	HOOK_OFF_COVERED,     /* not in this kernel, where another does it */
	HOOK_OFF_FAILED,      /* the kernel refused to attach it */
};

static inline bool hook_attached(enum hook_state s)
{
	return s == HOOK_ATTACHED_FENTRY || s == HOOK_ATTACHED_KPROBE;
}

/* One kernel hook as the loader left it. */
struct hook_status {
	const char *func; /* kernel function */
	enum hook_state state;
	/* as output spells it: "fentry", "fexit", "fentry+fexit", "kprobe",
	 * "kprobe+kretprobe", or "off" */
	const char *mechanism;
	const char *reason;    /* why off, or NULL */
	const char *loses;     /* what is lost when it is off */
	uint64_t device_calls; /* calls that concerned device folios */
	uint64_t dropped;
	uint64_t anomalies; /* kernel-side sanity checks that failed */
	uint64_t misses;    /* calls its programs missed (see probe.h) */
	uint64_t run_ns;    /* --bpf-stats: time its programs ran */
	uint64_t runs;	    /* --bpf-stats: times they ran */
};

struct zdev_status {
	double elapsed_s; /* since the probes were attached */
	uint64_t now_ns;  /* CLOCK_MONOTONIC (BPF's ktime) at the status */
	uint64_t dropped_events; /* ring-buffer reserves that failed */
	uint64_t dropped_by_stream[ZDEV_STREAM_MAX];
	/*
	 * What the picture lost: lifecycle and anomaly records dropped,
	 * events of pgmaps no slot was left for, and of folios whose state
	 * found its map full. Any makes run's verdict inconclusive; the
	 * opt-in --events stream's drops do not.
	 */
	uint64_t lost_events;
	uint64_t slots_full;
	uint64_t untracked;
	const char *folio_state;       /* "bitmap" (daemon) or "records" (CI) */
	uint64_t folio_state_capacity; /* device pages it covers */
	uint64_t folio_state_used;     /* of them, handed out to pgmaps */
	uint64_t folio_state_bytes;    /* kernel memory they take */
	uint64_t census_found;	       /* folios alive before we started */
	double census_seconds;
	uint64_t probe_misses;	   /* calls our programs missed: events lost */
	uint64_t bpf_anomalies;	   /* kernel-side sanity checks that failed */
	uint64_t stack_collisions; /* call sites lost to stack-id collisions */
	uint64_t stack_overflows;  /* call sites lost to a full stack map */
	int nr_hooks;
	struct hook_status hooks[ZDEV_HOOK_MAX];
	bool show_addresses;	 /* --show-addresses: kernel pointers in JSON */
	bool bpf_stats;		 /* run_ns and runs are meaningful */
	double cpu_seconds;	 /* zdevmon's own CPU time */
	uint64_t resident_bytes; /* and its resident memory */
};

#endif /* ZDEVMON_STATUS_H */
