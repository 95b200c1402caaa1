/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live folios of one slot, read from live_bits (and, in CI mode, the
 * records beside it) as the daemon maps them: the inverse of
 * zdev_bit_of(). Pure, for the unit tests.
 */
#ifndef ZDEVMON_LIVE_WALK_H
#define ZDEVMON_LIVE_WALK_H

#include <stdint.h>
#include "zdev.h"

/*
 * Call fn(pfn, bit, arg) for each set bit of slot s's region, in pfn order
 * within each range; bits has nbits bits. Stops at fn's first non-zero
 * return, which it returns; 0 otherwise.
 */
int live_walk(const struct zdev_slot *s, const uint64_t *bits, uint64_t nbits,
	      int (*fn)(uint64_t pfn, uint64_t bit, void *arg), void *arg);

#endif
