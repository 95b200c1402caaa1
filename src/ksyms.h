/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel addresses to "function+0xoff [module]", from /proc/kallsyms. */
#ifndef ZDEVMON_KSYMS_H
#define ZDEVMON_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* Load a kallsyms-format file (module symbols included). NULL on error. */
struct ksyms *ksyms_load(const char *path);
void ksyms_free(struct ksyms *ks);

/*
 * Format addr into buf as "func+0x1a", or "func+0x1a [module]"; the raw
 * address when nothing matches. Returns buf.
 */
const char *ksyms_format(const struct ksyms *ks, uint64_t addr, char *buf,
			 size_t len);
/* The module holding addr, or NULL for the core kernel or no match. */
const char *ksyms_module(const struct ksyms *ks, uint64_t addr);

#endif /* ZDEVMON_KSYMS_H */
