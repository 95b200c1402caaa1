// SPDX-License-Identifier: GPL-2.0
/*
 * Fentry and fexit programs run with migration disabled, not preemption
 * (__bpf_prog_enter_recur()): under a preemptible model one can be
 * preempted mid-run, and its recursion guard then skips every call on
 * that CPU until it resumes. probe.c attaches backstops there.
 */
#include <string.h>

#include "kernel/preempt.h"
#include "kernel/zone_layout.h"

/* The last preempt= of a command line, up to its end or a space. */
static const char *preempt_arg(const char *cmdline, size_t *len)
{
	const char *p = cmdline, *arg = NULL;

	while ((p = strstr(p, "preempt="))) {
		if (p == cmdline || p[-1] == ' ')
			arg = p + strlen("preempt=");
		p++;
	}
	if (arg)
		*len = strcspn(arg, " \n");
	return arg;
}

static bool is_word(const char *arg, size_t len, const char *word)
{
	return len == strlen(word) && !strncmp(arg, word, len);
}

bool tracing_preemptible(const char *kconfig, const char *cmdline)
{
	const char *arg;
	char val[8];
	size_t len;

	if (!kconfig ||
	    kconfig_value(kconfig, "CONFIG_PREEMPT_RT", val, sizeof(val)))
		return true;
	/* kernel/sched/core.c: preempt= picks the dynamic model at boot */
	if (cmdline &&
	    kconfig_value(kconfig, "CONFIG_PREEMPT_DYNAMIC", val,
			  sizeof(val)) &&
	    (arg = preempt_arg(cmdline, &len))) {
		if (is_word(arg, len, "full") || is_word(arg, len, "lazy"))
			return true;
		if (is_word(arg, len, "none") || is_word(arg, len, "voluntary"))
			return false;
	}
	return kconfig_value(kconfig, "CONFIG_PREEMPT", val, sizeof(val)) ||
	       kconfig_value(kconfig, "CONFIG_PREEMPT_LAZY", val, sizeof(val));
}
