// SPDX-License-Identifier: GPL-2.0
#include "live_walk.h"

int live_walk(const struct zdev_slot *s, const uint64_t *bits, uint64_t nbits,
	      int (*fn)(uint64_t pfn, uint64_t bit, void *arg), void *arg)
{
	uint64_t first = s->bit_base, end = s->bit_base + s->bit_len;
	uint32_t j;
	int err;

	if (!s->bit_len || end > nbits)
		return 0;
	for (j = 0; j < s->info.nr_range && j < ZDEV_MAX_RANGES; j++) {
		uint64_t lo = zdev_phys_pfn(s->info.ranges[j].start);
		uint64_t last =
			first + (zdev_phys_pfn(s->info.ranges[j].end) - lo);
		uint64_t b, word;

		for (b = first; b <= last && b < end; b++) {
			/* the kernel side sets and clears bits meanwhile */
			word = __atomic_load_n(&bits[b / 64], __ATOMIC_ACQUIRE);
			if (!word) {
				b |= 63; /* the rest of an empty word */
				continue;
			}
			if (!(word & (1ULL << (b % 64))))
				continue;
			err = fn(lo + (b - first), b, arg);
			if (err)
				return err;
		}
		first = last + 1;
	}
	return 0;
}
