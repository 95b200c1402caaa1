/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The name of a driver's function (a pgmap's migrate_to_ram op), asked
 * by the daemon with its address (BPF_PROG_TEST_RUN): the kernel's own
 * kallsyms lookup through bpf_snprintf("%pS"), "name+0x0/0x1e0 [module]".
 * Not /proc/kallsyms read whole: some 200,000 lines, a second of a
 * busy guest's CPU at the first pgmap of a driver.
 */
#ifndef ZDEV_OPNAME_BPF_H
#define ZDEV_OPNAME_BPF_H

char op_name_out[ZDEV_OP_NAME_LEN];

SEC("syscall")
int op_name(struct zdev_op_name *args)
{
	__u64 addr = args->addr;

	op_name_out[0] = '\0';
	bpf_snprintf(op_name_out, sizeof(op_name_out), "%pS", &addr,
		     sizeof(addr));
	return 0;
}

#endif /* ZDEV_OPNAME_BPF_H */
