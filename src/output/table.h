/* SPDX-License-Identifier: GPL-2.0 */
/* What people read: the live table and zdevmon features' list. */
#ifndef ZDEVMON_TABLE_H
#define ZDEVMON_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "kernel/status.h"
#include "model/tracker.h"

/* The live table's views (--view). */
enum table_view {
	TABLE_VIEW_PGMAPS,  /* folios: one row per pgmap */
	TABLE_VIEW_MIGRATE, /* migrations: a row per pgmap and direction */
};

/* The live table in a view (enum table_view), under 110 columns. */
void output_table(FILE *out, const struct tracker *t,
		  const struct zdev_status *st, int view);

/* zdevmon features: hooks, mechanisms, losses; the refcount scheme. */
void output_features(FILE *out, const struct zdev_status *st,
		     const char *kernel, bool fsdax_idle_at_one);

/* The refcount scheme in one sentence (features, text and JSON). */
const char *output_refcount_scheme(bool fsdax_idle_at_one);
/* What can be said of who holds references, under that scheme. */
const char *output_attribution(bool fsdax_idle_at_one);

/* Short human count: 12345, 123k, 45.6M; buf holds at least 8 bytes. */
const char *output_count(char *buf, size_t len, uint64_t n);

#endif /* ZDEVMON_TABLE_H */
