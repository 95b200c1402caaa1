// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege: users resolved without NSS, and a drop that leaves no
 * capability, the user's identity and no_new_privs in a forked child, or
 * is refused while another thread exists.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "sys/privs.h"

static char passwd_path[] = "/tmp/zdevmon-passwd-XXXXXX";
static char group_path[] = "/tmp/zdevmon-group-XXXXXX";

static int setup(void **state)
{
	FILE *f;
	int fd;

	fd = mkstemp(passwd_path);
	f = fdopen(fd, "w");
	fputs("root:x:0:0:root:/root:/bin/sh\n"
	      "zdevmon:x:990:991:zdevmon:/nonexistent:/usr/sbin/nologin\n"
	      "ci:x:1000:1000::/home/ci:/bin/sh\n",
	      f);
	fclose(f);
	fd = mkstemp(group_path);
	f = fdopen(fd, "w");
	fputs("root:x:0:\nzdevmon:x:991:\nadm:x:4:ci,zdevmon\n"
	      "video:x:44:ci\n",
	      f);
	fclose(f);
	return 0;
}

static int cleanup(void **state)
{
	unlink(passwd_path);
	unlink(group_path);
	return 0;
}

static void test_lookup(void **state)
{
	struct privs_user u;
	char err[256];

	assert_int_equal(privs_lookup_user("zdevmon", passwd_path, group_path,
					   &u, err, sizeof(err)),
			 0);
	assert_true(u.set);
	assert_int_equal(u.uid, 990);
	assert_int_equal(u.gid, 991);
	assert_int_equal(u.nr_groups, 2); /* its own, then adm */
	assert_int_equal(u.groups[0], 991);
	assert_int_equal(u.groups[1], 4);

	assert_int_equal(privs_lookup_user("1234:55", passwd_path, group_path,
					   &u, err, sizeof(err)),
			 0);
	assert_int_equal(u.uid, 1234);
	assert_int_equal(u.gid, 55);
	assert_int_equal(u.nr_groups, 1);

	assert_int_equal(privs_lookup_user("nobody-here", passwd_path,
					   group_path, &u, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "no user 'nobody-here'"));
	assert_false(u.set);
	/* becoming root is no drop */
	assert_int_equal(privs_lookup_user("root", passwd_path, group_path, &u,
					   err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(privs_lookup_user("0", passwd_path, group_path, &u,
					   err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(privs_lookup_user("12x", passwd_path, group_path, &u,
					   err, sizeof(err)),
			 -ENOENT);
}

/* One "Key:\tvalue" line of /proc/self/status. */
static void status_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	*out = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ':') {
			snprintf(out, len, "%s", line + strlen(key) + 2);
			out[strcspn(out, "\n")] = '\0';
		}
	if (f)
		fclose(f);
}

static void test_drop_in_child(void **state)
{
	struct privs_user u;
	char err[256], v[128];
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		/* the drop is what is tested */
		print_message("skip: needs root to drop privileges\n");
		skip();
		return;
	}
	assert_int_equal(privs_lookup_user("zdevmon", passwd_path, group_path,
					   &u, err, sizeof(err)),
			 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;

		if (privs_drop(NULL, 0, &u, err, sizeof(err))) {
			fprintf(stderr, "drop: %s\n", err);
			_exit(10);
		}
		status_field("CapEff", v, sizeof(v));
		bad |= strcmp(v, "0000000000000000") ? 1 : 0;
		status_field("CapPrm", v, sizeof(v));
		bad |= strcmp(v, "0000000000000000") ? 2 : 0;
		status_field("NoNewPrivs", v, sizeof(v));
		bad |= strcmp(v, "1") ? 4 : 0;
		status_field("Uid", v, sizeof(v));
		bad |= strcmp(v, "990\t990\t990\t990") ? 8 : 0;
		status_field("Gid", v, sizeof(v));
		bad |= strcmp(v, "991\t991\t991\t991") ? 16 : 0;
		/* no way back */
		bad |= setuid(0) == 0 ? 32 : 0;
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void *idle_thread(void *arg)
{
	pause();
	return NULL;
}

/* Capabilities are per thread: with a second one, the drop is refused. */
static void test_drop_refused_with_threads(void **state)
{
	char err[256];
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t th;

		pthread_create(&th, NULL, idle_thread, NULL);
		_exit(privs_drop(NULL, 0, NULL, err, sizeof(err)) == -EBUSY &&
				      strstr(err, "2 threads")
			      ? 0
			      : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_drop_in_child),
		cmocka_unit_test(test_drop_refused_with_threads),
	};

	return cmocka_run_group_tests(tests, setup, cleanup);
}
