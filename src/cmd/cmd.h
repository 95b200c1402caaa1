/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands main() dispatches to. Each drop takes what only root
 * can do that the command needs, then drops every capability; each mode
 * runs a started session to its end and returns the exit status.
 */
#ifndef ZDEVMON_CMD_H
#define ZDEVMON_CMD_H

#include <stddef.h>
#include "session.h"

/* zdevmon features: what this kernel offers, then exit (no drop). */
int features_mode(struct session *s);

/* zdevmon: become --user (if given), keeping nothing. */
int daemon_drop_privileges(struct session *s, char *err, size_t errlen);
/* The daemon: until a signal or --duration. */
int daemon_mode(struct session *s);

/*
 * zdevmon run: fork the command (as --user) and the teardown (as the
 * invoking user), both waiting, then drop all but CAP_KILL (for CMD as
 * another user).
 */
int run_drop_privileges(struct session *s, char *err, size_t errlen);
/* The command, teardown, settle, verdict. */
int run_mode(struct session *s);
/* run's stages a replay takes again: CMD ended (status), the verdict. */
void run_cmd_ended(struct session *s, int status);
int run_verdict(struct session *s, const struct zrec_verdict *v);

/* zdevmon replay: a recording's steps taken again; run's exit status. */
int replay_mode(struct session *s);

#endif /* ZDEVMON_CMD_H */
