/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One monitoring session: probes, tracker and outputs, and the event pump
 * both modes share (the daemon in cmd/daemon.c, "run" in cmd/run.c).
 */
#ifndef ZDEVMON_SESSION_H
#define ZDEVMON_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "kernel/ksyms.h"
#include "kernel/kstate.h"
#include "kernel/probe.h"
#include "kernel/status.h"
#include "model/leaks.h"
#include "model/tracker.h"
#include "options.h"
#include "output/http.h"
#include "output/ndjson.h"
#include "record/record.h"
#include "source.h"
#include "sys/runcmd.h"

struct session {
	struct config cfg;
	struct tracker tracker;
	/* what the picture comes from: the kernel side, or a recording */
	const struct source_ops *src;
	void *src_ctx;
	bool replaying;
	struct recorder rec; /* --record */
	bool recording;
	/*
	 * The time of the step being taken (session_step_begin()): the one
	 * clock its judgements and outputs read, recorded with it.
	 */
	double now;
	uint64_t now_ns;    /* the same, whole: as recorded */
	double wall_offset; /* Unix time - now, at the step */
	int step_depth;
	struct probes *probes;
	struct kstate *kstate;	     /* what the kernel side keeps */
	struct census_result census; /* folios alive before we started */
	struct ring_buffer *rb;
	struct ndjson json; /* --json; json.fd < 0: none */
	bool json_on;
	FILE *table;
	bool table_tty;
	double t0;
	uint64_t t0_ns; /* the same, whole: as recorded */
	double next_tick;
	double next_waits;	     /* the next look at DAX layout waits */
	uint64_t json_lost_reported; /* lost lines already told about */
	struct leak_report alerts;   /* teardown-with-live-folios, at once */
	struct ksyms *ksyms;	     /* loaded when first needed */
	struct ksyms *record_ksyms;  /* --record's own */
	int kallsyms_fd, modules_fd; /* opened privileged, -1: not open */
	struct http_server *http;    /* --listen */
	uint64_t findings_by_rule[LEAK_RULE_MAX]; /* for /metrics */
	struct leak_report verdict;  /* run: what the rules found */
	int listen_fd;		     /* --listen, bound privileged */
	struct runcmd cmd, teardown; /* run: forked privileged, waiting */
};

extern volatile sig_atomic_t session_signal; /* SIGINT/SIGTERM seen */

/*
 * The steps main() takes, in order; session_close() undoes whatever of
 * them was done. Each returns 0, or non-zero having said why: in err
 * (one sentence) where there is one, else on standard error.
 */
/* Nothing open yet: what session_close() may always be given. */
void session_init(struct session *s);
/* The tracker, and the probes attached. */
int session_open(struct session *s, char *err, size_t errlen);
/* The ring buffer the events arrive on. */
int session_open_events(struct session *s);
/*
 * What only the privileged can open, before the drop: kernel symbols
 * (kallsyms shows addresses by its opener's credentials), the --listen
 * socket (a port below 1024).
 */
int session_open_privileged(struct session *s, char *err, size_t errlen);
/* Outputs opened, the endpoint started, signals caught; the start object. */
int session_start(struct session *s);
void session_close(struct session *s);

double session_now(void);
/*
 * A step the session takes (a tick, a judgement, one of run's stages):
 * timed once into s->now and recorded; a replay takes it again at the
 * recorded time. Steps within a step are part of it.
 */
void session_step_begin(struct session *s, enum zrec_type type, const void *arg,
			size_t len);
void session_step_end(struct session *s);
/* A ring record: a step of its own when no other is being taken. */
int session_event(void *ctx, void *data, size_t len);
/* The start object, and the hooks that are off. */
void session_announce(struct session *s);
/*
 * Consume events and write periodic output until done(arg) is true, the
 * monotonic time `until' passes (0: never) or a signal arrives. Returns 0,
 * or -errno when reading events failed.
 */
int session_pump(struct session *s, double until,
		 bool (*done)(struct session *s, void *arg), void *arg);
/* Drain the ring buffer and write the snapshot marked `trigger'. */
void session_tick(struct session *s, const char *trigger);
void session_status(struct session *s, struct zdev_status *st);
void session_json_put(struct session *s, json_object *obj);
/*
 * Teardowns stuck for after_s (memunmap_pages() waiting), each told once
 * as a critical alert and kept for the verdict.
 */
void session_judge_teardowns(struct session *s, double after_s);
/*
 * Read what the kernel side keeps into the tracker (the ring's records
 * first): counters, states; gone pgmaps judged, their slots given back.
 */
void session_sync(struct session *s);
/*
 * CI mode: the tracker's live folios, fresh from the kernel's records,
 * and its pins.
 */
void session_folios(struct session *s);
/*
 * The tracker's pins, DAX layout waits and in-kernel allocations, fresh
 * from the kernel's maps.
 */
void session_holders(struct session *s);
/* Once a second: alert on each DAX layout wait past --layout-wait. */
void session_judge_waits(struct session *s);
/* Kernel symbols, (re)loaded now: modules come and go. */
const struct ksyms *session_ksyms(struct session *s, bool reload);

#endif /* ZDEVMON_SESSION_H */
