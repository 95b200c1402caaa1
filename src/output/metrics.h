/* SPDX-License-Identifier: GPL-2.0 */
/* The Prometheus text exposition (format 0.0.4) of tracker state. */
#ifndef ZDEVMON_METRICS_H
#define ZDEVMON_METRICS_H

#include <stddef.h>
#include "kernel/status.h"
#include "model/leaks.h"
#include "model/tracker.h"

/* zdevmon's own cost, for zdevmon_process_* metrics. */
struct self_stats {
	double cpu_seconds;
	uint64_t resident_bytes;
	uint64_t leak_findings[LEAK_RULE_MAX];
	uint64_t output_errors; /* NDJSON writes that failed */
};

void self_stats_read(struct self_stats *s);

/* A malloc'ed NUL-terminated exposition; *len its length. NULL: ENOMEM. */
char *metrics_render(const struct tracker *t, const struct zdev_status *st,
		     const struct self_stats *self, size_t *len);

#endif /* ZDEVMON_METRICS_H */
