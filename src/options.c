// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon's command line: the daemon (no subcommand) and "run", which
 * watches one command and judges it. Common options are an argp child of
 * both, so --help shows them once.
 */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "output/listen.h"
#include "output/table.h"
#include "output/ndjson.h"

const char *argp_program_version = "zdevmon " ZDEVMON_VERSION;
const char *argp_program_bug_address = "the zdevmon issue tracker";

static const char daemon_doc[] =
	"zdevmon -- observe ZONE_DEVICE folios with eBPF.\n"
	"\n"
	"Attaches CO-RE BPF programs to the kernel's ZONE_DEVICE paths "
	"(zone_device_page_init, free_zone_device_folio, rmap, migrate_vma_*, "
	"memremap/memunmap_pages) and keeps, per pgmap, the live folios and "
	"pages, the mapped pages, inits, frees, splits and migrations. A live "
	"table is printed every interval; --json writes NDJSON snapshots "
	"(and events) for dashboards. Needs root (CAP_BPF, CAP_PERFMON) and a "
	"kernel with BTF. 'zdevmon run --help' describes leak checking, "
	"'zdevmon features --help' what this kernel offers.\n"
	"\n"
	"EXAMPLES:\n"
	"  zdevmon                    live table, refreshed every second\n"
	"  zdevmon -i 5 --json out.ndjson   snapshots every 5 s to a file\n"
	"  zdevmon -q --json - -d 60  NDJSON on stdout for one minute\n"
	"  zdevmon run --fail-on-leak -- ./driver-tests   a leak check in CI\n"
	"\n"
	"SIGNALS: SIGINT and SIGTERM stop after a final snapshot; SIGUSR1 "
	"writes a snapshot at once; SIGHUP reopens the NDJSON file.\n"
	"\n"
	"EXIT STATUS: 0 when stopped by a signal or --duration; 1 when the "
	"probes could not be attached or output failed; 2 on bad usage.";

static const char run_doc[] =
	"zdevmon run -- run a command under zdevmon and judge its ZONE_DEVICE "
	"references.\n"
	"\n"
	"The probes are attached before CMD starts, so no early event is "
	"missed. After CMD exits, the --teardown command runs (for example "
	"'rmmod mydriver'), then zdevmon waits --settle seconds and judges:\n"
	"  live-after-run (error)       folios born under monitoring and "
	"still live\n"
	"  teardown-with-live-folios (critical)  memunmap_pages() still "
	"waits after --teardown-timeout (FS DAX, device-dax: returned with "
	"folios live); reported at once\n"
	"  unmapped-not-freed (warning) with --older-than: folios unmapped and "
	"not freed for that long when CMD ended\n"
	"  double-free, free-while-mapped, mapcount-negative (error)\n"
	"  migration-not-finalized (error)  migrate_vma_setup() without its "
	"migrate_vma_finalize(): pages left locked\n"
	"Folios alive before monitoring began are never called leaks. "
	"Findings are grouped by the kernel stack the folios were born at.\n"
	"\n"
	"EXIT STATUS: 0 clean (or findings without --fail-on-leak, or only "
	"warnings); 1 zdevmon failed; 2 bad usage; 3 leaks found "
	"(--fail-on-leak: an error or critical finding); 4 CMD or the "
	"teardown failed, or the teardown timed out; 5 inconclusive "
	"(--fail-on-leak: events were lost, so no verdict can be given). "
	"When several apply, the first in the order 1, 5, 3, 4 wins."
	"\v"
	"A leak makes a teardown such as rmmod hang in the kernel; zdevmon "
	"reports after --teardown-timeout and leaves it hanging.";

enum {
	OPT_FORCE_KPROBES = 0x100,
	OPT_EVENTS,
	OPT_VIEW,
	OPT_RESIDENCY_SAMPLE,
	OPT_PINGPONG_WINDOW,
	OPT_STACKS,
	OPT_TEARDOWN,
	OPT_TEARDOWN_TIMEOUT,
	OPT_LAYOUT_WAIT,
	OPT_SETTLE,
	OPT_OLDER_THAN,
	OPT_SCOPE,
	OPT_FAIL_ON_LEAK,
	OPT_REPORT_JSON,
	OPT_JUNIT,
	OPT_LISTEN,
	OPT_JSON_MAX_SIZE,
	OPT_JSON_KEEP,
	OPT_KEEP_GONE,
	OPT_SHOW_ADDRESSES,
	OPT_BTF,
	OPT_BPF_STATS,
	OPT_USER,
	OPT_RING_SIZE,
	OPT_MAX_FOLIOS,
	OPT_MAX_DEVICE_MEMORY,
	OPT_RECORD,
	OPT_RECORD_MAX_SIZE,
	OPT_RECORD_KEEP,
};

static const char record_doc[] =
	"zdevmon record -- record what zdevmon sees, to replay it later.\n"
	"\n"
	"Monitors like the daemon and writes a compact recording (-o FILE): "
	"the hooks, the census, every step the session takes and what each "
	"read of the kernel side gave, every event of the ring's opt-in "
	"stream (as --events, which costs the kernel a ring record per "
	"device event), kernel stacks with the symbols naming their frames. "
	"With a command it is 'zdevmon run --record FILE': CMD is run, "
	"judged, and the recording holds the verdict. 'zdevmon replay FILE' "
	"gives the same outputs on any machine, without BPF or privileges.\n"
	"\n"
	"EXIT STATUS: as the daemon's, or with CMD as run's.";

static const char replay_doc[] =
	"zdevmon replay -- take a recording's steps again, without the "
	"kernel.\n"
	"\n"
	"Feeds the recording (zdevmon record, run --record) to the same "
	"tracker, leak rules and outputs as the live session: the table, "
	"--json snapshots, and for a recorded run its verdict, --report-json "
	"and --junit. No BPF, no privileges; any machine. The recording's "
	"thresholds (--older-than, --layout-wait, timeouts) are the ones "
	"judged with; --fail-on-leak may be added.\n"
	"\n"
	"EXIT STATUS: a recorded run's, as 'zdevmon run' gave it (0, 3, 4, "
	"5); 0 for a daemon's; 1 when output failed; 2 on bad usage or a "
	"damaged recording (what came before the damage is still reported).";

static const char features_doc[] =
	"zdevmon features -- which hooks attach on this kernel, by which "
	"mechanism, and what is lost where one is missing.\n"
	"\n"
	"Loads and attaches zdevmon's programs, reports, and detaches. With "
	"--btf FILE the programs are relocated against that kernel's BTF "
	"and loaded as kprobe twins, not attached: a check that zdevmon "
	"loads for another kernel.\n"
	"\n"
	"EXIT STATUS: 0 when the core hooks attach (or, with --btf, the "
	"programs load); 1 otherwise; 2 on bad usage.";

static const struct argp_option common_options[] = {
	{ "interval", 'i', "SECONDS", 0,
	  "Refresh the table and write a snapshot every SECONDS (default 1)" },
	{ "json", 'j', "FILE", 0,
	  "Write NDJSON (start, snapshots, final snapshot) to FILE, '-' for "
	  "stdout" },
	{ "json-max-size", OPT_JSON_MAX_SIZE, "SIZE", 0,
	  "Rotate the NDJSON file beyond SIZE bytes (k, M, G suffixes); "
	  "SIGHUP reopens it (logrotate)" },
	{ "json-keep", OPT_JSON_KEEP, "N", 0,
	  "Rotated NDJSON files kept: FILE.1 .. FILE.N (default 5)" },
	{ "keep-gone", OPT_KEEP_GONE, "N", 0,
	  "Gone pgmaps shown whole, newest first (default 64); older ones "
	  "with no finding are summed per type into retired_pgmaps" },
	{ "events", OPT_EVENTS, NULL, 0,
	  "Also write every folio and pgmap event to the NDJSON stream (an "
	  "opt-in ring-buffer stream; its drops never change a count)" },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS" },
	{ "quiet", 'q', NULL, 0, "No live table" },
	{ "view", OPT_VIEW, "VIEW", 0,
	  "The live table's view: pgmaps (folios per pgmap, the default) or "
	  "migrate (migration outcomes, their causes, CPU faults)" },
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0,
	  "Serve /metrics (Prometheus), /api/v1/snapshot, /healthz and / on "
	  "ADDR:PORT; PORT alone listens on 127.0.0.1" },
	{ "show-addresses", OPT_SHOW_ADDRESSES, NULL, 0,
	  "Add each pgmap's kernel address to the JSON (hidden otherwise)" },
	{ "bpf-stats", OPT_BPF_STATS, NULL, 0,
	  "Ask the kernel for our programs' run time (run_ns, runs per hook "
	  "in the snapshot); it costs a little itself" },
	{ "stacks", OPT_STACKS, NULL, 0,
	  "Keep a record per live folio with its birth's kernel stack (CI "
	  "mode; always on with run)" },
	{ "force-kprobes", OPT_FORCE_KPROBES, NULL, 0,
	  "Attach kprobe/kretprobe twins instead of fentry/fexit" },
	{ "verbose", 'v', NULL, 0, "Print libbpf's log and load details" },
	{ "teardown-timeout", OPT_TEARDOWN_TIMEOUT, "SECONDS", 0,
	  "A memunmap_pages() waiting this long is stuck: a critical alert "
	  "(run: also how long the teardown may take; default 60)" },
	{ "layout-wait", OPT_LAYOUT_WAIT, "SECONDS", 0,
	  "A truncate or hole punch waiting this long for busy DAX pages: a "
	  "warning on standard error and a layout_wait object, naming the "
	  "page's holder (default 10)" },
	{ "ring-size", OPT_RING_SIZE, "SIZE", 0,
	  "The kernel-to-zdevmon event ring: a power of two from 4k to 1G "
	  "(default 8M); a small one drops events under bursts, each "
	  "counted" },
	{ "max-device-memory", OPT_MAX_DEVICE_MEMORY, "SIZE", 0,
	  "Device memory the per-folio state covers: a bit per 4 KiB page, "
	  "and in CI mode (run, --stacks) an 8-byte record more (default "
	  "64G: 2 MiB; CI mode 16G: 32 MiB); pgmaps beyond it get counters "
	  "only, and say so (run: inconclusive)" },
	{ "residency-sample", OPT_RESIDENCY_SAMPLE, "N", 0,
	  "Time the lifetime of the device folios headed at one pfn in N (a "
	  "power of two, 1 to 65536; default 64): the residency histogram" },
	{ "pingpong-window", OPT_PINGPONG_WINDOW, "SECONDS", 0,
	  "Pages migrated back within SECONDS of their own migration the "
	  "other way (per page of an address space) ping-pong (default 1)" },
	{ "max-folios", OPT_MAX_FOLIOS, "N", OPTION_HIDDEN,
	  "Obsolete: CI mode is bounded by --max-device-memory" },
	{ "user", OPT_USER, "NAME", 0,
	  "Once attached, run as NAME (a user of /etc/passwd, or UID[:GID]) "
	  "with no capability; with run: run CMD as NAME" },
	{ "record", OPT_RECORD, "FILE", 0,
	  "Also write a recording to FILE (zdevmon replay reads it)" },
	{ "record-max-size", OPT_RECORD_MAX_SIZE, "SIZE", 0,
	  "Rotate the recording beyond SIZE bytes: FILE.1 .. FILE.N, each "
	  "replayable (--record-keep, default 5)" },
	{ "record-keep", OPT_RECORD_KEEP, "N", OPTION_HIDDEN,
	  "Rotated recordings kept (default 5)" },
	{},
};

static const struct argp_option run_options[] = {
	{ "teardown", OPT_TEARDOWN, "CMD", 0,
	  "After CMD, run this shell command (e.g. 'rmmod test_hmm')" },
	{ "settle", OPT_SETTLE, "SECONDS", 0,
	  "Wait SECONDS after the teardown before judging (default 1)" },
	{ "older-than", OPT_OLDER_THAN, "SECONDS", 0,
	  "Report folios unmapped and not freed for SECONDS when CMD ends" },
	{ "fail-on-leak", OPT_FAIL_ON_LEAK, NULL, 0,
	  "Exit 3 when an error or critical finding is made" },
	{ "scope", OPT_SCOPE, "tree|cgroup|all", 0,
	  "Whose folios, pins and allocations the verdict judges: CMD's "
	  "process tree (default), every task of zdevmon's cgroup and those "
	  "below it, or every task" },
	{ "report-json", OPT_REPORT_JSON, "FILE", 0,
	  "Write the verdict as JSON to FILE" },
	{ "junit", OPT_JUNIT, "FILE", 0,
	  "Write JUnit XML to FILE: a test case per pgmap and rule" },
	{},
};

static int parse_seconds(const char *arg, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	/* strtod() takes "nan" and "inf"; NaN fails every comparison */
	if (errno || end == arg || *end || !isfinite(v) || v < min ||
	    v > MAX_SECONDS)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t seconds(struct argp_state *state, const char *opt,
		       const char *arg, double min, double *out)
{
	if (!parse_seconds(arg, min, out))
		return 0;
	argp_error(state, "%s wants seconds from %g to %.0f, not '%s'", opt,
		   min, MAX_SECONDS, arg);
	return EINVAL;
}

/*
 * A decimal integer in [min, max], digits only: strtol() alone would take
 * blanks, a sign, and saturate on overflow.
 */
static int parse_int(const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	if (*arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A whole number from min to max, into *out. */
static error_t count_arg(struct argp_state *state, const char *opt,
			 const char *arg, long min, long max, int *out)
{
	long v;

	if (parse_int(arg, min, max, &v)) {
		argp_error(state, "%s wants %ld to %ld, not '%s'", opt, min,
			   max, arg);
		return EINVAL;
	}
	*out = v;
	return 0;
}

/* A non-empty string argument. */
static error_t file_arg(struct argp_state *state, const char *opt, char *arg,
			const char **out)
{
	if (*arg) {
		*out = arg;
		return 0;
	}
	argp_error(state, "%s wants a value", opt);
	return EINVAL;
}

/* kept for its callers: the syntax is the endpoint's (output/listen.c) */
int options_parse_listen(const char *listen, char *addr, size_t addrlen,
			 unsigned short *port)
{
	return listen_parse(listen, addr, addrlen, port);
}

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'i':
		return seconds(state, "--interval", arg, 0.05,
			       &cfg->interval_s);
	case 'd':
		return seconds(state, "--duration", arg, 0.001,
			       &cfg->duration_s);
	case 'j':
		return file_arg(state, "--json", arg, &cfg->json_path);
	case OPT_JSON_MAX_SIZE:
		if (ndjson_parse_size(arg, &cfg->json_max_size)) {
			argp_error(state,
				   "--json-max-size wants a size like 10M, "
				   "not '%s'",
				   arg);
			return EINVAL;
		}
		break;
	case OPT_JSON_KEEP:
		return count_arg(state, "--json-keep", arg, 1, 1000,
				 &cfg->json_keep);
	case OPT_KEEP_GONE:
		return count_arg(state, "--keep-gone", arg, 0, 1000000,
				 &cfg->keep_gone);
	case OPT_EVENTS:
		cfg->events = true;
		break;
	case 'q':
		cfg->quiet = true;
		break;
	case OPT_VIEW:
		if (!strcmp(arg, "pgmaps")) {
			cfg->view = TABLE_VIEW_PGMAPS;
		} else if (!strcmp(arg, "migrate")) {
			cfg->view = TABLE_VIEW_MIGRATE;
		} else {
			argp_error(state,
				   "--view wants pgmaps or migrate, not '%s'",
				   arg);
			return EINVAL;
		}
		break;
	case OPT_STACKS:
		cfg->stacks = true;
		break;
	case OPT_SHOW_ADDRESSES:
		cfg->show_addresses = true;
		break;
	case OPT_BPF_STATS:
		cfg->bpf_stats = true;
		break;
	case OPT_LISTEN: {
		char addr[64];
		unsigned short port;

		if (listen_parse(arg, addr, sizeof(addr), &port)) {
			argp_error(state,
				   "--listen wants ADDR:PORT, [ADDR6]:PORT or "
				   "PORT, not '%s'",
				   arg);
			return EINVAL;
		}
		cfg->listen = arg;
		break;
	}
	case OPT_FORCE_KPROBES:
		cfg->force_kprobes = true;
		break;
	case 'v':
		cfg->verbose = true;
		break;
	case OPT_USER:
		return file_arg(state, "--user", arg, &cfg->user);
	case OPT_RING_SIZE:
		/* the kernel wants whole pages, a power of two of them */
		if (ndjson_parse_size(arg, &cfg->ring_size) ||
		    cfg->ring_size < 4096 || cfg->ring_size > (1ULL << 30) ||
		    (cfg->ring_size & (cfg->ring_size - 1))) {
			argp_error(state,
				   "--ring-size wants a power of two from 4k "
				   "to 1G, not '%s'",
				   arg);
			return EINVAL;
		}
		break;
	case OPT_PINGPONG_WINDOW:
		return seconds(state, "--pingpong-window", arg, 0.001,
			       &cfg->pingpong_window_s);
	case OPT_RESIDENCY_SAMPLE: {
		long v;

		if (parse_int(arg, 1, 65536, &v) || (v & (v - 1))) {
			argp_error(state,
				   "--residency-sample wants a power of two "
				   "from 1 to 65536, not '%s'",
				   arg);
			return EINVAL;
		}
		cfg->resid_shift = __builtin_ctzl(v);
		break;
	}
	case OPT_MAX_DEVICE_MEMORY:
		/* 2^32 pages: the per-folio state's indexes are 32-bit */
		if (ndjson_parse_size(arg, &cfg->max_device_pages) ||
		    cfg->max_device_pages < 4096 ||
		    cfg->max_device_pages >= (1ULL << 44)) {
			argp_error(state,
				   "--max-device-memory wants a size from 4k "
				   "to below 16T, not '%s'",
				   arg);
			return EINVAL;
		}
		cfg->max_device_pages /= 4096;
		break;
	case OPT_MAX_FOLIOS:
		/* kept so that command lines written for 0.1 still start */
		fprintf(stderr,
			"zdevmon: --max-folios is obsolete and ignored: "
			"CI mode is bounded by --max-device-memory\n");
		break;
	case OPT_RECORD:
		return file_arg(state, "--record", arg, &cfg->record_path);
	case OPT_RECORD_MAX_SIZE:
		/* room for a head and a chunk: less would rotate forever */
		if (ndjson_parse_size(arg, &cfg->record_max_size) ||
		    cfg->record_max_size < (64 << 10)) {
			argp_error(state,
				   "--record-max-size wants a size of 64k or "
				   "more, not '%s'",
				   arg);
			return EINVAL;
		}
		break;
	case OPT_RECORD_KEEP:
		return count_arg(state, "--record-keep", arg, 1, 1000,
				 &cfg->record_keep);
	case OPT_TEARDOWN_TIMEOUT:
		return seconds(state, "--teardown-timeout", arg, 0.1,
			       &cfg->teardown_timeout_s);
	case OPT_LAYOUT_WAIT:
		return seconds(state, "--layout-wait", arg, 0.1,
			       &cfg->layout_wait_s);
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (cfg->events && !cfg->json_path) {
			argp_error(state, "--events needs --json FILE");
			return EINVAL;
		}
		if (cfg->json_max_size && !cfg->json_path) {
			argp_error(state, "--json-max-size needs --json FILE");
			return EINVAL;
		}
		if (cfg->record_max_size && !cfg->record_path) {
			argp_error(state,
				   "--record-max-size needs --record FILE");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_option features_options[] = {
	{ "json", 'j', NULL, 0, "JSON on standard output" },
	{ "btf", OPT_BTF, "FILE", 0,
	  "Another kernel's BTF (raw or ELF): relocate and load, no attach" },
	{ "force-kprobes", OPT_FORCE_KPROBES, NULL, 0,
	  "Attach kprobe/kretprobe twins instead of fentry/fexit" },
	{ "verbose", 'v', NULL, 0, "Print libbpf's log and load details" },
	{},
};

static error_t parse_features(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'j':
		cfg->json_path = "-";
		break;
	case OPT_BTF:
		return file_arg(state, "--btf", arg, &cfg->btf_path);
	default: /* --force-kprobes, -v, stray arguments */
		return parse_common(key, arg, state);
	}
	return 0;
}

/* run's own options, shared with record. */
static error_t parse_run_options(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case OPT_TEARDOWN:
		if (!*arg) {
			argp_error(state, "--teardown wants a command");
			return EINVAL;
		}
		cfg->teardown = arg;
		break;
	case OPT_SETTLE:
		return seconds(state, "--settle", arg, 0, &cfg->settle_s);
	case OPT_OLDER_THAN:
		return seconds(state, "--older-than", arg, 0.001,
			       &cfg->older_than_s);
	case OPT_FAIL_ON_LEAK:
		cfg->fail_on_leak = true;
		break;
	case OPT_SCOPE:
		if (!strcmp(arg, "tree"))
			cfg->scope = ZDEV_SCOPE_TREE;
		else if (!strcmp(arg, "cgroup"))
			cfg->scope = ZDEV_SCOPE_CGROUP;
		else if (!strcmp(arg, "all"))
			cfg->scope = ZDEV_SCOPE_ALL;
		else {
			argp_error(state,
				   "--scope wants tree, cgroup or all, not "
				   "'%s'",
				   arg);
			return EINVAL;
		}
		break;
	case OPT_REPORT_JSON:
		return file_arg(state, "--report-json", arg, &cfg->report_json);
	case OPT_JUNIT:
		return file_arg(state, "--junit", arg, &cfg->junit);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_run(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = cfg;
		state->child_inputs[1] = cfg;
		break;
	case ARGP_KEY_ARG:
		/* the command and everything after it, options included */
		cfg->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!cfg->cmd) {
			argp_error(state, "run wants a command: zdevmon run "
					  "[OPTIONS] -- CMD [ARGS...]");
			return EINVAL;
		}
		return parse_common(key, arg, state);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* zdevmon record: -o FILE, then as the daemon, or as run with CMD. */
static error_t parse_record(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'o':
		cfg->record_events = true;
		return file_arg(state, "--output", arg, &cfg->record_path);
	case ARGP_KEY_ARG: /* with a command: run's */
		cfg->run = true;
		cfg->stacks = true;
		return parse_run(key, arg, state);
	case ARGP_KEY_END:
		if (!cfg->record_path) {
			argp_error(state, "record wants -o FILE");
			return EINVAL;
		}
		return cfg->cmd ? parse_run(key, arg, state)
				: parse_common(key, arg, state);
	default: /* the children's inputs, as run's */
		return parse_run(key, arg, state);
	}
}

static const struct argp_option replay_options[] = {
	{ "json", 'j', "FILE", 0,
	  "Write the NDJSON the session wrote (start, snapshots) to FILE, "
	  "'-' for stdout" },
	{ "events", OPT_EVENTS, NULL, 0,
	  "Also write the recorded events to the NDJSON stream" },
	{ "quiet", 'q', NULL, 0, "No table" },
	{ "view", OPT_VIEW, "VIEW", 0,
	  "The table's view: pgmaps (the default) or migrate" },
	{ "show-addresses", OPT_SHOW_ADDRESSES, NULL, 0,
	  "Add each pgmap's kernel address to the JSON" },
	{ "fail-on-leak", OPT_FAIL_ON_LEAK, NULL, 0,
	  "Exit 3 when an error or critical finding is made (a recorded run "
	  "with it set keeps it)" },
	{ "report-json", OPT_REPORT_JSON, "FILE", 0,
	  "Write a recorded run's verdict as JSON to FILE" },
	{ "junit", OPT_JUNIT, "FILE", 0,
	  "Write a recorded run's verdict as JUnit XML to FILE" },
	{ "verbose", 'v', NULL, 0, "Say what the recording's head says" },
	{},
};

static error_t parse_replay(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'j':
		return file_arg(state, "--json", arg, &cfg->json_path);
	case OPT_EVENTS:
	case 'q':
	case OPT_VIEW:
	case OPT_SHOW_ADDRESSES:
	case 'v':
		return parse_common(key, arg, state);
	case OPT_FAIL_ON_LEAK:
	case OPT_REPORT_JSON:
	case OPT_JUNIT:
		return parse_run_options(key, arg, state);
	case ARGP_KEY_ARG:
		if (cfg->replay_path) {
			argp_error(state, "replay wants one FILE, not '%s' too",
				   arg);
			return EINVAL;
		}
		return file_arg(state, "FILE", arg, &cfg->replay_path);
	case ARGP_KEY_END:
		if (!cfg->replay_path) {
			argp_error(state, "replay wants a FILE: zdevmon replay "
					  "[OPTIONS] FILE");
			return EINVAL;
		}
		return parse_common(key, arg, state);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int options_parse(int argc, char **argv, struct config *cfg, unsigned int flags)
{
	static const struct argp common_argp = { common_options, parse_common,
						 NULL, daemon_doc };
	static const struct argp monitor_argp = { common_options,
						  parse_common };
	static const struct argp run_options_argp = { run_options,
						      parse_run_options };
	static const struct argp_child run_children[] = {
		{ &run_options_argp, 0, NULL, 0 },
		{ &monitor_argp, 0, "Monitoring:", 1 },
		{},
	};
	static const struct argp run_argp = { NULL, parse_run,
					      "[--] CMD [ARGS...]", run_doc,
					      run_children };
	static const struct argp_option record_options[] = {
		{ "output", 'o', "FILE", 0, "The recording (required)" },
		{},
	};
	static const struct argp_child record_children[] = {
		{ &monitor_argp, 0, "Monitoring:", 1 },
		{ &run_options_argp, 0, "With a command, as run:", 2 },
		{},
	};
	static const struct argp record_argp = { record_options, parse_record,
						 "[-- CMD [ARGS...]]",
						 record_doc, record_children };
	static const struct argp replay_argp = { replay_options, parse_replay,
						 "FILE", replay_doc };

	*cfg = (struct config){
		.interval_s = 1.0,
		.json_keep = 5,
		.keep_gone = 64,
		.resid_shift = 6,
		.pingpong_window_s = 1,
		.teardown_timeout_s = 60,
		.layout_wait_s = 10,
		.settle_s = 1,
		.scope = ZDEV_SCOPE_TREE,
		.record_keep = 5,
	};
	argp_err_exit_status = 2;
	if (argc > 1 && !strcmp(argv[1], "features")) {
		static const struct argp features_argp = { features_options,
							   parse_features, NULL,
							   features_doc };

		cfg->features = true;
		argv[1] = "zdevmon features";
		return argp_parse(&features_argp, argc - 1, argv + 1, flags,
				  NULL, cfg);
	}
	if (argc > 1 && !strcmp(argv[1], "run")) {
		cfg->run = true;
		cfg->stacks = true;
		/* argv[0] "zdevmon run" for messages; CMD stays in order */
		argv[1] = "zdevmon run";
		return argp_parse(&run_argp, argc - 1, argv + 1,
				  flags | ARGP_IN_ORDER, NULL, cfg);
	}
	if (argc > 1 && !strcmp(argv[1], "record")) {
		argv[1] = "zdevmon record";
		return argp_parse(&record_argp, argc - 1, argv + 1,
				  flags | ARGP_IN_ORDER, NULL, cfg);
	}
	if (argc > 1 && !strcmp(argv[1], "replay")) {
		argv[1] = "zdevmon replay";
		return argp_parse(&replay_argp, argc - 1, argv + 1, flags, NULL,
				  cfg);
	}
	return argp_parse(&common_argp, argc, argv, flags, NULL, cfg);
}
