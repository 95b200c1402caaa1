/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege. Once the probes are attached, zdevmon reads maps, the
 * ring buffer, kallsyms and its statistics through descriptors it opened
 * while privileged: none of that checks a capability again. So the daemon
 * keeps no capability at all, may switch to an unprivileged user, and
 * sets no_new_privs. Capabilities are per thread: the drop happens before
 * any thread exists, and is refused once one does.
 */
#ifndef ZDEVMON_PRIVS_H
#define ZDEVMON_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/capability.h>

#define PRIVS_MAX_GROUPS 64

/* A user to become: from /etc/passwd and /etc/group, or numeric. */
struct privs_user {
	bool set;
	uid_t uid;
	gid_t gid;
	size_t nr_groups;
	gid_t groups[PRIVS_MAX_GROUPS];
};

/*
 * Resolve NAME (a name, or UID[:GID]) from passwd and group files given
 * (NULL: /etc/passwd, /etc/group), without NSS: zdevmon is static. 0, or
 * -errno with err filled.
 */
int privs_lookup_user(const char *name, const char *passwd_path,
		      const char *group_path, struct privs_user *u, char *err,
		      size_t errlen);

/* --user NAME as privs_lookup_user() finds it; NULL: no user (unset). */
int privs_lookup_option(const char *name, struct privs_user *u, char *err,
			size_t errlen);

/* Become u (groups, gid, uid); for a child before exec too. 0 or -errno. */
int privs_become(const struct privs_user *u);

/*
 * Drop every capability but keep[] from the bounding, effective,
 * permitted, inheritable and ambient sets, become user (if set), and set
 * no_new_privs. Refuses (-EBUSY) when the process has more than one
 * thread: the others would keep what they have. 0, or -errno with err
 * filled.
 */
int privs_drop(const cap_value_t *keep, size_t nr_keep,
	       const struct privs_user *user, char *err, size_t errlen);

#endif /* ZDEVMON_PRIVS_H */
