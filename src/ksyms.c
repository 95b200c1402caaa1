// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms, sorted once, searched by address. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	char *name;
	char *module; /* NULL: core kernel */
};

struct ksyms {
	struct ksym *syms;
	size_t nr;
	size_t cap;
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct ksyms *ks, uint64_t addr, const char *name,
	       const char *module)
{
	if (ks->nr == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct ksym *n = realloc(ks->syms, cap * sizeof(*n));

		if (!n)
			return -1;
		ks->syms = n;
		ks->cap = cap;
	}
	ks->syms[ks->nr].addr = addr;
	ks->syms[ks->nr].name = strdup(name);
	ks->syms[ks->nr].module = module ? strdup(module) : NULL;
	ks->nr++;
	return 0;
}

struct ksyms *ksyms_load(const char *path)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	char line[512], name[256], module[128], type;
	uint64_t addr;
	FILE *f;

	if (!ks)
		return NULL;
	f = fopen(path, "r");
	if (!f)
		goto err;
	while (fgets(line, sizeof(line), f)) {
		int n = sscanf(line, "%" SCNx64 " %c %255s [%127[^]]]", &addr,
			       &type, name, module);

		if (n < 3 || !addr)
			continue; /* hidden (kptr_restrict) or malformed */
		/* text only: calls return into text */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (add(ks, addr, name, n == 4 ? module : NULL))
			break;
	}
	fclose(f);
	qsort(ks->syms, ks->nr, sizeof(*ks->syms), by_addr);
	return ks;
err:
	free(ks);
	return NULL;
}

void ksyms_free(struct ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->nr; i++) {
		free(ks->syms[i].name);
		free(ks->syms[i].module);
	}
	free(ks->syms);
	free(ks);
}

static const struct ksym *lookup(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->nr : 0;

	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->syms[lo - 1] : NULL;
}

const char *ksyms_format(const struct ksyms *ks, uint64_t addr, char *buf,
			 size_t len)
{
	const struct ksym *s = lookup(ks, addr);

	if (!s)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (s->module)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->name,
			 addr - s->addr, s->module);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
	return buf;
}

const char *ksyms_module(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *s = lookup(ks, addr);

	return s ? s->module : NULL;
}
