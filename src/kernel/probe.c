// SPDX-License-Identifier: GPL-2.0
/*
 * Hook selection and attachment. Each hook has an fentry/fexit program and
 * a kprobe/kretprobe twin in bpf/zdev.bpf.c; one of them is loaded, chosen
 * by trying a trivial fentry program against the function first (the way
 * libbpf-tools' fentry_can_attach does). A hook whose function is missing
 * is switched off and listed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"
#include "ksyms.h"
#include "preempt.h"
#include "zone_layout.h"
#include "zdev.skel.h"

/* One kernel function and the programs that hook it. */
struct hook_variant {
	const char *func;
	struct bpf_program *tr[2]; /* fentry/fexit programs */
	struct bpf_program *kp[2]; /* kprobe/kretprobe twins */
};

/*
 * A hook: the same event from whichever variant this kernel has (the
 * first whose function its BTF lists), newest kernel first.
 */
struct hook_def {
	enum zdev_hook hook;
	bool core;	   /* folio lifecycle: at least one must attach */
	const char *loses; /* what is lost when it is off */
	struct hook_variant v[2];
	const char *covered_by; /* older kernels: this function does it */
	/*
	 * Its misses lose no folio event, only who holds or uses one: they
	 * stay in its own count, out of probe_misses (run's "inconclusive").
	 * Under a preemptible kernel a program preempted on a CPU makes the
	 * next call there a miss, for hooks as busy as init_wait_var_entry.
	 */
	bool aside;
	/*
	 * Its kprobe.multi program ([1] NULL), attached instead of the
	 * fentry one where the kernel may preempt tracing programs: fentry
	 * and fexit run with migration disabled only
	 * (__bpf_prog_enter_recur()), and one preempted mid-run keeps its
	 * recursion guard raised on its CPU until it resumes, every call
	 * there meanwhile a miss. Processes exiting at once on one CPU lost
	 * most of their frees so (tests/vm usage, churn: 769 of 1024 on
	 * Debian's 7.2, PREEMPT_LAZY). An fprobe runs its program with
	 * preemption disabled; unlike a kprobe perf event it is a BPF link,
	 * which Debian's perf_event_paranoid 3 does not refuse to CAP_PERFMON.
	 */
	struct bpf_program *kmulti[2];
	/* the same reading the folio by bpf_rdonly_cast(), preferred */
	struct bpf_program *kmulti_cast;
	/* off when the running kernel's config says this is not set */
	const char *needs_config;
};

#define NR_HOOKS    ZDEV_HOOK_MAX
#define NR_VARIANTS 2

#define V(func, tr0, tr1, kp0, kp1) \
	{                           \
		func, { tr0, tr1 }, \
		{                   \
			kp0, kp1    \
		}                   \
	}

/*
 * The hooks, in the order features and status list them, with the
 * skeleton's programs: a program name that is not one does not build.
 */
static void hook_defs_fill(struct hook_def *defs, const struct zdev *skel)
{
#define PROG(name) skel->progs.name
	const struct hook_def d[] = {
		{ ZDEV_HOOK_PAGE_INIT,
		  true,
		  "no births of device-private or coherent folios",
		  { V("zone_device_page_init", PROG(page_init_fexit), NULL,
		      PROG(page_init_kprobe), PROG(page_init_kretprobe)) } },
		{ ZDEV_HOOK_FREE,
		  true,
		  "no frees: live counts only grow",
		  { V("free_zone_device_folio", PROG(free_fentry), NULL,
		      PROG(free_kprobe), NULL),
		    V("free_zone_device_page", PROG(free_fentry), NULL,
		      PROG(free_kprobe), NULL) },
		  .kmulti = { PROG(free_kmulti) },
		  .kmulti_cast = PROG(free_kmulti_cast) },
		{ ZDEV_HOOK_ADD_NEW_ANON,
		  true,
		  "device folios mapped by migrate_vma_pages are not seen "
		  "mapped",
		  { V("folio_add_new_anon_rmap",
		      PROG(folio_add_new_anon_rmap_fentry), NULL,
		      PROG(folio_add_new_anon_rmap_kprobe), NULL),
		    V("page_add_new_anon_rmap",
		      PROG(page_add_new_anon_rmap_fentry), NULL,
		      PROG(page_add_new_anon_rmap_kprobe), NULL) } },
		{ ZDEV_HOOK_ADD_ANON_PTES,
		  true,
		  "device-private entries installed by migration are not seen",
		  { V("folio_add_anon_rmap_ptes",
		      PROG(folio_add_anon_rmap_ptes_fentry), NULL,
		      PROG(folio_add_anon_rmap_ptes_kprobe), NULL),
		    V("page_add_anon_rmap", PROG(page_add_anon_rmap_fentry),
		      NULL, PROG(page_add_anon_rmap_kprobe), NULL) } },
		{ ZDEV_HOOK_ADD_ANON_PMD,
		  true,
		  "PMD-sized device-private mappings",
		  { V("folio_add_anon_rmap_pmd",
		      PROG(folio_add_anon_rmap_pmd_fentry), NULL,
		      PROG(folio_add_anon_rmap_pmd_kprobe), NULL) },
		  "page_add_anon_rmap" },
		{ ZDEV_HOOK_ADD_FILE_PTES,
		  true,
		  "FS DAX, device-dax and P2PDMA mappings (and their births)",
		  { V("folio_add_file_rmap_ptes",
		      PROG(folio_add_file_rmap_ptes_fentry), NULL,
		      PROG(folio_add_file_rmap_ptes_kprobe), NULL),
		    V("page_add_file_rmap", PROG(page_add_file_rmap_fentry),
		      NULL, PROG(page_add_file_rmap_kprobe), NULL) } },
		{ ZDEV_HOOK_ADD_FILE_PMD,
		  true,
		  "PMD mappings of FS DAX and device-dax",
		  { V("folio_add_file_rmap_pmd",
		      PROG(folio_add_file_rmap_pmd_fentry), NULL,
		      PROG(folio_add_file_rmap_pmd_kprobe), NULL) },
		  "page_add_file_rmap" },
		{ ZDEV_HOOK_ADD_FILE_PUD,
		  true,
		  "PUD mappings of device-dax",
		  { V("folio_add_file_rmap_pud",
		      PROG(folio_add_file_rmap_pud_fentry), NULL,
		      PROG(folio_add_file_rmap_pud_kprobe), NULL) } },
		{ ZDEV_HOOK_REMOVE_PTES,
		  true,
		  "unmaps: mapped pages only grow",
		  { V("folio_remove_rmap_ptes",
		      PROG(folio_remove_rmap_ptes_fentry), NULL,
		      PROG(folio_remove_rmap_ptes_kprobe), NULL),
		    V("page_remove_rmap", PROG(page_remove_rmap_fentry), NULL,
		      PROG(page_remove_rmap_kprobe), NULL) } },
		{ ZDEV_HOOK_REMOVE_PMD,
		  true,
		  "PMD unmaps",
		  { V("folio_remove_rmap_pmd",
		      PROG(folio_remove_rmap_pmd_fentry), NULL,
		      PROG(folio_remove_rmap_pmd_kprobe), NULL) },
		  "page_remove_rmap" },
		{ ZDEV_HOOK_REMOVE_PUD,
		  true,
		  "PUD unmaps of device-dax",
		  { V("folio_remove_rmap_pud",
		      PROG(folio_remove_rmap_pud_fentry), NULL,
		      PROG(folio_remove_rmap_pud_kprobe), NULL) } },
		{ ZDEV_HOOK_DEVMAP_PUT,
		  true,
		  "references to FS DAX and device-dax pages idle at refcount "
		  "1 "
		  "(v6.1/6.12 devmap pages); none exist on later kernels",
		  { V("__put_devmap_managed_folio_refs", PROG(devmap_put_fexit),
		      NULL, PROG(devmap_put_kprobe),
		      PROG(devmap_put_kretprobe)),
		    V("__put_devmap_managed_page_refs", PROG(devmap_put_fexit),
		      NULL, PROG(devmap_put_kprobe),
		      PROG(devmap_put_kretprobe)) } },
		{ ZDEV_HOOK_SPLIT,
		  false,
		  "splits of large device folios: frees then outnumber inits",
		  { V("__folio_freeze_and_split_unmapped", PROG(split_fentry),
		      PROG(split_fexit), PROG(split_kprobe),
		      PROG(split_kretprobe)) } },
		{ ZDEV_HOOK_MIGRATE_VMA_SETUP,
		  false,
		  "pages collected for migration",
		  { V("migrate_vma_setup", PROG(migrate_vma_setup_fentry),
		      PROG(migrate_vma_setup_fexit),
		      PROG(migrate_vma_setup_kprobe),
		      PROG(migrate_vma_setup_kretprobe)) } },
		{ ZDEV_HOOK_MIGRATE_VMA_PAGES,
		  false,
		  "pages migrated to the device and back",
		  { V("migrate_vma_pages", PROG(migrate_vma_pages_fentry),
		      PROG(migrate_vma_pages_fexit),
		      PROG(migrate_vma_pages_kprobe),
		      PROG(migrate_vma_pages_kretprobe)) } },
		{ ZDEV_HOOK_MIGRATE_VMA_FINALIZE,
		  false,
		  "a call count only",
		  { V("migrate_vma_finalize", PROG(migrate_vma_finalize_fentry),
		      NULL, PROG(migrate_vma_finalize_kprobe), NULL) } },
		{ ZDEV_HOOK_MIGRATE_DEVICE_RANGE,
		  false,
		  "evictions' collections: what they collected and restored",
		  { V("migrate_device_range", PROG(migrate_device_range_fentry),
		      PROG(migrate_device_range_fexit),
		      PROG(migrate_device_range_kprobe),
		      PROG(migrate_device_range_kretprobe)) } },
		{ ZDEV_HOOK_MIGRATE_DEVICE_PAGES,
		  false,
		  "pages evicted from the device (unbind, release)",
		  { V("migrate_device_pages", PROG(migrate_device_pages_fentry),
		      PROG(migrate_device_pages_fexit),
		      PROG(migrate_device_pages_kprobe),
		      PROG(migrate_device_pages_kretprobe)) } },
		{ ZDEV_HOOK_MIGRATE_DEVICE_FINALIZE,
		  false,
		  "evictions finalized without a pages step: their outcome",
		  { V("migrate_device_finalize",
		      PROG(migrate_device_finalize_fentry), NULL,
		      PROG(migrate_device_finalize_kprobe), NULL) } },
		{ ZDEV_HOOK_MEMREMAP,
		  false,
		  "pgmap creation: pgmaps are still described at their first "
		  "event",
		  { V("memremap_pages", PROG(memremap_pages_fexit), NULL,
		      PROG(memremap_pages_kprobe),
		      PROG(memremap_pages_kretprobe)) } },
		{ ZDEV_HOOK_MEMUNMAP,
		  false,
		  "pgmap teardown, and the teardown-with-live-folios alert",
		  { V("memunmap_pages", PROG(memunmap_pages_fentry),
		      PROG(memunmap_pages_fexit), PROG(memunmap_pages_kprobe),
		      PROG(memunmap_pages_kretprobe)) } },
		{ ZDEV_HOOK_PERCPU_RELEASE,
		  false,
		  "the drained state of a pgmap",
		  { V("dev_pagemap_percpu_release", PROG(percpu_release_fentry),
		      NULL, PROG(percpu_release_kprobe), NULL) },
		  /*
		   * it runs in an RCU callback: a kprobe there while one of
		   * our kprobe programs runs on that CPU is a miss; a missed
		   * drain shows at memunmap_pages()'s return
		   */
		  .aside = true },
		{ ZDEV_HOOK_PIN,
		  false,
		  "GUP pins taken by the slow path (pin_user_pages(), "
		  "follow_page): pinned pages and their holders",
		  { V("try_grab_page", PROG(pin_grab_page_fexit), NULL,
		      PROG(pin_grab_page_kprobe),
		      PROG(pin_grab_page_kretprobe)),
		    V("try_grab_folio", PROG(pin_grab_fexit), NULL,
		      PROG(pin_grab_kprobe), PROG(pin_grab_kretprobe)) } },
		{ ZDEV_HOOK_PIN_FAST,
		  false,
		  "GUP pins taken by the fast path (pin_user_pages_fast(), "
		  "O_DIRECT, RDMA, io_uring)",
		  { V("gup_fast_fallback", PROG(pin_fast_fentry),
		      PROG(pin_fast_fexit), PROG(pin_fast_kprobe),
		      PROG(pin_fast_kretprobe)),
		    V("internal_get_user_pages_fast", PROG(pin_fast_fentry),
		      PROG(pin_fast_fexit), PROG(pin_fast_kprobe),
		      PROG(pin_fast_kretprobe)) },
		  /*
		   * who pins, not a folio event; its walk of the pages is long
		   * enough to be preempted, and a call on that CPU meanwhile
		   * (nearly always ordinary memory) is a miss
		   */
		  .aside = true },
		{ ZDEV_HOOK_UNPIN,
		  false,
		  "unpins: pinned pages only grow",
		  { V("gup_put_folio", PROG(unpin_fentry), NULL,
		      PROG(unpin_kprobe), NULL) } },
		{ ZDEV_HOOK_LAYOUT_BREAK,
		  false,
		  "truncates and hole punches waiting for busy DAX pages",
		  { V("dax_break_layout", PROG(layout_break_fentry),
		      PROG(layout_break_fexit), PROG(layout_break_kprobe),
		      PROG(layout_break_kretprobe)),
		    V("dax_layout_busy_page", PROG(layout_busy_fexit), NULL,
		      PROG(layout_busy_kprobe), PROG(layout_busy_kretprobe)) },
		  .aside = true },
		{ ZDEV_HOOK_LAYOUT_WAIT,
		  false,
		  "the page a DAX layout wait waits for (v6.15+), and so "
		  "its holder",
		  { V("init_wait_var_entry", PROG(layout_wait_fentry), NULL,
		      PROG(layout_wait_kprobe), NULL) },
		  .aside = true },
		{ ZDEV_HOOK_P2P_ALLOC,
		  false,
		  "in-kernel P2PDMA allocations: the pgmap references they "
		  "hold are left unexplained",
		  { V("pci_alloc_p2pmem", PROG(p2p_alloc_fexit), NULL,
		      PROG(p2p_alloc_kprobe), PROG(p2p_alloc_kretprobe)) },
		  .aside = true },
		{ ZDEV_HOOK_P2P_FREE,
		  false,
		  "frees of in-kernel P2PDMA allocations: freed ones are "
		  "still named as holders",
		  { V("pci_free_p2pmem", PROG(p2p_free_fentry), NULL,
		      PROG(p2p_free_kprobe), NULL) },
		  .aside = true },
		{ ZDEV_HOOK_MM_EXIT,
		  false,
		  "the end of an address space: a process's attribution "
		  "stays until the LRU evicts it, and a new process at the "
		  "same address inherits it",
		  { V("exit_mmap", PROG(mm_exit_fexit), NULL,
		      PROG(mm_exit_kprobe), PROG(mm_exit_kretprobe)) },
		  .aside = true },
		{ ZDEV_HOOK_FAULT,
		  false,
		  "CPU faults on device-private memory (migrate_to_ram): "
		  "their counts, results and times",
		  { V("do_swap_page", PROG(fault_fentry), PROG(fault_fexit),
		      PROG(fault_kprobe), PROG(fault_kretprobe)) },
		  .aside = true,
		  .needs_config = "CONFIG_DEVICE_PRIVATE" },
		{ ZDEV_HOOK_FAULT_PMD,
		  false,
		  "CPU faults on device-private THPs (v7.0+)",
		  { V("do_huge_pmd_device_private", PROG(fault_pmd_fentry),
		      PROG(fault_pmd_fexit), PROG(fault_pmd_kprobe),
		      PROG(fault_pmd_kretprobe)) },
		  .aside = true,
		  .needs_config = "CONFIG_DEVICE_PRIVATE" },
		{ ZDEV_HOOK_MIGRATE_UNMAP,
		  false,
		  "migration candidates: busy or pinned pages restored at "
		  "unmap count as not collected",
		  { V("migrate_device_unmap", PROG(migrate_unmap_fentry),
		      PROG(migrate_unmap_fexit), PROG(migrate_unmap_kprobe),
		      PROG(migrate_unmap_kretprobe)) },
		  .aside = true },
		{ ZDEV_HOOK_MIGRATE_DEVICE_PFNS,
		  false,
		  "evictions by pfn list (v6.15+): their collections",
		  { V("migrate_device_pfns", PROG(migrate_device_pfns_fentry),
		      PROG(migrate_device_pfns_fexit),
		      PROG(migrate_device_pfns_kprobe),
		      PROG(migrate_device_pfns_kretprobe)) },
		  .aside = true },
		{ ZDEV_HOOK_MIGRATE_COHERENT,
		  false,
		  "device-coherent pages moved to RAM for a long-term pin: "
		  "their outcome (v7.x inlines their pages step)",
		  { V("migrate_device_coherent_folio",
		      PROG(migrate_coherent_folio_fentry),
		      PROG(migrate_coherent_folio_fexit),
		      PROG(migrate_coherent_folio_kprobe),
		      PROG(migrate_coherent_folio_kretprobe)),
		    V("migrate_device_coherent_page",
		      PROG(migrate_coherent_folio_fentry),
		      PROG(migrate_coherent_folio_fexit),
		      PROG(migrate_coherent_folio_kprobe),
		      PROG(migrate_coherent_folio_kretprobe)) },
		  .aside = true },
		{ ZDEV_HOOK_MIGRATE_SPLIT_FOLIO,
		  false,
		  "system THPs split while collecting (v6.18+)",
		  { V("migrate_vma_split_folio",
		      PROG(migrate_split_folio_fexit), NULL, NULL,
		      PROG(migrate_split_folio_kretprobe)) },
		  .aside = true },
	};
#undef PROG

	_Static_assert(sizeof(d) / sizeof(d[0]) == NR_HOOKS,
		       "one hook_def for each enum zdev_hook");
	memcpy(defs, d, sizeof(d));
}

struct hook_run {
	enum hook_state
		state; /* attached: chosen (and attached unless --btf) */
	int variant;   /* index into hook_def.v; -1: none in this kernel */
	char reason[96];
	struct bpf_link *links[2];
	/* fentry state, its kprobe.multi program tried first, or attached */
	bool kmulti;
};

struct probes {
	struct zdev *skel;
	struct zone_layout zl; /* where the zone bits sit in page->flags */
	int stats_fd; /* BPF_ENABLE_STATS: statistics while it is open */
	struct hook_def defs[NR_HOOKS];
	struct hook_run hooks[NR_HOOKS];
	struct bpf_link *scope_link; /* run --scope tree: forks followed */
	int ncpus;
};

static bool verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/*
 * Can an fentry program attach to func? Load a two-instruction program
 * against its BTF id and attach it: both steps can be refused (lockdown,
 * no trampoline support, notrace functions).
 */
static int fentry_try(const struct btf *btf, const char *func)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = BPF_TRACE_FENTRY);
	int id, prog_fd, link_fd, ret = 0;

	id = btf__find_by_name_kind(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = id;
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "zdev_probe", "GPL",
				insns, 2, &opts);
	if (prog_fd < 0)
		return -errno;
	link_fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (link_fd < 0)
		ret = -errno;
	else
		close(link_fd);
	close(prog_fd);
	return ret;
}

/* The programs a hook runs in its state: fentry/fexit, kprobe or none. */
static struct bpf_program *const *hook_progs(const struct hook_def *d,
					     const struct hook_run *h)
{
	static struct bpf_program *const none[2];
	const struct hook_variant *v;

	if (!hook_attached(h->state) || h->variant < 0)
		return none;
	if (h->kmulti)
		return d->kmulti;
	v = &d->v[h->variant];
	return h->state == HOOK_ATTACHED_FENTRY ? v->tr : v->kp;
}

/*
 * Load exactly the programs of each hook's chosen variant and mechanism;
 * variants may share programs, hooks never do.
 */
static void select_programs(struct probes *p)
{
	struct bpf_program *pr;
	size_t i;
	int k;

	bpf_object__for_each_program(pr, p->skel->obj)
		bpf_program__set_autoload(pr, false);
	/* run by the daemon (BPF_PROG_TEST_RUN), never attached */
	bpf_program__set_autoload(p->skel->progs.census, true);
	bpf_program__set_autoload(p->skel->progs.pgmap_refs, true);
	bpf_program__set_autoload(p->skel->progs.harvest_counters, true);
	bpf_program__set_autoload(p->skel->progs.slot_forget, true);
	bpf_program__set_autoload(p->skel->progs.walk, true);
	bpf_program__set_autoload(p->skel->progs.op_name, true);
	for (i = 0; i < NR_HOOKS; i++) {
		const struct hook_def *d = &p->defs[i];
		const struct hook_run *h = &p->hooks[i];
		struct bpf_program *const *progs = hook_progs(d, h);

		if (h->kmulti) {
			/* and the fentry programs: the way back */
			bpf_program__set_autoload(d->kmulti[0], true);
			progs = d->v[h->variant].tr;
		}
		for (k = 0; k < 2; k++) {
			pr = progs[k];
			if (!pr)
				continue;
			bpf_program__set_autoload(pr, true);
			if (h->state == HOOK_ATTACHED_FENTRY)
				bpf_program__set_attach_target(
					pr, 0, p->defs[i].v[h->variant].func);
		}
	}
}

static int attach_hook(struct probes *p, size_t idx)
{
	const struct hook_def *d = &p->defs[idx];
	struct hook_run *h = &p->hooks[idx];
	const struct hook_variant *v = &d->v[h->variant];
	struct bpf_program *const *progs = hook_progs(d, h);
	int i, err;

	if (h->kmulti) {
		LIBBPF_OPTS(bpf_kprobe_multi_opts, ko,
			    .syms = (const char **)&v->func, .cnt = 1);

		h->links[0] = bpf_program__attach_kprobe_multi_opts(
			d->kmulti[0], NULL, &ko);
		if (h->links[0]) {
			snprintf(h->reason, sizeof(h->reason),
				 "kprobe.multi: this kernel may preempt an "
				 "fentry program, which blinds it on its CPU");
			return 0;
		}
		err = -errno;
		h->kmulti = false;
		snprintf(h->reason, sizeof(h->reason),
			 "fentry: kprobe.multi refused (%s), so a preempted "
			 "program misses calls",
			 strerror(-err));
		progs = hook_progs(d, h);
	}
	for (i = 0; i < 2; i++) {
		struct bpf_program *pr = progs[i];

		/* an entry program the loader found no use for */
		if (!pr || !bpf_program__autoload(pr))
			continue;
		if (h->state == HOOK_ATTACHED_FENTRY)
			h->links[i] = bpf_program__attach(pr);
		else
			h->links[i] = bpf_program__attach_kprobe(
				pr,
				!strncmp(bpf_program__section_name(pr),
					 "kretprobe", 9),
				v->func);
		if (!h->links[i]) {
			err = -errno;
			while (--i >= 0) {
				bpf_link__destroy(h->links[i]);
				h->links[i] = NULL;
			}
			return err;
		}
	}
	return 0;
}

/*
 * Births at zone_device_page_init()'s entry (bpf: page_init_fentry) where
 * its arguments say what the folio will be: (page) before v7.x, whose
 * pgmap is set then and order 0; (page, pgmap, order) since. Not
 * upstream's short-lived (page, order), whose page may still hold a
 * compound head where the pgmap goes: fexit there.
 */
static bool page_init_at_entry(const struct btf *btf)
{
	const struct btf_type *t;
	int id;

	if (!btf)
		return false;
	id = btf__find_by_name_kind(btf, "zone_device_page_init",
				    BTF_KIND_FUNC);
	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	return t && btf_is_func_proto(t) &&
	       (btf_vlen(t) == 1 || btf_vlen(t) == 3);
}

/* The mechanism as features, status and metrics spell it. */
static const char *mech_name(const struct hook_def *d, const struct hook_run *h)
{
	const struct hook_variant *v = &d->v[h->variant > 0 ? h->variant : 0];

	switch (h->state) {
	case HOOK_ATTACHED_FENTRY:
		if (h->kmulti)
			return "kprobe";
		if (v->tr[1])
			return "fentry+fexit";
		return bpf_program__expected_attach_type(v->tr[0]) ==
				       BPF_TRACE_FEXIT
			       ? "fexit"
			       : "fentry";
	case HOOK_ATTACHED_KPROBE:
		return v->kp[1] ? "kprobe+kretprobe" : "kprobe";
	case HOOK_OFF_MISSING:
	case HOOK_OFF_COVERED:
	case HOOK_OFF_FAILED:
		break;
	}
	return "off";
}

/* The function a hook stands for: its variant's, or its newest name. */
static const char *hook_func(const struct hook_def *d, const struct hook_run *h)
{
	return d->v[h->variant > 0 ? h->variant : 0].func;
}

static int set_zone_layout(struct probes *p, const char *btf_path, char *err,
			   size_t errlen)
{
	struct zone_layout zl;
	int ret = zone_layout_detect(&zl, btf_path, err, errlen);

	if (ret)
		return ret;
	p->zl = zl;
	p->skel->rodata->zone_shift = zl.shift;
	p->skel->rodata->zone_mask = zl.mask;
	p->skel->rodata->zone_device = zl.zone_device;
	if (verbose)
		fprintf(stderr,
			"zdevmon: zone bits at %u (mask %#x, ZONE_DEVICE %u; "
			"NODES_SHIFT %d from %s)\n",
			zl.shift, zl.mask, zl.zone_device, zl.nodes_shift,
			zl.nodes_source);
	return 0;
}

/*
 * What the pin hooks must know of GUP: FOLL_PIN's value (an enumerator of
 * mm/internal.h from v6.2, 0x40000 before) and whether try_grab_page()
 * returns bool (v6.1; an int, 0 on success, v6.2..v6.10).
 */
static void set_gup_abi(struct probes *p, const struct btf *btf)
{
	const struct btf_type *t, *proto;
	int id, n = btf ? (int)btf__type_cnt(btf) : 0, i;

	for (id = 1; id < n; id++) {
		t = btf__type_by_id(btf, id);
		if (!btf_is_enum(t))
			continue;
		for (i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(
					    btf, btf_enum(t)[i].name_off),
				    "FOLL_PIN")) {
				p->skel->rodata->foll_pin = btf_enum(t)[i].val;
				id = n;
				break;
			}
	}
	id = btf ? btf__find_by_name_kind(btf, "try_grab_page", BTF_KIND_FUNC)
		 : -1;
	if (id <= 0)
		return;
	proto = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	t = proto ? btf__type_by_id(btf, proto->type) : NULL;
	p->skel->rodata->grab_page_bool =
		t && !strcmp(btf__name_by_offset(btf, t->name_off), "bool");
}

/*
 * The fast path's text, so that in_fast_gup() can tell from a stack
 * whether a device folio's grab or unpin is inside it: then no program
 * needs to mark every GUP call of the machine on its entry.
 */
static void set_gup_fast_text(struct probes *p)
{
	struct hook_run *h = NULL;
	struct ksyms *ks;
	uint64_t lo, hi;
	size_t i;

	for (i = 0; i < NR_HOOKS; i++)
		if (p->defs[i].hook == ZDEV_HOOK_PIN_FAST)
			h = &p->hooks[i];
	if (!h || !hook_attached(h->state))
		return;
	ks = ksyms_load("/proc/kallsyms", NULL);
	if (ks && ksyms_extent(ks, p->defs[h - p->hooks].v[h->variant].func,
			       &lo, &hi)) {
		p->skel->rodata->gup_fast_lo = lo;
		p->skel->rodata->gup_fast_hi = hi;
		bpf_program__set_autoload(p->skel->progs.pin_fast_fentry,
					  false);
	}
	ksyms_free(ks);
}

/* /proc/cmdline, or NULL */
static const char *kernel_cmdline(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cmdline", "re");
	const char *line;

	if (!f)
		return NULL;
	line = fgets(buf, len, f);
	fclose(f);
	return line;
}

static int perf_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = 2;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 2;
		fclose(f);
	}
	return v;
}

static void no_hook_sentence(struct probes *p, int fentry_err, int kprobe_err,
			     bool forced, char *err, size_t errlen)
{
	char why_fentry[128], why_kprobe[128];

	if (forced)
		snprintf(why_fentry, sizeof(why_fentry),
			 "fentry was not tried (--force-kprobes)");
	else
		snprintf(why_fentry, sizeof(why_fentry),
			 "the kernel refused fentry programs (%s)",
			 strerror(-fentry_err));
	snprintf(why_kprobe, sizeof(why_kprobe),
		 "kprobes are not available (%s)", strerror(-kprobe_err));
	snprintf(err, errlen,
		 "no ZONE_DEVICE hook could be attached: %s and %s%s",
		 why_fentry, why_kprobe,
		 kprobe_err == -EACCES && perf_paranoid() > 2
			 /* Debian's patch: perf_event_open() then needs
			  * CAP_SYS_ADMIN, whatever CAP_PERFMON says */
			 ? "; kernel.perf_event_paranoid is 3, so kprobes "
			   "need CAP_SYS_ADMIN (or set it to 2)"
			 : geteuid() ? "; run as root, or with CAP_BPF and "
				       "CAP_PERFMON"
				     : "");
}

/* FS DAX pages idle at refcount 1 (v6.1/6.12): the devmap put hook. */
static bool fsdax_idle_at_one(const struct probes *p)
{
	size_t i;

	for (i = 0; i < NR_HOOKS; i++)
		if (p->defs[i].hook == ZDEV_HOOK_DEVMAP_PUT)
			return p->hooks[i].variant >= 0;
	return false;
}

/*
 * The per-folio state's mode and bounds, and what the programs must know
 * before they load: the session's time base, the idle refcount.
 */
static int size_state(struct probes *p, const struct probe_opts *opts,
		      char *err, size_t errlen)
{
	uint64_t pages = opts->max_device_pages ? opts->max_device_pages
			 : opts->records	? PROBE_MAX_DEVICE_PAGES_CI
						: PROBE_MAX_DEVICE_PAGES;
	uint64_t words = (pages + 63) / 64;
	struct timespec ts;
	int ret;

	/* array indexes are 32-bit */
	if (words * 64 > UINT32_MAX) {
		snprintf(err, errlen,
			 "the per-folio state's bound is too "
			 "large");
		return -E2BIG;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->skel->rodata->session_start_ns =
		(uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	p->skel->rodata->folio_records = opts->records;
	p->skel->rodata->emit_events = opts->events;
	p->skel->rodata->fsdax_idle_at_one = fsdax_idle_at_one(p);
	p->skel->rodata->live_bits_cap = words * 64;
	ret = bpf_map__set_max_entries(p->skel->maps.live_bits, words);
	if (!ret)
		ret = bpf_map__set_max_entries(p->skel->maps.records,
					       opts->records ? words * 64 : 1);
	if (ret)
		snprintf(err, errlen, "cannot size the per-folio state: %s",
			 strerror(-ret));
	return ret;
}

int probes_open(struct probes **out, const struct probe_opts *opts, char *err,
		size_t errlen)
{
	struct btf *btf = NULL;
	struct probes *p;
	char *kconfig = NULL, cmdline[4096];
	bool preemptible;
	int fentry_err = 0, kprobe_err = -ENOENT, core_on = 0, ret;
	size_t i;

	verbose = opts->verbose;
	libbpf_set_print(libbpf_print);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* before any way out: probes_close() must not close(0) */
	p->stats_fd = -1;
	p->ncpus = libbpf_num_possible_cpus();
	{
		LIBBPF_OPTS(bpf_object_open_opts, oo,
			    .btf_custom_path = opts->btf_path);

		p->skel = zdev__open_opts(&oo);
	}
	if (!p->skel) {
		ret = -errno;
		snprintf(err, errlen, "cannot open the BPF object: %s",
			 strerror(-ret));
		goto cleanup;
	}
	hook_defs_fill(p->defs, p->skel);
	ret = set_zone_layout(p, opts->btf_path, err, errlen);
	if (ret)
		goto cleanup;
	p->skel->rodata->capture_stacks = opts->stacks;
	p->skel->rodata->resid_sample_shift = opts->resid_shift;
	p->skel->rodata->pingpong_window_ns = opts->pingpong_window_ns;
	if (opts->ring_size) {
		ret = bpf_map__set_max_entries(p->skel->maps.events,
					       opts->ring_size);
		if (ret) {
			snprintf(err, errlen, "cannot size the ring: %s",
				 strerror(-ret));
			goto cleanup;
		}
		p->skel->rodata->ring_wake_bytes = opts->ring_size / 4;
	}

	btf = opts->btf_path ? btf__parse(opts->btf_path, NULL)
			     : btf__load_vmlinux_btf();
	set_gup_abi(p, btf);
	/* another kernel's BTF: not the running kernel's config */
	kconfig = opts->btf_path ? NULL : kconfig_running(NULL);
	preemptible = tracing_preemptible(
		kconfig, kernel_cmdline(cmdline, sizeof(cmdline)));
	/*
	 * plain loads of the folio where the kernel offers the cast (not
	 * with another kernel's BTF: its type ids are not the running one's)
	 */
	if (!opts->btf_path && btf &&
	    btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0)
		for (i = 0; i < NR_HOOKS; i++)
			if (p->defs[i].kmulti_cast)
				p->defs[i].kmulti[0] = p->defs[i].kmulti_cast;
	for (i = 0; i < NR_HOOKS; i++)
		if (p->defs[i].hook == ZDEV_HOOK_PAGE_INIT &&
		    page_init_at_entry(btf))
			p->defs[i].v[0].tr[0] = p->skel->progs.page_init_fentry;
	for (i = 0; i < NR_HOOKS; i++) {
		const struct hook_def *d = &p->defs[i];
		struct hook_run *h = &p->hooks[i];
		char val[8];
		int v;

		if (d->needs_config && kconfig &&
		    !kconfig_value(kconfig, d->needs_config, val,
				   sizeof(val))) {
			h->variant = -1;
			h->state = HOOK_OFF_MISSING;
			snprintf(h->reason, sizeof(h->reason),
				 "%s is not set in this kernel",
				 d->needs_config);
			continue;
		}

		/* the first variant whose function this kernel has */
		h->variant = -1;
		for (v = 0; v < NR_VARIANTS && d->v[v].func && btf; v++) {
			if (btf__find_by_name_kind(btf, d->v[v].func,
						   BTF_KIND_FUNC) > 0) {
				h->variant = v;
				break;
			}
		}
		if (h->variant < 0) {
			/* kprobes need the symbol too; BTF lists it */
			bool covered =
				d->covered_by && btf &&
				btf__find_by_name_kind(btf, d->covered_by,
						       BTF_KIND_FUNC) > 0;

			h->state =
				covered ? HOOK_OFF_COVERED : HOOK_OFF_MISSING;
			if (covered)
				snprintf(h->reason, sizeof(h->reason),
					 "not in this kernel, where %s does "
					 "its work",
					 d->covered_by);
			else
				snprintf(h->reason, sizeof(h->reason),
					 "not in this kernel");
		} else if (opts->force_kprobes || opts->btf_path) {
			h->state = HOOK_ATTACHED_KPROBE;
		} else {
			ret = fentry_try(btf, d->v[h->variant].func);
			h->state = ret ? HOOK_ATTACHED_KPROBE
				       : HOOK_ATTACHED_FENTRY;
			if (ret && !fentry_err)
				fentry_err = ret;
			/* its fentry program stays the way back */
			h->kmulti = !ret && d->kmulti[0] && preemptible;
		}
	}
	select_programs(p);
	if (!opts->btf_path)
		set_gup_fast_text(p);
	p->skel->rodata->nr_cpus = p->ncpus > 0 ? p->ncpus : 1;
	/* a walk of mm_pending writes a record per CPU */
	if (p->ncpus > ZDEV_WALK_RECS)
		bpf_map__set_max_entries(p->skel->maps.walk_out, p->ncpus);
	p->skel->rodata->scope_mode = opts->scope;
	p->skel->rodata->scope_cgroup = opts->scope_cgroup;
	p->skel->rodata->scope_level = opts->scope_level;
	bpf_program__set_autoload(p->skel->progs.scope_fork,
				  opts->scope == ZDEV_SCOPE_TREE ||
					  opts->btf_path);
	/* another kernel's BTF: its preemptible twin verified too */
	for (i = 0; opts->btf_path && i < NR_HOOKS; i++)
		if (p->defs[i].kmulti[0] && hook_attached(p->hooks[i].state))
			bpf_program__set_autoload(p->defs[i].kmulti[0], true);
	ret = size_state(p, opts, err, errlen);
	if (ret)
		goto cleanup;

	ret = zdev__load(p->skel);
	if (ret) {
		snprintf(err, errlen,
			 "the kernel refused zdevmon's BPF programs (%s)%s",
			 strerror(-ret),
			 verbose ? "" : "; rerun with -v for libbpf's log");
		goto cleanup;
	}

	if (opts->btf_path) {
		/* another kernel's layout: loaded and verified, not attached */
		btf__free(btf);
		*out = p;
		return 0;
	}
	if (opts->scope == ZDEV_SCOPE_TREE) {
		p->scope_link = bpf_program__attach(p->skel->progs.scope_fork);
		if (!p->scope_link) {
			ret = -errno;
			snprintf(err, errlen,
				 "cannot follow the command's process tree "
				 "(sched_process_fork: %s); try --scope all",
				 strerror(-ret));
			goto cleanup;
		}
	}
	if (opts->bpf_stats) {
		p->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (p->stats_fd < 0)
			fprintf(stderr,
				"zdevmon: no BPF run-time statistics: "
				"%s\n",
				strerror(errno));
	}
	for (i = 0; i < NR_HOOKS; i++) {
		struct hook_run *h = &p->hooks[i];

		if (!hook_attached(h->state))
			continue;
		ret = attach_hook(p, i);
		if (ret) {
			if (h->state == HOOK_ATTACHED_KPROBE)
				kprobe_err = ret;
			snprintf(h->reason, sizeof(h->reason),
				 "%s attach failed: %s",
				 mech_name(&p->defs[i], h), strerror(-ret));
			h->state = HOOK_OFF_FAILED;
			continue;
		}
		core_on += p->defs[i].core;
	}
	if (!core_on) {
		no_hook_sentence(p, fentry_err, kprobe_err, opts->force_kprobes,
				 err, errlen);
		ret = -ENOTSUP;
		goto cleanup;
	}
	free(kconfig);
	btf__free(btf);
	*out = p;
	return 0;

cleanup:
	free(kconfig);
	btf__free(btf);
	probes_close(p);
	return ret;
}

bool probes_hook_on(const struct probes *p, enum zdev_hook hook)
{
	size_t i;

	for (i = 0; i < NR_HOOKS; i++)
		if (p->defs[i].hook == hook && hook_attached(p->hooks[i].state))
			return true;
	return false;
}

bool probes_fsdax_idle_at_one(const struct probes *p)
{
	return fsdax_idle_at_one(p);
}

const struct zone_layout *probes_zone_layout(const struct probes *p)
{
	return &p->zl;
}

int probes_scope_add(struct probes *p, uint32_t tgid)
{
	__u8 one = 1;

	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.scope_tgids), &tgid,
				&one, BPF_ANY))
		return -errno;
	return 0;
}

struct zdev *probes_skel(struct probes *p)
{
	return p->skel;
}

int probes_events_fd(const struct probes *p)
{
	return bpf_map__fd(p->skel->maps.events);
}

/* What the kernel counted for the programs of one hook. */
/*
 * A kprobe perf link's bpf_link_info (v6.7, "bpf: Add missed value to
 * kprobe perf link info"), which Debian 12's UAPI headers predate. Older
 * kernels fill none of it: their misses cannot be read.
 */
struct kprobe_link_info {
	__u32 type, id, prog_id, pad;
	__u32 perf_event_type, pad2;
	__u64 func_name;
	__u32 name_len, offset;
	__u64 addr, missed, cookie;
};

#define LINK_TYPE_PERF_EVENT 7 /* BPF_LINK_TYPE_PERF_EVENT */
#define PERF_EVENT_KPROBE    3 /* BPF_PERF_EVENT_KPROBE */
#define PERF_EVENT_KRETPROBE 4 /* BPF_PERF_EVENT_KRETPROBE */

/*
 * What the kernel keeps of a hook's programs, one info read each: calls
 * they never saw (BPF's recursion guard skipped them because another of
 * our programs ran on that CPU, or the kprobe did: nested kprobes, a
 * kretprobe out of instances), each maybe a lost event; and, with
 * --bpf-stats, their run time and runs.
 */
static void hook_prog_info(const struct hook_def *d, const struct hook_run *h,
			   struct hook_status *hs)
{
	struct bpf_program *const *progs = hook_progs(d, h);
	int k;

	for (k = 0; k < 2; k++) {
		struct kprobe_link_info li = {};
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (progs[k] &&
		    !bpf_obj_get_info_by_fd(bpf_program__fd(progs[k]), &info,
					    &len)) {
			hs->misses += info.recursion_misses;
			hs->run_ns += info.run_time_ns;
			hs->runs += info.run_cnt;
		}
		len = sizeof(li);
		if (h->links[k] &&
		    !bpf_obj_get_info_by_fd(bpf_link__fd(h->links[k]), &li,
					    &len) &&
		    li.type == LINK_TYPE_PERF_EVENT &&
		    (li.perf_event_type == PERF_EVENT_KPROBE ||
		     li.perf_event_type == PERF_EVENT_KRETPROBE))
			hs->misses += li.missed;
	}
}

void probes_status(const struct probes *p, struct zdev_status *st)
{
	/* summed at the tick's read of the kernel side (kstate_sync()) */
	const struct zdev_harvest *hv = &p->skel->bss->harvest;
	__u32 key;
	size_t i;

	st->bpf_stats = p->stats_fd >= 0;
	st->dropped_events = 0;
	st->probe_misses = 0;
	st->bpf_anomalies = 0;
	st->stack_collisions = 0;
	st->stack_overflows = 0;
	st->nr_hooks = 0;
	for (i = 0;
	     i < NR_HOOKS && i < sizeof(st->hooks) / sizeof(st->hooks[0]);
	     i++) {
		const struct hook_def *d = &p->defs[i];
		const struct hook_run *h = &p->hooks[i];
		struct hook_status *hs = &st->hooks[st->nr_hooks++];
		bool on = hook_attached(h->state);

		hs->func = hook_func(d, h);
		hs->state = h->state;
		hs->mechanism = mech_name(d, h);
		hs->loses = h->state == HOOK_OFF_COVERED ? "nothing" : d->loses;
		/* attached: why not as the others, if so */
		hs->reason = h->reason[0] ? h->reason : NULL;
		hs->device_calls = hs->dropped = hs->anomalies = 0;
		hs->run_ns = hs->runs = hs->misses = 0;
		if (on)
			hook_prog_info(d, h, hs);
		if (!d->aside)
			st->probe_misses += hs->misses;
	}
	/* the counters are per enum zdev_hook; several defs never share one */
	for (key = 0; key < ZDEV_HOOK_MAX; key++) {
		struct zdev_hook_stats sum = hv->stats[key];

		sum.device += hv->fast_calls[key];
		st->stack_collisions += sum.stack_collisions;
		st->stack_overflows += sum.stack_overflows;
		st->dropped_events += sum.dropped;
		st->bpf_anomalies += sum.anomalies;
		for (i = 0; i < NR_HOOKS; i++) {
			if (p->defs[i].hook != key)
				continue;
			st->hooks[i].device_calls = sum.device;
			st->hooks[i].dropped = sum.dropped;
			st->hooks[i].anomalies = sum.anomalies;
		}
	}
}

int probes_stack(void *probes, int32_t id, uint64_t *ips, int max)
{
	struct probes *p = probes;
	__u64 frames[ZDEV_STACK_DEPTH] = {};
	int i, n = 0;

	if (id < 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.stacks), &id, frames))
		return 0;
	for (i = 0; i < ZDEV_STACK_DEPTH && i < max && frames[i]; i++)
		ips[n++] = frames[i];
	return n;
}

void probes_close(struct probes *p)
{
	size_t i;
	int j;

	if (!p)
		return;
	if (p->stats_fd >= 0)
		close(p->stats_fd);
	for (i = 0; i < NR_HOOKS; i++)
		for (j = 0; j < 2; j++)
			bpf_link__destroy(p->hooks[i].links[j]);
	bpf_link__destroy(p->scope_link);
	zdev__destroy(p->skel);
	free(p);
}
