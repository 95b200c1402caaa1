// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon replay: a recording's steps taken again by the same session
 * code, its reads answered by the recording (record/replay.c). Nothing
 * here needs BPF or a privilege.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "record/replay.h"

/* The recording's session, as far as the outputs and the rules see it. */
static void take_head(struct session *s, const struct zrec_head *h)
{
	struct config *c = &s->cfg;

	tracker_init(&s->tracker);
	s->tracker.fsdax_idle_at_one = h->fsdax_idle_at_one;
	s->tracker.folio_records = h->folio_records;
	s->tracker.keep_gone = h->keep_gone;
	c->keep_gone = h->keep_gone;
	s->census = h->census;
	c->run = h->run;
	c->cmd = h->cmd;
	c->teardown = h->teardown;
	c->teardown_timeout_s = h->teardown_timeout_s;
	c->layout_wait_s = h->layout_wait_s;
	c->settle_s = h->settle_s;
	c->older_than_s = h->older_than_s;
	c->scope = h->scope;
	c->fail_on_leak |= h->fail_on_leak;
	if (c->events && !h->events)
		fprintf(stderr,
			"zdevmon: --events: the recording holds only the "
			"ring's own records (it was made without --events)\n");
}

/* One recorded step, taken again; a run's verdict sets *ret. */
static void take_step(struct session *s, const struct zrec_frame *step,
		      int *ret, bool *judged)
{
	struct zrec_frame arg = *step, *f = &arg;
	double wall;
	struct zrec_cmd_ended ce = { .status = -1 };
	struct zrec_verdict v = {};
	double after = 0;
	char trigger[32];

	/* a step's payload: its Unix time, then its argument */
	if (f->type != ZREC_EVENT && f->len >= sizeof(wall)) {
		memcpy(&wall, f->data, sizeof(wall));
		if (isfinite(wall))
			s->wall_offset = wall - s->now;
		f->data += sizeof(wall);
		f->len -= sizeof(wall);
	}
	switch (f->type) {
	case ZREC_STEP_START:
		session_announce(s);
		break;
	case ZREC_STEP_SYNC:
		session_sync(s);
		break;
	case ZREC_STEP_TICK:
		snprintf(trigger, sizeof(trigger), "%.*s",
			 (int)(f->len < 31 ? f->len : 31),
			 (const char *)f->data);
		session_tick(s, trigger);
		break;
	case ZREC_STEP_TEARDOWNS:
		if (f->len == sizeof(after))
			memcpy(&after, f->data, sizeof(after));
		/* a recording's number: within what an option may say */
		if (!(after >= 0 && after <= MAX_SECONDS))
			after = 0;
		session_judge_teardowns(s, after);
		break;
	case ZREC_STEP_WAITS:
		session_judge_waits(s);
		break;
	case ZREC_STEP_FOLIOS:
		session_folios(s);
		break;
	case ZREC_STEP_CMD_ENDED:
		if (f->len == sizeof(ce))
			memcpy(&ce, f->data, sizeof(ce));
		run_cmd_ended(s, ce.status);
		break;
	case ZREC_STEP_VERDICT:
		if (f->len == sizeof(v))
			memcpy(&v, f->data, sizeof(v));
		*ret = run_verdict(s, &v);
		*judged = true;
		break;
	case ZREC_EVENT: {
		struct zdev_event e;

		if (f->len >= ZDEV_EVENT_SMALL_SIZE && f->len <= sizeof(e)) {
			memcpy(&e, f->data, f->len);
			session_event(s, &e, f->len);
		}
		break;
	}
	}
}

int replay_mode(struct session *s)
{
	const char *path = s->cfg.replay_path, *why;
	const struct zrec_head *h;
	struct zrec_frame f;
	struct replay *r;
	bool judged = false, final = false;
	int ret = EXIT_CLEAN;
	char err[320];

	r = replay_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "zdevmon: cannot replay %s: %s.\n", path, err);
		return EXIT_USAGE;
	}
	h = replay_head(r);
	take_head(s, h);
	if (s->cfg.verbose)
		fprintf(stderr,
			"zdevmon: replaying %s: recorded by zdevmon %s on "
			"Linux %s, %s\n",
			path, h->version, h->kernel,
			h->run ? "a run" : "the daemon");
	s->src = &replay_ops;
	s->src_ctx = r;
	s->replaying = true;
	replay_set_handler(r, session_event, s);
	/* the recording's clock: each step sets s->now */
	s->now_ns = h->t0_ns;
	s->now = s->now_ns / 1e9;
	if (session_start(s)) {
		replay_close(r);
		return EXIT_ZDEVMON_FAILED;
	}
	s->t0_ns = h->t0_ns;
	s->t0 = s->t0_ns / 1e9;

	while (!judged && !session_signal && replay_next_step(r, &f) > 0) {
		s->now_ns = f.ns;
		s->now = f.ns / 1e9;
		final |= f.type == ZREC_STEP_TICK && f.len == 8 + 5 &&
			 !memcmp(f.data + 8, "final", 5);
		take_step(s, &f, &ret, &judged);
	}
	why = replay_error(r);
	if (why)
		fprintf(stderr,
			"zdevmon: %s is damaged %s; what came before is "
			"reported\n",
			path, why);
	else if (s->cfg.run && !judged)
		fprintf(stderr,
			"zdevmon: %s ends before the run's verdict (zdevmon "
			"was stopped); what it holds is judged\n",
			path);
	/* what a cut recording holds is still told, as at a stop */
	if (s->cfg.run && !judged) {
		struct zrec_verdict v = { .cmd_status = -1 };

		run_verdict(s, &v);
	} else if (!s->cfg.run && !final) {
		session_tick(s, "final");
	}
	if (s->cfg.verbose)
		fprintf(stderr, "zdevmon: %llu frames replayed\n",
			(unsigned long long)replay_frames(r));
	replay_close(r);
	s->cfg.cmd = NULL;
	s->cfg.teardown = NULL;
	if (why || (s->cfg.run && !judged))
		return EXIT_USAGE;
	if (!s->cfg.run && s->json_on && s->json.last_errno)
		return EXIT_ZDEVMON_FAILED;
	return ret;
}
