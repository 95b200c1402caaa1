// SPDX-License-Identifier: GPL-2.0
/* Capabilities dropped after attach (libcap). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include "privs.h"

static const cap_value_t keep[] = { CAP_BPF, CAP_PERFMON, CAP_SYSLOG };

static bool kept(cap_value_t c)
{
	size_t i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (keep[i] == c)
			return true;
	return false;
}

int privs_drop(char *err, size_t errlen)
{
	cap_t now = cap_get_proc(), want = cap_init();
	cap_flag_value_t have;
	cap_value_t c;
	int ret = 0;
	size_t i;

	if (!now || !want) {
		ret = -errno;
		snprintf(err, errlen, "cannot read capabilities: %s",
			 strerror(errno));
		goto cleanup;
	}
	/* the bounding set first: that needs CAP_SETPCAP, dropped below */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (!kept(c) && CAP_IS_SUPPORTED(c))
			cap_drop_bound(c); /* no CAP_SETPCAP: left as it is */
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (cap_get_flag(now, keep[i], CAP_PERMITTED, &have) ||
		    have != CAP_SET)
			continue; /* never had it: cannot keep it */
		cap_set_flag(want, CAP_PERMITTED, 1, &keep[i], CAP_SET);
		cap_set_flag(want, CAP_EFFECTIVE, 1, &keep[i], CAP_SET);
	}
	if (cap_set_proc(want)) {
		ret = -errno;
		snprintf(err, errlen, "cannot drop capabilities: %s",
			 strerror(errno));
		goto cleanup;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s",
			 strerror(errno));
	}
cleanup:
	cap_free(now);
	cap_free(want);
	return ret;
}
