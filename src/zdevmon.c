// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon: observe ZONE_DEVICE folios (device-private and coherent memory,
 * FS DAX and device-dax, P2PDMA) with CO-RE BPF and keep a per-pgmap
 * refcount and mapcount picture.
 *
 * Options, the event loop and signals live here; probe.c attaches,
 * tracker.c keeps state, output.c prints.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "options.h"
#include "output.h"
#include "probe.h"
#include "tracker.h"

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t snapshot_now;

static void on_signal(int sig)
{
	exiting = sig;
}

static void on_usr1(int sig)
{
	snapshot_now = 1;
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

static void tick(struct session *s, const char *trigger)
{
	bool final = !strcmp(trigger, "final");
	struct zdev_status st;
	json_object *snap;

	status(s, &st);
	if (s->table) {
		if (s->table_tty && !final)
			fputs("\033[H\033[2J", s->table);
		output_table(s->table, &s->tracker, &st);
		if (!s->table_tty)
			fputc('\n', s->table);
	}
	snap = output_snapshot(&s->tracker, &st, final);
	json_object_object_add(snap, "trigger",
			       json_object_new_string(trigger));
	json_put(s, snap);
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
			fprintf(stderr, "zdevmon: hook %s is off: %s\n",
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
		if (snapshot_now) {
			snapshot_now = 0;
			ring_buffer__consume(s->rb);
			tick(s, "signal");
		}
		if (t >= next) {
			tick(s, "interval");
			next += s->cfg.interval_s;
			if (next < t)
				next = t + s->cfg.interval_s;
		}
	}
	/* what the kernel already produced belongs in the final snapshot */
	ring_buffer__consume(s->rb);
	tick(s, "final");
	return err;
}

int main(int argc, char **argv)
{
	struct session s = {};
	struct probe_opts popts;
	char err[512];
	int ret;

	if (options_parse(argc, argv, &s.cfg, 0))
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
	signal(SIGUSR1, on_usr1);
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
