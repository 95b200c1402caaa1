/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files zdevmon writes (NDJSON, --report-json, --junit). It runs as root,
 * often in a directory others can write to: a file is never opened through
 * a symbolic link, and is created readable by its group only.
 */
#ifndef ZDEVMON_OUTFILE_H
#define ZDEVMON_OUTFILE_H

#include <stdio.h>

#define OUTFILE_MODE 0640

/*
 * Open path for writing, created OUTFILE_MODE if missing, close-on-exec;
 * refused (-ELOOP) when its last component is a symbolic link. flags adds
 * O_APPEND or O_TRUNC. An fd, or -errno.
 */
int outfile_open(const char *path, int flags);
/* outfile_open(path, O_TRUNC) as a stdio stream; NULL with errno set. */
FILE *outfile_fopen_w(const char *path);
/*
 * Rotation's renames: path.keep is dropped, path.i becomes path.i+1, and
 * current (path itself, or where it was moved) becomes path.1. 0 or -errno.
 */
int outfile_shift(const char *path, const char *current, int keep);
/* strerror(err), but ELOOP says why the file was refused. */
const char *outfile_strerror(int err);

#endif /* ZDEVMON_OUTFILE_H */
