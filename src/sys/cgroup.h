/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 ids (bpf_get_current_cgroup_id(): the kernfs inode number of
 * the cgroup's directory) as paths under the unified hierarchy.
 */
#ifndef ZDEVMON_CGROUP_H
#define ZDEVMON_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The path of cgroup id below the cgroup2 mount ("/" for the root,
 * "/system.slice/x.service"), or NULL when no such cgroup exists (now):
 * removed since, or no cgroup2 mount. Results are remembered.
 */
const char *cgroup_path(uint64_t id, char *buf, size_t len);

/*
 * This process's cgroup v2: its id and its depth below the root (0: the
 * root). 0 or -errno (no cgroup2 mount at /sys/fs/cgroup, say).
 */
int cgroup_self(uint64_t *id, uint32_t *level);

/*
 * Paths from elsewhere than this machine's cgroup2 mount (a replay's
 * recorded ones): cgroup_path() asks names(ctx, id) from now on; NULL
 * names goes back to the mount.
 */
void cgroup_names_from(const char *(*names)(void *ctx, uint64_t id), void *ctx);

#endif /* ZDEVMON_CGROUP_H */
