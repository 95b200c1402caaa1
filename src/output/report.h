/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict of a run, for people (text), programs (JSON) and CI systems
 * (JUnit XML). Kernel stacks come through a callback: no BPF here.
 */
#ifndef ZDEVMON_REPORT_H
#define ZDEVMON_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "kernel/ksyms.h"
#include "model/leaks.h"
#include "model/tracker.h"

#define REPORT_STACK_MAX 32

struct report_ctx {
	const struct tracker *t;
	const struct leak_report *r;
	const struct ksyms *ks;
	bool show_addresses; /* unresolved frames as addresses, not "?" */
	/* the frames of a stack id, innermost first; returns their number */
	int (*stack)(void *ctx, int32_t id, uint64_t *ips, int max);
	void *stack_ctx;

	char **argv;	      /* the command, NULL-terminated */
	int cmd_status;	      /* wait status, or -1 when it did not run */
	const char *teardown; /* the teardown command, or NULL */
	int teardown_status;
	bool teardown_timed_out;
	/* lost events (zdev_status.lost_events); any: "inconclusive" */
	uint64_t dropped_events;
	uint64_t probe_misses; /* likewise */
	uint64_t stack_collisions;
	uint64_t stack_overflows;
	int exit_code;
};

/*
 * The frame that names the culprit: the first in a module (BPF's own
 * excepted), else the first outside the hooked functions; -1 if none.
 */
int report_site(const struct ksyms *ks, const uint64_t *ips, int n);
/* The call site of stack id, as text in buf; NULL when it names none. */
const char *report_site_name(const struct report_ctx *c, int32_t id, char *buf,
			     size_t len);

/* Were events lost (dropped, or calls missed)? Then no verdict holds. */
bool report_inconclusive(const struct report_ctx *c);
/* "inconclusive" (events were lost), "leaks" or "clean". */
const char *report_verdict(const struct report_ctx *c);
void report_text(FILE *out, const struct report_ctx *c);
/* Just the findings, with their call sites. */
void report_findings_text(FILE *out, const struct report_ctx *c);
json_object *report_json(const struct report_ctx *c);
/* The same as an NDJSON alert: kind "alert", and its Unix "time". */
json_object *report_alert_json(const struct report_ctx *c);
int report_junit(FILE *out, const struct report_ctx *c);

#endif /* ZDEVMON_REPORT_H */
