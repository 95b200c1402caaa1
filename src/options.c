// SPDX-License-Identifier: GPL-2.0
/* zdevmon's command line. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include "options.h"

const char *argp_program_version = "zdevmon " ZDEVMON_VERSION;
const char *argp_program_bug_address = "the zdevmon issue tracker";

static const char doc[] =
	"zdevmon -- observe ZONE_DEVICE folios with eBPF.\n"
	"\n"
	"Attaches CO-RE BPF programs to the kernel's ZONE_DEVICE paths "
	"(zone_device_page_init, free_zone_device_folio, rmap, migrate_vma_*, "
	"memremap/memunmap_pages) and keeps, per pgmap, the live folios and "
	"pages, the mapped pages, inits, frees, splits and migrations. A live "
	"table is printed every interval; --json writes NDJSON snapshots "
	"(and events) for dashboards. Needs root (CAP_BPF, CAP_PERFMON) and a "
	"kernel with BTF.\n"
	"\n"
	"EXAMPLES:\n"
	"  zdevmon                    live table, refreshed every second\n"
	"  zdevmon -i 5 --json out.ndjson   snapshots every 5 s to a file\n"
	"  zdevmon -q --json - -d 60  NDJSON on stdout for one minute\n"
	"\n"
	"SIGNALS: SIGINT and SIGTERM stop after a final snapshot; SIGUSR1 "
	"writes a snapshot at once.\n"
	"\n"
	"EXIT STATUS: 0 when stopped by a signal or --duration; 1 when the "
	"probes could not be attached or output failed; 2 on bad usage.";

enum {
	OPT_FORCE_KPROBES = 0x100,
	OPT_EVENTS,
};

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0,
	  "Refresh the table and write a snapshot every SECONDS (default 1)" },
	{ "json", 'j', "FILE", 0,
	  "Write NDJSON (start, snapshots, final snapshot) to FILE, '-' for "
	  "stdout" },
	{ "events", OPT_EVENTS, NULL, 0,
	  "Also write every folio and pgmap event to the NDJSON stream" },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS" },
	{ "quiet", 'q', NULL, 0, "No live table" },
	{ "force-kprobes", OPT_FORCE_KPROBES, NULL, 0,
	  "Attach kprobe/kretprobe twins instead of fentry/fexit" },
	{ "verbose", 'v', NULL, 0, "Print libbpf's log and load details" },
	{},
};

static int parse_seconds(const char *arg, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < min || v > 86400 * 365)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct config *cfg = state->input;

	switch (key) {
	case 'i':
		if (parse_seconds(arg, 0.05, &cfg->interval_s)) {
			argp_error(state,
				   "--interval wants seconds >= 0.05, not '%s'",
				   arg);
			return EINVAL;
		}
		break;
	case 'd':
		if (parse_seconds(arg, 0.001, &cfg->duration_s)) {
			argp_error(state,
				   "--duration wants a positive number of "
				   "seconds, not '%s'",
				   arg);
			return EINVAL;
		}
		break;
	case 'j':
		if (!*arg) {
			argp_error(state, "--json wants a file name or '-'");
			return EINVAL;
		}
		cfg->json_path = arg;
		break;
	case OPT_EVENTS:
		cfg->events = true;
		break;
	case 'q':
		cfg->quiet = true;
		break;
	case OPT_FORCE_KPROBES:
		cfg->force_kprobes = true;
		break;
	case 'v':
		cfg->verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (cfg->events && !cfg->json_path) {
			argp_error(state, "--events needs --json FILE");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int options_parse(int argc, char **argv, struct config *cfg, unsigned int flags)
{
	static const struct argp argp = { options, parse_arg, NULL, doc };

	*cfg = (struct config){ .interval_s = 1.0 };
	argp_err_exit_status = 2;
	return argp_parse(&argp, argc, argv, flags, NULL, cfg);
}
