// SPDX-License-Identifier: GPL-2.0
/* fork, a go pipe, exec and non-blocking waits for zdevmon run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runcmd.h"

int runcmd_prepare(struct runcmd *c, char *const argv[],
		   const struct privs_user *user)
{
	int p[2];
	char go;
	pid_t pid;

	c->pid = 0;
	c->go_fd = -1;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		/* nothing to read (a cancel, or zdevmon gone): run nothing */
		if (read(p[0], &go, 1) != 1)
			_exit(0);
		if (user && user->set && privs_become(user)) {
			fprintf(stderr,
				"zdevmon: cannot run %s as uid %u: %s\n",
				argv[0], (unsigned int)user->uid,
				strerror(errno));
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "zdevmon: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	close(p[0]);
	c->pid = pid;
	c->go_fd = p[1];
	return 0;
}

int runcmd_prepare_shell(struct runcmd *c, const char *cmdline)
{
	char *const argv[] = { "/bin/sh", "-c", (char *)cmdline, NULL };

	return runcmd_prepare(c, argv, NULL);
}

void runcmd_go(struct runcmd *c)
{
	if (c->go_fd < 0)
		return;
	if (write(c->go_fd, "g", 1) != 1) {
		/* the child is gone already: its status tells */
	}
	close(c->go_fd);
	c->go_fd = -1;
}

void runcmd_cancel(struct runcmd *c)
{
	/* a child that was let go is the caller's to wait for; pid 0: none
	 * was forked (and go_fd of a zeroed struct is not ours to close) */
	if (c->pid > 0 && c->go_fd >= 0) {
		close(c->go_fd);
		c->go_fd = -1;
		waitpid(c->pid, NULL, 0);
	}
	c->pid = 0;
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
