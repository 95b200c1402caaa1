// SPDX-License-Identifier: GPL-2.0
/*
 * zdevmon: observe ZONE_DEVICE folios (device-private and coherent memory,
 * FS DAX and device-dax, P2PDMA) with CO-RE BPF and keep a per-pgmap
 * refcount and mapcount picture.
 *
 * main() is the recipe, nothing more: parse the command line, attach the
 * probes (kernel/), open what needs privileges and drop them, run the
 * subcommand (cmd/) on the session (session.c), clean up in one place.
 */
#include <stdio.h>
#include "cmd/cmd.h"
#include "options.h"
#include "session.h"

int main(int argc, char **argv)
{
	struct session s;
	char err[512];
	int ret = EXIT_ZDEVMON_FAILED;

	session_init(&s);
	if (options_parse(argc, argv, &s.cfg, 0))
		return EXIT_USAGE;
	if (s.cfg.replay_path) { /* a recording: no kernel, no privilege */
		ret = replay_mode(&s);
		goto cleanup;
	}

	if (session_open(&s, err, sizeof(err))) {
		fprintf(stderr, "zdevmon: %s.\n", err);
		goto cleanup;
	}
	if (s.cfg.features) {
		ret = features_mode(&s);
		goto cleanup;
	}
	if (session_open_events(&s))
		goto cleanup;

	/* what needs privileges first; then every capability goes, before
	 * any thread exists */
	if (session_open_privileged(&s, err, sizeof(err)) ||
	    (s.cfg.run ? run_drop_privileges(&s, err, sizeof(err))
		       : daemon_drop_privileges(&s, err, sizeof(err)))) {
		fprintf(stderr, "zdevmon: %s.\n", err);
		goto cleanup;
	}

	if (session_start(&s))
		goto cleanup;
	session_announce(&s);
	ret = s.cfg.run ? run_mode(&s) : daemon_mode(&s);

cleanup:
	session_close(&s);
	return ret;
}
