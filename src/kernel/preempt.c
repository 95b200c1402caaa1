// SPDX-License-Identifier: GPL-2.0
/*
 * Fentry and fexit programs run with migration disabled, not preemption
 * (__bpf_prog_enter_recur()): under a preemptible model one can be
 * preempted mid-run, and its recursion guard then skips every call on
 * that CPU until it resumes. probe.c attaches a kprobe.multi there.
 */
#include <string.h>

#include "kernel/preempt.h"
#include "kernel/zone_layout.h"

static bool is_word(const char *arg, size_t len, const char *word)
{
	return len == strlen(word) && !strncmp(arg, word, len);
}

/*
 * What one preempt= asks, as kernel/sched/core.c's sched_dynamic_mode()
 * reads it: 1 a preemptible model, 0 not, -1 none this kernel accepts
 * (the kernel then keeps the model it had). v7.x takes none and voluntary
 * only without ARCH_HAS_PREEMPT_LAZY (or PREEMPT_RT: always preemptible),
 * lazy only with it; before, it took them there too: this errs towards
 * preemptible.
 */
static int model_asked(const char *arg, size_t len, bool lazy)
{
	if (is_word(arg, len, "full"))
		return 1;
	if (is_word(arg, len, "lazy"))
		return lazy ? 1 : -1;
	if (is_word(arg, len, "none") || is_word(arg, len, "voluntary"))
		return lazy ? -1 : 0;
	return -1;
}

bool tracing_preemptible(const char *kconfig, const char *cmdline)
{
	const char *p = cmdline;
	bool dynamic, lazy;
	int model = -1, m;
	char val[8];

	if (!kconfig ||
	    kconfig_value(kconfig, "CONFIG_PREEMPT_RT", val, sizeof(val)))
		return true;
	dynamic = kconfig_value(kconfig, "CONFIG_PREEMPT_DYNAMIC", val,
				sizeof(val));
	lazy = kconfig_value(kconfig, "CONFIG_ARCH_HAS_PREEMPT_LAZY", val,
			     sizeof(val));
	/* each preempt= in turn, as __setup() hands them over */
	while (dynamic && p && (p = strstr(p, "preempt="))) {
		if (p == cmdline || p[-1] == ' ') {
			const char *arg = p + strlen("preempt=");

			m = model_asked(arg, strcspn(arg, " \n"), lazy);
			if (m >= 0)
				model = m;
		}
		p++;
	}
	if (model >= 0)
		return model;
	/* the config's model, which a dynamic kernel starts from */
	return kconfig_value(kconfig, "CONFIG_PREEMPT", val, sizeof(val)) ||
	       kconfig_value(kconfig, "CONFIG_PREEMPT_LAZY", val, sizeof(val));
}
