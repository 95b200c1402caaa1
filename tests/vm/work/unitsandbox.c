// SPDX-License-Identifier: GPL-2.0
/*
 * Runs a command under the credentials a systemd unit file would give it,
 * for a guest without systemd: User=/DynamicUser= (a non-root user becomes
 * uid:gid 61234), CapabilityBoundingSet=, AmbientCapabilities=,
 * NoNewPrivileges= and ProtectKernelLogs= (which takes CAP_SYSLOG out of
 * the bounding set, as systemd does). Other settings are not emulated.
 *   unitsandbox UNIT-FILE CMD [ARGS...]
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#define DYNAMIC_ID 61234

static void die(const char *what)
{
	perror(what);
	exit(126);
}

/* A space-separated capability list into a mask; "" is none. */
static unsigned long long caps_of(char *list)
{
	unsigned long long mask = 0;
	char *tok, *save;
	cap_value_t c;

	for (tok = strtok_r(list, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		for (char *p = tok; *p; p++)
			*p = tolower(*p);
		if (cap_from_name(tok, &c)) {
			fprintf(stderr, "unitsandbox: unknown capability %s\n",
				tok);
			exit(126);
		}
		mask |= 1ULL << c;
	}
	return mask;
}

static bool yes(const char *v)
{
	return !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1");
}

int main(int argc, char **argv)
{
	unsigned long long bound = ~0ULL, ambient = 0;
	bool nnp = false, protect_logs = false, dynamic = false;
	char line[1024], user[64] = "root";
	cap_t caps;
	cap_value_t c;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: unitsandbox UNIT-FILE CMD [ARGS...]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f)
		die(argv[1]);
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *v;

		if (!eq || line[0] == '#' || line[0] == '\t' || line[0] == ' ')
			continue;
		*eq = '\0';
		v = eq + 1;
		v[strcspn(v, "\n")] = '\0';
		if (!strcmp(line, "User"))
			snprintf(user, sizeof(user), "%s", v);
		else if (!strcmp(line, "DynamicUser"))
			dynamic = yes(v);
		else if (!strcmp(line, "CapabilityBoundingSet"))
			bound = caps_of(v);
		else if (!strcmp(line, "AmbientCapabilities"))
			ambient = caps_of(v);
		else if (!strcmp(line, "NoNewPrivileges"))
			nnp = yes(v);
		else if (!strcmp(line, "ProtectKernelLogs"))
			protect_logs = yes(v);
	}
	fclose(f);
	if (protect_logs)
		bound &= ~(1ULL << CAP_SYSLOG);
	ambient &= bound;

	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (!(bound & (1ULL << c)) && cap_drop_bound(c))
			die("cap_drop_bound");
	if (dynamic || strcmp(user, "root")) {
		/* a non-root service: ambient capabilities are all it has */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) ||
		    setresgid(DYNAMIC_ID, DYNAMIC_ID, DYNAMIC_ID) ||
		    setresuid(DYNAMIC_ID, DYNAMIC_ID, DYNAMIC_ID))
			die("becoming the unit's user");
		caps = cap_init();
		for (c = 0; c <= CAP_LAST_CAP; c++) {
			if (!(ambient & (1ULL << c)))
				continue;
			cap_set_flag(caps, CAP_PERMITTED, 1, &c, CAP_SET);
			cap_set_flag(caps, CAP_INHERITABLE, 1, &c, CAP_SET);
			cap_set_flag(caps, CAP_EFFECTIVE, 1, &c, CAP_SET);
		}
		if (cap_set_proc(caps))
			die("cap_set_proc");
		cap_free(caps);
		for (c = 0; c <= CAP_LAST_CAP; c++)
			if ((ambient & (1ULL << c)) &&
			    cap_set_ambient(c, CAP_SET))
				die("cap_set_ambient");
	}
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		die("no_new_privs");
	execvp(argv[2], argv + 2);
	die(argv[2]);
}
