/* SPDX-License-Identifier: GPL-2.0 */
/* barecount --floor's counters, shared by its BPF side and its loader. */
#ifndef BARECOUNT_H
#define BARECOUNT_H

enum floor_kind {
	FLOOR_MAP,
	FLOOR_UNMAP,
	FLOOR_FREE,
	FLOOR_INIT,
	FLOOR_DOUBLE, /* a birth of a live folio, a death of a dead one */
	FLOOR_TO_DEVICE,
	FLOOR_TO_RAM,
	FLOOR_LARGE,
	FLOOR_KINDS,
};

struct floor_counts {
	__u64 calls[FLOOR_KINDS];
	__s64 mapped_pages;
};

#endif
