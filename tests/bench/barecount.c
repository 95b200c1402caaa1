// SPDX-License-Identifier: GPL-2.0
/*
 * Load barecount.bpf.c, count until SIGINT, print the total. --floor: FS
 * DAX's three device calls do issue 12's item 1 at least (the zone test
 * from the running kernel's layout, as zdevmon derives it).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "barecount.skel.h"
#include "kernel/zone_layout.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	done = 1;
}

/* The floor's programs in place of the bare counters on the same functions. */
static int floor_select(struct barecount *skel)
{
	struct zone_layout zl;
	char err[256];

	if (zone_layout_detect(&zl, NULL, err, sizeof(err))) {
		fprintf(stderr, "barecount: %s\n", err);
		return -1;
	}
	skel->rodata->zone_shift = zl.shift;
	skel->rodata->zone_mask = zl.mask;
	skel->rodata->zone_device = zl.zone_device;
	bpf_program__set_autoload(skel->progs.folio_add_file_rmap_ptes_count,
				  false);
	bpf_program__set_autoload(skel->progs.folio_remove_rmap_ptes_count,
				  false);
	bpf_program__set_autoload(skel->progs.free_zone_device_folio_count,
				  false);
	return 0;
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
	bpf_program__set_autoload(skel->progs.folio_add_file_rmap_ptes_floor,
				  floor);
	bpf_program__set_autoload(skel->progs.folio_remove_rmap_ptes_floor,
				  floor);
	bpf_program__set_autoload(skel->progs.free_zone_device_folio_floor,
				  floor);
	if ((floor && floor_select(skel)) || barecount__load(skel) ||
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
	barecount__destroy(skel);
	return 0;
}
