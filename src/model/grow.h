/* SPDX-License-Identifier: GPL-2.0 */
/* The model's arrays that grow by doubling, refilled at each tick. */
#ifndef ZDEVMON_GROW_H
#define ZDEVMON_GROW_H

#include <errno.h>
#include <stdlib.h>

/* Room for one more beyond n in *v (*cap elements of size sz): 0, -ENOMEM. */
static inline int grow(void **v, size_t n, size_t *cap, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*v, c * sz);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

#endif /* ZDEVMON_GROW_H */
