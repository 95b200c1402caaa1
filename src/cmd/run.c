// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon run: watch one command, run its teardown, settle, then judge.
 * The probes are attached (main) before the command is forked, so its
 * first event is seen.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "cmd.h"
#include "output/objects.h"
#include "output/outfile.h"
#include "output/report.h"
#include "sys/privs.h"
#include "sys/runcmd.h"

struct child {
	pid_t pid;
	int status;
	bool ended;
};

static bool child_ended(struct session *s, void *arg)
{
	struct child *c = arg;

	if (!c->ended && runcmd_poll(c->pid, &c->status) != 0)
		c->ended = true;
	return c->ended;
}

/* Run a child to its end; a signal to zdevmon is passed on to it. */
static void follow(struct session *s, struct child *c, double until)
{
	int forwarded = 0;

	for (;;) {
		session_pump(s, until, child_ended, c);
		if (c->ended || (until && session_now() >= until))
			return;
		if (session_signal) {
			if (forwarded++)
				return; /* a second signal: stop waiting */
			kill(c->pid, session_signal);
			session_signal = 0;
		}
	}
}

static int write_json_report(const char *path, const struct report_ctx *rc)
{
	json_object *o = report_json(rc);
	FILE *f = outfile_fopen_w(path);
	int err = 0;

	if (!f || output_line(f, o))
		err = -errno;
	if (f && fclose(f) && !err)
		err = -errno;
	json_object_put(o);
	if (err)
		fprintf(stderr, "zdevmon: cannot write %s: %s\n", path,
			outfile_strerror(-err));
	return err;
}

static int write_junit(const char *path, const struct report_ctx *rc)
{
	FILE *f = outfile_fopen_w(path);
	int err = f ? report_junit(f, rc) : -errno;

	if (f && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "zdevmon: cannot write %s: %s\n", path,
			outfile_strerror(-err));
	return err;
}

static int exit_code(const struct session *s, const struct report_ctx *rc,
		     const struct zrec_verdict *v)
{
	if (s->json_on && s->json.last_errno)
		return EXIT_ZDEVMON_FAILED; /* the final snapshot is lost */
	if (s->cfg.fail_on_leak && report_inconclusive(rc))
		return EXIT_INCONCLUSIVE;
	if (s->cfg.fail_on_leak && leaks_count(rc->r, LEAK_ERROR))
		return EXIT_LEAKS;
	if (rc->cmd_status < 0 || runcmd_failed(rc->cmd_status) ||
	    rc->teardown_timed_out ||
	    (v->teardown_ran && v->teardown_ended &&
	     runcmd_failed(v->teardown_status)))
		return EXIT_CMD_FAILED;
	return EXIT_CLEAN;
}

/*
 * Before privileges are dropped: fork the command (as --user) and the
 * teardown (as the invoking user), both waiting. 0 or -errno.
 */
static int run_prepare(struct session *s, char *err, size_t errlen)
{
	struct privs_user user;
	int ret = privs_lookup_option(s->cfg.user, &user, err, errlen);

	if (ret)
		return ret;
	ret = runcmd_prepare(&s->cmd, s->cfg.cmd, &user);
	/* the root of the tree --scope judges: before it can fork */
	if (!ret && s->cfg.scope == ZDEV_SCOPE_TREE)
		ret = probes_scope_add(s->probes, s->cmd.pid);
	if (!ret && s->cfg.teardown)
		ret = runcmd_prepare_shell(&s->teardown, s->cfg.teardown);
	if (ret) {
		snprintf(err, errlen, "cannot start %s: %s", s->cfg.cmd[0],
			 strerror(-ret));
		runcmd_cancel(&s->cmd);
	}
	return ret;
}

int run_drop_privileges(struct session *s, char *err, size_t errlen)
{
	/* run signals CMD, which runs as another user */
	static const cap_value_t run_keep[] = { CAP_KILL };

	return run_prepare(s, err, errlen)
		       ?: privs_drop(run_keep, s->cfg.user ? 1 : 0, NULL, err,
				     errlen);
}

void run_cmd_ended(struct session *s, int status)
{
	struct zrec_cmd_ended ce = { .status = status };

	session_step_begin(s, ZREC_STEP_CMD_ENDED, &ce, sizeof(ce));
	session_sync(s);
	/* modules the command used may be gone after the teardown */
	session_ksyms(s, true);
	if (s->cfg.older_than_s > 0) {
		session_folios(s);
		/* bpf_ktime_get_ns() and session_now() share CLOCK_MONOTONIC */
		leaks_unmapped(&s->tracker, s->now_ns,
			       (uint64_t)(s->cfg.older_than_s * 1e9),
			       &s->verdict);
	}
	session_step_end(s);
}

int run_verdict(struct session *s, const struct zrec_verdict *v)
{
	struct zdev_status st;
	struct report_ctx rc;
	int ret;

	session_step_begin(s, ZREC_STEP_VERDICT, v, sizeof(*v));
	session_sync(s);
	session_folios(s);

	leaks_merge(&s->verdict, &s->alerts);
	leaks_after_run(&s->tracker, &s->verdict);
	session_status(s, &st);
	rc = (struct report_ctx){
		.t = &s->tracker,
		.r = &s->verdict,
		.show_addresses = s->cfg.show_addresses,
		.stack = s->src->stack,
		.stack_ctx = s->src_ctx,
		.argv = s->cfg.cmd,
		.cmd_status = v->cmd_status,
		.teardown = s->cfg.teardown,
		.teardown_status = v->teardown_status,
		.teardown_timed_out = v->teardown_timed_out,
		.dropped_events = st.lost_events,
		.probe_misses = st.probe_misses,
		.stack_collisions = st.stack_collisions,
		.stack_overflows = st.stack_overflows,
	};
	session_tick(s, "final");
	/* after the tick: an alert in it may have read the symbols again */
	rc.ks = session_ksyms(s, false);
	ret = exit_code(s, &rc, v);
	rc.exit_code = ret;
	report_text(stderr, &rc);
	if ((s->cfg.report_json &&
	     write_json_report(s->cfg.report_json, &rc)) ||
	    (s->cfg.junit && write_junit(s->cfg.junit, &rc)))
		ret = EXIT_ZDEVMON_FAILED;
	session_step_end(s);
	return ret;
}

int run_mode(struct session *s)
{
	struct child cmd = { .pid = s->cmd.pid }, td = {};
	struct zrec_verdict v = {};

	runcmd_go(&s->cmd);
	follow(s, &cmd, 0);
	if (!cmd.ended) { /* interrupted twice: do not leave it behind */
		kill(cmd.pid, SIGKILL);
		waitpid(cmd.pid, &cmd.status, 0);
		cmd.ended = true;
	}
	run_cmd_ended(s, cmd.status);

	if (s->teardown.pid > 0 && !session_signal) {
		td.pid = s->teardown.pid;
		runcmd_go(&s->teardown);
		follow(s, &td, session_now() + s->cfg.teardown_timeout_s);
		v.teardown_timed_out = !td.ended;
		/* it had its time: a memunmap_pages() still waiting is stuck */
		if (v.teardown_timed_out) {
			session_judge_teardowns(s, 0);
			fprintf(stderr,
				"zdevmon: the teardown '%s' has not finished "
				"after %gs; judging now\n",
				s->cfg.teardown, s->cfg.teardown_timeout_s);
		}
	} else {
		runcmd_cancel(&s->teardown);
	}
	if (!session_signal)
		session_pump(s, session_now() + s->cfg.settle_s, NULL, NULL);
	v.cmd_status = cmd.status;
	v.teardown_ran = td.pid > 0;
	v.teardown_ended = td.ended;
	v.teardown_status = td.status;
	return run_verdict(s, &v);
}
