// SPDX-License-Identifier: GPL-2.0
/* Device pages per process and per cgroup, top few and the rest. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "usage.h"

void usage_clear(struct zt_usage *o)
{
	o->nr_mms = o->nr_cgroups = 0;
}

void usage_release(struct zt_usage *o)
{
	free(o->mms);
	free(o->cgroups);
	memset(o, 0, sizeof(*o));
}

int usage_add_mm(struct zt_usage *o, uint64_t mm, const struct zdev_mm_stats *k)
{
	if (grow((void **)&o->mms, o->nr_mms, &o->cap_mms, sizeof(*o->mms)))
		return -ENOMEM;
	o->mms[o->nr_mms].mm = mm;
	o->mms[o->nr_mms].k = *k;
	o->nr_mms++;
	return 0;
}

void usage_pending(struct zt_usage *u, uint64_t mm, int64_t pages)
{
	for (size_t i = 0; mm && pages && i < u->nr_mms; i++)
		if (u->mms[i].mm == mm) {
			u->mms[i].k.mapped_pages += pages;
			return;
		}
}

int usage_add_cgroup(struct zt_usage *o, uint64_t cgroup,
		     const struct zdev_cgroup_stats *k)
{
	if (grow((void **)&o->cgroups, o->nr_cgroups, &o->cap_cgroups,
		 sizeof(*o->cgroups)))
		return -ENOMEM;
	o->cgroups[o->nr_cgroups].cgroup = cgroup;
	o->cgroups[o->nr_cgroups].k = *k;
	o->nr_cgroups++;
	return 0;
}

struct sums {
	struct zt_user *v;
	size_t nr, cap;
	bool by_cgroup;
};

/* The sum of one process or cgroup, added if new. */
static struct zt_user *sum_of(struct sums *s, uint32_t tgid, uint64_t cgroup,
			      const char *comm)
{
	struct zt_user *w;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		w = &s->v[i];
		if (s->by_cgroup ? w->cgroup == cgroup : w->tgid == tgid)
			return w;
	}
	if (grow((void **)&s->v, s->nr, &s->cap, sizeof(*s->v)))
		return NULL;
	w = &s->v[s->nr++];
	memset(w, 0, sizeof(*w));
	w->cgroup = cgroup;
	if (!s->by_cgroup) {
		w->tgid = tgid;
		memcpy(w->comm, comm, sizeof(w->comm));
		w->comm[sizeof(w->comm) - 1] = '\0';
	}
	return w;
}

static uint64_t weight(const struct zt_user *w)
{
	return w->mapped_pages + w->pinned_pages;
}

static int by_weight(const void *a, const void *b)
{
	const struct zt_user *x = a, *y = b;
	uint64_t mx = x->to_device_pages + x->to_ram_pages;
	uint64_t my = y->to_device_pages + y->to_ram_pages;

	if (weight(x) != weight(y))
		return weight(x) > weight(y) ? -1 : 1;
	if (mx != my)
		return mx > my ? -1 : 1;
	if (x->cgroup != y->cgroup)
		return x->cgroup < y->cgroup ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static int top(struct sums *s, struct zt_user *out, size_t max,
	       struct zt_usage_rest *rest)
{
	size_t i, n = s->nr < max ? s->nr : max;

	memset(rest, 0, sizeof(*rest));
	/* an address space with nothing mapped any more, nothing migrated */
	for (i = n = 0; i < s->nr; i++)
		if (weight(&s->v[i]) || s->v[i].to_device_pages ||
		    s->v[i].to_ram_pages)
			s->v[n++] = s->v[i];
	s->nr = n;
	n = s->nr < max ? s->nr : max;
	if (s->nr)
		qsort(s->v, s->nr, sizeof(*s->v), by_weight);
	for (i = n; i < s->nr; i++) {
		rest->count++;
		rest->mapped_pages += s->v[i].mapped_pages;
		rest->pinned_pages += s->v[i].pinned_pages;
		rest->to_device_pages += s->v[i].to_device_pages;
		rest->to_ram_pages += s->v[i].to_ram_pages;
		rest->pingpong_pages += s->v[i].pingpong_pages;
	}
	if (n)
		memcpy(out, s->v, n * sizeof(*out));
	free(s->v);
	return (int)n;
}

static int summed(const struct zt_usage *o, const struct zt_pins *pins,
		  struct zt_user *out, size_t max, struct zt_usage_rest *rest,
		  bool by_cgroup)
{
	struct sums s = { .by_cgroup = by_cgroup };
	struct zt_user *w;
	size_t i;

	for (i = 0; i < o->nr_mms; i++) {
		const struct zdev_mm_stats *k = &o->mms[i].k;

		w = sum_of(&s, k->tgid, k->cgroup, k->comm);
		if (!w)
			goto nomem;
		/* fork's copies are not seen, a child's unmaps are */
		if (k->mapped_pages > 0)
			w->mapped_pages += k->mapped_pages;
		if (!by_cgroup) {
			w->to_device_pages += k->to_device_pages;
			w->to_ram_pages += k->to_ram_pages;
		}
		w->pingpong_pages += k->pingpong_pages;
	}
	for (i = 0; i < pins->nr; i++) {
		const struct zdev_pin *k = &pins->v[i].k;

		w = sum_of(&s, k->tgid, k->cgroup, k->comm);
		if (!w)
			goto nomem;
		w->pinned_pages += 1ULL << (k->order & 31);
	}
	/* per cgroup, migrations outlive the processes they were for */
	for (i = 0; by_cgroup && i < o->nr_cgroups; i++) {
		w = sum_of(&s, 0, o->cgroups[i].cgroup, "");
		if (!w)
			goto nomem;
		w->to_device_pages += o->cgroups[i].k.to_device_pages;
		w->to_ram_pages += o->cgroups[i].k.to_ram_pages;
	}
	return top(&s, out, max, rest);
nomem:
	free(s.v);
	return -ENOMEM;
}

int usage_processes(const struct zt_usage *o, const struct zt_pins *pins,
		    struct zt_user *out, size_t max, struct zt_usage_rest *rest)
{
	return summed(o, pins, out, max, rest, false);
}

int usage_cgroups(const struct zt_usage *o, const struct zt_pins *pins,
		  struct zt_user *out, size_t max, struct zt_usage_rest *rest)
{
	return summed(o, pins, out, max, rest, true);
}

static int by_pingpong(const void *a, const void *b)
{
	const struct zt_user *x = a, *y = b;

	if (x->pingpong_pages != y->pingpong_pages)
		return x->pingpong_pages > y->pingpong_pages ? -1 : 1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

int usage_pingpong(const struct zt_usage *o, struct zt_user *out, size_t max)
{
	struct sums s = {};
	struct zt_user *w;
	size_t i, n = 0;

	for (i = 0; i < o->nr_mms; i++) {
		const struct zdev_mm_stats *k = &o->mms[i].k;

		if (!k->pingpong_pages)
			continue;
		w = sum_of(&s, k->tgid, k->cgroup, k->comm);
		if (!w) {
			free(s.v);
			return -ENOMEM;
		}
		w->pingpong_pages += k->pingpong_pages;
		w->to_device_pages += k->to_device_pages;
		w->to_ram_pages += k->to_ram_pages;
	}
	if (s.nr)
		qsort(s.v, s.nr, sizeof(*s.v), by_pingpong);
	n = s.nr < max ? s.nr : max;
	if (n)
		memcpy(out, s.v, n * sizeof(*out));
	free(s.v);
	return (int)n;
}
