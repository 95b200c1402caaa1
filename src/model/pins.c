// SPDX-License-Identifier: GPL-2.0
/* Pinned device folios, grouped by holder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "pins.h"

void pins_clear(struct zt_pins *ps)
{
	ps->nr = 0;
}

void pins_release(struct zt_pins *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

int pins_add(struct zt_pins *ps, uint64_t pfn, int pgmap_id,
	     const struct zdev_pin *k)
{
	if (grow((void **)&ps->v, ps->nr, &ps->cap, sizeof(*ps->v)))
		return -ENOMEM;
	ps->v[ps->nr].pfn = pfn;
	ps->v[ps->nr].pgmap_id = pgmap_id;
	ps->v[ps->nr].k = *k;
	ps->nr++;
	return 0;
}

static int by_pfn(const void *a, const void *b)
{
	const struct zt_pin *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

void pins_sort(struct zt_pins *ps)
{
	if (ps->nr)
		qsort(ps->v, ps->nr, sizeof(*ps->v), by_pfn);
}

const struct zt_pin *pins_find(const struct zt_pins *ps, uint64_t pfn)
{
	struct zt_pin key = { .pfn = pfn };

	if (!ps->nr)
		return NULL;
	return bsearch(&key, ps->v, ps->nr, sizeof(*ps->v), by_pfn);
}

/* Holders' identity: task, cgroup, pgmap, call site. */
static int by_holder(const void *a, const void *b)
{
	const struct zt_holder *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->cgroup != y->cgroup)
		return x->cgroup < y->cgroup ? -1 : 1;
	if (x->pgmap_id != y->pgmap_id)
		return x->pgmap_id < y->pgmap_id ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

static int by_pages(const void *a, const void *b)
{
	const struct zt_holder *x = a, *y = b;

	if (x->pages != y->pages)
		return x->pages > y->pages ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

void pins_holder(struct zt_holder *h, const struct zt_pin *p)
{
	h->tgid = p->k.tgid;
	h->pid = p->k.pid;
	memcpy(h->comm, p->k.comm, sizeof(h->comm));
	h->comm[sizeof(h->comm) - 1] = '\0';
	h->cgroup = p->k.cgroup;
	h->pgmap_id = p->pgmap_id;
	h->stack_id = p->k.stack_id;
	h->first_ns = p->k.first_ns;
	h->folios = 1;
	h->pages = 1ULL << (p->k.order & 31);
	h->pins = p->k.pins;
}

int pins_holders(const struct zt_pins *ps, struct zt_holder *out, size_t max,
		 uint64_t *others)
{
	struct zt_holder *all = NULL;
	size_t n = 0, i;

	*others = 0;
	if (ps->nr) {
		all = calloc(ps->nr, sizeof(*all));
		if (!all)
			return -ENOMEM;
	}
	for (i = 0; i < ps->nr; i++)
		pins_holder(&all[i], &ps->v[i]);
	/* sorted by identity, each run of one holder folds into its first */
	if (ps->nr)
		qsort(all, ps->nr, sizeof(*all), by_holder);
	for (i = 0; i < ps->nr; i++) {
		struct zt_holder *h = n ? &all[n - 1] : NULL;

		if (!h || by_holder(h, &all[i])) {
			all[n++] = all[i];
			continue;
		}
		h->folios++;
		h->pages += all[i].pages;
		h->pins += all[i].pins;
		if (all[i].first_ns < h->first_ns)
			h->first_ns = all[i].first_ns;
	}
	if (n)
		qsort(all, n, sizeof(*all), by_pages);
	for (i = max; i < n; i++)
		*others += all[i].pages;
	if (n > max)
		n = max;
	if (n)
		memcpy(out, all, n * sizeof(*out));
	free(all);
	return (int)n;
}
