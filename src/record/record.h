/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The recorder (zdevmon record, run --record): what the session takes in,
 * written as it takes it (format.h). The kernel side's reads hand their
 * results here (kernel/kstate.c), the session its steps; stacks and the
 * symbols that name their frames are written the first time anything
 * recorded refers to them, so a replay needs neither BPF nor kallsyms.
 */
#ifndef ZDEVMON_RECORD_H
#define ZDEVMON_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "kernel/ksyms.h"
#include "kernel/status.h"
#include "format.h"
#include "writer.h"
#include "zdev.h"

struct recorder {
	struct zrec_writer w;
	/* a stack id's frames, and the kernel symbols: the live session's */
	int (*stack)(void *ctx, int32_t id, uint64_t *ips, int max);
	void *stack_ctx;
	const struct ksyms *(*ksyms)(void *ctx, bool reload);
	void *ksyms_ctx;
	uint8_t *stacks_seen; /* a bit per stack id written */
	uint32_t stacks_cap;  /* bits */
	uint64_t *addrs_seen; /* addresses whose symbols are written, sorted */
	size_t nr_addrs, cap_addrs;
	/* referred to by the frame being written: written before it */
	int32_t *pending_stacks;
	size_t nr_pending_stacks, cap_pending_stacks;
	uint64_t *cgroups_seen; /* sorted */
	size_t nr_cgroups, cap_cgroups;
	uint64_t *pending_cgroups;
	size_t nr_pending_cgroups, cap_pending_cgroups;
};

/*
 * The head: the versions, this kernel, the hooks (st), the census and the
 * session's options (head, an object the caller filled; taken over).
 */
int recorder_open(struct recorder *r, const char *path, uint64_t max_size,
		  int keep, json_object *head);
int recorder_close(struct recorder *r);

/* The session clock now, in ns (CLOCK_MONOTONIC). */
uint64_t recorder_now_ns(void);

/* A frame whole, at ns. */
void recorder_put(struct recorder *r, enum zrec_type type, uint64_t ns,
		  const void *data, size_t len);
/* A frame of entries at ns: begin, one add per entry, end. */
void recorder_begin(struct recorder *r, enum zrec_type type, uint64_t ns);
void recorder_add(struct recorder *r, const void *data, size_t len);
void recorder_end(struct recorder *r);
/* A stack id something recorded refers to: written once. */
void recorder_stack(struct recorder *r, int32_t id);
/* A cgroup id something recorded holds: its path, once. */
void recorder_cgroup(struct recorder *r, uint64_t id);
/* A status read: the counters (names and states are the head's). */
void recorder_status(struct recorder *r, const struct zdev_status *st);
/* Write out what is gathered: at each snapshot, so a kill loses little. */
void recorder_flush(struct recorder *r);

#endif /* ZDEVMON_RECORD_H */
