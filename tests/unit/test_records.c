// SPDX-License-Identifier: GPL-2.0
/*
 * include/zdev.h's pure helpers, shared by the BPF programs and the
 * daemon: the packed per-folio record (CI mode), a pfn's bit and the
 * daemon's walk back from bits to pfns, and the mapped pages of a folio
 * from its mapcounts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "kernel/live_walk.h"
#include "zdev.h"

#define BIRTH_UNIT (1ULL << ZDEV_REC_BIRTH_UNIT)
#define IDLE_UNIT  (1ULL << ZDEV_REC_IDLE_UNIT)
/* bits lo..hi inclusive */
#define BITS(lo, hi) \
	((((hi) == 63 ? 0 : 1ULL << ((hi) + 1)) - 1) & ~((1ULL << (lo)) - 1))

/* The layout zdev.h documents: fields where it says, disjoint, all 64. */
static void test_layout(void **state)
{
	const uint64_t order = ZDEV_REC_ORDER_MASK;
	const uint64_t mapped = ZDEV_REC_MAPPED;
	const uint64_t stack = ZDEV_REC_STACK_MASK << ZDEV_REC_STACK_SHIFT;
	const uint64_t foreign = ZDEV_REC_FOREIGN;
	const uint64_t idle = ZDEV_REC_IDLE_MASK << ZDEV_REC_IDLE_SHIFT;
	const uint64_t birth = ZDEV_REC_BIRTH_MASK << ZDEV_REC_BIRTH_SHIFT;

	assert_int_equal(order, BITS(0, 4));
	assert_int_equal(mapped, BITS(5, 5));
	assert_int_equal(stack, BITS(6, 18));
	assert_int_equal(foreign, BITS(19, 19));
	assert_int_equal(idle, BITS(20, 33));
	assert_int_equal(birth, BITS(34, 63));
	/* no bit in two fields, no bit in none */
	assert_int_equal(order & mapped, 0);
	assert_int_equal((order | mapped) & stack, 0);
	assert_int_equal((order | mapped | stack) & foreign, 0);
	assert_int_equal((order | mapped | stack | foreign) & idle, 0);
	assert_int_equal((order | mapped | stack | foreign | idle) & birth, 0);
	assert_int_equal(order | mapped | stack | foreign | idle | birth,
			 UINT64_MAX);
	/* the birth field is the top: a shift leaves nothing above it */
	assert_int_equal(UINT64_MAX >> ZDEV_REC_BIRTH_SHIFT,
			 ZDEV_REC_BIRTH_MASK);
	/* every order a folio can have fits */
	assert_true(ZDEV_MAX_ORDER <= ZDEV_REC_ORDER_MASK);
	/* and every slot fits the key's top 16 bits */
	assert_true(ZDEV_MAX_SLOTS <= 1 << 16);
}

/* What a record is born with comes back out, times in their units. */
static void test_rec_round_trip(void **state)
{
	static const uint32_t orders[] = { 0, 1, 9, ZDEV_MAX_ORDER };
	static const int32_t stacks[] = { -1, 0, 1, 4711,
					  ZDEV_REC_STACK_MASK - 1 };
	static const uint64_t times[] = { 0,
					  1,
					  BIRTH_UNIT - 1,
					  BIRTH_UNIT,
					  3 * BIRTH_UNIT + 17,
					  3600ULL * 1000000000ULL,
					  (ZDEV_REC_BIRTH_MASK - 1) *
						  BIRTH_UNIT };
	size_t o, s, i;

	for (o = 0; o < sizeof(orders) / sizeof(orders[0]); o++)
		for (s = 0; s < sizeof(stacks) / sizeof(stacks[0]); s++)
			for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
				uint64_t r = zdev_rec_new(times[i], orders[o],
							  stacks[s], false);
				uint64_t b = times[i] & ~(BIRTH_UNIT - 1);

				assert_int_equal(zdev_rec_order(r), orders[o]);
				assert_int_equal(zdev_rec_stack(r), stacks[s]);
				assert_false(zdev_rec_census(r));
				assert_false(r & ZDEV_REC_MAPPED);
				/* rounded down to its unit, never later */
				assert_int_equal(zdev_rec_birth_ns(r), b);
				/* never touched: its last change is its birth
				 */
				assert_int_equal(zdev_rec_last_ns(r), b);
				assert_int_equal((r >> ZDEV_REC_IDLE_SHIFT) &
							 ZDEV_REC_IDLE_MASK,
						 0);
			}
}

/* The census's records: birth 0, whatever the time; nothing else is. */
static void test_rec_census(void **state)
{
	uint64_t r = zdev_rec_new(5 * BIRTH_UNIT, 9, -1, true);

	assert_true(zdev_rec_census(r));
	assert_int_equal(r >> ZDEV_REC_BIRTH_SHIFT, 0);
	assert_int_equal(zdev_rec_birth_ns(r), 0);
	assert_int_equal(zdev_rec_last_ns(r), 0);
	assert_int_equal(zdev_rec_order(r), 9);
	assert_int_equal(zdev_rec_stack(r), -1);

	/* born at the session's first nanosecond: not the census's */
	r = zdev_rec_new(0, 0, -1, false);
	assert_false(zdev_rec_census(r));
	assert_int_equal(r >> ZDEV_REC_BIRTH_SHIFT, 1);
	assert_int_equal(zdev_rec_birth_ns(r), 0);

	/* the last unit before the field wraps */
	r = zdev_rec_new((ZDEV_REC_BIRTH_MASK - 1) * BIRTH_UNIT, 0, -1, false);
	assert_int_equal(r >> ZDEV_REC_BIRTH_SHIFT, ZDEV_REC_BIRTH_MASK);
	assert_int_equal(zdev_rec_birth_ns(r),
			 (ZDEV_REC_BIRTH_MASK - 1) * BIRTH_UNIT);
	/* where the field wraps to 0, the record is still no census's */
	r = zdev_rec_new(ZDEV_REC_BIRTH_MASK * BIRTH_UNIT, 3, 2, false);
	assert_false(zdev_rec_census(r));
	assert_int_equal(zdev_rec_order(r), 3);
	assert_int_equal(zdev_rec_stack(r), 2);
	r = zdev_rec_new(2 * (ZDEV_REC_BIRTH_MASK + 1) * BIRTH_UNIT -
				 BIRTH_UNIT,
			 0, -1, false);
	assert_false(zdev_rec_census(r));
}

/* A stack id the field cannot hold is none, and spills into nothing. */
static void test_rec_stack_range(void **state)
{
	static const int32_t none[] = { -1,
					-2,
					INT32_MIN,
					ZDEV_REC_STACK_MASK,
					ZDEV_REC_STACK_MASK + 1,
					1 << 20,
					INT32_MAX };
	const uint64_t t = 7 * BIRTH_UNIT;
	size_t i;

	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		uint64_t r = zdev_rec_new(t, 18, none[i], false);

		assert_int_equal(zdev_rec_stack(r), -1);
		assert_int_equal(zdev_rec_order(r), 18);
		assert_int_equal(zdev_rec_birth_ns(r), t);
		assert_false(r & ZDEV_REC_MAPPED);
		assert_int_equal(
			(r >> ZDEV_REC_IDLE_SHIFT) & ZDEV_REC_IDLE_MASK, 0);
	}
	/* the largest id it holds */
	assert_int_equal(zdev_rec_stack(zdev_rec_new(
				 t, 0, ZDEV_REC_STACK_MASK - 1, false)),
			 ZDEV_REC_STACK_MASK - 1);
}

/* A mapping change: the mapped bit and the idle time, nothing else. */
static void test_rec_touch(void **state)
{
	const uint64_t born = 10 * BIRTH_UNIT;
	uint64_t r0 = zdev_rec_new(born, 9, 42, false), r;

	r = zdev_rec_touch(r0, born + 3 * IDLE_UNIT + IDLE_UNIT / 2, true);
	assert_true(r & ZDEV_REC_MAPPED);
	assert_int_equal((r >> ZDEV_REC_IDLE_SHIFT) & ZDEV_REC_IDLE_MASK, 3);
	assert_int_equal(zdev_rec_last_ns(r), born + 3 * IDLE_UNIT);
	assert_int_equal(zdev_rec_order(r), 9);
	assert_int_equal(zdev_rec_stack(r), 42);
	assert_int_equal(zdev_rec_birth_ns(r), born);
	assert_false(zdev_rec_census(r));

	/* unmapped later: the bit cleared, the time replaced (not or-ed) */
	r = zdev_rec_touch(r, born + 4 * IDLE_UNIT, false);
	assert_false(r & ZDEV_REC_MAPPED);
	assert_int_equal(zdev_rec_last_ns(r), born + 4 * IDLE_UNIT);
	r = zdev_rec_touch(r, born + 2 * IDLE_UNIT, true);
	assert_int_equal(zdev_rec_last_ns(r), born + 2 * IDLE_UNIT);
	/* within its first unit: idle 0 */
	r = zdev_rec_touch(r, born + IDLE_UNIT - 1, false);
	assert_int_equal(zdev_rec_last_ns(r), born);
	assert_int_equal(r, r0);

	/* a time before its (rounded) birth: idle 0, no wrap */
	r = zdev_rec_touch(r0, 0, true);
	assert_int_equal(zdev_rec_last_ns(r), born);
	assert_true(r & ZDEV_REC_MAPPED);

	/* idle longer than the field holds: saturates */
	r = zdev_rec_touch(r0, born + (ZDEV_REC_IDLE_MASK + 5) * IDLE_UNIT,
			   false);
	assert_int_equal((r >> ZDEV_REC_IDLE_SHIFT) & ZDEV_REC_IDLE_MASK,
			 ZDEV_REC_IDLE_MASK);
	assert_int_equal(zdev_rec_last_ns(r),
			 born + ZDEV_REC_IDLE_MASK * IDLE_UNIT);
	assert_int_equal(zdev_rec_birth_ns(r), born);
	assert_int_equal(zdev_rec_stack(r), 42);
	assert_int_equal(zdev_rec_order(r), 9);
	r = zdev_rec_touch(r0, UINT64_MAX, true);
	assert_int_equal((r >> ZDEV_REC_IDLE_SHIFT) & ZDEV_REC_IDLE_MASK,
			 ZDEV_REC_IDLE_MASK);
	assert_int_equal(zdev_rec_birth_ns(r), born);

	/* a census record's idle counts from the session's start */
	r = zdev_rec_touch(zdev_rec_new(0, 0, -1, true), 5 * IDLE_UNIT, true);
	assert_true(zdev_rec_census(r));
	assert_int_equal(zdev_rec_last_ns(r), 5 * IDLE_UNIT);
}

/* A slot with two ranges, 100 and 64 pages, its region from bit 128. */
#define LO1 0x40000ULL
#define LO2 0x80000ULL
static struct zdev_slot two_ranges(void)
{
	struct zdev_slot s = { .bit_base = 128, .bit_len = 192 };

	s.info.nr_range = 2;
	s.info.ranges[0].start = LO1 << 12;
	s.info.ranges[0].end = ((LO1 + 100) << 12) - 1;
	s.info.ranges[1].start = LO2 << 12;
	s.info.ranges[1].end = ((LO2 + 64) << 12) - 1;
	return s;
}

/* A pfn's bit: its slot's ranges end to end from bit_base. */
static void test_bit_of(void **state)
{
	struct zdev_slot s = two_ranges();

	assert_int_equal(zdev_bit_of(&s, LO1), 128);
	assert_int_equal(zdev_bit_of(&s, LO1 + 99), 227);
	assert_int_equal(zdev_bit_of(&s, LO2), 228);
	assert_int_equal(zdev_bit_of(&s, LO2 + 63), 291);
	/* outside both ranges, or no region at all */
	assert_int_equal(zdev_bit_of(&s, LO1 - 1), -1);
	assert_int_equal(zdev_bit_of(&s, LO1 + 100), -1);
	assert_int_equal(zdev_bit_of(&s, LO2 + 64), -1);
	s.bit_len = 0;
	assert_int_equal(zdev_bit_of(&s, LO1), -1);
}

struct seen {
	uint64_t pfn[16], bit[16];
	int n, stop_at;
};

static int note(uint64_t pfn, uint64_t bit, void *arg)
{
	struct seen *w = arg;

	if (w->n == w->stop_at)
		return 7;
	w->pfn[w->n] = pfn;
	w->bit[w->n++] = bit;
	return 0;
}

/* The daemon's walk of live_bits: exactly the set bits of the region. */
static void test_live_walk(void **state)
{
	static const uint64_t live[] = { LO1,	   LO1 + 63, LO1 + 64,
					 LO1 + 99, LO2,	     LO2 + 63 };
	struct zdev_slot s = two_ranges();
	uint64_t bits[8] = { 0 };
	struct seen w = { .stop_at = -1 };
	size_t i;

	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		int64_t b = zdev_bit_of(&s, live[i]);

		bits[b / 64] |= 1ULL << (b % 64);
	}
	/* another slot's bit before the region, padding after its ranges */
	bits[1] |= 1ULL << 63;
	bits[4] |= 1ULL << (300 - 256);
	assert_int_equal(live_walk(&s, bits, 512, note, &w), 0);
	assert_int_equal(w.n, sizeof(live) / sizeof(live[0]));
	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		assert_int_equal(w.pfn[i], live[i]);
		assert_int_equal(w.bit[i], zdev_bit_of(&s, live[i]));
	}
	/* the callback's error stops the walk */
	w = (struct seen){ .stop_at = 2 };
	assert_int_equal(live_walk(&s, bits, 512, note, &w), 7);
	assert_int_equal(w.n, 2);
	/* a region past the end of the bitmap is not read */
	w = (struct seen){ .stop_at = -1 };
	assert_int_equal(live_walk(&s, bits, 256, note, &w), 0);
	assert_int_equal(w.n, 0);
}

/* Mapped pages from mapcounts, as both rmap deltas and the census use. */
static void test_mapped_pages(void **state)
{
	/* order 0: mapped or not, however many page tables share it */
	assert_int_equal(zdev_mapped_pages(0, 0, 0), 0);
	assert_int_equal(zdev_mapped_pages(1, 0, 0), 1);
	assert_int_equal(zdev_mapped_pages(3, 0, 0), 1);
	assert_int_equal(zdev_mapped_pages(1, 1, 0), 1);

	/* large with a PMD/PUD mapping: every page */
	assert_int_equal(zdev_mapped_pages(1, 1, 9), 512);
	assert_int_equal(zdev_mapped_pages(513, 1, 9), 512);
	assert_int_equal(zdev_mapped_pages(2, 2, 9), 512);
	assert_int_equal(zdev_mapped_pages(1, 1, ZDEV_MAX_ORDER),
			 1LL << ZDEV_MAX_ORDER);

	/* PTE-mapped large: one page per mapping, at most all of them */
	assert_int_equal(zdev_mapped_pages(1, 0, 9), 1);
	assert_int_equal(zdev_mapped_pages(100, 0, 9), 100);
	assert_int_equal(zdev_mapped_pages(512, 0, 9), 512);
	assert_int_equal(zdev_mapped_pages(1000, 0, 9), 512);
	assert_int_equal(zdev_mapped_pages(INT32_MAX, 0, ZDEV_MAX_ORDER),
			 1LL << ZDEV_MAX_ORDER);
	/* a torn entire count below 0 is no entire mapping */
	assert_int_equal(zdev_mapped_pages(4, -1, 9), 4);

	/* no mapping, or more unmaps than maps: nothing mapped */
	assert_int_equal(zdev_mapped_pages(0, 1, 9), 0);
	assert_int_equal(zdev_mapped_pages(-1, 0, 0), 0);
	assert_int_equal(zdev_mapped_pages(-1, 0, 9), 0);
	assert_int_equal(zdev_mapped_pages(-1, 1, 9), 0);
	assert_int_equal(zdev_mapped_pages(INT32_MIN, 0, 9), 0);

	/* an unmap's delta: after minus before, never below -nr */
	assert_int_equal(
		zdev_mapped_pages(0, 0, 9) - zdev_mapped_pages(1, 1, 9), -512);
}

static void test_phys_pfn(void **state)
{
	assert_int_equal(zdev_phys_pfn(0), 0);
	assert_int_equal(zdev_phys_pfn(4095), 0);
	assert_int_equal(zdev_phys_pfn(4096), 1);
	assert_int_equal(zdev_phys_pfn(0xfce0000ULL << 12), 0xfce0000);
	/* an inclusive end: the pfn of its last byte */
	assert_int_equal(zdev_phys_pfn(((0x40000ULL + 16) << 12) - 1),
			 0x40000 + 15);
	assert_int_equal(ZDEV_PMD_NR, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_rec_round_trip),
		cmocka_unit_test(test_rec_census),
		cmocka_unit_test(test_rec_stack_range),
		cmocka_unit_test(test_rec_touch),
		cmocka_unit_test(test_bit_of),
		cmocka_unit_test(test_live_walk),
		cmocka_unit_test(test_mapped_pages),
		cmocka_unit_test(test_phys_pfn),
	};

	return cmocka_run_group_tests_name("records", tests, NULL, NULL);
}
