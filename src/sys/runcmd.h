/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Child processes of zdevmon run: the command and its teardown. Both are
 * forked while zdevmon is still privileged, so that they keep the
 * invoking user's identity and capabilities (a teardown's rmmod needs
 * them) after zdevmon drops its own; each waits for a go before exec.
 */
#ifndef ZDEVMON_RUNCMD_H
#define ZDEVMON_RUNCMD_H

#include <sys/types.h>
#include "privs.h"

struct runcmd {
	pid_t pid; /* 0: none */
	int go_fd; /* write end of the child's go pipe; -1 once used */
};

/*
 * Fork a child that waits, then execs argv (PATH searched), as user if
 * given (user->set). 0, or -errno.
 */
int runcmd_prepare(struct runcmd *c, char *const argv[],
		   const struct privs_user *user);
/* The same for a shell command line, as the invoking user. */
int runcmd_prepare_shell(struct runcmd *c, const char *cmdline);
/* Let it exec. */
void runcmd_go(struct runcmd *c);
/* Let a child not yet let go exit without running anything; reaped. */
void runcmd_cancel(struct runcmd *c);
/* 1 when pid has ended (*status: its wait status), 0 if running, -errno. */
int runcmd_poll(pid_t pid, int *status);
/* 0 for a wait status that means success. */
int runcmd_failed(int status);

#endif /* ZDEVMON_RUNCMD_H */
