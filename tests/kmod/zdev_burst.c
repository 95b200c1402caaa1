// SPDX-License-Identifier: GPL-2.0
/*
 * zdev_burst: a burst of device-private folio births and frees, for
 * zdevmon's burst test. Not for production kernels.
 *
 * At load it creates one MEMORY_DEVICE_PRIVATE pgmap of `pages` pages
 * (struct pages only, no memory behind them, as lib/test_hmm.c's
 * dmirror_allocate_chunk()) and allocates every page of it at once, as a
 * driver does (zone_device_page_init()). hold=0 frees them all again before
 * the load returns; hold=1 keeps them until the module is unloaded.
 *
 * The ground truth, read-only parameters: `born` (pages this module
 * initialised), `freed` (pages its free callback saw), `pfn` (the pgmap's
 * first pfn). At unload the module says in the kernel log how many it
 * freed in all, since its parameters are gone by then.
 *
 * The kernel's API is detected from its headers by tests/vm/build-kmod.sh:
 * ZL_INIT_PGMAP (zone_device_page_init() takes the pgmap, v7.x) and
 * ZL_FOLIO_FREE (dev_pagemap_ops.folio_free, v6.16+). Only a kernel with
 * CONFIG_DEVICE_PRIVATE loads it.
 */
#include <linux/ioport.h>
#include <linux/pagemap.h>
#include <linux/ktime.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>

static unsigned long pages = 1UL << 20; /* 4 GiB of device memory */
module_param(pages, ulong, 0444);
MODULE_PARM_DESC(pages, "pages of the pgmap, all allocated at load");

static bool hold;
module_param(hold, bool, 0444);
MODULE_PARM_DESC(hold, "keep the pages until unload (0: free them at load)");

static unsigned long born, freed, pfn;
module_param(born, ulong, 0444);
MODULE_PARM_DESC(born, "pages initialised (zone_device_page_init)");
module_param(freed, ulong, 0444);
MODULE_PARM_DESC(freed, "pages the free callback saw");
module_param(pfn, ulong, 0444);
MODULE_PARM_DESC(pfn, "the pgmap's first pfn");

static struct dev_pagemap zb_pgmap;
static struct resource *zb_res;

/*
 * Every put that frees one of our pages is this module's own, made by one
 * thread (the load or the unload), and the callback runs inside it: a
 * plain counter is exact.
 */
static void zb_page_free(struct page *page)
{
	freed++;
}

#ifdef ZL_FOLIO_FREE
static void zb_folio_free(struct folio *folio)
{
	zb_page_free(folio_page(folio, 0));
}
#endif

/* Never mapped anywhere: a CPU cannot fault on these pages. */
static vm_fault_t zb_migrate_to_ram(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct dev_pagemap_ops zb_ops = {
#ifdef ZL_FOLIO_FREE
	.folio_free = zb_folio_free,
#else
	.page_free = zb_page_free,
#endif
	.migrate_to_ram = zb_migrate_to_ram, /* required for device-private */
};

/* Put back every page born: each one's last reference, so each is freed. */
static noinline void zb_free_all(void)
{
	unsigned long i;

	for (i = 0; i < born; i++) {
		put_page(pfn_to_page(pfn + i));
		if (!(i % 1024))
			cond_resched(); /* a million puts: let others run */
	}
}

/*
 * The burst: every page born in one go, as a driver allocates. Out of
 * zb_init(), whose text is freed once the load returns: the births' call
 * site stays in kallsyms for zdevmon run to name.
 */
static noinline void zb_burst(void)
{
	unsigned long i;

	for (i = 0; i < pages; i++) {
		struct page *page = pfn_to_page(pfn + i);

#ifdef ZL_INIT_PGMAP
		zone_device_page_init(page, &zb_pgmap, 0);
#else
		zone_device_page_init(page);
#endif
		unlock_page(page); /* it comes locked, for migration */
		born++;
		if (!(i % 1024))
			cond_resched();
	}
}

static int __init zb_init(void)
{
	ktime_t t0;
	void *ret;

	/* memory hotplug works in subsections (2 MiB) */
	pages = ALIGN(pages, PAGES_PER_SUBSECTION);
	zb_res = request_free_mem_region(&iomem_resource, pages << PAGE_SHIFT,
					 "zdev_burst");
	if (IS_ERR(zb_res))
		return PTR_ERR(zb_res);
	zb_pgmap.type = MEMORY_DEVICE_PRIVATE;
	zb_pgmap.range.start = zb_res->start;
	zb_pgmap.range.end = zb_res->end;
	zb_pgmap.nr_range = 1;
	zb_pgmap.ops = &zb_ops;
	zb_pgmap.owner = &zb_pgmap;
	ret = memremap_pages(&zb_pgmap, numa_node_id());
	if (IS_ERR(ret)) {
		release_mem_region(zb_res->start, resource_size(zb_res));
		return PTR_ERR(ret);
	}
	pfn = zb_pgmap.range.start >> PAGE_SHIFT;

	t0 = ktime_get();
	zb_burst();
	if (!hold)
		zb_free_all();
	pr_info("zdev_burst: pfns [%#lx, %#lx): %lu born, %lu freed in %lld ms\n",
		pfn, pfn + pages, born, freed,
		ktime_ms_delta(ktime_get(), t0));
	return 0;
}

static void __exit zb_exit(void)
{
	if (hold)
		zb_free_all();
	/* the ground truth of a held burst, whose parameters go with us */
	pr_info("zdev_burst: unloading: %lu born, %lu freed\n", born, freed);
	memunmap_pages(&zb_pgmap);
	release_mem_region(zb_res->start, resource_size(zb_res));
}

module_init(zb_init);
module_exit(zb_exit);
MODULE_DESCRIPTION("zdevmon test module: a burst of device-private folios");
MODULE_LICENSE("GPL");
