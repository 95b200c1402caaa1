/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks waiting for busy DAX pages (a truncate, a hole punch, an inode's
 * eviction): the kernel side's layout_waits map, read at each tick, the
 * longest wait first. A wait keeps its identity (thread, first busy page's
 * time) across ticks, so that it is alerted on once.
 */
#ifndef ZDEVMON_WAITS_H
#define ZDEVMON_WAITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "zdev.h"

struct zt_wait {
	uint32_t tid;
	int pgmap_id; /* of the busy page; 0: a pgmap the tracker lacks */
	bool alerted; /* reported past the alert threshold */
	bool seen;    /* in the map at this tick */
	struct zdev_layout_wait k;
};

struct zt_waits {
	struct zt_wait *v; /* oldest first once swept */
	size_t nr, cap;
};

void waits_release(struct zt_waits *ws);
/* A refill: waits_begin(), waits_put() for each of the map, waits_end(). */
void waits_begin(struct zt_waits *ws);
int waits_put(struct zt_waits *ws, uint32_t tid, int pgmap_id,
	      const struct zdev_layout_wait *k);
void waits_end(struct zt_waits *ws);
/* "MAJOR:MINOR" of a kernel dev_t (MINORBITS 20). */
void waits_dev_name(uint32_t kdev, char *buf, size_t len);

#endif /* ZDEVMON_WAITS_H */
