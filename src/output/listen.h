/* SPDX-License-Identifier: GPL-2.0 */
/* Where the HTTP endpoint listens: the forms of a --listen value. */
#ifndef ZDEVMON_LISTEN_H
#define ZDEVMON_LISTEN_H

#include <stddef.h>

/*
 * Split a --listen value: "ADDR:PORT", "[ADDR6]:PORT", ":PORT" or "PORT"
 * (the last two: 127.0.0.1). 0 or -EINVAL.
 */
int listen_parse(const char *listen, char *addr, size_t addrlen,
		 unsigned short *port);

#endif /* ZDEVMON_LISTEN_H */
