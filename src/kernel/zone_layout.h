/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the zone number sits in page->flags: the hot-path filter of the
 * BPF side. Derived at load time from the kernel's config and BTF.
 */
#ifndef ZDEVMON_ZONE_LAYOUT_H
#define ZDEVMON_ZONE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

struct zone_layout {
	uint32_t shift;	      /* ZONES_PGSHIFT */
	uint32_t mask;	      /* ZONES_MASK */
	uint32_t zone_device; /* enum zone_type ZONE_DEVICE */
	int nodes_shift;
	const char *nodes_source; /* where nodes_shift came from */
};

/*
 * The layout for nodes_shift and __MAX_NR_ZONES (page-flags-layout.h:
 * [SECTION][NODE][ZONE] at the top of the word; SPARSEMEM_VMEMMAP means no
 * section bits, and then NODES_WIDTH == NODES_SHIFT or the build fails).
 * Returns 0, or -EINVAL when the numbers cannot be a real layout.
 */
int zone_layout_compute(struct zone_layout *zl, int nodes_shift,
			int max_nr_zones, int zone_device);

/*
 * The running kernel's config text (/proc/config.gz, else
 * /boot/config-$(uname -r), *source naming it), to free; NULL if neither.
 */
char *kconfig_running(const char **source);
/* CONFIG_NAME's value in a kernel config text ("y", "10", ...), or NULL. */
const char *kconfig_value(const char *config, const char *name, char *buf,
			  size_t len);

/*
 * The running kernel's layout: CONFIG_NODES_SHIFT from /proc/config.gz or
 * /boot/config-$(uname -r), else from the size of BTF's nodemask_t; zone
 * numbers from BTF's enum zone_type (the running kernel's, or btf_path's).
 * 0 or -errno with a message in err.
 */
int zone_layout_detect(struct zone_layout *zl, const char *btf_path, char *err,
		       size_t errlen);

#endif /* ZDEVMON_ZONE_LAYOUT_H */
