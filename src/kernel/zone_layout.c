// SPDX-License-Identifier: GPL-2.0
/* The zone bits of page->flags, from the kernel config and BTF. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>
#include <bpf/btf.h>
#include "zone_layout.h"

int zone_layout_compute(struct zone_layout *zl, int nodes_shift,
			int max_nr_zones, int zone_device)
{
	int zones_width = 0;

	if (nodes_shift < 0 || nodes_shift > 16 || max_nr_zones < 1 ||
	    max_nr_zones > 8 || zone_device < 0 || zone_device >= max_nr_zones)
		return -EINVAL;
	/* ZONES_SHIFT: bits to hold MAX_NR_ZONES - 1 (mmzone.h) */
	while ((1 << zones_width) < max_nr_zones)
		zones_width++;
	zl->shift = 64 - nodes_shift - zones_width;
	zl->mask = (1U << zones_width) - 1;
	zl->zone_device = zone_device;
	zl->nodes_shift = nodes_shift;
	return 0;
}

const char *kconfig_value(const char *config, const char *name, char *buf,
			  size_t len)
{
	size_t n = strlen(name);
	const char *p = config;

	while ((p = strstr(p, name))) {
		bool line_start = p == config || p[-1] == '\n';

		if (line_start && p[n] == '=') {
			size_t i = 0;

			p += n + 1;
			while (p[i] && p[i] != '\n' && i + 1 < len) {
				buf[i] = p[i];
				i++;
			}
			buf[i] = '\0';
			return buf;
		}
		p += n;
	}
	return NULL;
}

/* The whole of a (possibly gzipped) text file, NUL-terminated. */
static char *slurp(const char *path)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 20, len = 0;
	char *buf;
	int n;

	if (!gz)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = gzread(gz, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	gzclose(gz);
	if (buf)
		buf[len] = '\0';
	return buf;
}

char *kconfig_running(const char **source)
{
	static char boot[300];
	struct utsname u;
	const char *paths[2] = { "/proc/config.gz", boot };
	char *cfg;
	int i;

	uname(&u);
	snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
	for (i = 0; i < 2; i++) {
		cfg = slurp(paths[i]);
		if (cfg) {
			if (source)
				*source = paths[i];
			return cfg;
		}
	}
	return NULL;
}

static int nodes_shift_from_config(const char **source)
{
	char val[32], *cfg = kconfig_running(source);
	int shift = -1;

	if (!cfg)
		return -1;
	if (kconfig_value(cfg, "CONFIG_NODES_SHIFT", val, sizeof(val)))
		shift = atoi(val);
	else if (strstr(cfg, "CONFIG_NUMA=y") == NULL)
		shift = 0; /* !NUMA: no node bits */
	free(cfg);
	return shift;
}

/* nodemask_t is DECLARE_BITMAP(bits, MAX_NUMNODES): exact from 64 nodes. */
static int nodes_shift_from_btf(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "nodemask_t", BTF_KIND_TYPEDEF);
	long bits, shift = 0;

	if (id < 0)
		return -1;
	bits = btf__resolve_size(btf, id) * 8;
	while ((1L << shift) < bits)
		shift++;
	return bits > 0 ? (int)shift : -1;
}

static int enum_value(const struct btf *btf, const char *type, const char *name,
		      int *out)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;
	int i;

	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++, e++) {
		if (!strcmp(btf__name_by_offset(btf, e->name_off), name)) {
			*out = e->val;
			return 0;
		}
	}
	return -ENOENT;
}

int zone_layout_detect(struct zone_layout *zl, const char *btf_path, char *err,
		       size_t errlen)
{
	struct btf *btf =
		btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
	int nodes_shift, max_zones, device, ret;
	const char *source = "BTF nodemask_t";

	if (!btf) {
		snprintf(err, errlen,
			 "the kernel has no BTF (/sys/kernel/btf/vmlinux): "
			 "CONFIG_DEBUG_INFO_BTF is needed");
		return -ENOENT;
	}
	if (enum_value(btf, "zone_type", "__MAX_NR_ZONES", &max_zones) ||
	    enum_value(btf, "zone_type", "ZONE_DEVICE", &device)) {
		snprintf(err, errlen,
			 "the kernel has no ZONE_DEVICE (enum zone_type in "
			 "BTF)");
		ret = -ENOENT;
		goto cleanup;
	}
	nodes_shift = nodes_shift_from_config(&source);
	if (nodes_shift < 0)
		nodes_shift = nodes_shift_from_btf(btf);
	if (nodes_shift < 0) {
		snprintf(err, errlen,
			 "cannot tell CONFIG_NODES_SHIFT: no kernel config and "
			 "no nodemask_t in BTF");
		ret = -ENOENT;
		goto cleanup;
	}
	ret = zone_layout_compute(zl, nodes_shift, max_zones, device);
	if (ret) {
		snprintf(err, errlen,
			 "implausible page-flags layout "
			 "(NODES_SHIFT %d, %d zones)",
			 nodes_shift, max_zones);
		goto cleanup;
	}
	zl->nodes_source = source;
cleanup:
	btf__free(btf);
	return ret;
}
