// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms, sorted once, searched by address. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ksyms.h"

struct ksym {
	uint64_t addr;
	uint64_t end;	    /* its module's or kernel text's end; 0: unknown */
	uint64_t mod_start; /* its module's start, when end is known */
	char *name;
	char *module; /* NULL: core kernel */
};

struct ksyms {
	struct ksym *syms;
	size_t nr;
	size_t cap;
};

/* A loaded module's memory, from /proc/modules. */
struct extent {
	char name[64];
	uint64_t start, end;
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct ksyms *ks, uint64_t addr, const char *name,
	       const char *module)
{
	struct ksym *s;

	if (ks->nr == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct ksym *n = realloc(ks->syms, cap * sizeof(*n));

		if (!n)
			return -1;
		ks->syms = n;
		ks->cap = cap;
	}
	s = &ks->syms[ks->nr];
	s->addr = addr;
	s->end = 0;
	s->mod_start = 0;
	s->name = strdup(name);
	s->module = module ? strdup(module) : NULL;
	if (!s->name || (module && !s->module)) {
		free(s->name);
		free(s->module);
		return -1;
	}
	ks->nr++;
	return 0;
}

/* A stream reading fd from its start; fd itself stays open. */
static FILE *reread(int fd)
{
	int dup_fd;
	FILE *f;

	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return NULL;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return NULL;
	f = fdopen(dup_fd, "r");
	if (!f)
		close(dup_fd);
	return f;
}

/* "name size refcount deps state address ..."; NULL-free, count in *nr. */
static struct extent *read_modules(int fd, size_t *nr)
{
	struct extent *ex = NULL, *n;
	size_t cap = 0;
	char line[1024];
	FILE *f = reread(fd);

	*nr = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		struct extent e;
		uint64_t size;

		if (sscanf(line, "%63s %" SCNu64 " %*s %*s %*s %" SCNx64,
			   e.name, &size, &e.start) != 3 ||
		    !e.start) /* hidden from this opener */
			continue;
		e.end = e.start + size;
		if (*nr == cap) {
			cap = cap ? 2 * cap : 64;
			n = realloc(ex, cap * sizeof(*n));
			if (!n)
				break;
			ex = n;
		}
		ex[(*nr)++] = e;
	}
	fclose(f);
	return ex;
}

static const struct extent *find_extent(const struct extent *ex, size_t nr,
					const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!strcmp(ex[i].name, name))
			return &ex[i];
	return NULL;
}

/* Symbols marking where kernel text ends, not functions. */
static bool text_end(const char *name)
{
	return !strcmp(name, "_etext") || !strcmp(name, "_einittext");
}

/*
 * Where each symbol's function must end at the latest: the end of kernel
 * text for the core kernel (the last of _etext and _einittext present),
 * its module's extent for a module. Without them a symbol extends to the
 * next one, and the last one to nowhere known.
 */
static void set_ends(struct ksyms *ks, const struct extent *ex, size_t nex)
{
	const struct extent *e = NULL;
	uint64_t core_end = 0;
	size_t i;

	for (i = 0; i < ks->nr; i++)
		if (!ks->syms[i].module && text_end(ks->syms[i].name) &&
		    ks->syms[i].addr > core_end)
			core_end = ks->syms[i].addr;
	for (i = 0; i < ks->nr; i++) {
		struct ksym *s = &ks->syms[i];

		if (!s->module) {
			s->end = core_end;
			continue;
		}
		/* kallsyms lists a module's symbols together */
		if (!e || strcmp(e->name, s->module))
			e = find_extent(ex, nex, s->module);
		if (e) {
			/* a symbol outside its module holds nothing */
			s->end = s->addr >= e->start ? e->end : s->addr;
			s->mod_start = e->start;
		}
	}
}

/*
 * One line of /proc/kallsyms, "addr type name[\t[module]]", split in
 * place: names and module point into line. By hand, not sscanf(): a
 * kernel lists some 200,000 symbols, and sscanf() took seconds of a
 * guest's CPU to read them (when a report names a call site).
 */
static bool parse_kallsyms_line(char *line, uint64_t *addr, char *type,
				char **name, char **module)
{
	char *p = line, *end = line;
	int digit;

	/* strtoull() alone took a third of the time */
	for (*addr = 0; end - line < 16; end++) {
		if (*end >= '0' && *end <= '9')
			digit = *end - '0';
		else if (*end >= 'a' && *end <= 'f')
			digit = *end - 'a' + 10;
		else
			break;
		*addr = *addr << 4 | digit;
	}
	if (end == p || *end != ' ' || !end[1] || end[2] != ' ')
		return false;
	*type = end[1];
	p = end + 3;
	*name = p;
	p += strcspn(p, " \t\n");
	if (p == *name)
		return false;
	*module = NULL;
	/* the kernel puts a tab before "[module]"; a space is taken too */
	if ((*p == '\t' || *p == ' ') && p[1] == '[') {
		char *m = p + 2, *close = strchr(m, ']');

		if (close && close > m) {
			*close = '\0';
			*module = m;
		}
	}
	*p = '\0';
	return true;
}

struct ksyms *ksyms_load_fds(int kallsyms_fd, int modules_fd)
{
	struct ksyms *ks = calloc(1, sizeof(*ks));
	char line[512], *name, *module, type, *buf;
	struct extent *ex;
	size_t nex, i;
	uint64_t addr;
	FILE *f;

	if (!ks)
		return NULL;
	f = reread(kallsyms_fd);
	if (!f) {
		free(ks);
		return NULL;
	}
	/* fewer, larger reads of the kernel's seq_file */
	buf = malloc(1 << 16);
	if (buf)
		setvbuf(f, buf, _IOFBF, 1 << 16);
	while (fgets(line, sizeof(line), f)) {
		if (!parse_kallsyms_line(line, &addr, &type, &name, &module) ||
		    !addr)
			continue; /* hidden (kptr_restrict) or malformed */
		/* text only: calls return into text */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (add(ks, addr, name, module))
			break;
	}
	fclose(f);
	free(buf);
	/* the kernel's own come sorted: only modules can be out of order */
	for (i = 1; i < ks->nr; i++)
		if (ks->syms[i - 1].addr > ks->syms[i].addr)
			break;
	if (i < ks->nr) /* nr > 1 here: qsort(NULL, 0, ...) is undefined */
		qsort(ks->syms, ks->nr, sizeof(*ks->syms), by_addr);
	ex = read_modules(modules_fd, &nex);
	set_ends(ks, ex, nex);
	free(ex);
	return ks;
}

struct ksyms *ksyms_load(const char *kallsyms, const char *modules)
{
	int kfd = open(kallsyms, O_RDONLY | O_CLOEXEC);
	int mfd = modules ? open(modules, O_RDONLY | O_CLOEXEC) : -1;
	struct ksyms *ks = kfd >= 0 ? ksyms_load_fds(kfd, mfd) : NULL;

	if (kfd >= 0)
		close(kfd);
	if (mfd >= 0)
		close(mfd);
	return ks;
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

/* The function holding addr, or NULL: never a guess past known ends. */
static const struct ksym *lookup(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->nr : 0;
	const struct ksym *s;

	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	s = &ks->syms[lo - 1];
	if (!s->module && text_end(s->name))
		return NULL;
	if (s->end ? addr >= s->end : lo == ks->nr)
		return NULL;
	return s;
}

bool ksyms_format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	const struct ksym *s = lookup(ks, addr);

	if (!s)
		snprintf(buf, len, "?");
	else if (s->module)
		snprintf(buf, len, "%s+0x%" PRIx64 " [%s]", s->name,
			 addr - s->addr, s->module);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
	return s;
}

bool ksyms_extent(const struct ksyms *ks, const char *name, uint64_t *start,
		  uint64_t *end)
{
	size_t i, j;

	for (i = 0; ks && i < ks->nr; i++) {
		if (ks->syms[i].module || strcmp(ks->syms[i].name, name))
			continue;
		for (j = i + 1; j < ks->nr; j++)
			if (ks->syms[j].addr > ks->syms[i].addr)
				break;
		if (j == ks->nr || !ks->syms[i].addr)
			return false;
		*start = ks->syms[i].addr;
		*end = ks->syms[j].addr;
		return true;
	}
	return false;
}

const char *ksyms_module(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *s = lookup(ks, addr);

	return s ? s->module : NULL;
}

bool ksyms_lines(const struct ksyms *ks, uint64_t addr, char *sym,
		 size_t symlen, char *bound, size_t boundlen)
{
	const struct ksym *s = lookup(ks, addr);

	if (!s)
		return false;
	if (s->module)
		snprintf(sym, symlen, "%016" PRIx64 " t %s [%s]\n", s->addr,
			 s->name, s->module);
	else
		snprintf(sym, symlen, "%016" PRIx64 " t %s\n", s->addr,
			 s->name);
	if (!s->end)
		bound[0] = '\0';
	else if (s->module)
		snprintf(bound, boundlen,
			 "%s %" PRIu64 " 0 - Live 0x%" PRIx64 "\n", s->module,
			 s->end - s->mod_start, s->mod_start);
	else
		snprintf(bound, boundlen, "%016" PRIx64 " T _etext\n", s->end);
	return true;
}

bool ksyms_from_pS(const char *pS, char *buf, size_t len)
{
	size_t size = strcspn(pS, "/");

	/* an address with no symbol prints as itself */
	if (!strchr(pS, '+') || !pS[size])
		return false;
	/* "+0xoff/0xsize": the size is not part of the name */
	snprintf(buf, len, "%.*s%s", (int)size, pS,
		 pS + size + strcspn(pS + size, " "));
	return true;
}
