/* SPDX-License-Identifier: GPL-2.0 */
/* The zdev_leak test module's interface (module and workloads share it). */
#ifndef ZDEV_LEAK_H
#define ZDEV_LEAK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ZL_MAX_PAGES 4096

struct zl_cmd {
	__u64 addr;   /* ZL_MIGRATE: start of the caller's range */
	__u64 npages; /* pages asked for */
	__u64 done;   /* pages done */
};

#define ZL_MIGRATE _IOWR('Z', 1, struct zl_cmd)
#define ZL_LEAK	   _IOWR('Z', 2, struct zl_cmd)
#define ZL_HOLD	   _IOWR('Z', 3, struct zl_cmd)
#define ZL_RELEASE _IOWR('Z', 4, struct zl_cmd)
/* anomalies injected on purpose: done = injections the kernel confirmed */
#define ZL_DOUBLE_FREE	    _IOWR('Z', 5, struct zl_cmd)
#define ZL_FREE_MAPPED	    _IOWR('Z', 6, struct zl_cmd)
#define ZL_UNMAP_UNMAPPED   _IOWR('Z', 7, struct zl_cmd)
/*
 * References on the pgmap itself that no folio holds (a get_dev_pagemap()
 * without its put): GET takes npages of them, PUT drops every one taken;
 * done = how many (PUT: how many it dropped)
 */
#define ZL_PGMAP_GET _IOWR('Z', 8, struct zl_cmd)
#define ZL_PGMAP_PUT _IOWR('Z', 9, struct zl_cmd)
/*
 * pin_user_pages_fast() of the caller's [addr, +npages) (any memory: an
 * FS DAX mapping is the test's), kept until UNPIN or the unload, the way
 * an RDMA or io_uring registration holds them; done = pages pinned
 * (UNPIN: released)
 */
#define ZL_PIN	 _IOWR('Z', 10, struct zl_cmd)
#define ZL_UNPIN _IOWR('Z', 11, struct zl_cmd)
/*
 * pci_alloc_p2pmem() of 4 KiB, npages times, from the first PCI device
 * that publishes p2pmem (the emulated NVMe's CMB), kept until P2P_FREE
 * (the way an NVMe-oF target keeps its buffers): each holds a reference
 * on that device's pgmap; done = allocations (P2P_FREE: freed). ENODEV
 * without CONFIG_PCI_P2PDMA or such a device.
 */
#define ZL_P2P_ALLOC _IOWR('Z', 12, struct zl_cmd)
#define ZL_P2P_FREE  _IOWR('Z', 13, struct zl_cmd)
/*
 * migrate_vma_setup() of the caller's anonymous [addr, +npages) (at most
 * 64 pages) toward the device, then nothing: its pages stay locked behind
 * migration entries, the way a driver's error path that forgets
 * migrate_vma_finalize() leaves them; done = pages collected. FINALIZE
 * finalizes it (nothing migrated: the pages go back), done = the same; the
 * caller's address space must still be there.
 */
#define ZL_SETUP    _IOWR('Z', 14, struct zl_cmd)
#define ZL_FINALIZE _IOWR('Z', 15, struct zl_cmd)

/*
 * A migration whose outcomes the test chooses, reported as the driver saw
 * them. MIGRATE_X: the caller's anonymous [addr, +npages) toward the
 * device, with an extra reference held on its first `busy' pages
 * meanwhile (get_user_pages: busy, the kernel restores them at unmap) and
 * no destination given for `refuse' of the pages collected. EVICT: every
 * device page of the module migrated back to RAM by migrate_device_range()
 * (a driver's unbind), `refuse' of them without a RAM page.
 */
struct zl_migrate {
	__u64 addr;
	__u64 npages;
	__u64 busy;
	__u64 refuse;
	/* out */
	__u64 calls;	/* collections (migrate_vma_setup, migrate_device_range) */
	__u64 held;	/* extra references taken */
	__u64 collected; /* pages locked when collection returned */
	__u64 refused;	/* of them, given no destination */
	__u64 migrated; /* moved */
};

#define ZL_MIGRATE_X _IOWR('Z', 16, struct zl_migrate)
#define ZL_EVICT     _IOWR('Z', 17, struct zl_migrate)
/* ZL_PIN with FOLL_LONGTERM: device-coherent pages move to RAM first */
#define ZL_PIN_LONGTERM _IOWR('Z', 18, struct zl_cmd)
/*
 * ZL_MIGRATE_X of the device's own pages: the caller's [addr, +npages)
 * pages of this device (after a ZL_MIGRATE) move to fresh pages of it,
 * device to device, as a driver moving data between its memories does
 */
#define ZL_MIGRATE_D2D _IOWR('Z', 19, struct zl_migrate)

/*
 * CPU faults on device-private pages (migrate_to_ram), steered by the
 * module's writable parameters fault_sigbus=N (the next N return
 * VM_FAULT_SIGBUS at once) and fault_oom=N (the next N get no RAM page:
 * nothing migrates, VM_FAULT_OOM, the CPU retries); its read-only
 * parameters fault_calls, fault_sigbus_done, fault_oom_done and
 * fault_migrated count what it did.
 */

#endif
