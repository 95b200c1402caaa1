/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a session's picture comes from: the kernel side (session.c over
 * kernel/), or a recording of it (record/replay.c). Each read fills the
 * tracker as kernel/kstate.h describes; the session takes the same steps
 * over either, so a replay gives the same outputs and verdict.
 */
#ifndef ZDEVMON_SOURCE_H
#define ZDEVMON_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/ksyms.h"
#include "kernel/status.h"
#include "model/tracker.h"

struct source_ops {
	/* the ring's records so far, each to the session's handler */
	void (*consume)(void *ctx);
	int (*sync)(void *ctx, struct tracker *t, int *gone, int max);
	void (*release)(void *ctx, struct tracker *t, int pgmap_id);
	int (*pgmap_refs)(void *ctx, uint32_t slot, int64_t *count);
	int (*pins)(void *ctx, struct tracker *t);
	int (*kallocs)(void *ctx, struct tracker *t);
	int (*setups)(void *ctx, struct tracker *t);
	int (*usage)(void *ctx, struct tracker *t);
	int (*waits)(void *ctx, struct tracker *t);
	int (*folios)(void *ctx, struct tracker *t);
	/* the hooks, drops and zdevmon's own cost (not the clock) */
	void (*status)(void *ctx, struct zdev_status *st);
	int (*stack)(void *ctx, int32_t id, uint64_t *ips, int max);
	const struct ksyms *(*ksyms)(void *ctx, bool reload);
	/* a driver op's name ("func+0x0 [module]", "?"), as the live one */
	void (*name_op)(void *ctx, uint64_t addr, char *buf, size_t len);
};

#endif /* ZDEVMON_SOURCE_H */
