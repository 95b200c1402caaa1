// SPDX-License-Identifier: GPL-2.0
/* zdevmon without a subcommand: the daemon, the table and NDJSON. */
#include "cmd.h"
#include "sys/privs.h"

int daemon_drop_privileges(struct session *s, char *err, size_t errlen)
{
	struct privs_user user;

	return privs_lookup_option(s->cfg.user, &user, err, errlen)
		       ?: privs_drop(NULL, 0, &user, err, errlen);
}

/* The daemon: until a signal or --duration. */
int daemon_mode(struct session *s)
{
	double until = s->cfg.duration_s > 0 ? s->t0 + s->cfg.duration_s : 0;
	int err = session_pump(s, until, NULL, NULL);

	session_tick(s, "final");
	/* a final snapshot that did not reach its file is a failure */
	return err || (s->json_on && s->json.last_errno) ? EXIT_ZDEVMON_FAILED
							 : EXIT_CLEAN;
}
