/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recording's file format (zdevmon record, run --record; docs/replay.md).
 *
 *   file   := head chunk*
 *   head   := "ZDEVREC\0" | u32 version | u32 json_len | json_len bytes
 *   chunk  := "ZCHK" | u32 stored_len | u32 raw_len | u32 crc32(raw)
 *             | stored_len bytes: raw, deflated (raw RFC 1951, level 1)
 *   raw    := frame*
 *   frame  := u16 type | u16 flags (0) | u32 len | u64 ns | len bytes
 *
 * Little-endian, as the machines zdevmon runs on. The head's JSON says
 * what was recorded where: versions, kernel, hooks, census, options, the
 * size of every struct a frame carries (include/zdev.h's, as the kernel
 * side wrote them). A frame's ns is the session clock (CLOCK_MONOTONIC).
 *
 * Frames are what the session took in, in the order it took them: the
 * steps it made (a tick, a judgement, the run's stages) and, inside each,
 * what each read of the kernel side gave. A replay makes the same steps
 * and its reads return the recorded results (record/replay.c).
 */
#ifndef ZDEVMON_RECORD_FORMAT_H
#define ZDEVMON_RECORD_FORMAT_H

#include <stdint.h>

#define ZREC_MAGIC	 "ZDEVREC"   /* and its NUL: 8 bytes */
#define ZREC_VERSION	 3	     /* 3: migration outcomes, SIGBUS faults */
#define ZREC_CHUNK_MAGIC 0x4b48435aU /* "ZCHK" */
#define ZREC_HEAD_SIZE	 16
#define ZREC_CHUNK_HEAD	 16
#define ZREC_FRAME_HEAD	 16
/* the head's JSON and one chunk's raw bytes: never more */
#define ZREC_MAX_JSON (1U << 20)
#define ZREC_MAX_RAW  (256U << 20)

enum zrec_type {
	/* steps: the replay (cmd/replay.c) takes them again */
	ZREC_STEP_START = 1, /* monitoring began: the start object */
	ZREC_STEP_SYNC,	     /* session_sync() */
	ZREC_STEP_TICK,	     /* a snapshot; payload: its trigger */
	ZREC_STEP_TEARDOWNS, /* stuck teardowns judged; payload: double */
	ZREC_STEP_WAITS,     /* DAX layout waits judged */
	ZREC_STEP_FOLIOS,    /* the live folios and holders read */
	ZREC_STEP_CMD_ENDED, /* run: CMD ended; struct zrec_cmd_ended */
	ZREC_STEP_VERDICT,   /* run: judged; struct zrec_verdict */
	ZREC_STEP_MAX,

	/*
	 * What a read of the kernel side gave, inside a step: its entries
	 * (model/intake.h's structs), then its s32 result.
	 */
	ZREC_EVENT = 32, /* a ring record as the kernel wrote it; a step of
			  * its own outside any other */
	ZREC_SYNC,	 /* u64 events by kind, then intake_slot each */
	ZREC_REFS,	 /* struct zrec_refs: a waiting teardown's refs */
	ZREC_RELEASE,	 /* s32 slot: a gone pgmap's slot given back */
	ZREC_FOLIOS,	 /* struct zrec_folio each (CI mode) */
	ZREC_PINS,	 /* intake_pin each */
	ZREC_KALLOCS,	 /* intake_kalloc each */
	ZREC_USAGE,	 /* intake_usage each */
	ZREC_WAITS,	 /* intake_wait each */
	ZREC_STATUS,	 /* struct zrec_status, then zrec_hook each */
	/* anywhere, before any step needs them */
	ZREC_STACK,  /* s32 id, then u64 ips, innermost first */
	ZREC_SYMS,   /* kallsyms lines, a NUL, /proc/modules lines */
	ZREC_CGROUP, /* u64 cgroup id, then its path ("": none known) */
	/* version 2 */
	ZREC_SETUPS, /* a read: intake_setup each, then its s32 result */
	ZREC_OPNAME, /* a read: u64 an op's address, then the name it got */
	ZREC_TYPE_MAX,
};

struct zrec_cmd_ended {
	int32_t status; /* wait(2) status, -1: unknown */
	uint32_t pad;
};

struct zrec_verdict {
	int32_t cmd_status;
	int32_t teardown_status;
	uint8_t teardown_ran; /* a teardown was started */
	uint8_t teardown_ended;
	uint8_t teardown_timed_out;
	uint8_t pad[5];
};

struct zrec_refs {
	uint32_t slot;
	int32_t ret; /* kstate_pgmap_refs()'s */
	int64_t count;
};

struct zrec_folio {
	uint64_t pfn;
	uint64_t rec; /* the CI record (include/zdev.h) */
	int32_t slot; /* its pgmap's (recorded ids are a session's own) */
	uint32_t pad;
};

struct zrec_status {
	uint64_t dropped_by_stream[8];
	uint64_t slots_full;
	uint64_t folio_state_capacity, folio_state_used, folio_state_bytes;
	uint64_t probe_misses, bpf_anomalies;
	uint64_t stack_collisions, stack_overflows;
	uint64_t dropped_events;
	double cpu_seconds;
	uint64_t resident_bytes;
	uint32_t nr_hooks;
	uint32_t pad;
};

/* a hook's counters; its names and state are the head's */
struct zrec_hook {
	uint64_t device_calls, dropped, anomalies, misses, run_ns, runs;
};

#endif /* ZDEVMON_RECORD_FORMAT_H */
