/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A recording's head (format.h): what was recorded where, with which
 * hooks and options, and the layouts its frames' structs had. Written by
 * the recorder, read back by the replay, which refuses layouts it does not
 * share.
 */
#ifndef ZDEVMON_RECORD_HEAD_H
#define ZDEVMON_RECORD_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "kernel/kstate.h"
#include "kernel/status.h"
#include "kernel/zone_layout.h"
#include "model/tracker.h"
#include "options.h"

struct head_hook {
	char func[64];
	enum hook_state state;
	char mechanism[32];
	char reason[200];
	char loses[200];
};

struct zrec_head {
	char version[32];  /* zdevmon's */
	char kernel[128];  /* uname -r */
	uint64_t t0_ns;	   /* the session's start, CLOCK_MONOTONIC */
	uint64_t start_ns; /* the kernel side's: CI records count from it */
	bool fsdax_idle_at_one;
	bool folio_records;
	bool bpf_stats;
	int nr_hooks;
	struct head_hook hooks[ZDEV_HOOK_MAX];
	struct census_result census;
	/* the recording session's options */
	bool run, events;
	double teardown_timeout_s, layout_wait_s, settle_s, older_than_s;
	bool fail_on_leak;
	int scope;
	int keep_gone; /* -1: all kept (recordings made before the option) */
	char **cmd;    /* NULL-terminated */
	char *teardown;
};

/* zl may be NULL: not known */
json_object *head_build(const struct config *cfg, const struct zdev_status *st,
			const struct census_result *census,
			const struct zone_layout *zl, const struct tracker *t,
			uint64_t t0_ns, uint64_t start_ns);
/* 0, or -1 with one sentence in err. head_release() in either case. */
int head_read(json_object *o, struct zrec_head *h, char *err, size_t len);
void head_release(struct zrec_head *h);

#endif /* ZDEVMON_RECORD_HEAD_H */
