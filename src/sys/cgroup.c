// SPDX-License-Identifier: GPL-2.0
/* cgroup v2 ids to paths, by a walk of the cgroup2 mount. */
#define _GNU_SOURCE
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
