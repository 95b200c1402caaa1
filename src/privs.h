/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: once the probes are attached, the daemon needs only
 * CAP_BPF and CAP_PERFMON (map reads) and CAP_SYSLOG (kallsyms addresses
 * for call sites).
 */
#ifndef ZDEVMON_PRIVS_H
#define ZDEVMON_PRIVS_H

#include <stddef.h>

/*
 * Drop every other capability from the effective, permitted, inheritable
 * and bounding sets and set no_new_privs. 0, or -errno with err filled.
 */
int privs_drop(char *err, size_t errlen);

#endif /* ZDEVMON_PRIVS_H */
