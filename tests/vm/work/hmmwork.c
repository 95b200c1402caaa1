// SPDX-License-Identifier: GPL-2.0
/*
 * Device-private workload on test_hmm's /dev/hmm_dmirror0: migrate base
 * pages and a THP to the device and back, by ioctl and by CPU fault. The
 * ground truth comes from the driver's SNAPSHOT of the mirror's page
 * table: pages that really sit in device memory before and after each step.
 * Last, pages on the device are evicted by the driver's RELEASE.
 *   hmmwork DEVICE NPAGES
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "truth.h"
#include "test_hmm_uapi.h"

#define PMD_SZ	  (2UL << 20)
#define PMD_PAGES (PMD_SZ / PAGE_SZ)

static int dev;

static unsigned long cmd(unsigned long req, void *addr, unsigned long npages,
			 void *ptr)
{
	struct hmm_dmirror_cmd c = {
		.addr = (uintptr_t)addr,
		.ptr = (uintptr_t)ptr,
		.npages = npages,
	};

	if (ioctl(dev, req, &c))
		die("dmirror ioctl");
	return c.cpages;
}

/* Pages of [addr, +npages) in this device's memory; PMD-mapped ones too. */
static unsigned long on_device(void *addr, unsigned long npages,
			       unsigned long *pmd)
{
	unsigned char *prot = calloc(npages, 1);
	unsigned long i, n = 0;

	cmd(HMM_DMIRROR_SNAPSHOT, addr, npages, prot);
	if (getenv("HMMWORK_DEBUG"))
		fprintf(stderr, "snapshot: prot[0]=%#x prot[last]=%#x\n",
			prot[0], prot[npages - 1]);
	*pmd = 0;
	for (i = 0; i < npages; i++) {
		if ((prot[i] & 0xf0) == HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL) {
			n++;
			if (prot[i] & HMM_DMIRROR_PROT_PMD)
				(*pmd)++;
		}
	}
	free(prot);
	return n;
}

static char *map_anon(unsigned long size, int advice)
{
	char *r = mmap(NULL, size + PMD_SZ, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m;

	if (r == MAP_FAILED)
		die("mmap");
	m = (char *)(((uintptr_t)r + PMD_SZ - 1) & ~(PMD_SZ - 1));
	if (madvise(m, size, advice))
		die("madvise");
	return m;
}

/* Base pages of known content: each page's first byte its index. */
static char *map_pages(unsigned long n)
{
	char *a = map_anon(n * PAGE_SZ, MADV_NOHUGEPAGE);
	unsigned long i;

	for (i = 0; i < n; i++)
		a[i * PAGE_SZ] = (char)i;
	return a;
}

/* The content map_pages() wrote, back in RAM whatever moved it. */
static void check_pages(const char *a, unsigned long n, const char *what)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (a[i * PAGE_SZ] != (char)i) {
			fprintf(stderr, "hmmwork: %s data lost at page %lu\n",
				what, i);
			exit(1);
		}
}

int main(int argc, char **argv)
{
	unsigned long n, i, pmd, d0, d1, d2, to_dev = 0, to_ram = 0;
	unsigned long inits = 0;
	volatile char sink;
	char *a, *t, *mirror;

	if (argc < 3) {
		fprintf(stderr, "usage: hmmwork DEVICE NPAGES\n");
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	dev = open(argv[1], O_RDWR);
	if (dev < 0)
		die("open dmirror");
	/* the driver copies the migrated data out: never into the source */
	mirror = malloc(n > PMD_PAGES ? n * PAGE_SZ : PMD_SZ);
	if (!mirror)
		die("malloc");

	/* Base pages: to the device, half back by ioctl, half by CPU touch. */
	a = map_pages(n);
	cmd(HMM_DMIRROR_MIGRATE_TO_DEV, a, n, mirror);
	d0 = on_device(a, n, &pmd);
	to_dev += d0;
	inits += d0;
	hold();
	cmd(HMM_DMIRROR_MIGRATE_TO_SYS, a, n / 2, NULL);
	d1 = on_device(a, n, &pmd);
	for (i = n / 2; i < n; i++)
		sink = a[i * PAGE_SZ];
	d2 = on_device(a, n, &pmd);
	to_ram += d0 - d2;
	truth("base_on_device", d0);
	truth("base_back_by_ioctl", d0 - d1);
	truth("base_back_by_fault", d1 - d2);
	check_pages(a, n, "migrated");
	munmap(a, n * PAGE_SZ);

	/* One THP: to the device whole, back by ioctl. */
	t = map_anon(PMD_SZ, MADV_HUGEPAGE);
	for (i = 0; i < PMD_PAGES; i++)
		t[i * PAGE_SZ] = (char)i;
	cmd(HMM_DMIRROR_MIGRATE_TO_DEV, t, PMD_PAGES, mirror);
	d0 = on_device(t, PMD_PAGES, &pmd);
	to_dev += d0;
	/* a PMD-mapped device folio is one init; otherwise one per page */
	inits += pmd == PMD_PAGES ? 1 : d0;
	truth("thp_on_device", d0);
	truth("thp_pmd_on_device", pmd == PMD_PAGES);
	cmd(HMM_DMIRROR_MIGRATE_TO_SYS, t, PMD_PAGES, NULL);
	d1 = on_device(t, PMD_PAGES, &pmd);
	to_ram += d0 - d1;
	sink = t[0];
	munmap(t, PMD_SZ);
	(void)sink;

	/*
	 * Eviction: base pages on the device when the driver gives its
	 * memory back (RELEASE: migrate_device_range, as at unbind).
	 */
	a = map_pages(n);
	cmd(HMM_DMIRROR_MIGRATE_TO_DEV, a, n, mirror);
	d0 = on_device(a, n, &pmd);
	to_dev += d0;
	inits += d0;
	cmd(HMM_DMIRROR_RELEASE, a, 1, NULL); /* the range is not used */
	d1 = on_device(a, n, &pmd);
	to_ram += d0 - d1;
	truth("evicted_pages", d0 - d1);
	check_pages(a, n, "evicted");
	munmap(a, n * PAGE_SZ);

	truth("to_device_pages", to_dev);
	truth("to_ram_pages", to_ram);
	truth("device_folios_born", inits);
	truth("done", 1);
	return 0;
}
