// SPDX-License-Identifier: GPL-2.0
/* The forms of a --listen value, for the option parser and the endpoint. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "listen.h"

static int parse_port(const char *arg, long *out)
{
	char *end;
	long v;

	if (*arg < '0' || *arg > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

int listen_parse(const char *listen, char *addr, size_t addrlen,
		 unsigned short *port)
{
	const char *colon = strrchr(listen, ':');
	const char *p = colon ? colon + 1 : listen;
	size_t n = colon ? (size_t)(colon - listen) : 0;
	long v;

	if (parse_port(p, &v))
		return -EINVAL;
	*port = v;
	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
		listen++;
		n -= 2;
	}
	if (n >= addrlen)
		return -EINVAL;
	if (!n) {
		snprintf(addr, addrlen, "127.0.0.1"); /* loopback by default */
	} else {
		memcpy(addr, listen, n);
		addr[n] = '\0';
	}
	return 0;
}
