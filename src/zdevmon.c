// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon: observe ZONE_DEVICE folios (device-private and coherent memory,
 * FS DAX and device-dax, P2PDMA) with CO-RE BPF and keep a per-pgmap
 * refcount and mapcount picture.
 *
 * Options, the event loop and signals live here; probe.c attaches,
 * tracker.c keeps state, output.c prints.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "output.h"
#include "probe.h"
#include "tracker.h"

const char *argp_program_version = "zdevmon " ZDEVMON_VERSION;
const char *argp_program_bug_address =
	"the zdevmon issue tracker";

static const char doc[] =
	"zdevmon -- observe ZONE_DEVICE folios with eBPF.\n"
	"\n"
	"Attaches CO-RE BPF programs to the kernel's ZONE_DEVICE paths "
	"(zone_device_page_init, free_zone_device_folio, rmap, migrate_vma_*, "
	"memremap/memunmap_pages) and keeps, per pgmap, the live folios and "
	"pages, the mapped pages, inits, frees, splits and migrations. A live "
	"table is printed every interval; --json writes NDJSON snapshots "
	"(and events) for dashboards. Needs root (CAP_BPF, CAP_PERFMON) and a "
	"kernel with BTF.\n"
	"\n"
	"EXAMPLES:\n"
	"  zdevmon                    live table, refreshed every second\n"
	"  zdevmon -i 5 --json out.ndjson   snapshots every 5 s to a file\n"
	"  zdevmon -q --json - -d 60  NDJSON on stdout for one minute\n"
	"\n"
	"EXIT STATUS: 0 when stopped by a signal or --duration; 1 when the "
	"probes could not be attached or output failed; 2 on bad usage.";

enum {
	OPT_FORCE_KPROBES = 0x100,
	OPT_EVENTS,
};

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0,
	  "Refresh the table and write a snapshot every SECONDS (default 1)" },
	{ "json", 'j', "FILE", 0,
	  "Write NDJSON (start, snapshots, final snapshot) to FILE, '-' for "
	  "stdout" },
	{ "events", OPT_EVENTS, NULL, 0,
	  "Also write every folio and pgmap event to the NDJSON stream" },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS" },
	{ "quiet", 'q', NULL, 0, "No live table" },
	{ "force-kprobes", OPT_FORCE_KPROBES, NULL, 0,
	  "Attach kprobe/kretprobe twins instead of fentry/fexit" },
	{ "verbose", 'v', NULL, 0, "Print libbpf's log and load details" },
	{},
};

struct config {
	double interval_s;
	double duration_s;
	const char *json_path;
	bool events;
	bool quiet;
	bool force_kprobes;
	bool verbose;
};

static int parse_seconds(const char *arg, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < min || v > 86400 * 365)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'i':
		if (parse_seconds(arg, 0.05, &cfg->interval_s))
			argp_error(state,
				   "--interval wants seconds >= 0.05, not '%s'",
				   arg);
		break;
	case 'd':
		if (parse_seconds(arg, 0.001, &cfg->duration_s))
			argp_error(state,
				   "--duration wants a positive number of "
				   "seconds, not '%s'",
				   arg);
		break;
	case 'j':
		if (!*arg)
			argp_error(state, "--json wants a file name or '-'");
		cfg->json_path = arg;
		break;
	case OPT_EVENTS:
		cfg->events = true;
		break;
	case 'q':
		cfg->quiet = true;
		break;
	case OPT_FORCE_KPROBES:
		cfg->force_kprobes = true;
		break;
	case 'v':
		cfg->verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (cfg->events && !cfg->json_path)
			argp_error(state, "--events needs --json FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	exiting = sig;
}

struct session {
	struct config cfg;
	struct tracker tracker;
	struct probes *probes;
	struct ring_buffer *rb;
	FILE *json;
	FILE *table;
	bool table_tty;
	double t0;
	int json_errors;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void json_put(struct session *s, json_object *obj)
{
	if (s->json && output_line(s->json, obj) && !s->json_errors++)
		fprintf(stderr, "zdevmon: writing %s failed: %s\n",
			s->cfg.json_path, strerror(errno));
	json_object_put(obj);
}

static int handle_event(void *ctx, void *data, size_t len)
{
	struct session *s = ctx;
	const struct zdev_event *e = data;

	if (len < sizeof(*e))
		return 0;
	tracker_event(&s->tracker, e);
	if (s->cfg.events)
		json_put(s, output_event(&s->tracker, e));
	return 0;
}

static void status(struct session *s, struct zdev_status *st)
{
	probes_status(s->probes, st);
	st->elapsed_s = now_s() - s->t0;
}

static void tick(struct session *s, bool final)
{
	struct zdev_status st;

	status(s, &st);
	if (s->table) {
		if (s->table_tty && !final)
			fputs("\033[H\033[2J", s->table);
		output_table(s->table, &s->tracker, &st);
		if (!s->table_tty)
			fputc('\n', s->table);
	}
	json_put(s, output_snapshot(&s->tracker, &st, final));
}

static int open_outputs(struct session *s)
{
	if (s->cfg.json_path && !strcmp(s->cfg.json_path, "-")) {
		s->json = stdout;
	} else if (s->cfg.json_path) {
		s->json = fopen(s->cfg.json_path, "a");
		if (!s->json) {
			fprintf(stderr, "zdevmon: cannot open %s: %s\n",
				s->cfg.json_path, strerror(errno));
			return -errno;
		}
	}
	if (!s->cfg.quiet) {
		s->table = s->json == stdout ? stderr : stdout;
		s->table_tty = isatty(fileno(s->table));
	}
	return 0;
}

static void announce(struct session *s)
{
	struct zdev_status st;
	int i, on = 0, tr = 0;

	status(s, &st);
	for (i = 0; i < st.nr_hooks; i++) {
		if (!strcmp(st.hooks[i].mechanism, "off")) {
			if (s->cfg.verbose)
				fprintf(stderr, "zdevmon: %s off: %s\n",
					st.hooks[i].func, st.hooks[i].reason);
			continue;
		}
		on++;
		tr += st.hooks[i].mechanism[0] == 'f';
	}
	fprintf(stderr,
		"zdevmon: monitoring with %d of %d hooks (%d fentry/fexit, %d "
		"kprobe)\n",
		on, st.nr_hooks, tr, on - tr);
	json_put(s, output_start(&st));
}

static int run(struct session *s)
{
	double next = s->t0 + s->cfg.interval_s, end = 0;
	int err = 0;

	if (s->cfg.duration_s > 0)
		end = s->t0 + s->cfg.duration_s;
	while (!exiting) {
		double t = now_s();
		int wait_ms = (int)((next - t) * 1000);

		if (wait_ms > 100)
			wait_ms = 100;
		err = ring_buffer__poll(s->rb, wait_ms > 0 ? wait_ms : 0);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "zdevmon: reading events failed: %s\n",
				strerror(-err));
			break;
		}
		err = 0;
		t = now_s();
		if (end && t >= end)
			break;
		if (t >= next) {
			tick(s, false);
			next += s->cfg.interval_s;
			if (next < t)
				next = t + s->cfg.interval_s;
		}
	}
	/* what the kernel already produced belongs in the final snapshot */
	ring_buffer__consume(s->rb);
	tick(s, true);
	return err;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc };
	struct session s = { .cfg = { .interval_s = 1.0 } };
	struct probe_opts popts;
	char err[512];
	int ret;

	argp_err_exit_status = 2;
	ret = argp_parse(&argp, argc, argv, 0, NULL, &s.cfg);
	if (ret)
		return 2;
	tracker_init(&s.tracker);

	popts.force_kprobes = s.cfg.force_kprobes;
	popts.verbose = s.cfg.verbose;
	ret = probes_open(&s.probes, &popts, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "zdevmon: %s.\n", err);
		ret = 1;
		goto cleanup;
	}
	s.rb = ring_buffer__new(probes_events_fd(s.probes), handle_event, &s,
				NULL);
	if (!s.rb) {
		fprintf(stderr, "zdevmon: cannot open the ring buffer: %s\n",
			strerror(errno));
		ret = 1;
		goto cleanup;
	}
	if (open_outputs(&s)) {
		ret = 1;
		goto cleanup;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	s.t0 = now_s();
	announce(&s);
	ret = run(&s) ? 1 : 0;
	if (s.json_errors)
		ret = 1;

cleanup:
	ring_buffer__free(s.rb);
	probes_close(s.probes);
	if (s.json && s.json != stdout)
		fclose(s.json);
	tracker_release(&s.tracker);
	return ret;
}
