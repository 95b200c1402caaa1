/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Leak rules: functions of tracker state, each with a stable name and a
 * severity. Findings are grouped by pgmap and by the stack the folios were
 * born at, so "48 folios leaked" comes with one call site.
 */
#ifndef ZDEVMON_LEAKS_H
#define ZDEVMON_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tracker.h"

enum leak_rule {
	LEAK_LIVE_AFTER_RUN,	 /* live after the workload and teardown */
	LEAK_TEARDOWN_LIVE,	 /* memunmap_pages stuck, or left folios live */
	LEAK_UNMAPPED_NOT_FREED, /* no mapping, not freed, for too long */
	LEAK_DOUBLE_FREE,	 /* freed twice, or never born */
	LEAK_FREE_MAPPED,	 /* freed while still mapped */
	LEAK_MAPCOUNT_NEGATIVE,	 /* more unmaps than maps */
	LEAK_MIGRATION_OPEN,	 /* migrate_vma_setup() without finalize */
	LEAK_RULE_MAX,
};

enum leak_severity {
	LEAK_WARNING,
	LEAK_ERROR,
	LEAK_CRITICAL,
};

enum leak_held_by {
	LEAK_HELD_BY_BIRTH,	/* nothing more known: the birth's stack */
	LEAK_HELD_BY_PIN,	/* GUP pins */
	LEAK_HELD_BY_KALLOC,	/* in-kernel allocations (P2PDMA) */
	LEAK_HELD_BY_MIGRATION, /* a migration never finalized */
};

struct leak_finding {
	enum leak_rule rule;
	int pgmap_id;
	uint32_t pgmap_type;
	uint64_t folios;
	uint64_t pages;
	int32_t stack_id;      /* birth stack (anomaly rules: the event's) */
	int32_t last_stack_id; /* an example folio's last mapping change */
	uint64_t example_pfn;
	/*
	 * teardown-with-live-folios while memunmap_pages() waits: the
	 * references it waits for, and those no live folio explains
	 * (device-private and -coherent folios hold one per page); -1: unknown
	 */
	int64_t refs;
	int64_t unexplained_refs;
	/*
	 * of refs, those in-kernel allocations hold (pci_alloc_p2pmem(): one
	 * each); -1: unknown
	 */
	int64_t kalloc_refs;
	/*
	 * Who keeps what: a FOLL_PIN keeps the folios (stack_id is then the
	 * pin's stack, the birth's is in birth_stack_id), or in-kernel
	 * allocations keep pgmap references (stack_id: the allocation's);
	 * holder names the task that pinned or allocated.
	 */
	enum leak_held_by held_by;
	int32_t birth_stack_id;
	struct leak_holder {
		uint32_t tgid, pid;
		char comm[16];
		uint64_t cgroup; /* cgroup v2 id */
		int64_t pins;
		uint64_t allocations; /* LEAK_HELD_BY_KALLOC */
		uint64_t migrations;  /* LEAK_HELD_BY_MIGRATION */
	} holder;
};

struct leak_report {
	struct leak_finding *findings;
	size_t nr;
	size_t cap;
	uint64_t preexisting_live; /* alive before monitoring: not judged */
	uint64_t foreign_live;	   /* other jobs' (run --scope): not judged */
};

/*
 * A stuck or finished-with-live-folios teardown of one pgmap: its live
 * folios by birth stack (or pin), its in-kernel allocations by their
 * stack, or one finding of no folio when neither is left.
 */
int leaks_teardown(const struct tracker *t, const struct zt_pgmap *p,
		   struct leak_report *r);
/* Live folios that are unmapped and idle for longer than older_than_ns. */
int leaks_unmapped(const struct tracker *t, uint64_t now_ns,
		   uint64_t older_than_ns, struct leak_report *r);
/*
 * The end of a run: every live folio born under monitoring (pre-existing
 * ones are only counted), every folio still pinned by a pin taken under
 * monitoring (live to the kernel even where its birth is not seen: FS DAX
 * under v6.1/6.12's devmap scheme), every migration set up and never
 * finalized, and the anomaly rules.
 */
int leaks_after_run(const struct tracker *t, struct leak_report *r);

void leaks_release(struct leak_report *r);
/* Append the findings of src to dst (teardown alerts into the verdict). */
int leaks_merge(struct leak_report *dst, const struct leak_report *src);
/* Findings of at least this severity. */
size_t leaks_count(const struct leak_report *r, enum leak_severity min);

const char *leak_rule_name(enum leak_rule rule);
const char *leak_rule_text(enum leak_rule rule);
/* The rule's text for this finding (teardowns differ by pgmap type). */
const char *leak_finding_text(const struct leak_finding *f);
enum leak_severity leak_rule_severity(enum leak_rule rule);
const char *leak_severity_name(enum leak_severity sev);

#endif /* ZDEVMON_LEAKS_H */
