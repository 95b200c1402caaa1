// SPDX-License-Identifier: GPL-2.0
/*
 * make bench's replay workload: a recording (record/format.h) of a CI-mode
 * session with FOLIOS device folios live, read whole once (as a run's
 * verdict reads them), then EVENTS ring records of the opt-in stream, then
 * the final snapshot, written the way the session writes them.
 *   mkrecording FILE [FOLIOS [EVENTS]]   (default 1048576 5000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/intake.h"
#include "record/format.h"
#include "record/head.h"
#include "record/writer.h"

static struct zrec_writer w;
static uint64_t ns = 1000000000;

static void step(enum zrec_type type, const char *arg)
{
	double wall = 1.7e9 + ns / 1e9;

	zrec_frame_begin(&w, type, ns);
	zrec_frame_add(&w, &wall, sizeof(wall));
	if (arg)
		zrec_frame_add(&w, arg, strlen(arg));
	zrec_frame_end(&w);
}

/* a read with no entries: its result alone */
static void empty(enum zrec_type type)
{
	int32_t ret = 0;

	zrec_put(&w, type, ns, &ret, sizeof(ret));
}

static void status(void)
{
	struct zrec_status st = { .nr_hooks = 0 };

	zrec_put(&w, ZREC_STATUS, ns, &st, sizeof(st));
}

static void sync_slot(uint64_t live)
{
	uint64_t kinds[ZDEV_EV_KIND_MAX] = { 0 };
	struct intake_slot in = {};
	int32_t ret = 0;

	in.slot.pgmap = 0xffff888012340000ULL;
	in.slot.state = ZDEV_SLOT_LIVE;
	in.slot.gen = 1;
	in.slot.info.type = ZDEV_PGMAP_PRIVATE;
	in.slot.info.nr_range = 1;
	in.slot.info.ranges[0].start = 1ULL << 40;
	in.slot.info.ranges[0].end = (1ULL << 40) + live * 4096 - 1;
	in.sum.inits = live;
	in.sum.live_folios = live;
	in.sum.live_pages = live;
	kinds[ZDEV_EV_INIT] = live;
	zrec_frame_begin(&w, ZREC_SYNC, ns);
	zrec_frame_add(&w, kinds, sizeof(kinds));
	zrec_frame_add(&w, &in, sizeof(in));
	zrec_frame_add(&w, &ret, sizeof(ret));
	zrec_frame_end(&w);
}

static void holders(void)
{
	empty(ZREC_PINS);
	empty(ZREC_WAITS);
	empty(ZREC_KALLOCS);
	empty(ZREC_SETUPS);
	empty(ZREC_USAGE);
}

int main(int argc, char **argv)
{
	uint64_t folios = argc > 2 ? strtoull(argv[2], NULL, 0) : 1 << 20;
	uint64_t events = argc > 3 ? strtoull(argv[3], NULL, 0) : 5000000;
	struct config cfg = { .interval_s = 1, .stacks = true };
	struct zdev_status st = {};
	struct census_result census = {};
	struct tracker t = { .folio_records = true };
	struct zdev_event e = {};
	json_object *head;
	uint64_t i;
	int32_t ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: mkrecording FILE [FOLIOS [EVENTS]]\n");
		return 2;
	}
	head = head_build(&cfg, &st, &census, NULL, &t, ns, ns);
	if (zrec_writer_open(&w, argv[1], 0, 1,
			     json_object_to_json_string_ext(
				     head, JSON_C_TO_STRING_PLAIN))) {
		perror(argv[1]);
		return 1;
	}
	json_object_put(head);
	step(ZREC_STEP_START, NULL);
	status();
	step(ZREC_STEP_SYNC, NULL);
	sync_slot(folios);
	/* every folio of the pgmap live, its CI record as the kernel's */
	step(ZREC_STEP_FOLIOS, NULL);
	zrec_frame_begin(&w, ZREC_FOLIOS, ns);
	for (i = 0; i < folios; i++) {
		struct zrec_folio z = { .pfn = (1ULL << 28) + i,
					.rec = ZDEV_REC_MAPPED |
					       ((i & ZDEV_REC_BIRTH_MASK)
						<< ZDEV_REC_BIRTH_SHIFT),
					.slot = 0 };

		zrec_frame_add(&w, &z, sizeof(z));
	}
	zrec_frame_add(&w, &ret, sizeof(ret));
	zrec_frame_end(&w);
	holders();
	/* the opt-in stream: maps and unmaps of those folios */
	e.pgmap = 0xffff888012340000ULL;
	e.stack_id = -1;
	for (i = 0; i < events; i++) {
		ns += 100;
		e.ts_ns = ns;
		e.kind = i & 1 ? ZDEV_EV_UNMAP : ZDEV_EV_MAP;
		e.folio.pfn = (1ULL << 28) + i % folios;
		zrec_put(&w, ZREC_EVENT, ns, &e, ZDEV_EVENT_SMALL_SIZE);
	}
	/* its sync is part of it: not a step of its own */
	step(ZREC_STEP_TICK, "final");
	sync_slot(folios);
	holders();
	status();
	return zrec_writer_close(&w) ? 1 : 0;
}
