// SPDX-License-Identifier: GPL-2.0
/* Tasks waiting for busy DAX pages, refilled at each tick. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "waits.h"

void waits_release(struct zt_waits *ws)
{
	free(ws->v);
	memset(ws, 0, sizeof(*ws));
}

void waits_begin(struct zt_waits *ws)
{
	for (size_t i = 0; i < ws->nr; i++)
		ws->v[i].seen = false;
}

int waits_put(struct zt_waits *ws, uint32_t tid, int pgmap_id,
	      const struct zdev_layout_wait *k)
{
	struct zt_wait *w = NULL;
	size_t i;

	for (i = 0; i < ws->nr && !w; i++)
		if (ws->v[i].tid == tid)
			w = &ws->v[i];
	if (!w) {
		if (grow((void **)&ws->v, ws->nr, &ws->cap, sizeof(*ws->v)))
			return -ENOMEM;
		w = &ws->v[ws->nr++];
		w->alerted = false;
	} else if (w->k.first_ns != k->first_ns || w->k.mapping != k->mapping) {
		w->alerted = false; /* the same thread's next wait */
	}
	w->tid = tid;
	w->pgmap_id = pgmap_id;
	w->seen = true;
	w->k = *k;
	return 0;
}

static int by_first(const void *a, const void *b)
{
	const struct zt_wait *x = a, *y = b;

	if (x->k.first_ns != y->k.first_ns)
		return x->k.first_ns < y->k.first_ns ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

void waits_end(struct zt_waits *ws)
{
	size_t i, n = 0;

	for (i = 0; i < ws->nr; i++)
		if (ws->v[i].seen)
			ws->v[n++] = ws->v[i];
	ws->nr = n;
	if (n)
		qsort(ws->v, n, sizeof(*ws->v), by_first);
}

void waits_dev_name(uint32_t kdev, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", kdev >> 20, kdev & 0xfffff);
}
