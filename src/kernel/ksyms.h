/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel addresses to "function+0xoff [module]", from /proc/kallsyms. */
#ifndef ZDEVMON_KSYMS_H
#define ZDEVMON_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ksyms;

/*
 * Load kallsyms-format text (module symbols included) from kallsyms_fd,
 * and module extents from modules_fd in /proc/modules format (-1: none;
 * module symbols then extend to the next symbol only). Both are read from
 * offset 0 and left open: /proc/kallsyms shows addresses by the
 * credentials of its opener, so a daemon opens them while privileged and
 * reloads from them later. NULL on error.
 */
struct ksyms *ksyms_load_fds(int kallsyms_fd, int modules_fd);
/* ksyms_load_fds() of the files at these paths (modules may be NULL). */
struct ksyms *ksyms_load(const char *kallsyms, const char *modules);
void ksyms_free(struct ksyms *ks);

/*
 * Format addr into buf as "func+0x1a", or "func+0x1a [module]", and
 * return true; an address no function is known to hold (past the end of
 * kernel text or of its module, or no symbols at all) gives "?" and false.
 */
bool ksyms_format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);
/*
 * The text of core-kernel function name: [*start, *end), end being the
 * next symbol's address. False when no such symbol is known.
 */
bool ksyms_extent(const struct ksyms *ks, const char *name, uint64_t *start,
		  uint64_t *end);
/* The module holding addr, or NULL for the core kernel or no match. */
const char *ksyms_module(const struct ksyms *ks, uint64_t addr);

/*
 * What names addr, as the lines that say it again: the function's
 * kallsyms line into sym, and what bounds it into bound (an _etext line
 * for the core kernel, a /proc/modules line for a module; "" if unknown).
 * A recording carries them (record/record.c). False when none holds addr.
 */
bool ksyms_lines(const struct ksyms *ks, uint64_t addr, char *sym,
		 size_t symlen, char *bound, size_t boundlen);

/*
 * A symbol the kernel printed with "%pS" ("name+0xoff/0xsize [module]") in
 * ksyms_format()'s form ("name+0xoff [module]"); false if it names none.
 */
bool ksyms_from_pS(const char *pS, char *buf, size_t len);

#endif /* ZDEVMON_KSYMS_H */
