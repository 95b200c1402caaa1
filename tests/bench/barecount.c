// SPDX-License-Identifier: GPL-2.0
/* Load barecount.bpf.c, count until SIGINT, print the total. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "barecount.skel.h"

static volatile sig_atomic_t done;

static void on_signal(int sig)
{
	done = 1;
}

int main(void)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	struct barecount *skel = barecount__open_and_load();
	__u64 per_cpu[ncpus], total = 0;
	__u32 key = 0;

	if (!skel || barecount__attach(skel)) {
		fprintf(stderr, "barecount: cannot load or attach\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "barecount: attached\n");
	while (!done)
		pause();
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.calls), &key, per_cpu))
		for (i = 0; i < ncpus; i++)
			total += per_cpu[i];
	printf("barecount: %llu calls\n", (unsigned long long)total);
	barecount__destroy(skel);
	return 0;
}
