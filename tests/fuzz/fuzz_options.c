// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: zdevmon's command line. The input is argv after "zdevmon",
 * its words separated by NUL bytes; parsed as main() would, without exit.
 */
#include <argp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* --help and --usage print: not to the fuzzer's output */
	if (!freopen("/dev/null", "w", stdout))
		return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], *p;
	struct config cfg;
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "zdevmon";
	for (p = buf; p < buf + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	options_parse(argc, argv, &cfg, ARGP_SILENT);
	free(buf);
	return 0;
}
