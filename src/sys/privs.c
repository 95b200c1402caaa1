// SPDX-License-Identifier: GPL-2.0
/* Capabilities and identity dropped after attach (libcap). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "privs.h"

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && !*end && *out < (unsigned long)(uid_t)-1;
}

/* UID or UID:GID: no files read. */
static bool numeric_user(const char *name, struct privs_user *u)
{
	char buf[64], *colon;
	unsigned long uid, gid;

	if (strlen(name) >= sizeof(buf))
		return false;
	strcpy(buf, name);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (!parse_id(buf, &uid))
		return false;
	if (!colon)
		gid = uid;
	else if (!parse_id(colon + 1, &gid))
		return false;
	u->uid = uid;
	u->gid = gid;
	u->groups[0] = gid;
	u->nr_groups = 1;
	return true;
}

/* The supplementary groups naming the user, primary group first. */
static void add_groups(const char *name, const char *path, struct privs_user *u)
{
	FILE *f = fopen(path, "re");
	struct group *g;

	u->groups[0] = u->gid;
	u->nr_groups = 1;
	if (!f)
		return; /* no group file: the primary group alone */
	while ((g = fgetgrent(f)) && u->nr_groups < PRIVS_MAX_GROUPS) {
		if (g->gr_gid == u->gid)
			continue;
		for (char **m = g->gr_mem; m && *m; m++)
			if (!strcmp(*m, name)) {
				u->groups[u->nr_groups++] = g->gr_gid;
				break;
			}
	}
	fclose(f);
}

int privs_lookup_user(const char *name, const char *passwd_path,
		      const char *group_path, struct privs_user *u, char *err,
		      size_t errlen)
{
	const char *pw_path = passwd_path ? passwd_path : "/etc/passwd";
	struct passwd *pw;
	FILE *f;

	memset(u, 0, sizeof(*u));
	if (numeric_user(name, u))
		goto found;
	f = fopen(pw_path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s to find user '%s': %s",
			 pw_path, name, strerror(errno));
		return -ENOENT;
	}
	while ((pw = fgetpwent(f)))
		if (!strcmp(pw->pw_name, name))
			break;
	if (pw) {
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
	}
	fclose(f);
	if (!pw) {
		snprintf(err, errlen, "no user '%s' in %s", name, pw_path);
		return -ENOENT;
	}
	add_groups(name, group_path ? group_path : "/etc/group", u);
found:
	if (u->uid == 0) {
		snprintf(err, errlen,
			 "user '%s' is root: name an unprivileged user", name);
		return -EINVAL;
	}
	u->set = true;
	return 0;
}

int privs_lookup_option(const char *name, struct privs_user *u, char *err,
			size_t errlen)
{
	memset(u, 0, sizeof(*u));
	return name ? privs_lookup_user(name, NULL, NULL, u, err, errlen) : 0;
}

int privs_become(const struct privs_user *u)
{
	/* glibc applies the set*id calls to every thread of the process */
	if (setgroups(u->nr_groups, u->groups) ||
	    setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	return 0;
}

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static bool kept(cap_value_t c, const cap_value_t *keep, size_t nr_keep)
{
	for (size_t i = 0; i < nr_keep; i++)
		if (keep[i] == c)
			return true;
	return false;
}

int privs_drop(const cap_value_t *keep, size_t nr_keep,
	       const struct privs_user *user, char *err, size_t errlen)
{
	cap_t now = cap_get_proc(), want = cap_init();
	cap_flag_value_t have;
	int ret = 0, threads = count_threads();
	cap_value_t c;

	if (threads != 1) {
		ret = threads < 0 ? threads : -EBUSY;
		snprintf(err, errlen,
			 "cannot drop privileges: %d threads, and "
			 "capabilities are per thread",
			 threads);
		goto cleanup;
	}
	if (!now || !want) {
		ret = -errno;
		snprintf(err, errlen, "cannot read capabilities: %s",
			 strerror(errno));
		goto cleanup;
	}
	/* the bounding set first: that needs CAP_SETPCAP, dropped below */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (!kept(c, keep, nr_keep) && CAP_IS_SUPPORTED(c))
			cap_drop_bound(c); /* no CAP_SETPCAP: left as it is */
	if (CAP_AMBIENT_SUPPORTED())
		cap_reset_ambient();
	for (size_t i = 0; i < nr_keep; i++) {
		if (cap_get_flag(now, keep[i], CAP_PERMITTED, &have) ||
		    have != CAP_SET)
			continue; /* never had it: cannot keep it */
		cap_set_flag(want, CAP_PERMITTED, 1, &keep[i], CAP_SET);
		cap_set_flag(want, CAP_EFFECTIVE, 1, &keep[i], CAP_SET);
	}
	if (user && user->set) {
		/* kept capabilities survive the uid change only so */
		if (nr_keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
			goto failed_user;
		ret = privs_become(user);
		if (ret) {
			errno = -ret;
			goto failed_user;
		}
	}
	if (cap_set_proc(want)) {
		ret = -errno;
		snprintf(err, errlen, "cannot drop capabilities: %s",
			 strerror(errno));
		goto cleanup;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s",
			 strerror(errno));
	}
	goto cleanup;
failed_user:
	ret = -errno;
	snprintf(err, errlen, "cannot become uid %u gid %u: %s",
		 (unsigned int)user->uid, (unsigned int)user->gid,
		 strerror(errno));
cleanup:
	cap_free(now);
	cap_free(want);
	return ret;
}
