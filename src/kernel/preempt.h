/* SPDX-License-Identifier: GPL-2.0 */
/* Whether the running kernel may preempt a BPF tracing program. */
#ifndef ZDEVMON_PREEMPT_H
#define ZDEVMON_PREEMPT_H

#include <stdbool.h>

/*
 * True when the preemption model is full, lazy or RT: the kernel's
 * kconfig text and its command line's last valid preempt= decide (a debugfs
 * change at run time is not seen). An unknown config (NULL) answers true.
 */
bool tracing_preemptible(const char *kconfig, const char *cmdline);

#endif /* ZDEVMON_PREEMPT_H */
