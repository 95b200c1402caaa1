/* SPDX-License-Identifier: GPL-2.0 */
/* Child processes of zdevmon run: the command and its teardown. */
#ifndef ZDEVMON_RUNCMD_H
#define ZDEVMON_RUNCMD_H

#include <sys/types.h>

/* Start argv (PATH searched) or a shell command line; pid or -errno. */
pid_t runcmd_spawn(char *const argv[]);
pid_t runcmd_shell(const char *cmdline);
/* 1 when pid has ended (*status: its wait status), 0 if running, -errno. */
int runcmd_poll(pid_t pid, int *status);
/* 0 for a wait status that means success. */
int runcmd_failed(int status);

#endif /* ZDEVMON_RUNCMD_H */
