/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NDJSON objects (json-c): start, snapshot, event, features. Outputs
 * read the tracker and a status summary; none reaches into BPF maps itself.
 */
#ifndef ZDEVMON_OBJECTS_H
#define ZDEVMON_OBJECTS_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "kernel/status.h"
#include "model/tracker.h"

#define ZDEVMON_SCHEMA "zdevmon/v1"

/* NDJSON objects; each carries "schema" and "kind". Caller puts them. */
json_object *output_snapshot(const struct tracker *t,
			     const struct zdev_status *st, bool final);
json_object *output_start(const struct zdev_status *st);
json_object *output_event(const struct tracker *t, const struct zdev_event *e);

/*
 * A task waiting for busy DAX pages: its fields added to o (a snapshot's
 * layout_waits entry), or as a layout_wait object of their own (the alert
 * when the wait grows long), with the holding pin's call site.
 */
json_object *output_wait_fields(json_object *o, const struct tracker *t,
				const struct zt_wait *w, uint64_t now_ns);
json_object *output_layout_wait(const struct tracker *t,
				const struct zt_wait *w, uint64_t now_ns,
				const char *holder_site);

/* zdevmon features --json: hooks, mechanisms, losses; the refcount scheme. */
json_object *output_features_json(const struct zdev_status *st,
				  const char *kernel, bool fsdax_idle_at_one);

/* o[key] = v, an unsigned 64-bit number. */
void json_add_u64(json_object *o, const char *key, uint64_t v);
/*
 * The Unix time objects carry ("time"): the session's step's, so that a
 * replay writes the recorded one; 0 (the default): the clock's now.
 */
void output_set_time(double unix_s);
double output_time(void);

/* Write one object as one line and flush; 0 or -errno. */
int output_line(FILE *out, json_object *obj);

const char *output_kind_name(uint32_t kind);
/* enum zdev_mig_cause's name: driver, fault, eviction, pin */
const char *output_mig_cause_name(unsigned int cause);

#endif /* ZDEVMON_OBJECTS_H */
