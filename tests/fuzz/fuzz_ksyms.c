// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the kallsyms parser. The input is a /proc/kallsyms text, then
 * optionally a NUL byte and a /proc/modules text; every address the input
 * names, and its neighbours, is formatted and looked up.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kernel/ksyms.h"

static int memfd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t ksize = nul ? (size_t)(nul - data) : size;
	int kfd = memfd_of(data, ksize), mfd = -1;
	uint64_t start, end, addr;
	struct ksyms *ks;
	char buf[128];
	size_t i;

	if (nul)
		mfd = memfd_of(nul + 1, size - ksize - 1);
	ks = ksyms_load_fds(kfd, mfd);
	if (ks) {
		/* the addresses the input spells, read as hex words */
		for (i = 0; i + 16 <= ksize; i += 16) {
			char word[17];

			memcpy(word, data + i, 16);
			word[16] = '\0';
			addr = strtoull(word, NULL, 16);
			ksyms_format(ks, addr, buf, sizeof(buf));
			ksyms_format(ks, addr + 1, buf, sizeof(buf));
			ksyms_format(ks, addr - 1, buf, 1);
			ksyms_module(ks, addr);
		}
		ksyms_extent(ks, "gup_fast_fallback", &start, &end);
		ksyms_format(ks, 0, buf, sizeof(buf));
		ksyms_format(ks, UINT64_MAX, buf, sizeof(buf));
		ksyms_free(ks);
	}
	close(kfd);
	if (mfd >= 0)
		close(mfd);
	return 0;
}
