// SPDX-License-Identifier: GPL-2.0
/*
 * Load migcount.bpf.c, count until SIGINT or SIGTERM, print the counts as
 * "truth NAME VALUE" lines (the guest checks' ground-truth format).
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "migcount.skel.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	done = 1;
}

int main(void)
{
	static const char *const names[] = {
		"births",	 "frees",      "to_device_pages",
		"to_ram_pages",	 "evicted_pages", "cpu_faults",
		"cpu_fault_sigbus", "cpu_fault_oom", "thp_migrated",
		"thp_split_to_small", "collect_splits"
	};
	struct migcount *skel = migcount__open_and_load();

	if (!skel || migcount__attach(skel)) {
		fprintf(stderr, "migcount: cannot load or attach\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "migcount: attached\n");
	while (!done)
		pause();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf("truth %s %llu\n", names[i],
		       (unsigned long long)skel->bss->counts[i]);
	migcount__destroy(skel);
	return 0;
}
