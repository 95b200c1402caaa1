/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pgmap's references, read back for a teardown that waits: the daemon
 * runs this syscall program (BPF_PROG_TEST_RUN) with the pgmap's address.
 * memunmap_pages() kills pgmap->ref, which switches it to atomic mode:
 * from then on its count is the references still out (the initial one
 * is dropped by the kill), which memunmap_pages() waits to reach zero.
 */
#ifndef ZDEV_REFS_BPF_H
#define ZDEV_REFS_BPF_H

#define PERCPU_REF_ATOMIC_DEAD                         \
	0x3 /* __PERCPU_REF_ATOMIC | __PERCPU_REF_DEAD \
	     */

SEC("syscall")
int pgmap_refs(struct zdev_pgmap_refs *args)
{
	struct dev_pagemap *pgmap = (void *)args->pgmap;
	struct percpu_ref_data *data;
	unsigned long ptr;
	long count;

	args->mode = 0;
	if (bpf_probe_read_kernel(&ptr, sizeof(ptr),
				  &pgmap->ref.percpu_count_ptr) ||
	    bpf_probe_read_kernel(&data, sizeof(data), &pgmap->ref.data) ||
	    !data ||
	    bpf_probe_read_kernel(&count, sizeof(count), &data->count.counter))
		return 0;
	args->count = count;
	args->mode = ZDEV_REF_READ | (ptr & PERCPU_REF_ATOMIC_DEAD);
	return 0;
}

#endif /* ZDEV_REFS_BPF_H */
