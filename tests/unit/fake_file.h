/* SPDX-License-Identifier: GPL-2.0 */
/* Fabricated /proc files for unit tests; include after <cmocka.h>. */
#ifndef ZDEV_TEST_FAKE_FILE_H
#define ZDEV_TEST_FAKE_FILE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file holding text; unlinked, its fd stays readable. */
static inline int fake_file(const char *text)
{
	char path[] = "/tmp/zdevmon-ksyms-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	unlink(path);
	return fd;
}

#endif
