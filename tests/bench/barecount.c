// SPDX-License-Identifier: GPL-2.0
/*
 * Load barecount.bpf.c, count until SIGINT, print the total. --floor: the
 * device calls of FS DAX faults and device-private migrations do issue
 * 12's items 1 and 2 at least (the zone test from the running kernel's
 * layout, as zdevmon derives it).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "barecount.skel.h"
#include "barecount.h"
#include "kernel/zone_layout.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	done = 1;
}

/*
 * The programs of the bare counter or of the floor, on the same
 * functions; the floor's zone test from the running kernel's layout.
 */
static int select_mode(struct barecount *skel, bool floor)
{
	struct bpf_program *const pairs[][2] = {
		{ skel->progs.folio_add_file_rmap_ptes_count,
		  skel->progs.folio_add_file_rmap_ptes_floor },
		{ skel->progs.folio_remove_rmap_ptes_count,
		  skel->progs.folio_remove_rmap_ptes_floor },
		{ skel->progs.free_zone_device_folio_count,
		  skel->progs.free_zone_device_folio_floor },
		{ skel->progs.folio_add_anon_rmap_ptes_count,
		  skel->progs.folio_add_anon_rmap_ptes_floor },
		{ skel->progs.zone_device_page_init_count,
		  skel->progs.zone_device_page_init_floor },
		{ skel->progs.migrate_vma_pages_count,
		  skel->progs.migrate_vma_pages_floor },
	};
	struct zone_layout zl;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		bpf_program__set_autoload(pairs[i][0], !floor);
		bpf_program__set_autoload(pairs[i][1], floor);
	}
	if (!floor)
		return 0;
	if (zone_layout_detect(&zl, NULL, err, sizeof(err))) {
		fprintf(stderr, "barecount: %s\n", err);
		return -1;
	}
	skel->rodata->zone_shift = zl.shift;
	skel->rodata->zone_mask = zl.mask;
	skel->rodata->zone_device = zl.zone_device;
	return 0;
}

/* What the floor counted: its work was done, not skipped. */
static void print_floor(struct barecount *skel, int ncpus)
{
	static const char *const names[FLOOR_KINDS] = {
		"maps",	   "unmaps",	      "frees",	      "inits",
		"doubles", "to_device_pages", "to_ram_pages", "large",
	};
	struct floor_counts per_cpu[ncpus], sum = {};
	__u32 slot = 0;
	int i, k;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.floor_counts), &slot,
				per_cpu))
		return;
	for (i = 0; i < ncpus; i++) {
		for (k = 0; k < FLOOR_KINDS; k++)
			sum.calls[k] += per_cpu[i].calls[k];
		sum.mapped_pages += per_cpu[i].mapped_pages;
	}
	printf("floor:");
	for (k = 0; k < FLOOR_KINDS; k++)
		printf(" %s %llu", names[k], (unsigned long long)sum.calls[k]);
	printf(" mapped_pages %lld\n", (long long)sum.mapped_pages);
}

int main(int argc, char **argv)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	bool floor = argc == 2 && !strcmp(argv[1], "--floor");
	struct barecount *skel;
	__u64 per_cpu[ncpus], total = 0;
	__u32 key = 0;

	if (argc > 1 && !floor) {
		fprintf(stderr, "usage: barecount [--floor]\n");
		return 2;
	}
	skel = barecount__open();
	if (!skel) {
		fprintf(stderr, "barecount: cannot open the BPF object\n");
		return 1;
	}
	if (select_mode(skel, floor) || barecount__load(skel) ||
	    barecount__attach(skel)) {
		fprintf(stderr, "barecount: cannot load or attach\n");
		barecount__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "barecount: attached%s\n", floor ? " (floor)" : "");
	while (!done)
		pause();
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.calls), &key, per_cpu))
		for (i = 0; i < ncpus; i++)
			total += per_cpu[i];
	printf("barecount: %llu calls\n", (unsigned long long)total);
	if (floor)
		print_floor(skel, ncpus);
	barecount__destroy(skel);
	return 0;
}
