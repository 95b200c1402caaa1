// SPDX-License-Identifier: GPL-2.0
/* fork/exec and non-blocking waits for zdevmon run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runcmd.h"

pid_t runcmd_spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* zdevmon's own handlers must not outlive exec */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "zdevmon: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	return pid;
}

pid_t runcmd_shell(const char *cmdline)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)cmdline, NULL };

	return runcmd_spawn(argv);
}

int runcmd_poll(pid_t pid, int *status)
{
	pid_t r = waitpid(pid, status, WNOHANG);

	if (r < 0)
		return -errno;
	return r == pid;
}

int runcmd_failed(int status)
{
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
