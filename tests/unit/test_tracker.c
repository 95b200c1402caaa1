// SPDX-License-Identifier: GPL-2.0
/*
 * The tracker, fed what the kernel side keeps (slots, per-CPU counters,
 * per-folio records) and the records the ring buffer still carries
 * (anomalies), the way src/kernel/kstate.c and src/session.c feed it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "events.h"

#define PRIV	0xffff888001000000ULL
#define DAX	0xffff888002000000ULL
#define P2P	0xffff888003000000ULL
#define DEV_PFN 0xfce0000ULL

static int setup(void **state)
{
	struct tracker *t = malloc(sizeof(*t));

	tracker_init(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tracker_release(*state);
	free(*state);
	return 0;
}

static const struct zt_pgmap *pgmap(struct tracker *t, int id)
{
	const struct zt_pgmap *p = tracker_pgmap_by_id(t, id);

	assert_non_null(p);
	return p;
}

/* A pgmap appears at the first sync of its slot, described. */
static void test_first_sight(void **state)
{
	struct tracker *t = *state;
	struct kpgmap k;
	struct zt_pgmap *p, *again;

	assert_null(tracker_pgmap_by_id(t, 1));
	k_pgmap(&k, 3, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k.s.info.owner = 0xffff888123456000ULL;
	k.s.info.vmemmap_shift = 9;
	p = k_sync(t, &k);
	assert_non_null(p);
	assert_int_equal(t->nr_pgmaps, 1);
	assert_ptr_equal(p, pgmap(t, 1));
	assert_int_equal(p->id, 1);
	assert_int_equal(p->slot, 3);
	assert_int_equal(p->gen, k.s.gen);
	assert_int_equal(p->addr, PRIV);
	assert_true(p->described);
	assert_false(p->final);
	assert_string_equal(tracker_type_name(p->type), "private");
	assert_int_equal(p->nr_range, 1);
	assert_int_equal(tracker_pgmap_pfn_start(p), DEV_PFN);
	assert_int_equal(tracker_pgmap_pfn_end(p), DEV_PFN + 65535);
	assert_int_equal(p->owner_id, 1);
	assert_int_equal(p->vmemmap_shift, 9);
	assert_int_equal(p->created_ns, k.s.created_ns);
	assert_true(p->created_ns > 0);
	assert_int_equal(p->state, ZT_PGMAP_LIVE);
	assert_false(p->folio_state_full);
	assert_int_equal(p->anomaly_stack[ZT_AN_DOUBLE_FREE], -1);
	assert_ptr_equal(tracker_pgmap_of(t, PRIV), p);
	assert_null(tracker_pgmap_of(t, DAX));
	assert_null(tracker_pgmap_of(t, 0));

	/* the same slot and generation: the same pgmap, brought up to date */
	k_born(&k, 0, 0);
	again = k_sync(t, &k);
	assert_ptr_equal(again, p);
	assert_int_equal(t->nr_pgmaps, 1);
	assert_int_equal(p->live_folios, 1);

	/* another slot: another pgmap; the same owner, the same owner id */
	k_pgmap(&k, 4, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, false);
	k.s.info.owner = 0xffff888123456000ULL;
	k.s.flags |= ZDEV_SLOT_NO_BITS;
	p = k_sync(t, &k);
	assert_int_equal(p->id, 2);
	assert_int_equal(p->owner_id, 1);
	assert_int_equal(p->created_ns, 0);
	/* no room for its per-folio state in the kernel */
	assert_true(p->folio_state_full);
	assert_int_equal(t->nr_pgmaps, 2);
}

/* A slot reused by a new generation holds a new pgmap. */
static void test_new_generation(void **state)
{
	struct tracker *t = *state;
	struct kpgmap k;
	struct zt_pgmap *p, *q;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_born(&k, 0, 0);
	p = k_sync(t, &k);
	/* slot 0 again, for a pgmap at another address: a new generation */
	k_pgmap(&k, 0, P2P, ZDEV_PGMAP_P2PDMA, 0xf8000, 0x4000, true);
	q = k_sync(t, &k);
	assert_ptr_not_equal(p, q);
	assert_int_equal(q->id, 2);
	assert_int_equal(q->slot, 0);
	assert_int_equal(q->gen, p->gen + 1);
	assert_string_equal(tracker_type_name(q->type), "p2pdma");
	assert_int_equal(q->live_folios, 0);
	/* no owner cookie: no owner id */
	assert_int_equal(q->owner_id, 0);
	/* the old one is left as it was */
	assert_string_equal(tracker_type_name(p->type), "private");
	assert_int_equal(p->live_folios, 1);
	assert_ptr_equal(tracker_pgmap_of(t, P2P), q);
	assert_ptr_equal(tracker_pgmap_of(t, PRIV), p);
}

/* Every counter comes from the sum over CPUs, as the kernel kept it. */
static void test_counters_copied(void **state)
{
	struct tracker *t = *state;
	struct zdev_slot s;
	struct zdev_pgmap_counters sum;
	struct zt_pgmap *p;
	struct kpgmap k;
	int a;

	k_pgmap(&k, 1, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	s = k.s;
	memset(&sum, 0, sizeof(sum));
	sum.inits = 101;
	sum.frees = 102;
	sum.splits = 103;
	sum.split_new_folios = 104;
	sum.preexisting = 105;
	sum.maps = 106;
	sum.unmaps = 107;
	sum.migrated_to_device_pages = 108;
	sum.migrated_to_device_large = 109;
	sum.migrated_to_ram_pages = 110;
	sum.migrated_to_ram_large = 111;
	sum.evicted_pages = 112;
	sum.collected_pages = 113;
	sum.live_folios = 114;
	sum.live_pages = 115;
	sum.mapped_pages = 116;
	sum.untracked = 117;
	for (a = 0; a < ZDEV_AN_MAX; a++)
		sum.anomalies[a] = 200 + a;
	p = tracker_pgmap_update(t, &s, &sum);
	assert_int_equal(p->c.inits, 101);
	assert_int_equal(p->c.frees, 102);
	assert_int_equal(p->c.splits, 103);
	assert_int_equal(p->c.split_new_folios, 104);
	assert_int_equal(p->c.preexisting, 105);
	assert_int_equal(p->c.maps, 106);
	assert_int_equal(p->c.unmaps, 107);
	assert_int_equal(p->c.migrated_to_device_pages, 108);
	assert_int_equal(p->c.migrated_to_device_large, 109);
	assert_int_equal(p->c.migrated_to_ram_pages, 110);
	assert_int_equal(p->c.migrated_to_ram_large, 111);
	assert_int_equal(p->c.evicted_pages, 112);
	assert_int_equal(p->c.collected_pages, 113);
	assert_int_equal(p->live_folios, 114);
	assert_int_equal(p->live_pages, 115);
	assert_int_equal(p->mapped_pages, 116);
	assert_int_equal(p->untracked, 117);
	for (a = 0; a < ZT_AN_MAX; a++)
		assert_int_equal(p->c.anomalies[a], 200 + a);
	assert_int_equal(tracker_anomalies(p),
			 200 * ZT_AN_MAX + ZT_AN_MAX * (ZT_AN_MAX - 1) / 2);

	/* each sync replaces the counts: they are totals, not deltas */
	sum.inits = 1;
	sum.live_folios = 2;
	memset(sum.anomalies, 0, sizeof(sum.anomalies));
	tracker_pgmap_update(t, &s, &sum);
	assert_int_equal(p->c.inits, 1);
	assert_int_equal(p->live_folios, 2);
	assert_int_equal(tracker_anomalies(p), 0);
	assert_int_equal(t->nr_pgmaps, 1);
}

/*
 * A folio born on one CPU and freed on another leaves -1 on the second:
 * only the sum means something. A sum read while CPUs move it can be
 * negative for a moment: clamped to 0, never a huge unsigned count.
 */
static void test_signed_sums(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_born(&k, 0, 9);
	k_rmap(&k, 0, true, 9, 0, 0, 1, 1);
	k_rmap(&k, 1, false, 9, 1, 1, 0, 0);
	k_freed(&k, 1, 9);
	assert_int_equal(k.cpu[1].live_folios, -1);
	assert_int_equal(k.cpu[1].live_pages, -512);
	assert_int_equal(k.cpu[1].mapped_pages, -512);
	p = k_sync(t, &k);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->live_pages, 0);
	assert_int_equal(p->mapped_pages, 0);
	assert_int_equal(p->c.inits, 1);
	assert_int_equal(p->c.frees, 1);

	/* the free's CPU read, the birth's not yet: a sum below 0 */
	k.cpu[0].live_folios = 0;
	k.cpu[0].live_pages = 0;
	k.cpu[0].mapped_pages = 0;
	p = k_sync(t, &k);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->live_pages, 0);
	assert_int_equal(p->mapped_pages, 0);
	assert_int_equal(tracker_live_folios(t), 0);
}

/* hmm: 4 pages migrated to the device and back by a CPU fault. */
static void test_private_lifecycle(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;
	int i;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	for (i = 0; i < 4; i++)
		k_born(&k, i % K_NCPUS, 0);
	k_migrate(&k, 0, 4, 0, ZDEV_F_TO_DEVICE);
	/* remove_migration_pte installs device-private entries */
	for (i = 0; i < 4; i++)
		k_rmap(&k, 1, true, 0, 0, 0, 1, 0);
	p = k_sync(t, &k);
	assert_string_equal(tracker_type_name(p->type), "private");
	assert_int_equal(p->live_folios, 4);
	assert_int_equal(p->live_pages, 4);
	assert_int_equal(p->mapped_pages, 4);
	assert_int_equal(p->c.migrated_to_device_pages, 4);
	assert_int_equal(p->c.maps, 4);
	assert_int_equal(tracker_live_folios(t), 4);

	/* CPU fault: collect unmaps, migrate back, finalize frees */
	for (i = 0; i < 4; i++)
		k_rmap(&k, 0, false, 0, 1, 0, 0, 0);
	k_migrate(&k, 1, 4, 0, 0);
	for (i = 0; i < 4; i++)
		k_freed(&k, 0, 0);
	k_sync(t, &k);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->mapped_pages, 0);
	assert_int_equal(p->c.inits, 4);
	assert_int_equal(p->c.frees, 4);
	assert_int_equal(p->c.unmaps, 4);
	assert_int_equal(p->c.migrated_to_ram_pages, 4);
	assert_int_equal(p->c.evicted_pages, 0);
	assert_int_equal(tracker_anomalies(p), 0);
	assert_int_equal(tracker_live_folios(t), 0);

	/* eviction (driver unbind): to RAM, and counted evicted too */
	k_migrate(&k, 0, 100, 0, ZDEV_F_EVICT);
	k_sync(t, &k);
	assert_int_equal(p->c.migrated_to_ram_pages, 104);
	assert_int_equal(p->c.evicted_pages, 100);
	assert_int_equal(p->c.migrated_to_device_pages, 4);
}

/* Device-private THP: born order 9, split, dies as 512 order-0 folios. */
static void test_thp_split(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;
	int i;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_born(&k, 0, 9);
	k_migrate(&k, 0, 512, 1, ZDEV_F_TO_DEVICE);
	k_rmap(&k, 0, true, 9, 0, 0, 1, 1);
	p = k_sync(t, &k);
	assert_int_equal(p->live_folios, 1);
	assert_int_equal(p->live_pages, 512);
	assert_int_equal(p->mapped_pages, 512);
	assert_int_equal(p->c.migrated_to_device_large, 1);

	k_rmap(&k, 0, false, 9, 1, 1, 0, 0);
	k_split(&k, 1, 9, 0);
	k_sync(t, &k);
	assert_int_equal(p->live_folios, 512);
	assert_int_equal(p->live_pages, 512);
	assert_int_equal(p->mapped_pages, 0);
	assert_int_equal(p->c.splits, 1);
	assert_int_equal(p->c.split_new_folios, 511);

	for (i = 0; i < 512; i++)
		k_freed(&k, i % K_NCPUS, 0);
	k_sync(t, &k);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->live_pages, 0);
	assert_int_equal(p->c.frees, 512);
	assert_int_equal(p->c.frees, p->c.inits + p->c.split_new_folios);
	assert_int_equal(tracker_anomalies(p), 0);
}

/* FS DAX PMD folio, and 4 KiB ones mapped by several page tables. */
static void test_fsdax_mapped(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;

	/* a boot-time pgmap: first seen by an event, never "created" */
	k_pgmap(&k, 0, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, false);
	k_born(&k, 0, 9);
	k_rmap(&k, 0, true, 9, 0, 0, 1, 1);
	p = k_sync(t, &k);
	assert_int_equal(p->created_ns, 0);
	assert_int_equal(p->live_folios, 1);
	assert_int_equal(p->live_pages, 512);
	assert_int_equal(p->mapped_pages, 512);
	/* a 4 KiB folio mapped by two processes is one mapped page */
	k_born(&k, 1, 0);
	k_rmap(&k, 1, true, 0, 0, 0, 1, 0);
	k_rmap(&k, 0, true, 0, 1, 0, 2, 0);
	k_sync(t, &k);
	assert_int_equal(p->mapped_pages, 513);
	assert_int_equal(p->c.maps, 3);
	k_rmap(&k, 1, false, 9, 1, 1, 0, 0);
	k_freed(&k, 1, 9);
	k_sync(t, &k);
	assert_int_equal(p->mapped_pages, 1);
	assert_int_equal(p->live_pages, 1);
	assert_int_equal(p->c.inits, 2);
	assert_int_equal(p->c.frees, 1);
	/* the census found one alive before us, mapped by PTEs */
	k_found(&k, 0, 9, 3, 0);
	k_sync(t, &k);
	assert_int_equal(p->c.preexisting, 1);
	assert_int_equal(p->live_folios, 2);
	assert_int_equal(p->mapped_pages, 4);
}

/* A pgmap's pfns: its lowest and highest over all its ranges. */
static void test_ranges(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;

	k_pgmap(&k, 0, P2P, ZDEV_PGMAP_P2PDMA, 0xf8000, 0x4000, false);
	p = k_sync(t, &k);
	assert_string_equal(tracker_type_name(p->type), "p2pdma");
	assert_int_equal(tracker_pgmap_pfn_start(p), 0xf8000);
	assert_int_equal(tracker_pgmap_pfn_end(p), 0xf8000 + 0x4000 - 1);

	/* device-dax with several ranges, not in order */
	k.s.info.nr_range = 3;
	k.s.info.ranges[1].start = 0x20000ULL << 12;
	k.s.info.ranges[1].end = (0x21000ULL << 12) - 1;
	k.s.info.ranges[2].start = 0x100000ULL << 12;
	k.s.info.ranges[2].end = (0x100800ULL << 12) - 1;
	k_sync(t, &k);
	assert_int_equal(p->nr_range, 3);
	assert_int_equal(tracker_pgmap_pfn_start(p), 0x20000);
	assert_int_equal(tracker_pgmap_pfn_end(p), 0x1007ff);
	assert_int_equal(p->ranges[2].start, 0x100000ULL << 12);

	/* more ranges than a slot holds: the ones it holds, no further */
	k.s.info.nr_range = 6;
	k.s.info.ranges[3].start = 0x10000ULL << 12;
	k.s.info.ranges[3].end = (0x10010ULL << 12) - 1;
	k_sync(t, &k);
	assert_int_equal(p->nr_range, 6);
	assert_int_equal(tracker_pgmap_pfn_start(p), 0x10000);
	assert_int_equal(tracker_pgmap_pfn_end(p), 0x1007ff);
	assert_int_equal(p->ranges[3].end, (0x10010ULL << 12) - 1);
}

/*
 * The slot's states, and the folios live when memunmap_pages() began: a
 * clean driver's last put lands inside the wait, then drained, gone.
 */
static void test_states(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_born(&k, 0, 0);
	k_born(&k, 1, 0);
	p = k_sync(t, &k);
	assert_int_equal(p->state, ZT_PGMAP_LIVE);
	assert_string_equal(tracker_state_name(p->state), "live");
	assert_int_equal(p->live_at_kill, 0);

	k_kill(&k);
	p = k_sync(t, &k);
	assert_int_equal(p->state, ZT_PGMAP_KILLING);
	assert_string_equal(tracker_state_name(p->state), "killing");
	assert_int_equal(p->kill_ns, k.s.kill_ns);
	assert_int_equal(p->live_at_kill, 2);
	/* the frees inside the wait: what it began with is kept */
	k_freed(&k, 0, 0);
	k_sync(t, &k);
	assert_int_equal(p->live_folios, 1);
	assert_int_equal(p->live_at_kill, 2);
	k_freed(&k, 1, 0);
	k_drain(&k);
	k_sync(t, &k);
	assert_int_equal(p->state, ZT_PGMAP_DRAINED);
	assert_int_equal(p->drained_ns, k.s.drained_ns);
	assert_int_equal(p->live_at_kill, 2);
	k_gone(&k);
	k_sync(t, &k);
	assert_int_equal(p->state, ZT_PGMAP_GONE);
	assert_string_equal(tracker_state_name(p->state), "gone");
	assert_int_equal(p->gone_ns, k.s.gone_ns);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 0);
	assert_false(tracker_judge_gone(t, p));
	assert_int_equal(t->nr_pgmaps, 1);
}

/*
 * live_at_kill is taken at the first sync that finds the pgmap past LIVE,
 * whichever state that is: first seen already killing, or a teardown
 * that went from live to drained between two syncs.
 */
static void test_live_at_kill_first_sync(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k, d;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_born(&k, 0, 0);
	k_born(&k, 0, 0);
	k_born(&k, 0, 0);
	k_kill(&k);
	p = k_sync(t, &k);
	assert_int_equal(p->state, ZT_PGMAP_KILLING);
	assert_int_equal(p->live_at_kill, 3);

	k_pgmap(&d, 1, P2P, ZDEV_PGMAP_P2PDMA, 0xf8000, 0x4000, true);
	k_born(&d, 1, 0);
	p = k_sync(t, &d);
	k_kill(&d);
	k_drain(&d);
	p = k_sync(t, &d);
	assert_int_equal(p->state, ZT_PGMAP_DRAINED);
	assert_int_equal(p->live_at_kill, 1);

	/* a state the tracker does not know is taken for live */
	k_pgmap(&d, 2, P2P + 4096, ZDEV_PGMAP_P2PDMA, 0xfc000, 0x4000, true);
	d.s.state = 77;
	p = k_sync(t, &d);
	assert_int_equal(p->state, ZT_PGMAP_LIVE);
	assert_string_equal(tracker_state_name(77), "unknown");
}

/*
 * A memunmap_pages() waiting past the bound is stuck: told once, counted
 * a teardown_live anomaly, which later syncs keep beside the kernel's.
 */
static void test_teardown_stuck(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;
	int ids[4];

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_born(&k, 0, 0);
	k_anomaly(&k, 1, ZDEV_AN_DOUBLE_FREE);
	p = k_sync(t, &k);
	/* live: no teardown for the daemon to look at often */
	assert_false(tracker_teardown_pending(t));
	k_kill(&k);
	k_sync(t, &k);
	/* waiting, but not for long yet */
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 999, 1000, ids, 4), 0);
	assert_false(p->teardown_judged);
	assert_true(tracker_teardown_pending(t));
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 0);
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 1000, 1000, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_true(p->teardown_judged);
	assert_false(tracker_teardown_pending(t));
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
	assert_int_equal(tracker_anomalies(p), 2);
	/* judged once */
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 5000, 1000, ids, 4), 0);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);

	/* a sync overwrites the kernel's counts, and keeps the judgement */
	k_anomaly(&k, 0, ZDEV_AN_DOUBLE_FREE);
	k_sync(t, &k);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
	assert_int_equal(p->c.anomalies[ZT_AN_DOUBLE_FREE], 2);
	assert_int_equal(tracker_anomalies(p), 3);
	/* drained and gone at last: still told once */
	k_freed(&k, 0, 0);
	k_drain(&k);
	k_gone(&k);
	k_sync(t, &k);
	assert_false(tracker_judge_gone(t, p));
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
}

/*
 * Only a teardown that waits for its folios can be stuck: private,
 * coherent, P2PDMA; never FS DAX or device-dax. Only while killing; no
 * live folio needed (a reference held elsewhere); at most max a call.
 */
static void test_teardown_stuck_which(void **state)
{
	static const struct {
		uint32_t type;
		bool waits;
	} types[] = {
		{ ZDEV_PGMAP_PRIVATE, true },  { ZDEV_PGMAP_COHERENT, true },
		{ ZDEV_PGMAP_P2PDMA, true },   { ZDEV_PGMAP_FSDAX, false },
		{ ZDEV_PGMAP_GENERIC, false },
	};
	struct tracker *t = *state;
	struct kpgmap k[5], late;
	const struct zt_pgmap *p;
	int ids[8], n, i;

	for (i = 0; i < 5; i++) {
		k_pgmap(&k[i], i, PRIV + i * 0x1000, types[i].type,
			DEV_PFN + i * 0x10000, 0x10000, true);
		k_born(&k[i], 0, 0);
		k_kill(&k[i]);
		k_sync(t, &k[i]);
	}
	/* drained: not waiting any more */
	k_pgmap(&late, 5, PRIV + 0x9000, ZDEV_PGMAP_PRIVATE, 0x100000, 0x1000,
		true);
	k_kill(&late);
	k_drain(&late);
	k_sync(t, &late);
	n = tracker_stuck_teardowns(t, test_clock + 10000, 1000, ids, 8);
	assert_int_equal(n, 3);
	for (i = 0; i < 5; i++) {
		p = pgmap(t, i + 1);
		assert_int_equal(tracker_teardown_waits(p), types[i].waits);
		assert_int_equal(p->teardown_judged, types[i].waits);
		assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE],
				 types[i].waits);
	}
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 3);
	assert_false(pgmap(t, 6)->teardown_judged);

	/* no live folio: still stuck; a clock behind kill_ns: never */
	tracker_release(t);
	tracker_init(t);
	for (i = 0; i < 3; i++) {
		k_pgmap(&k[i], i, PRIV + i * 0x1000, ZDEV_PGMAP_PRIVATE,
			DEV_PFN + i * 0x10000, 0x10000, true);
		k_kill(&k[i]);
		k_sync(t, &k[i]);
	}
	assert_int_equal(
		tracker_stuck_teardowns(t, k[0].s.kill_ns - 1, 0, ids, 8), 0);
	/* at most max at a time; the rest at the next call */
	assert_int_equal(tracker_stuck_teardowns(t, test_clock, 0, ids, 2), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(tracker_stuck_teardowns(t, test_clock, 0, ids, 2), 1);
	assert_int_equal(ids[0], 3);
	assert_int_equal(pgmap(t, 3)->live_folios, 0);
}

/*
 * FS DAX and device-dax: memunmap_pages() does not wait for folios; one
 * live when the pgmap is gone is the anomaly, judged once.
 */
static void test_judge_gone(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p, *q, *r;
	struct kpgmap k, g, v;
	int ids[4];

	k_pgmap(&k, 0, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, true);
	k_born(&k, 0, 0);
	k_born(&k, 1, 9);
	k_kill(&k);
	p = k_sync(t, &k);
	/* not a wait: never stuck */
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 5000, 1000, ids, 4), 0);
	k_gone(&k);
	k_sync(t, &k);
	assert_true(tracker_gone_with_live(p));
	assert_true(tracker_judge_gone(t, p));
	assert_true(p->teardown_judged);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
	assert_false(tracker_gone_with_live(p));
	assert_false(tracker_judge_gone(t, p));
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
	/* a sync before its slot is given back keeps the judgement */
	k_anomaly(&k, 0, ZDEV_AN_FREE_UNTRACKED);
	k_sync(t, &k);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
	assert_int_equal(tracker_anomalies(p), 2);
	assert_int_equal(p->live_folios, 2);
	assert_int_equal(p->live_pages, 513);

	/* device-dax alike */
	k_pgmap(&g, 1, DAX + 0x1000, ZDEV_PGMAP_GENERIC, 0x80000, 0x1000, true);
	k_born(&g, 0, 9);
	k_kill(&g);
	k_gone(&g);
	q = k_sync(t, &g);
	assert_true(tracker_judge_gone(t, q));
	assert_int_equal(q->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);

	/* gone with nothing live: nothing to judge */
	k_pgmap(&v, 2, DAX + 0x2000, ZDEV_PGMAP_FSDAX, 0x90000, 0x1000, true);
	k_born(&v, 0, 0);
	k_freed(&v, 1, 0);
	k_gone(&v);
	r = k_sync(t, &v);
	assert_false(tracker_judge_gone(t, r));
	assert_int_equal(tracker_anomalies(r), 0);

	/* a pgmap whose teardown waited is not judged at gone */
	k_pgmap(&v, 3, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 0x1000, true);
	k_born(&v, 0, 0);
	k_gone(&v);
	r = k_sync(t, &v);
	assert_false(tracker_gone_with_live(r));
	assert_false(tracker_judge_gone(t, r));
	assert_int_equal(tracker_anomalies(r), 0);
}

static int count_folio(const struct zt_folio_view *v, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

/*
 * A gone pgmap, judged, is final: its cached folios dropped, its live
 * numbers 0, its address free for a new pgmap with a new id.
 */
static void test_pgmap_final(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p, *q, *n;
	struct zt_folio_view v;
	struct kpgmap k, other;
	uint64_t rec = zdev_rec_new(0, 0, -1, false);
	int i, folios = 0;

	t->folio_records = true;
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_pgmap(&other, 1, P2P, ZDEV_PGMAP_P2PDMA, 0xf8000, 0x4000, true);
	for (i = 0; i < 2; i++) {
		k_born(&k, 0, 0);
		k_born(&other, 0, 0);
	}
	p = k_sync(t, &k);
	q = k_sync(t, &other);
	for (i = 0; i < 2; i++) {
		assert_int_equal(k_rec_add(t, p->id, DEV_PFN + i, rec, 0), 0);
		assert_int_equal(k_rec_add(t, q->id, 0xf8000 + i, rec, 0), 0);
	}
	assert_int_equal(tracker_live_folios(t), 4);
	tracker_foreach_folio(t, count_folio, &folios);
	assert_int_equal(folios, 4);

	/* gone while the kernel side still held two of its folios live */
	k_kill(&k);
	k_gone(&k);
	k_sync(t, &k);
	tracker_pgmap_final(t, p);
	assert_true(p->final);
	assert_int_equal(p->state, ZT_PGMAP_GONE);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->live_pages, 0);
	assert_int_equal(p->mapped_pages, 0);
	assert_false(tracker_folio(t, DEV_PFN, &v));
	assert_false(tracker_folio(t, DEV_PFN + 1, &v));
	assert_true(tracker_folio(t, 0xf8000, &v));
	assert_int_equal(v.pgmap_id, q->id);
	folios = 0;
	tracker_foreach_folio(t, count_folio, &folios);
	assert_int_equal(folios, 2);
	assert_int_equal(tracker_live_folios(t), 2);
	/* the counts of its life stay for the reports */
	assert_int_equal(p->c.inits, 2);
	assert_null(tracker_pgmap_of(t, PRIV));
	/* still listed, by id */
	assert_ptr_equal(pgmap(t, 1), p);

	/* a new pgmap at the same address, in the slot given back */
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	n = k_sync(t, &k);
	assert_int_equal(n->id, 3);
	assert_false(n->final);
	assert_int_equal(n->state, ZT_PGMAP_LIVE);
	assert_int_equal(n->c.inits, 0);
	assert_ptr_equal(tracker_pgmap_of(t, PRIV), n);
	assert_true(p->final);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(t->nr_pgmaps, 3);
}

/*
 * Anomaly records: the kernel counts them; the record names the folio
 * and call site of the latest, per pgmap and anomaly.
 */
static void test_anomaly_records(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p, *q;
	struct zdev_event e;
	struct kpgmap k, old;
	uint64_t newest;
	int a;

	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	p = k_sync(t, &k);
	k_anomaly(&k, 0, ZDEV_AN_DOUBLE_FREE);
	e = ev_anomaly(PRIV, ZDEV_AN_DOUBLE_FREE, DEV_PFN + 5, 0, 7);
	tracker_event(t, &e);
	assert_int_equal(t->records, 1);
	assert_int_equal(t->last_ns, e.ts_ns);
	assert_int_equal(p->anomaly_pfn[ZT_AN_DOUBLE_FREE], DEV_PFN + 5);
	assert_int_equal(p->anomaly_stack[ZT_AN_DOUBLE_FREE], 7);
	/* the count is the kernel's, at the next sync */
	assert_int_equal(p->c.anomalies[ZT_AN_DOUBLE_FREE], 0);
	k_sync(t, &k);
	assert_int_equal(p->c.anomalies[ZT_AN_DOUBLE_FREE], 1);
	for (a = 0; a < ZT_AN_MAX; a++) {
		if (a == ZT_AN_DOUBLE_FREE)
			continue;
		assert_int_equal(p->anomaly_stack[a], -1);
		assert_int_equal(p->anomaly_pfn[a], 0);
	}

	/* the latest wins; without stacks captured: -1 */
	e = ev_anomaly(PRIV, ZDEV_AN_DOUBLE_FREE, DEV_PFN + 6, 0, -1);
	tracker_event(t, &e);
	assert_int_equal(p->anomaly_pfn[ZT_AN_DOUBLE_FREE], DEV_PFN + 6);
	assert_int_equal(p->anomaly_stack[ZT_AN_DOUBLE_FREE], -1);
	e = ev_anomaly(PRIV, ZDEV_AN_MAPCOUNT_NEGATIVE, DEV_PFN + 9, 0, 9);
	tracker_event(t, &e);
	assert_int_equal(p->anomaly_stack[ZT_AN_MAPCOUNT_NEGATIVE], 9);
	assert_int_equal(p->anomaly_pfn[ZT_AN_DOUBLE_FREE], DEV_PFN + 6);

	/* an anomaly no tracker slot holds, or of no pgmap known: ignored */
	e = ev_anomaly(PRIV, ZDEV_AN_MAX, DEV_PFN, 0, 3);
	tracker_event(t, &e);
	e = ev_anomaly(PRIV, 0xffffffffu, DEV_PFN, 0, 3);
	tracker_event(t, &e);
	e = ev_anomaly(DAX, ZDEV_AN_DOUBLE_FREE, 0x40000, 0, 3);
	tracker_event(t, &e);
	assert_int_equal(p->anomaly_pfn[ZT_AN_DOUBLE_FREE], DEV_PFN + 6);
	assert_int_equal(t->nr_pgmaps, 1);
	assert_int_equal(t->records, 6);

	/* a final pgmap's address reused: the record is the new one's */
	k_gone(&k);
	k_sync(t, &k);
	tracker_pgmap_final(t, p);
	k_pgmap(&old, 1, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	q = k_sync(t, &old);
	e = ev_anomaly(PRIV, ZDEV_AN_FREE_MAPPED, DEV_PFN + 1, 0, 11);
	tracker_event(t, &e);
	assert_int_equal(q->anomaly_stack[ZT_AN_FREE_MAPPED], 11);
	assert_int_equal(p->anomaly_stack[ZT_AN_FREE_MAPPED], -1);

	/* other records (lifecycle, --events) are counted, nothing more */
	e = ev_base(ZDEV_EV_PGMAP_KILL, PRIV);
	tracker_event(t, &e);
	e = ev_base(ZDEV_EV_INIT, PRIV);
	e.folio.pfn = DEV_PFN + 100;
	tracker_event(t, &e);
	assert_int_equal(q->state, ZT_PGMAP_LIVE);
	assert_int_equal(q->live_folios, 0);
	assert_int_equal(q->c.inits, 0);
	assert_false(
		tracker_folio(t, DEV_PFN + 100, &(struct zt_folio_view){}));
	assert_int_equal(t->records, 9);
	assert_int_equal(t->last_ns, e.ts_ns);
	/* an older record leaves the newest time */
	newest = e.ts_ns;
	e.ts_ns = 1;
	tracker_event(t, &e);
	assert_int_equal(t->records, 10);
	assert_int_equal(t->last_ns, newest);
}

/* Live folios of every pgmap, from the kernel's counts (either mode). */
static void test_live_folios_sum(void **state)
{
	struct tracker *t = *state;
	struct kpgmap a, b;
	int i;

	assert_int_equal(tracker_live_folios(t), 0);
	k_pgmap(&a, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	k_pgmap(&b, 1, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, false);
	for (i = 0; i < 3; i++)
		k_born(&a, i % K_NCPUS, 0);
	for (i = 0; i < 5; i++)
		k_found(&b, 1, 9, 0, 0);
	k_freed(&b, 0, 9);
	k_sync(t, &a);
	k_sync(t, &b);
	/* no folio records (daemon mode): the counts alone */
	assert_false(t->folio_records);
	assert_int_equal(tracker_live_folios(t), 7);
	assert_int_equal(pgmap(t, 2)->live_pages, 4 * 512);
	assert_int_equal(pgmap(t, 2)->c.preexisting, 5);
	k_gone(&b);
	k_sync(t, &b);
	tracker_pgmap_final(t, (struct zt_pgmap *)pgmap(t, 2));
	assert_int_equal(tracker_live_folios(t), 3);
}

struct stop_at {
	int seen;
	int stop_after;
};

static int stop_early(const struct zt_folio_view *v, void *ctx)
{
	struct stop_at *s = ctx;

	return ++s->seen == s->stop_after ? 42 : 0;
}

static int stop_at_pgmap(const struct zt_pgmap *p, void *ctx)
{
	return p->id == *(int *)ctx ? p->id + 100 : 0;
}

/* The cache of live folios (CI mode), refilled before the rules run. */
static void test_folio_cache(void **state)
{
	struct tracker *t = *state;
	struct zt_folio_view v;
	struct stop_at s = { 0, 2 };
	struct kpgmap k;
	uint64_t rec;
	int id, n = 0;

	t->folio_records = true;
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, true);
	id = k_sync(t, &k)->id;
	assert_false(tracker_folio(t, DEV_PFN, &v));

	/* born 1.5 s in, at stack 5; mapped 2 s after */
	rec = zdev_rec_new(1500000000ULL, 9, 5, false);
	rec = zdev_rec_touch(rec, 1500000000ULL + (2ULL << 30), true);
	assert_int_equal(k_rec_add(t, id, DEV_PFN + 512, rec, 1000), 0);
	assert_true(tracker_folio(t, DEV_PFN + 512, &v));
	assert_int_equal(v.pfn, DEV_PFN + 512);
	assert_int_equal(v.order, 9);
	assert_int_equal(v.pgmap_id, id);
	assert_int_equal(v.mapcount, 1);
	assert_false(v.preexisting);
	assert_int_equal(v.birth_stack, 5);
	assert_int_equal(v.last_stack, -1);
	assert_int_equal(v.birth_ns,
			 1000 + (1500000000ULL & ~((1ULL << 22) - 1)));
	assert_int_equal(v.last_ns, v.birth_ns + (2ULL << 30));

	/* the census's: pre-existing, born at the session's start */
	rec = zdev_rec_new(0, 0, -1, true);
	assert_int_equal(k_rec_add(t, id, DEV_PFN + 3, rec, 1000), 0);
	assert_true(tracker_folio(t, DEV_PFN + 3, &v));
	assert_true(v.preexisting);
	assert_int_equal(v.birth_ns, 1000);
	assert_int_equal(v.birth_stack, -1);
	assert_int_equal(v.mapcount, 0);

	/* the same pfn again: the newer record wins, no duplicate */
	rec = zdev_rec_new(0, 0, 8, false);
	assert_int_equal(k_rec_add(t, id, DEV_PFN + 3, rec, 1000), 0);
	assert_true(tracker_folio(t, DEV_PFN + 3, &v));
	assert_false(v.preexisting);
	assert_int_equal(v.birth_stack, 8);
	tracker_foreach_folio(t, count_folio, &n);
	assert_int_equal(n, 2);

	/* a walk stops where its function says, with its value */
	assert_int_equal(k_rec_add(t, id, DEV_PFN + 4, rec, 1000), 0);
	assert_int_equal(tracker_foreach_folio(t, stop_early, &s), 42);
	assert_int_equal(s.seen, 2);
	n = 0;
	assert_int_equal(tracker_foreach_folio(t, count_folio, &n), 0);
	assert_int_equal(n, 3);

	/* cleared before each refill */
	tracker_folios_clear(t);
	assert_false(tracker_folio(t, DEV_PFN + 512, &v));
	n = 0;
	tracker_foreach_folio(t, count_folio, &n);
	assert_int_equal(n, 0);
	tracker_folios_clear(t);
	/* the pgmaps' own counts are not the cache's */
	assert_int_equal(pgmap(t, id)->live_folios, 0);
	assert_int_equal(k_rec_add(t, id, DEV_PFN, rec, 1000), 0);
	assert_true(tracker_folio(t, DEV_PFN, &v));

	/* pgmaps walk in id order, stopping likewise */
	k_pgmap(&k, 1, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, false);
	k_sync(t, &k);
	n = 2;
	assert_int_equal(tracker_foreach_pgmap(t, stop_at_pgmap, &n), 102);
	n = 9;
	assert_int_equal(tracker_foreach_pgmap(t, stop_at_pgmap, &n), 0);
}

/* Idle refcounts and who waits at teardown, by type and scheme. */
static void test_idle_refcount_and_waits(void **state)
{
	static const struct {
		uint32_t type;
		int idle_7x, idle_6x;
		bool waits;
	} types[] = {
		{ ZDEV_PGMAP_PRIVATE, 0, 0, true },
		{ ZDEV_PGMAP_COHERENT, 0, 0, true },
		{ ZDEV_PGMAP_FSDAX, 0, 1, false },
		{ ZDEV_PGMAP_GENERIC, 1, 1, false },
		{ ZDEV_PGMAP_P2PDMA, 0, 0, true },
		{ ZDEV_PGMAP_UNKNOWN, 0, 0, true },
	};
	struct tracker *t = *state;
	struct zt_pgmap *p;
	struct kpgmap k;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		k_pgmap(&k, i, PRIV + i * 0x1000, types[i].type,
			DEV_PFN + i * 0x1000, 0x1000, true);
		p = k_sync(t, &k);
		/* v6.18 and later: FS DAX folios idle at 0 */
		t->fsdax_idle_at_one = false;
		assert_int_equal(tracker_idle_refcount(t, p), types[i].idle_7x);
		/* v6.1/6.12: the devmap scheme, FS DAX idle at 1 */
		t->fsdax_idle_at_one = true;
		assert_int_equal(tracker_idle_refcount(t, p), types[i].idle_6x);
		assert_int_equal(tracker_teardown_waits(p), types[i].waits);
	}
}

static void test_names(void **state)
{
	assert_string_equal(tracker_type_name(ZDEV_PGMAP_PRIVATE), "private");
	assert_string_equal(tracker_type_name(ZDEV_PGMAP_COHERENT), "coherent");
	assert_string_equal(tracker_type_name(ZDEV_PGMAP_FSDAX), "fsdax");
	assert_string_equal(tracker_type_name(ZDEV_PGMAP_GENERIC), "generic");
	assert_string_equal(tracker_type_name(ZDEV_PGMAP_P2PDMA), "p2pdma");
	assert_string_equal(tracker_type_name(ZDEV_PGMAP_UNKNOWN), "unknown");
	assert_string_equal(tracker_type_name(99), "unknown");
	assert_string_equal(tracker_state_name(ZT_PGMAP_DRAINED), "drained");
	assert_string_equal(tracker_anomaly_name(ZT_AN_DOUBLE_INIT),
			    "double_init");
	assert_string_equal(tracker_anomaly_name(ZT_AN_TEARDOWN_LIVE),
			    "teardown_live");
	assert_string_equal(tracker_anomaly_name(ZT_AN_BAD_ORDER), "bad_order");
	assert_string_equal(tracker_anomaly_name(ZT_AN_MAX), "unknown");
	/* the tracker's anomalies are the kernel side's, one for one */
	assert_int_equal(ZT_AN_MAX, ZDEV_AN_MAX);
	assert_int_equal(ZT_AN_SPLIT_UNTRACKED, ZDEV_AN_SPLIT_UNTRACKED);
}

/* A DAX layout wait, as the kernel side's map holds it. */
static struct zdev_layout_wait k_wait(uint64_t first_ns, uint64_t pfn)
{
	return (struct zdev_layout_wait){ .mapping = 0xffff888007000000ULL,
					  .first_ns = first_ns,
					  .pfn = pfn,
					  .busy = 1 };
}

/*
 * Waits refilled at each tick: a wait keeps its alerted mark while it
 * lasts, the same thread's next wait starts unmarked, a wait gone from
 * the map leaves, and the oldest comes first.
 */
static void test_waits_refill(void **state)
{
	struct zt_waits ws = {};
	struct zdev_layout_wait a = k_wait(300, 0x40000), b = k_wait(100, 7);

	waits_begin(&ws);
	assert_int_equal(waits_put(&ws, 11, 1, &a), 0);
	assert_int_equal(waits_put(&ws, 12, 0, &b), 0);
	waits_end(&ws);
	assert_int_equal(ws.nr, 2);
	assert_int_equal(ws.v[0].tid, 12); /* waiting since 100 */
	assert_int_equal(ws.v[1].pgmap_id, 1);
	ws.v[1].alerted = true;

	/* 11 waits on, for its next busy page; 12 is done */
	a.busy = 2;
	a.pfn = 0x40200;
	waits_begin(&ws);
	assert_int_equal(waits_put(&ws, 11, 1, &a), 0);
	waits_end(&ws);
	assert_int_equal(ws.nr, 1);
	assert_int_equal(ws.v[0].tid, 11);
	assert_true(ws.v[0].alerted);
	assert_int_equal(ws.v[0].k.pfn, 0x40200);

	/* 11's next truncate: a new wait, alerted on anew */
	a.first_ns = 900;
	waits_begin(&ws);
	assert_int_equal(waits_put(&ws, 11, 1, &a), 0);
	waits_end(&ws);
	assert_false(ws.v[0].alerted);

	waits_begin(&ws);
	waits_end(&ws);
	assert_int_equal(ws.nr, 0);
	waits_release(&ws);
}

static void test_waits_dev_name(void **state)
{
	char buf[24];

	/* the kernel's MKDEV(259, 0), MKDEV(8, 1048575) */
	waits_dev_name(259U << 20, buf, sizeof(buf));
	assert_string_equal(buf, "259:0");
	waits_dev_name((8U << 20) | 0xfffff, buf, sizeof(buf));
	assert_string_equal(buf, "8:1048575");
}

static struct zdev_mm_stats k_mm(uint32_t tgid, const char *comm,
				 uint64_t cgroup, int64_t mapped,
				 uint64_t to_device, uint64_t to_ram)
{
	struct zdev_mm_stats m = { .mapped_pages = mapped,
				   .to_device_pages = to_device,
				   .to_ram_pages = to_ram,
				   .cgroup = cgroup,
				   .tgid = tgid };

	snprintf(m.comm, sizeof(m.comm), "%s", comm);
	return m;
}

/*
 * Device pages per process and per cgroup: a process with two address
 * spaces sums them, a forked child's unmaps (its inherited mappings were
 * never seen) count as nothing, pins add to their holder, per cgroup the
 * migrations of exited processes stay; the top ones, then the rest.
 */
static void test_usage(void **state)
{
	struct zt_usage u = {};
	struct zt_pins pins = {};
	struct zt_user top[2];
	struct zt_usage_rest rest;
	struct zdev_mm_stats m;
	struct zdev_pin pin = {
		.order = 9, .tgid = 30, .cgroup = 7, .comm = "rdma"
	};
	struct zdev_cgroup_stats cg = { .to_device_pages = 100,
					.to_ram_pages = 40 };
	int n;

	m = k_mm(10, "gpu-job", 5, 64, 64, 0);
	assert_int_equal(usage_add_mm(&u, 0x1000, &m), 0);
	m = k_mm(10, "gpu-job", 5, 16, 16, 8);
	assert_int_equal(usage_add_mm(&u, 0x2000, &m), 0);
	m = k_mm(11, "gpu-job", 5, -16, 0, 0); /* the child */
	assert_int_equal(usage_add_mm(&u, 0x3000, &m), 0);
	m = k_mm(20, "other-job", 6, 4, 4, 0);
	assert_int_equal(usage_add_mm(&u, 0x4000, &m), 0);
	m = k_mm(21, "idle", 6, 0, 0, 0); /* nothing left: not listed */
	assert_int_equal(usage_add_mm(&u, 0x5000, &m), 0);
	assert_int_equal(pins_add(&pins, 0x40000, 1, &pin), 0);
	assert_int_equal(usage_add_cgroup(&u, 5, &cg), 0);

	/* a CPU's pages not yet folded in; one of an address space gone */
	usage_pending(&u, 0x2000, 8);
	usage_pending(&u, 0x2000, -8);
	usage_pending(&u, 0x9000, 5);
	n = usage_processes(&u, &pins, top, 2, &rest);
	assert_int_equal(n, 2);
	assert_int_equal(top[0].tgid, 30); /* 512 pinned */
	assert_int_equal(top[0].pinned_pages, 512);
	assert_int_equal(top[0].cgroup, 7);
	assert_int_equal(top[1].tgid, 10);
	assert_string_equal(top[1].comm, "gpu-job");
	assert_int_equal(top[1].mapped_pages, 80);
	assert_int_equal(top[1].to_device_pages, 80);
	usage_pending(&u, 0x1000, 3);
	assert_int_equal(usage_processes(&u, &pins, top, 2, &rest), 2);
	assert_int_equal(top[1].mapped_pages, 83);
	usage_pending(&u, 0x1000, -3);
	assert_int_equal(top[1].to_ram_pages, 8);
	/* pid 20; the child maps nothing seen, pid 21 nothing at all */
	assert_int_equal(rest.count, 1);
	assert_int_equal(rest.mapped_pages, 4);

	n = usage_cgroups(&u, &pins, top, 2, &rest);
	assert_int_equal(n, 2);
	assert_int_equal(top[0].cgroup, 7);
	assert_int_equal(top[1].cgroup, 5);
	assert_int_equal(top[1].tgid, 0);
	assert_int_equal(top[1].mapped_pages, 80);
	/* the cgroup's own migration counts, not its processes' */
	assert_int_equal(top[1].to_device_pages, 100);
	assert_int_equal(top[1].to_ram_pages, 40);
	assert_int_equal(rest.count, 1);
	assert_int_equal(rest.mapped_pages, 4);

	usage_clear(&u);
	assert_int_equal(usage_processes(&u, &pins, top, 2, &rest), 1);
	usage_release(&u);
	pins_release(&pins);
}

static int sum_inits(const struct zt_pgmap *p, void *ctx)
{
	uint64_t *sums = ctx;

	sums[0] += p->c.inits;
	sums[1] += p->c.migrated_to_device_pages;
	sums[2] += p->faults.calls;
	sums[3] += p->residency.ns_log2[3];
	return 0;
}

/*
 * Gone pgmaps beyond the newest keep_gone leave the list for their
 * type's aggregate, every count kept; one that a judgement names stays,
 * and ids are never given again.
 */
static void test_retire(void **state)
{
	struct tracker *t = *state;
	struct zt_pgmap *p, *judged, *live;
	struct kpgmap k, d, l;
	uint64_t sums[4] = {}, ret[4] = {};
	int i;

	t->keep_gone = 2;
	/* five device-private pgmaps, one after another in slot 0 */
	for (i = 0; i < 5; i++) {
		k_pgmap(&k, 0, PRIV + i * 0x1000, ZDEV_PGMAP_PRIVATE, DEV_PFN,
			0x1000, true);
		k_born(&k, 0, 0);
		k_born(&k, 1, 0);
		k_freed(&k, 0, 0);
		k_freed(&k, 1, 0);
		k_migrate(&k, 0, 10 + i, 0, ZDEV_F_TO_DEVICE);
		p = k_sync(t, &k);
		p->faults.calls = 3;
		p->residency.ns_log2[3] = 1;
		strcpy(p->fault_op_name, "dmirror_devmem_fault [test_hmm]");
		k_kill(&k);
		k_gone(&k);
		k_sync(t, &k);
		assert_false(tracker_judge_gone(t, p));
		tracker_pgmap_final(t, p);
		if (i == 1) {
			/* an FS DAX pgmap gone with a folio live: judged */
			k_pgmap(&d, 1, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x1000,
				true);
			k_born(&d, 0, 0);
			k_kill(&d);
			k_gone(&d);
			judged = k_sync(t, &d);
			assert_true(tracker_judge_gone(t, judged));
			tracker_pgmap_final(t, judged);
		}
	}
	k_pgmap(&l, 2, P2P, ZDEV_PGMAP_P2PDMA, 0xf8000, 0x1000, true);
	k_born(&l, 0, 0);
	live = k_sync(t, &l);
	assert_int_equal(t->nr_pgmaps, 7);
	tracker_foreach_pgmap(t, sum_inits, sums);

	tracker_retire(t);
	/* the two newest gone private ones, the judged one, the live one */
	assert_int_equal(t->nr_pgmaps, 4);
	assert_null(tracker_pgmap_by_id(t, 1));
	assert_null(tracker_pgmap_by_id(t, 2));
	assert_ptr_equal(pgmap(t, 3), judged);
	assert_null(tracker_pgmap_by_id(t, 4));
	assert_int_equal(pgmap(t, 5)->c.migrated_to_device_pages, 13);
	assert_int_equal(pgmap(t, 6)->c.migrated_to_device_pages, 14);
	assert_ptr_equal(pgmap(t, 7), live);
	assert_non_null(t->retired[ZDEV_PGMAP_PRIVATE]);
	assert_null(t->retired[ZDEV_PGMAP_FSDAX]);
	p = t->retired[ZDEV_PGMAP_PRIVATE];
	assert_int_equal(p->id, 0);
	assert_int_equal(p->retired, 3);
	assert_int_equal(p->c.frees, 6);
	assert_int_equal(p->c.migrated_to_device_pages, 10 + 11 + 12);
	/* one op for them all: still named */
	assert_string_equal(p->fault_op_name,
			    "dmirror_devmem_fault [test_hmm]");
	/* listed plus retired: every total as before */
	tracker_foreach_pgmap(t, sum_inits, ret);
	tracker_foreach_retired(t, sum_inits, ret);
	for (i = 0; i < 4; i++)
		assert_int_equal(ret[i], sums[i]);

	/* again: nothing more to retire; a new pgmap gets a new id */
	tracker_retire(t);
	assert_int_equal(t->nr_pgmaps, 4);
	k_pgmap(&k, 0, PRIV + 0x9000, ZDEV_PGMAP_PRIVATE, DEV_PFN, 0x1000,
		true);
	assert_int_equal(k_sync(t, &k)->id, 8);
	assert_ptr_equal(tracker_pgmap_of(t, PRIV + 0x9000), pgmap(t, 8));

	/* -1: every gone pgmap stays */
	t->keep_gone = -1;
	k_kill(&k);
	k_gone(&k);
	tracker_pgmap_final(t, k_sync(t, &k));
	tracker_retire(t);
	assert_int_equal(t->nr_pgmaps, 5);
	/* 0: every clean gone one goes */
	t->keep_gone = 0;
	tracker_retire(t);
	assert_int_equal(t->nr_pgmaps, 2);
	assert_int_equal(t->retired[ZDEV_PGMAP_PRIVATE]->retired, 6);

	/* one whose events found no per-folio room: run counts it, it stays */
	k_pgmap(&k, 0, PRIV + 0xa000, ZDEV_PGMAP_PRIVATE, DEV_PFN, 0x1000,
		true);
	k_kill(&k);
	k_gone(&k);
	p = k_sync(t, &k);
	tracker_pgmap_final(t, p);
	p->untracked = 1;
	tracker_retire(t);
	assert_ptr_equal(pgmap(t, 9), p);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_first_sight),
		T(test_new_generation),
		T(test_counters_copied),
		T(test_signed_sums),
		T(test_private_lifecycle),
		T(test_thp_split),
		T(test_fsdax_mapped),
		T(test_ranges),
		T(test_states),
		T(test_live_at_kill_first_sync),
		T(test_teardown_stuck),
		T(test_teardown_stuck_which),
		T(test_judge_gone),
		T(test_pgmap_final),
		T(test_anomaly_records),
		T(test_live_folios_sum),
		T(test_folio_cache),
		T(test_idle_refcount_and_waits),
		T(test_names),
		T(test_waits_refill),
		T(test_waits_dev_name),
		T(test_usage),
		T(test_retire),
	};
#undef T

	return cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
}
