// SPDX-License-Identifier: GPL-2.0
/* cgroup v2 ids to paths, by a walk of the cgroup2 mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CACHED	    64

static struct {
	uint64_t id;
	char path[256];
} cache[CACHED];
static unsigned int cache_next;

static const char *(*names_from)(void *ctx, uint64_t id);
static void *names_ctx;

void cgroup_names_from(const char *(*names)(void *ctx, uint64_t id), void *ctx)
{
	names_from = names;
	names_ctx = ctx;
}

/* nftw() passes no context: the walk's target and result */
static uint64_t want;
static char found[256];

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	const char *rel = path + strlen(CGROUP_ROOT);

	if (type != FTW_D || st->st_ino != want)
		return 0;
	snprintf(found, sizeof(found), "%s", *rel ? rel : "/");
	return 1;
}

const char *cgroup_path(uint64_t id, char *buf, size_t len)
{
	unsigned int i;

	if (!id)
		return NULL;
	if (names_from) {
		const char *name = names_from(names_ctx, id);

		if (!name)
			return NULL;
		snprintf(buf, len, "%s", name);
		return buf;
	}
	for (i = 0; i < CACHED; i++)
		if (cache[i].id == id)
			goto out;
	/* misses are remembered too: a walk of every cgroup is not cheap */
	want = id;
	found[0] = '\0';
	nftw(CGROUP_ROOT, visit, 16, FTW_PHYS);
	i = cache_next++ % CACHED;
	cache[i].id = id;
	snprintf(cache[i].path, sizeof(cache[i].path), "%s", found);
out:
	if (!cache[i].path[0])
		return NULL;
	snprintf(buf, len, "%s", cache[i].path);
	return buf;
}

int cgroup_self(uint64_t *id, uint32_t *level)
{
	char line[512], dir[600];
	struct stat st;
	FILE *f = fopen("/proc/self/cgroup", "re");
	const char *path = NULL, *p;
	int err = -ENOENT;

	if (!f)
		return -errno;
	/* the unified hierarchy's line: "0::/a/b" */
	while (!path && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::/", 4))
			path = line + 3;
	fclose(f);
	if (!path)
		return err;
	line[strcspn(line, "\n")] = '\0';
	*level = 0;
	for (p = path; *p; p++)
		*level += *p == '/' && p[1] && p[1] != '/';
	snprintf(dir, sizeof(dir), CGROUP_ROOT "%s", path);
	if (stat(dir, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}
