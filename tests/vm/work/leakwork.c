// SPDX-License-Identifier: GPL-2.0
/*
 * Drives the zdev_leak test module; prints what the module reports done
 * as ground truth.
 *   leakwork migrate NPAGES [LEAK]  migrate NPAGES of our memory to the
 *                                   device, leak LEAK references, unmap
 *   leakwork hold NPAGES [SECONDS]  the driver keeps NPAGES unmapped
 *                                   device pages; sleep SECONDS
 *   leakwork release                the driver drops what it keeps
 *   leakwork pgget NPAGES           the driver takes NPAGES references
 *                                   on its pgmap that no folio holds
 *   leakwork pgput                  it drops them
 *   leakwork pin FILE NPAGES TOUCHED  map FILE shared (an FS DAX file of
 *                                   NPAGES pages or more), write its
 *                                   first TOUCHED pages, have the driver
 *                                   pin NPAGES (the rest fault in
 *                                   GUP's slow path), unmap, exit: the
 *                                   pins stay with the driver
 *   leakwork unpin                  the driver releases its pins
 *   leakwork p2palloc NPAGES        the driver allocates NPAGES 4 KiB of
 *                                   p2pmem in the kernel and keeps them
 *   leakwork p2pfree                it frees them
 *   leakwork map FILE NPAGES        map FILE shared, write NPAGES pages,
 *                                   keep the mapping until killed (on
 *                                   v6.1/6.12 a DAX layout break waits
 *                                   for pinned pages only while some
 *                                   process maps the file)
 *   leakwork fork NPAGES            migrate NPAGES, fork: hold while
 *                                   parent and child map them, hold
 *                                   again once the child exited, unmap
 * Migration outcomes (truth: as the module saw them, and the kernel's
 * pagemap):
 *   leakwork outcomes NPAGES BUSY REFUSE PINNED  pin PINNED pages (not
 *                                   collected), hold an extra reference
 *                                   on BUSY (restored), migrate NPAGES to
 *                                   the device with REFUSE given no
 *                                   destination
 *   leakwork faults NPAGES SIGBUS OOM  migrate NPAGES to the device
 *                                   (device-private), then touch each:
 *                                   SIGBUS faults end in SIGBUS, OOM get
 *                                   no RAM page (and are retried); hold;
 *                                   migrate them and NPAGES fresh pages
 *                                   after them together (the pages
 *                                   straddle a 2 MiB boundary)
 *   leakwork d2d NPAGES             migrate NPAGES to the device, then
 *                                   to other pages of it (device to
 *                                   device)
 *   leakwork evict NPAGES REFUSE    migrate NPAGES, then the driver
 *                                   evicts all, REFUSE without a page
 *   leakwork longterm NPAGES        migrate NPAGES (device-coherent),
 *                                   then pin them long-term: they move
 *                                   back to RAM first
 * Anomalies injected on purpose, NPAGES each (truth: how many the
 * module saw the kernel do):
 *   leakwork doublefree NPAGES      pages freed, then freed again
 *   leakwork freemapped NPAGES      (coherent_base=) pages of our mmap()
 *                                   of /dev/zdev_leak freed while mapped
 *   leakwork unmapunmapped NPAGES   (coherent_base=) pages of our mmap()
 *                                   unmapped while their mapcount says
 *                                   unmapped
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <setjmp.h>
#include "truth.h"
#include "zdev_leak.h"

static unsigned long zl(int fd, unsigned long req, void *addr,
			unsigned long npages)
{
	struct zl_cmd c = { .addr = (uintptr_t)addr, .npages = npages };

	if (ioctl(fd, req, &c))
		die("zdev_leak ioctl");
	return c.done;
}

/* The first n pages of a file mapped shared, the first touched of them. */
static char *map_file(const char *path, unsigned long n, unsigned long touched)
{
	int file = open(path, O_RDWR);
	char *map = file < 0 ? MAP_FAILED
			     : mmap(NULL, n * PAGE_SZ, PROT_READ | PROT_WRITE,
				    MAP_SHARED, file, 0);
	unsigned long i;

	if (map == MAP_FAILED)
		die(path);
	close(file); /* the mapping keeps the file */
	for (i = 0; i < touched && i < n; i++)
		map[i * PAGE_SZ] = 1;
	return map;
}

/* n anonymous 4 KiB pages (no THP), each written to. */
static char *anon_pages(unsigned long n)
{
	char *buf = mmap(NULL, n * PAGE_SZ, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i;

	if (buf == MAP_FAILED || madvise(buf, n * PAGE_SZ, MADV_NOHUGEPAGE))
		die("mmap");
	for (i = 0; i < n; i++)
		buf[i * PAGE_SZ] = 1;
	return buf;
}

#define PMD_PAGES 512UL /* 4 KiB pages in a 2 MiB region */

/*
 * n anonymous 4 KiB pages (no THP), each written to, the first `before'
 * ending a 2 MiB region and the rest beginning the next.
 */
static char *straddling_pages(unsigned long n, unsigned long before)
{
	unsigned long size = PMD_PAGES * PAGE_SZ;
	char *map = mmap(NULL, 3 * size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
	     *buf;
	unsigned long i;

	if (map == MAP_FAILED || before > PMD_PAGES || n - before > PMD_PAGES)
		die("mmap");
	buf = (char *)(((uintptr_t)map + size - 1) & ~(size - 1)) + size -
	      before * PAGE_SZ;
	if (madvise(buf, n * PAGE_SZ, MADV_NOHUGEPAGE))
		die("madvise");
	for (i = 0; i < n; i++)
		buf[i * PAGE_SZ] = 1;
	return buf;
}

static struct zl_migrate zl_x(int fd, unsigned long req, struct zl_migrate x)
{
	if (ioctl(fd, req, &x))
		die("zdev_leak ioctl");
	truth("calls", x.calls);
	truth("held", x.held);
	truth("collected", x.collected);
	truth("refused", x.refused);
	truth("migrated", x.migrated);
	return x;
}

/* A module parameter of zdev_leak: read, or written when val >= 0. */
static unsigned long zl_param(const char *name, long val)
{
	char path[128], buf[32] = "";
	unsigned long ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/zdev_leak/parameters/%s",
		 name);
	f = fopen(path, val >= 0 ? "w" : "r");
	if (!f)
		die(path);
	if (val >= 0)
		fprintf(f, "%ld\n", val);
	else if (fgets(buf, sizeof(buf), f))
		ret = strtoul(buf, NULL, 0);
	if (fclose(f))
		die(path);
	return ret;
}

static sigjmp_buf on_sigbus;
static volatile unsigned long sigbus_addr;

static void sigbus(int sig, siginfo_t *si, void *uc)
{
	sigbus_addr = (uintptr_t)si->si_addr;
	siglongjmp(on_sigbus, 1);
}

/* Touch each page (a CPU fault on a device-private one): SIGBUSes seen. */
static unsigned long touch_pages(char *buf, unsigned long n)
{
	struct sigaction sa = { .sa_sigaction = sigbus,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	volatile unsigned long i, got = 0;

	sigaction(SIGBUS, &sa, NULL);
	for (i = 0; i < n; i++) {
		if (sigsetjmp(on_sigbus, 1)) {
			if (!got)
				truth("first_sigbus_addr", sigbus_addr);
			got++;
			continue;
		}
		((volatile char *)buf)[i * PAGE_SZ] = 2;
	}
	signal(SIGBUS, SIG_DFL);
	return got;
}

/* Pages of [buf, +n) whose pfn is in [lo, lo + nr): on the device. */
static unsigned long on_device(const char *buf, unsigned long n,
			       unsigned long lo, unsigned long nr)
{
	unsigned long i, got = 0;

	for (i = 0; i < n; i++) {
		uint64_t pfn = vaddr_pfn(buf + i * PAGE_SZ);

		got += pfn >= lo && pfn < lo + nr;
	}
	return got;
}

/* NPAGES device pages mapped by the module, written to, reported. */
static char *map_device(int fd, unsigned long n)
{
	char *map = mmap(NULL, n * PAGE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
	struct walk w;
	unsigned long i;

	if (map == MAP_FAILED)
		die("mmap /dev/zdev_leak");
	for (i = 0; i < n; i++)
		map[i * PAGE_SZ] = (char)i;
	w = walk_mapping(map, n);
	truth("pages_mapped", w.present);
	return map;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	unsigned long extra = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	unsigned long i;
	char *buf;
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: leakwork migrate|hold|release ...\n");
		return 2;
	}
	fd = open("/dev/zdev_leak", O_RDWR);
	if (fd < 0)
		die("open /dev/zdev_leak");
	if (!strcmp(argv[1], "migrate")) {
		buf = anon_pages(n);
		truth("migrated", zl(fd, ZL_MIGRATE, buf, n));
		truth("leaked", zl(fd, ZL_LEAK, NULL, extra));
		hold();
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "fork")) {
		int go[2];
		pid_t child;

		buf = anon_pages(n);
		if (pipe(go))
			die("pipe");
		truth("migrated", zl(fd, ZL_MIGRATE, buf, n));
		/* fork copies the PTEs: no rmap hook sees the new mappings */
		child = fork();
		if (child < 0)
			die("fork");
		if (!child) {
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(1);
			_exit(0); /* its exit unmaps its copies */
		}
		close(go[0]);
		truth("mapped_forked", walk_mapping(buf, n).present);
		hold();
		close(go[1]);
		waitpid(child, NULL, 0);
		truth("mapped_child_gone", walk_mapping(buf, n).present);
		hold();
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "hold")) {
		truth("held", zl(fd, ZL_HOLD, NULL, n));
		sleep(extra);
	} else if (!strcmp(argv[1], "doublefree")) {
		truth("double_freed", zl(fd, ZL_DOUBLE_FREE, NULL, n));
	} else if (!strcmp(argv[1], "freemapped")) {
		buf = map_device(fd, n);
		truth("freed_mapped", zl(fd, ZL_FREE_MAPPED, NULL, n));
		/* the PTEs still map live pages: read them, then unmap */
		for (i = 0; i < n; i++)
			if (buf[i * PAGE_SZ] != (char)i)
				die("device page lost its data");
		truth("still_mapped", walk_mapping(buf, n).present);
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "unmapunmapped")) {
		buf = map_device(fd, n);
		truth("unmapped_unmapped", zl(fd, ZL_UNMAP_UNMAPPED, NULL, n));
		/* the module unmapped them: nothing left in the range */
		truth("still_mapped", walk_mapping(buf, n).present);
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "release")) {
		truth("released", zl(fd, ZL_RELEASE, NULL, 0));
	} else if (!strcmp(argv[1], "pgget")) {
		truth("pgmap_refs", zl(fd, ZL_PGMAP_GET, NULL, n));
	} else if (!strcmp(argv[1], "pgput")) {
		truth("pgmap_refs_put", zl(fd, ZL_PGMAP_PUT, NULL, 0));
	} else if (!strcmp(argv[1], "pin") && argc > 4) {
		n = strtoul(argv[3], NULL, 0);
		extra = strtoul(argv[4], NULL, 0);
		buf = map_file(argv[2], n, extra);
		truth("pid", getpid());
		truth("pinned", zl(fd, ZL_PIN, buf, n));
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "p2palloc")) {
		truth("pid", getpid());
		truth("p2p_allocated", zl(fd, ZL_P2P_ALLOC, NULL, n));
	} else if (!strcmp(argv[1], "p2pfree")) {
		truth("p2p_freed", zl(fd, ZL_P2P_FREE, NULL, 0));
	} else if (!strcmp(argv[1], "map") && argc > 3) {
		n = strtoul(argv[3], NULL, 0);
		buf = map_file(argv[2], n, n);
		truth("mapped", walk_mapping(buf, n).present);
		for (;;)
			pause();
	} else if (!strcmp(argv[1], "setup")) {
		/* pages locked behind migration entries; until killed */
		buf = anon_pages(n);
		truth("pid", getpid());
		truth("locked", zl(fd, ZL_SETUP, buf, n));
		for (;;)
			pause();
	} else if (!strcmp(argv[1], "finalize")) {
		truth("finalized", zl(fd, ZL_FINALIZE, NULL, 0));
	} else if (!strcmp(argv[1], "outcomes") && argc > 5) {
		unsigned long pinned = strtoul(argv[5], NULL, 0);

		buf = anon_pages(n);
		truth("pid", getpid());
		truth("range_pages", n);
		/* the last pages pinned, the first busy: apart */
		truth("pinned",
		      pinned ? zl(fd, ZL_PIN, buf + (n - pinned) * PAGE_SZ,
				  pinned)
			     : 0);
		zl_x(fd, ZL_MIGRATE_X,
		     (struct zl_migrate){ .addr = (uintptr_t)buf,
					  .npages = n,
					  .busy = extra,
					  .refuse =
						  strtoul(argv[4], NULL, 0) });
		truth("unpinned", zl(fd, ZL_UNPIN, NULL, 0));
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "faults") && argc > 4) {
		unsigned long c0 = zl_param("fault_calls", -1),
			      s0 = zl_param("fault_sigbus_done", -1),
			      o0 = zl_param("fault_oom_done", -1),
			      m0 = zl_param("fault_migrated", -1);

		/* pages to fault back across a 2 MiB boundary, fresh after */
		if (n > PMD_PAGES / 2)
			die("faults: NPAGES beyond half a 2 MiB region");
		buf = straddling_pages(2 * n, n / 2);
		truth("pid", getpid());
		truth("buf", (uintptr_t)buf);
		truth("on_device", zl(fd, ZL_MIGRATE, buf, n));
		zl_param("fault_sigbus", (long)extra);
		zl_param("fault_oom", strtol(argv[4], NULL, 0));
		truth("sigbus_received", touch_pages(buf, n));
		truth("fault_calls", zl_param("fault_calls", -1) - c0);
		truth("fault_sigbus", zl_param("fault_sigbus_done", -1) - s0);
		truth("fault_oom", zl_param("fault_oom_done", -1) - o0);
		truth("fault_migrated", zl_param("fault_migrated", -1) - m0);
		hold();
		/*
		 * Both halves to the device: the pages the faults brought back
		 * ping-pong, their fresh neighbours (in the second region with
		 * some of them) do not
		 */
		truth("fresh_pages", n);
		truth("remigrated", zl(fd, ZL_MIGRATE, buf, 2 * n));
		munmap(buf, 2 * n * PAGE_SZ);
	} else if (!strcmp(argv[1], "d2d")) {
		/* to the device, then device to device: the second counts */
		buf = anon_pages(n);
		truth("pid", getpid());
		truth("range_pages", n);
		truth("on_device", zl(fd, ZL_MIGRATE, buf, n));
		zl_x(fd, ZL_MIGRATE_D2D,
		     (struct zl_migrate){ .addr = (uintptr_t)buf,
					  .npages = n });
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "evict")) {
		buf = anon_pages(n);
		truth("on_device", zl(fd, ZL_MIGRATE, buf, n));
		truth("range_pages",
		      zl_x(fd, ZL_EVICT, (struct zl_migrate){ .refuse = extra })
			      .npages);
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "longterm") && argc > 4) {
		/* the device's pfns: [lo, +nr) */
		unsigned long lo = strtoul(argv[3], NULL, 0),
			      nr = strtoul(argv[4], NULL, 0), before;

		buf = anon_pages(n);
		truth("pid", getpid());
		truth("migrated", zl(fd, ZL_MIGRATE, buf, n));
		before = on_device(buf, n, lo, nr);
		truth("on_device_before", before);
		truth("pinned", zl(fd, ZL_PIN_LONGTERM, buf, n));
		truth("moved_for_pin", before - on_device(buf, n, lo, nr));
		truth("unpinned", zl(fd, ZL_UNPIN, NULL, 0));
		munmap(buf, n * PAGE_SZ);
	} else if (!strcmp(argv[1], "unpin")) {
		truth("unpinned", zl(fd, ZL_UNPIN, NULL, 0));
	} else {
		fprintf(stderr, "leakwork: unknown command %s\n", argv[1]);
		return 2;
	}
	return 0;
}
