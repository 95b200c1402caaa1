// SPDX-License-Identifier: GPL-2.0
/* zdevmon features: the hooks this kernel (or a BTF file) offers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include "cmd.h"
#include "output/objects.h"
#include "output/table.h"

/* zdevmon features: what this kernel offers, then exit. */
int features_mode(struct session *s)
{
	struct zdev_status st;
	struct utsname u;
	char kernel[128];
	bool idle1 = probes_fsdax_idle_at_one(s->probes);

	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s%s",
		 s->cfg.btf_path ? "(BTF) " : "",
		 s->cfg.btf_path ? s->cfg.btf_path : u.release);
	probes_status(s->probes, &st);
	if (s->cfg.json_path) {
		json_object *o = output_features_json(&st, kernel, idle1);

		json_object_object_add(
			o, "load_only",
			json_object_new_boolean(s->cfg.btf_path != NULL));
		output_line(stdout, o);
		json_object_put(o);
	} else {
		output_features(stdout, &st, kernel, idle1);
	}
	return EXIT_CLEAN;
}
