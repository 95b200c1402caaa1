// SPDX-License-Identifier: GPL-2.0
/* Output files opened without following symbolic links. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "outfile.h"

int outfile_open(const char *path, int flags)
{
	/*
	 * O_NOFOLLOW: a symbolic link planted at the path would otherwise
	 * let whoever can write the directory aim root's writes anywhere.
	 */
	int fd = open(path, flags | O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
		      OUTFILE_MODE);

	return fd < 0 ? -errno : fd;
}

FILE *outfile_fopen_w(const char *path)
{
	int fd = outfile_open(path, O_TRUNC), err;
	FILE *f;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		errno = err;
	}
	return f;
}

const char *outfile_strerror(int err)
{
	/* O_NOFOLLOW's ELOOP reads "Too many levels of symbolic links" */
	if (err == ELOOP)
		return "is a symbolic link; refusing to follow it";
	return strerror(err);
}

int outfile_shift(const char *path, const char *current, int keep)
{
	size_t len = strlen(path) + 16;
	char from[len], to[len];
	int i;

	for (i = keep - 1; i >= 1; i--) {
		snprintf(from, len, "%s.%d", path, i);
		snprintf(to, len, "%s.%d", path, i + 1);
		rename(from, to); /* a missing one is fine */
	}
	snprintf(to, len, "%s.1", path);
	return rename(current, to) ? -errno : 0;
}
