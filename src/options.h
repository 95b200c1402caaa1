/* SPDX-License-Identifier: GPL-2.0 */
/* zdevmon's command line (argp), apart from main so tests can drive it. */
#ifndef ZDEVMON_OPTIONS_H
#define ZDEVMON_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "zdev.h"

struct config {
	double interval_s;	   /* table and snapshot period */
	double duration_s;	   /* 0: until a signal */
	const char *json_path;	   /* NDJSON destination, "-" for stdout */
	uint64_t json_max_size;	   /* rotate beyond this many bytes; 0: never */
	int json_keep;		   /* rotated files kept */
	int keep_gone;		   /* gone pgmaps kept whole (tracker.h) */
	uint64_t ring_size;	   /* events ring in bytes; 0: the default */
	uint64_t max_device_pages; /* per-folio state pages; 0: default */
	bool events;		   /* every event into the NDJSON stream */
	bool quiet;		   /* no live table */
	int view;		   /* enum table_view: the table's */
	unsigned int resid_shift;  /* residency: one head pfn in 2^this */
	double pingpong_window_s;  /* migrated back within it: ping-pong */
	bool stacks;		   /* kernel stacks at births (CI mode) */
	const char *listen;	   /* HTTP endpoint, or NULL */
	bool show_addresses;	   /* kernel pointers in the JSON */
	bool bpf_stats;		   /* kernel run-time statistics per hook */
	bool force_kprobes;
	bool verbose;

	/* zdevmon features */
	bool features;
	const char *btf_path; /* --btf: another kernel's BTF, load only */

	/* zdevmon run */
	bool run;
	char **cmd;	      /* the command, NULL-terminated */
	const char *teardown; /* shell command after CMD */
	double teardown_timeout_s;
	double layout_wait_s; /* a DAX layout wait this long: alerted */
	double settle_s;
	double older_than_s; /* 0: unmapped-not-freed off */
	bool fail_on_leak;
	enum zdev_scope scope; /* whose folios, pins, allocations count */
	const char *user; /* daemon: become NAME once attached; run: CMD's */
	const char *report_json;
	const char *junit;

	/* --record, zdevmon record: a recording of the session */
	const char *record_path;
	uint64_t record_max_size; /* rotate beyond this; 0: never */
	int record_keep;
	bool record_events; /* zdevmon record: the event stream recorded */
	/* zdevmon replay: a recording in place of the kernel */
	const char *replay_path;
};

/* the longest any option's seconds may be: a year */
#define MAX_SECONDS (86400.0 * 365)

/* zdevmon run's exit statuses */
enum {
	EXIT_CLEAN = 0,
	EXIT_ZDEVMON_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_LEAKS = 3,
	EXIT_CMD_FAILED = 4,
	EXIT_INCONCLUSIVE = 5, /* events were lost: no verdict */
};

/*
 * Fill cfg from argv (defaults first). flags are argp_parse()'s: 0 exits
 * with status 2 and a message on bad usage; tests pass ARGP_SILENT and get
 * a non-zero error number back instead.
 */
int options_parse(int argc, char **argv, struct config *cfg,
		  unsigned int flags);

/* listen_parse() (output/listen.h), the name the option parser had. */
int options_parse_listen(const char *listen, char *addr, size_t addrlen,
			 unsigned short *port);

#endif /* ZDEVMON_OPTIONS_H */
