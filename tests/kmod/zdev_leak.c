// SPDX-License-Identifier: GPL-2.0
/*
 * zdev_leak: a device-private pgmap that leaks on request, for zdevmon's
 * leak-detection tests. Not for production kernels.
 *
 * /dev/zdev_leak ioctls (struct zl_cmd):
 *   ZL_MIGRATE  migrate the caller's anonymous range [addr, +npages) into
 *               device pages (they map as device-private entries);
 *               done = pages migrated
 *   ZL_LEAK     take npages extra references on the device pages of the
 *               last ZL_MIGRATE, never dropped: those folios never free
 *   ZL_HOLD     allocate npages device pages the driver keeps, unmapped
 *   ZL_RELEASE  drop the pages ZL_HOLD keeps
 *   ZL_MIGRATE_X  ZL_MIGRATE with chosen outcomes (busy pages, refused
 *               destinations), reported as the driver saw them
 *   ZL_EVICT    every device page back to RAM (migrate_device_range())
 *   ZL_MIGRATE_D2D  ZL_MIGRATE_X of the caller's pages on this device to
 *               other pages of it (device to device)
 *   ZL_SETUP    migrate_vma_setup() of the caller's [addr, +npages), never
 *               finalized (ZL_FINALIZE does it)
 *   ZL_PGMAP_GET  take npages references on the pgmap itself, held by no
 *               folio (a get_dev_pagemap() without its put)
 *   ZL_PGMAP_PUT  drop them all
 *   ZL_PIN      pin_user_pages_fast() the caller's [addr, +npages) and
 *               keep the pins (an RDMA registration's way)
 *   ZL_UNPIN    unpin_user_pages() them (the unload does too)
 *   ZL_PIN_LONGTERM  the same with FOLL_LONGTERM: device-coherent pages
 *               move to RAM first
 *   ZL_P2P_ALLOC  pci_alloc_p2pmem() npages times 4 KiB, kept (CONFIG_
 *               PCI_P2PDMA: the first device publishing p2pmem)
 *   ZL_P2P_FREE   pci_free_p2pmem() them (the unload does too; while
 *               they are out, the device's unbind waits for them)
 *
 * Anomalies zdevmon must find, injected npages times each (done = how
 * many the kernel's own state confirmed):
 *   ZL_DOUBLE_FREE     a page the driver freed is freed again
 *   ZL_FREE_MAPPED     (device-coherent) a page of the caller's mmap() of
 *                      /dev/zdev_leak freed while its PTE still maps it
 *   ZL_UNMAP_UNMAPPED  (device-coherent) a page of that mmap() unmapped
 *                      although its mapcount says it is not mapped
 * mmap() of /dev/zdev_leak (device-coherent only) maps fresh device pages
 * with vm_insert_page(); the ioctls above act on the last such mapping.
 *
 * Device memory is fake: it holds no data (a page migrated back to RAM
 * comes back zeroed). Unloading the module runs memunmap_pages(), which
 * waits forever while a leaked reference is out: that is the point.
 *
 * coherent_base=PHYS makes it a MEMORY_DEVICE_COHERENT driver over 64 MiB
 * at PHYS (reserved, not RAM: memmap=64M$PHYS): CPU-addressable device
 * memory, which needs no CONFIG_DEVICE_PRIVATE (Debian 6.1/6.12). The
 * kernel's API is detected from its headers by tests/vm/build-kmod.sh:
 * ZL_INIT_PGMAP (zone_device_page_init() takes the pgmap, v7.x) and
 * ZL_FOLIO_FREE (dev_pagemap_ops.folio_free, v6.16+).
 */
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/miscdevice.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/pci-p2pdma.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/ktime.h>
#include "zdev_leak.h"

#define ZL_CHUNK_SIZE (64UL << 20)
#define ZL_BATCH      64

static unsigned long coherent_base;
module_param(coherent_base, ulong, 0444);

/*
 * drain_ms=N: at unload, the pages ZL_HOLD keeps are released N ms into
 * memunmap_pages()'s wait, as a driver's last puts often are: a clean
 * teardown that waited. Writable, so a test sets it just before rmmod.
 */
static unsigned int drain_ms;
module_param(drain_ms, uint, 0644);
MODULE_PARM_DESC(drain_ms, "release held pages this long into the unload");
MODULE_PARM_DESC(
	coherent_base,
	"physical address of 64 MiB of reserved memory: device-coherent");

static struct dev_pagemap zl_pgmap;
static struct resource *zl_res;
static DEFINE_SPINLOCK(zl_lock);
static struct page *zl_free_pages;	   /* linked through zone_device_data */
static DEFINE_MUTEX(zl_mutex);		   /* ioctls */
static struct page *zl_last[ZL_MAX_PAGES]; /* pages of the last ZL_MIGRATE */
static unsigned long zl_nr_last;
static struct page *zl_held[ZL_MAX_PAGES];
static unsigned long zl_nr_held;
/* pages of the last mmap(), which holds their only reference */
static DEFINE_MUTEX(zl_map_mutex);
static struct page *zl_mapped[ZL_MAX_PAGES];
static unsigned long zl_nr_mapped;
/*
 * A free the driver provokes on purpose: zl_page_free() leaves this page
 * off the free list (it is on it already, or still mapped) and says what
 * it saw in zl_refree_seen: 1 freed, 2 freed while mapped.
 */
static struct page *zl_refree;
static int zl_refree_seen;

/* A device page: zone_device_page_init() makes it a live folio. */
static noinline struct page *zl_alloc_page(void)
{
	struct page *page;

	spin_lock(&zl_lock);
	page = zl_free_pages;
	if (page)
		zl_free_pages = page->zone_device_data;
	spin_unlock(&zl_lock);
	if (page) {
#ifdef ZL_INIT_PGMAP
		zone_device_page_init(page, &zl_pgmap, 0);
#else
		zone_device_page_init(page);
#endif
	}
	return page;
}

static void zl_page_free(struct page *page)
{
	spin_lock(&zl_lock);
	if (page == zl_refree) {
		zl_refree = NULL;
		zl_refree_seen = folio_mapped(page_folio(page)) ? 2 : 1;
		spin_unlock(&zl_lock);
		return;
	}
	page->zone_device_data = zl_free_pages;
	zl_free_pages = page;
	spin_unlock(&zl_lock);
}

/* migrate_to_ram's outcomes on request, and their counts */
static unsigned int fault_sigbus, fault_oom;
module_param(fault_sigbus, uint, 0644);
MODULE_PARM_DESC(fault_sigbus, "the next N CPU faults get VM_FAULT_SIGBUS");
module_param(fault_oom, uint, 0644);
MODULE_PARM_DESC(fault_oom, "the next N CPU faults get no RAM page");
static unsigned long fault_calls, fault_sigbus_done, fault_oom_done,
	fault_migrated;
module_param(fault_calls, ulong, 0444);
module_param(fault_sigbus_done, ulong, 0444);
module_param(fault_oom_done, ulong, 0444);
module_param(fault_migrated, ulong, 0444);

/* The next of n requested outcomes, if any is left. */
static bool zl_take(unsigned int *n)
{
	unsigned int old = READ_ONCE(*n);

	while (old && cmpxchg(n, old, old - 1) != old)
		old = READ_ONCE(*n);
	return old;
}

/* A CPU touched a device page: back to a zeroed RAM page. */
static vm_fault_t zl_migrate_to_ram(struct vm_fault *vmf)
{
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address & PAGE_MASK,
		.end = (vmf->address & PAGE_MASK) + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = &zl_pgmap,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct page *rpage;
	bool refuse;

	fault_calls++;
	if (zl_take(&fault_sigbus)) {
		fault_sigbus_done++;
		return VM_FAULT_SIGBUS;
	}
	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	refuse = (src & MIGRATE_PFN_MIGRATE) && zl_take(&fault_oom);
	if ((src & MIGRATE_PFN_MIGRATE) && !refuse) {
		rpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE | __GFP_ZERO,
				       vmf->vma, vmf->address);
		if (rpage) {
			lock_page(rpage);
			dst = migrate_pfn(page_to_pfn(rpage));
		}
	}
	migrate_vma_pages(&args);
	if ((src & MIGRATE_PFN_MIGRATE) && (dst & MIGRATE_PFN_VALID))
		fault_migrated++;
	migrate_vma_finalize(&args);
	if (refuse) {
		fault_oom_done++;
		return VM_FAULT_OOM;
	}
	return 0;
}

#ifdef ZL_FOLIO_FREE
static void zl_folio_free(struct folio *folio)
{
	zl_page_free(folio_page(folio, 0));
}
#endif

static const struct dev_pagemap_ops zl_ops = {
#ifdef ZL_FOLIO_FREE
	.folio_free = zl_folio_free,
#else
	.page_free = zl_page_free,
#endif
	.migrate_to_ram = zl_migrate_to_ram,
};

/* ZL_MIGRATE_X's extra references (under zl_mutex) */
static struct page *zl_busy[ZL_BATCH];

/* select: where the sources are, MIGRATE_VMA_SELECT_* */
static long zl_migrate_x(struct zl_migrate *x, unsigned long select)
{
	unsigned long addr = x->addr, end, next, i, src[ZL_BATCH],
		      dst[ZL_BATCH];
	struct mm_struct *mm = current->mm;
	int held = 0;
	long ret = 0;

	if (x->npages > ZL_MAX_PAGES || x->busy > ZL_BATCH ||
	    x->busy > x->npages)
		return -E2BIG;
	x->calls = x->held = x->collected = x->refused = x->migrated = 0;
	if (x->busy) {
		held = get_user_pages_fast(addr, x->busy, FOLL_WRITE, zl_busy);
		if (held < 0)
			return held;
		x->held = held;
	}
	end = addr + x->npages * PAGE_SIZE;
	zl_nr_last = 0;
	mmap_read_lock(mm);
	for (; addr < end; addr = next) {
		struct vm_area_struct *vma = vma_lookup(mm, addr);
		struct migrate_vma args = {};

		if (!vma) {
			ret = -EINVAL;
			break;
		}
		next = min3(end, addr + ZL_BATCH * PAGE_SIZE, vma->vm_end);
		args.vma = vma;
		args.src = src;
		args.dst = dst;
		args.start = addr;
		args.end = next;
		args.pgmap_owner = &zl_pgmap;
		args.flags = select;
		ret = migrate_vma_setup(&args);
		if (ret)
			break;
		x->calls++;
		for (i = 0; i < args.npages; i++) {
			struct page *dpage;

			dst[i] = 0;
			if (!(src[i] & MIGRATE_PFN_MIGRATE))
				continue;
			x->collected++;
			if (x->refused < x->refuse) {
				x->refused++;
				continue;
			}
			dpage = zl_alloc_page();
			if (!dpage)
				continue;
			dst[i] = migrate_pfn(page_to_pfn(dpage)) |
				 (src[i] & MIGRATE_PFN_WRITE);
		}
		migrate_vma_pages(&args);
		for (i = 0; i < args.npages; i++) {
			if (!(dst[i] & MIGRATE_PFN_VALID))
				continue;
			if (src[i] & MIGRATE_PFN_MIGRATE) {
				zl_last[zl_nr_last++] =
					migrate_pfn_to_page(dst[i]);
				x->migrated++;
			}
		}
		migrate_vma_finalize(&args);
	}
	mmap_read_unlock(mm);
	while (held)
		put_page(zl_busy[--held]);
	return ret;
}

static long zl_migrate(struct zl_cmd *cmd)
{
	struct zl_migrate x = { .addr = cmd->addr, .npages = cmd->npages };
	long ret = zl_migrate_x(&x, MIGRATE_VMA_SELECT_SYSTEM);

	cmd->done = x.migrated;
	return ret;
}

/*
 * A driver's unbind: every device page back to RAM, the way test_hmm's
 * dmirror_device_evict_chunk() does it, refusing `refuse' RAM pages.
 */
static long zl_evict(struct zl_migrate *x)
{
	unsigned long npages = ZL_CHUNK_SIZE >> PAGE_SHIFT, i, *src, *dst;
	long ret;

	x->calls = x->held = x->collected = x->refused = x->migrated = 0;
	src = kvcalloc(npages, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(npages, sizeof(*dst), GFP_KERNEL);
	ret = -ENOMEM;
	if (!src || !dst)
		goto out;
	ret = migrate_device_range(src, zl_pgmap.range.start >> PAGE_SHIFT,
				   npages);
	if (ret)
		goto out;
	x->calls = 1;
	x->npages = npages;
	for (i = 0; i < npages; i++) {
		struct page *rpage;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		x->collected++;
		if (x->refused < x->refuse) {
			x->refused++;
			continue;
		}
		rpage = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_ZERO);
		if (!rpage)
			continue;
		lock_page(rpage);
		dst[i] = migrate_pfn(page_to_pfn(rpage));
	}
	migrate_device_pages(src, dst, npages);
	for (i = 0; i < npages; i++)
		if ((src[i] & MIGRATE_PFN_MIGRATE) &&
		    (dst[i] & MIGRATE_PFN_VALID))
			x->migrated++;
	migrate_device_finalize(src, dst, npages);
	/* the pages it kept are the driver's no more */
	zl_nr_last = 0;
out:
	kvfree(src);
	kvfree(dst);
	return ret;
}

/* ZL_SETUP's migration, open until ZL_FINALIZE (under zl_mutex) */
static struct migrate_vma zl_open;
static unsigned long zl_open_src[ZL_BATCH], zl_open_dst[ZL_BATCH];

/* The bug under test: a migration set up and never finalized. */
static noinline long zl_setup(struct zl_cmd *cmd)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long i, end = cmd->addr + cmd->npages * PAGE_SIZE;
	long ret = -EINVAL;

	if (zl_open.src)
		return -EBUSY;
	if (!cmd->npages || cmd->npages > ZL_BATCH)
		return -E2BIG;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, cmd->addr);
	if (vma && end <= vma->vm_end) {
		zl_open = (struct migrate_vma){
			.vma = vma,
			.src = zl_open_src,
			.dst = zl_open_dst,
			.start = cmd->addr,
			.end = end,
			.pgmap_owner = &zl_pgmap,
			.flags = MIGRATE_VMA_SELECT_SYSTEM,
		};
		ret = migrate_vma_setup(&zl_open);
	}
	mmap_read_unlock(mm);
	cmd->done = 0;
	if (ret || !zl_open.cpages) { /* nothing locked: nothing to finalize */
		zl_open.src = NULL;
		return ret;
	}
	for (i = 0; i < zl_open.npages; i++)
		cmd->done += !!(zl_open_src[i] & MIGRATE_PFN_MIGRATE);
	return 0;
}

/* What the buggy path forgot: nothing migrated, the pages go back. */
static void zl_finalize(struct zl_cmd *cmd)
{
	unsigned long i;

	cmd->done = 0;
	if (!zl_open.src)
		return;
	for (i = 0; i < zl_open.npages; i++) {
		cmd->done += !!(zl_open_src[i] & MIGRATE_PFN_MIGRATE);
		zl_open_dst[i] = 0;
	}
	migrate_vma_finalize(&zl_open);
	zl_open.src = NULL;
}

/* The bug under test: references taken and never put. */
static noinline long zl_leak(struct zl_cmd *cmd)
{
	unsigned long i;

	cmd->done = 0;
	for (i = 0; i < cmd->npages && i < zl_nr_last; i++) {
		get_page(zl_last[i]);
		cmd->done++;
	}
	return 0;
}

static noinline long zl_hold(struct zl_cmd *cmd)
{
	cmd->done = 0;
	while (cmd->done < cmd->npages && zl_nr_held < ZL_MAX_PAGES) {
		struct page *page = zl_alloc_page();

		if (!page)
			break;
		unlock_page(page);
		zl_held[zl_nr_held++] = page;
		cmd->done++;
	}
	return 0;
}

/*
 * The free the driver provokes: zl_page_free() must not list the page
 * (again). Returns what zl_page_free() saw (0: it did not run). The work
 * after put_page() keeps it from being a tail call: this function, not
 * its caller, is the call site on the kernel's stack.
 */
static __always_inline int zl_provoked_put(struct page *page)
{
	int seen;

	spin_lock(&zl_lock);
	zl_refree = page;
	zl_refree_seen = 0;
	spin_unlock(&zl_lock);
	put_page(page);
	spin_lock(&zl_lock);
	seen = zl_refree_seen;
	zl_refree = NULL;
	spin_unlock(&zl_lock);
	return seen;
}

/*
 * The bug under test: a reference revived on a page already back on the
 * driver's free list, without zone_device_page_init(), and put again:
 * free_zone_device_folio() runs a second time for a folio never born
 * again. The pgmap reference that free puts is taken first (a real
 * driver would underflow it), and zl_page_free() keeps the page on the
 * free list once: the kernel stays sound.
 */
static noinline int zl_double_free_page(struct page *page)
{
	percpu_ref_get(&zl_pgmap.ref);
	set_page_count(page, 1);
	return zl_provoked_put(page);
}

static noinline long zl_double_free(struct zl_cmd *cmd)
{
	cmd->done = 0;
	while (cmd->done < cmd->npages) {
		struct page *page = zl_alloc_page();

		if (!page)
			break;
		unlock_page(page);
		put_page(page); /* freed: back on the free list */
		if (zl_double_free_page(page) == 1)
			cmd->done++;
	}
	return 0;
}

/*
 * The bug under test: the driver puts a reference it does not hold on a
 * page its user's PTE maps (vm_insert_page() in zl_mmap()), the mapping's
 * own: free_zone_device_folio() runs with the mapcount still 1. The page
 * is then given its reference back (and the pgmap reference that free
 * put), so the PTE owns a live page again and munmap() later unmaps and
 * frees it as usual; zl_page_free() leaves it off the free list meanwhile,
 * so nobody allocates a mapped page. Only device-coherent pages have CPU
 * PTEs (device-private ones are mapped as swap entries, which never hold
 * an rmap), hence the coherent pgmap.
 */
static noinline int zl_free_mapped_page(struct page *page)
{
	int seen = zl_provoked_put(page);

	percpu_ref_get(&zl_pgmap.ref);
	set_page_count(page, 1);
	return seen;
}

static noinline long zl_free_mapped(struct zl_cmd *cmd)
{
	unsigned long i;

	cmd->done = 0;
	mutex_lock(&zl_map_mutex);
	for (i = 0; i < cmd->npages && i < zl_nr_mapped; i++)
		if (zl_free_mapped_page(zl_mapped[i]) == 2)
			cmd->done++;
	mutex_unlock(&zl_map_mutex);
	return 0;
}

/*
 * The bug under test: the driver drops by hand a mapping it does not own
 * (the kernel's rmap removal, folio_remove_rmap_pte(s) or
 * page_remove_rmap(), is not exported: the driver decrements _mapcount
 * itself, as a hand-rolled removal would), then unmaps its user's PTEs:
 * the kernel's folio_remove_rmap_ptes() finds a folio already unmapped and
 * takes its mapcount negative. The driver holds a reference meanwhile and
 * restores the mapcount before its last put, so the page is freed with a
 * sound mapcount and nothing is left to go wrong later. Returns how many
 * the kernel took below "unmapped" (its _mapcount at -2).
 */
static noinline long zl_unmap_unmapped(struct file *file, struct zl_cmd *cmd)
{
	unsigned long i, n;

	cmd->done = 0;
	mutex_lock(&zl_map_mutex);
	n = min_t(unsigned long, cmd->npages, zl_nr_mapped);
	for (i = 0; i < n; i++) {
		get_page(zl_mapped[i]);
		atomic_dec(&zl_mapped[i]->_mapcount);
	}
	/* every PTE of every mapping of /dev/zdev_leak */
	unmap_mapping_range(file->f_mapping, 0, 0, 1);
	for (i = 0; i < n; i++) {
		struct page *page = zl_mapped[i];

		if (atomic_read(&page->_mapcount) == -2)
			cmd->done++;
		atomic_inc(&page->_mapcount);
		put_page(page);
	}
	zl_nr_mapped = 0;
	mutex_unlock(&zl_map_mutex);
	return 0;
}

/*
 * Device-coherent pages are CPU memory: map fresh ones into the caller
 * with vm_insert_page() (a normal, refcounted, rmap'd PTE each), the
 * mapping holding their only reference. munmap() unmaps and frees them.
 */
static int zl_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long addr;
	int err = 0;

	if (!coherent_base)
		return -ENODEV;
	if (vma_pages(vma) > ZL_MAX_PAGES)
		return -E2BIG;
	mutex_lock(&zl_map_mutex);
	zl_nr_mapped = 0;
	for (addr = vma->vm_start; addr < vma->vm_end; addr += PAGE_SIZE) {
		struct page *page = zl_alloc_page();

		if (!page) {
			err = -ENOMEM;
			break;
		}
		unlock_page(page);
		err = vm_insert_page(vma, addr, page);
		put_page(page); /* the PTE's reference is the only one */
		if (err)
			break;
		zl_mapped[zl_nr_mapped++] = page;
	}
	mutex_unlock(&zl_map_mutex);
	return err;
}

/* ZL_PGMAP_GET's references, until ZL_PGMAP_PUT (under zl_mutex) */
static unsigned long zl_pgmap_refs;

/* ZL_PIN's pages, until ZL_UNPIN or the unload (under zl_mutex) */
static struct page *zl_pinned[ZL_MAX_PAGES];
static unsigned long zl_nr_pinned;

static long zl_pin(struct zl_cmd *cmd, unsigned int flags)
{
	int got;

	if (!cmd->npages || cmd->npages > ZL_MAX_PAGES - zl_nr_pinned)
		return -EINVAL;
	got = pin_user_pages_fast(cmd->addr, cmd->npages, FOLL_WRITE | flags,
				  zl_pinned + zl_nr_pinned);
	if (got < 0)
		return got;
	zl_nr_pinned += got;
	cmd->done = got;
	return 0;
}

static void zl_unpin(void)
{
	unpin_user_pages(zl_pinned, zl_nr_pinned);
	zl_nr_pinned = 0;
}

#if IS_ENABLED(CONFIG_PCI_P2PDMA)
/* ZL_P2P_ALLOC's allocations, until ZL_P2P_FREE (under zl_mutex) */
static struct pci_dev *zl_p2p_dev;
static void *zl_p2p[ZL_MAX_PAGES];
static unsigned long zl_nr_p2p;

static long zl_p2p_alloc(struct zl_cmd *cmd)
{
	struct pci_dev *pdev = NULL;

	if (!cmd->npages || cmd->npages > ZL_MAX_PAGES - zl_nr_p2p)
		return -EINVAL;
	cmd->done = 0;
	/* pci_has_p2pmem() is not exported: the first that allocates */
	while (!zl_p2p_dev &&
	       (pdev = pci_get_device(PCI_ANY_ID, PCI_ANY_ID, pdev))) {
		void *p = pci_alloc_p2pmem(pdev, PAGE_SIZE);

		if (!p)
			continue;
		zl_p2p_dev = pdev; /* the walk's reference, kept */
		zl_p2p[zl_nr_p2p++] = p;
		cmd->done++;
	}
	if (!zl_p2p_dev)
		return -ENODEV;
	for (; cmd->done < cmd->npages; cmd->done++) {
		void *p = pci_alloc_p2pmem(zl_p2p_dev, PAGE_SIZE);

		if (!p)
			break;
		zl_p2p[zl_nr_p2p++] = p;
	}
	return cmd->done ? 0 : -ENOMEM;
}

static unsigned long zl_p2p_free(void)
{
	unsigned long n = zl_nr_p2p;

	while (zl_nr_p2p)
		pci_free_p2pmem(zl_p2p_dev, zl_p2p[--zl_nr_p2p], PAGE_SIZE);
	return n;
}

static void zl_p2p_exit(void)
{
	zl_p2p_free();
	pci_dev_put(zl_p2p_dev);
}
#else
static long zl_p2p_alloc(struct zl_cmd *cmd)
{
	return -ENODEV;
}

static unsigned long zl_p2p_free(void)
{
	return 0;
}

static void zl_p2p_exit(void)
{
}
#endif

static void zl_release_held(void)
{
	while (zl_nr_held)
		put_page(zl_held[--zl_nr_held]);
}

static long zl_ioctl_migrate(unsigned int req, void __user *uarg)
{
	struct zl_migrate x;
	long ret;

	if (copy_from_user(&x, uarg, sizeof(x)))
		return -EFAULT;
	mutex_lock(&zl_mutex);
	if (req == ZL_EVICT)
		ret = zl_evict(&x);
	else if (req == ZL_MIGRATE_D2D)
		/* the sources: this device's pages, of its own kind */
		ret = zl_migrate_x(&x, coherent_base ?
					       MIGRATE_VMA_SELECT_DEVICE_COHERENT :
					       MIGRATE_VMA_SELECT_DEVICE_PRIVATE);
	else
		ret = zl_migrate_x(&x, MIGRATE_VMA_SELECT_SYSTEM);
	mutex_unlock(&zl_mutex);
	if (!ret && copy_to_user(uarg, &x, sizeof(x)))
		ret = -EFAULT;
	return ret;
}

static long zl_ioctl(struct file *file, unsigned int req, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct zl_cmd cmd;
	long ret;

	if (req == ZL_MIGRATE_X || req == ZL_EVICT || req == ZL_MIGRATE_D2D)
		return zl_ioctl_migrate(req, uarg);
	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	mutex_lock(&zl_mutex);
	switch (req) {
	case ZL_MIGRATE:
		ret = zl_migrate(&cmd);
		break;
	case ZL_LEAK:
		ret = zl_leak(&cmd);
		break;
	case ZL_SETUP:
		ret = zl_setup(&cmd);
		break;
	case ZL_FINALIZE:
		zl_finalize(&cmd);
		ret = 0;
		break;
	case ZL_HOLD:
		ret = zl_hold(&cmd);
		break;
	case ZL_RELEASE:
		cmd.done = zl_nr_held;
		zl_release_held();
		ret = 0;
		break;
	case ZL_DOUBLE_FREE:
		ret = zl_double_free(&cmd);
		break;
	case ZL_PGMAP_GET:
		ret = -EINVAL;
		if (!cmd.npages || cmd.npages > ZL_MAX_PAGES)
			break;
		percpu_ref_get_many(&zl_pgmap.ref, cmd.npages);
		zl_pgmap_refs += cmd.npages;
		cmd.done = cmd.npages;
		ret = 0;
		break;
	case ZL_PGMAP_PUT:
		cmd.done = zl_pgmap_refs;
		if (zl_pgmap_refs)
			percpu_ref_put_many(&zl_pgmap.ref, zl_pgmap_refs);
		zl_pgmap_refs = 0;
		ret = 0;
		break;
	case ZL_PIN:
		ret = zl_pin(&cmd, 0);
		break;
	case ZL_PIN_LONGTERM:
		ret = zl_pin(&cmd, FOLL_LONGTERM);
		break;
	case ZL_UNPIN:
		cmd.done = zl_nr_pinned;
		zl_unpin();
		ret = 0;
		break;
	case ZL_P2P_ALLOC:
		ret = zl_p2p_alloc(&cmd);
		break;
	case ZL_P2P_FREE:
		cmd.done = zl_p2p_free();
		ret = 0;
		break;
	case ZL_FREE_MAPPED:
		ret = coherent_base ? zl_free_mapped(&cmd) : -ENODEV;
		break;
	case ZL_UNMAP_UNMAPPED:
		ret = coherent_base ? zl_unmap_unmapped(file, &cmd) : -ENODEV;
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&zl_mutex);
	if (!ret && copy_to_user(uarg, &cmd, sizeof(cmd)))
		ret = -EFAULT;
	return ret;
}

static const struct file_operations zl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = zl_ioctl,
	.mmap = zl_mmap,
};

static struct miscdevice zl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "zdev_leak",
	.fops = &zl_fops,
};

static int __init zl_init(void)
{
	unsigned long pfn, first, last;
	void *ret;
	int err;

	if (coherent_base) {
		/* reserved by memmap=: e820 holds it busy, nothing to request
		 */
		zl_pgmap.type = MEMORY_DEVICE_COHERENT;
		zl_pgmap.range.start = coherent_base;
		zl_pgmap.range.end = coherent_base + ZL_CHUNK_SIZE - 1;
	} else {
		zl_res = request_free_mem_region(&iomem_resource, ZL_CHUNK_SIZE,
						 "zdev_leak");
		if (IS_ERR(zl_res))
			return PTR_ERR(zl_res);
		zl_pgmap.type = MEMORY_DEVICE_PRIVATE;
		zl_pgmap.range.start = zl_res->start;
		zl_pgmap.range.end = zl_res->end;
	}
	zl_pgmap.nr_range = 1;
	zl_pgmap.ops = &zl_ops;
	zl_pgmap.owner = &zl_pgmap;
	ret = memremap_pages(&zl_pgmap, numa_node_id());
	if (IS_ERR(ret)) {
		err = PTR_ERR(ret);
		goto err_region;
	}
	first = zl_pgmap.range.start >> PAGE_SHIFT;
	last = first + (ZL_CHUNK_SIZE >> PAGE_SHIFT);
	for (pfn = last; pfn-- > first;) {
		struct page *page = pfn_to_page(pfn);

		page->zone_device_data = zl_free_pages;
		zl_free_pages = page;
	}
	err = misc_register(&zl_misc);
	if (err)
		goto err_unmap;
	pr_info("zdev_leak: device-%s pfns [%#lx, %#lx)\n",
		coherent_base ? "coherent" : "private", first, last);
	return 0;

err_unmap:
	memunmap_pages(&zl_pgmap);
err_region:
	if (zl_res)
		release_mem_region(zl_res->start, ZL_CHUNK_SIZE);
	return err;
}

static void zl_drain(struct work_struct *work)
{
	zl_release_held();
}
static DECLARE_DELAYED_WORK(zl_drain_work, zl_drain);

static void __exit zl_exit(void)
{
	unsigned long held = zl_nr_held;
	struct zl_cmd cmd;
	ktime_t t0;

	misc_deregister(&zl_misc);
	zl_finalize(&cmd);
	zl_unpin();
	zl_p2p_exit();
	if (drain_ms && held)
		schedule_delayed_work(&zl_drain_work,
				      msecs_to_jiffies(drain_ms));
	else
		zl_release_held();
	/* waits for every folio of the pgmap: forever after a ZL_LEAK */
	t0 = ktime_get();
	memunmap_pages(&zl_pgmap);
	cancel_delayed_work_sync(&zl_drain_work);
	/* the ground truth of the drain test */
	pr_info("zdev_leak: memunmap_pages() waited %lld ms for %lu held pages\n",
		ktime_ms_delta(ktime_get(), t0), drain_ms ? held : 0);
	if (zl_res)
		release_mem_region(zl_res->start, ZL_CHUNK_SIZE);
}

module_init(zl_init);
module_exit(zl_exit);
MODULE_DESCRIPTION("zdevmon test module: a leaking device-private driver");
MODULE_LICENSE("GPL");
