// SPDX-License-Identifier: GPL-2.0
/* Text, JSON and JUnit renderings of a leak verdict. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include "objects.h"
#include "report.h"
#include "sys/cgroup.h"

#define SHOWN_FRAMES 8

/* A frame as text: "?" when no symbol holds it, its address on request. */
static const char *frame_name(const struct report_ctx *c, uint64_t ip,
			      char *buf, size_t len)
{
	if (!ksyms_format(c->ks, ip, buf, len) && c->show_addresses)
		snprintf(buf, len, "0x%" PRIx64, ip);
	return buf;
}

static bool name_has_prefix(const struct ksyms *ks, uint64_t ip,
			    const char *const *prefixes, size_t n)
{
	const char *mod = ksyms_module(ks, ip);
	char name[256];

	if (mod && !strcmp(mod, "bpf"))
		return true; /* programs and trampolines */
	ksyms_format(ks, ip, name, sizeof(name));
	for (size_t i = 0; i < n; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* zdevmon's own frames: its programs and the probe machinery. */
static bool own_frame(const struct ksyms *ks, uint64_t ip)
{
	static const char *const prefixes[] = {
		"bpf_",		"__bpf",      "ftrace_",  "arch_rethook_",
		"__kretprobe",	"kretprobe_", "rethook_", "kprobe_",
		"arch_ftrace_", "__ftrace",
	};

	return name_has_prefix(ks, ip, prefixes,
			       sizeof(prefixes) / sizeof(prefixes[0]));
}

/* Our own frames and the hooked mm functions: never a call site. */
static bool internal_frame(const struct ksyms *ks, uint64_t ip)
{
	static const char *const hooked[] = {
		"zone_device_page_init",
		"free_zone_device_",
		"folio_add_",
		"folio_remove_rmap",
		/* GUP's own frames: a pin's site is whoever called it */
		"try_grab_",
		"gup_",
		"__gup_",
		"pin_user_pages",
		"__get_user_pages",
		"get_user_pages",
		"internal_get_user_pages",
		"follow_page",
	};

	return own_frame(ks, ip) ||
	       name_has_prefix(ks, ip, hooked,
			       sizeof(hooked) / sizeof(hooked[0]));
}

int report_site(const struct ksyms *ks, const uint64_t *ips, int n)
{
	int i, first = -1;

	for (i = 0; i < n; i++) {
		const char *mod;

		if (internal_frame(ks, ips[i]))
			continue;
		mod = ksyms_module(ks, ips[i]);
		if (mod)
			return i;
		if (first < 0)
			first = i;
	}
	return first;
}

/* Frames of a finding's stack and the index of its site. */
static int frames(const struct report_ctx *c, int32_t id, uint64_t *ips,
		  int *site)
{
	int n = 0;

	int own = 0;

	*site = -1;
	if (id >= 0 && c->stack)
		n = c->stack(c->stack_ctx, id, ips, REPORT_STACK_MAX);
	/* a stack starts in zdevmon's program: the kernel's frames follow */
	while (own < n && own_frame(c->ks, ips[own]))
		own++;
	if (own) {
		n -= own;
		memmove(ips, ips + own, n * sizeof(*ips));
	}
	if (n > 0)
		*site = report_site(c->ks, ips, n);
	return n;
}

const char *report_site_name(const struct report_ctx *c, int32_t id, char *buf,
			     size_t len)
{
	uint64_t ips[REPORT_STACK_MAX];
	int site;

	if (frames(c, id, ips, &site) <= 0 || site < 0)
		return NULL;
	return frame_name(c, ips[site], buf, len);
}

static const char *finding_verb(const struct leak_finding *f)
{
	if (f->held_by == LEAK_HELD_BY_PIN)
		return "pinned at";
	if (f->held_by == LEAK_HELD_BY_KALLOC)
		return "allocated at";
	if (f->held_by == LEAK_HELD_BY_MIGRATION)
		return "set up at";
	return f->rule == LEAK_LIVE_AFTER_RUN ||
			       f->rule == LEAK_TEARDOWN_LIVE ||
			       f->rule == LEAK_UNMAPPED_NOT_FREED
		       ? "born at"
		       : "last at";
}

static void text_finding(FILE *out, const struct report_ctx *c,
			 const struct leak_finding *f)
{
	uint64_t ips[REPORT_STACK_MAX];
	char sym[256], upper[16], cg[256];
	int n, site, i, shown = 0;
	const char *sev = leak_severity_name(leak_rule_severity(f->rule));
	const char *path, *in_cg;

	for (i = 0; sev[i] && i < 15; i++)
		upper[i] = sev[i] - 32;
	upper[i] = '\0';
	/* a migration's pages are any memory's: no pgmap to name */
	if (f->rule == LEAK_MIGRATION_OPEN)
		fprintf(out, "  %s %s: %" PRIu64 " pages %s\n", upper,
			leak_rule_name(f->rule), f->pages,
			leak_finding_text(f));
	else
		fprintf(out,
			"  %s %s: pgmap %d (%s): %" PRIu64 " folio%s (%" PRIu64
			" pages) %s\n",
			upper, leak_rule_name(f->rule), f->pgmap_id,
			tracker_type_name(f->pgmap_type), f->folios,
			f->folios == 1 ? "" : "s", f->pages,
			leak_finding_text(f));
	if (f->refs >= 0 && f->unexplained_refs >= 0 && f->kalloc_refs > 0)
		fprintf(out,
			"      memunmap_pages() waits for %" PRId64
			" references on the pgmap: %" PRId64
			" held by in-kernel allocations, %" PRId64
			" by nothing zdevmon saw\n",
			f->refs, f->kalloc_refs, f->unexplained_refs);
	else if (f->refs >= 0 && f->unexplained_refs >= 0)
		fprintf(out,
			"      memunmap_pages() waits for %" PRId64
			" references on the pgmap: %" PRId64
			" held by no live folio\n",
			f->refs, f->unexplained_refs);
	else if (f->refs >= 0)
		fprintf(out,
			"      memunmap_pages() waits for %" PRId64
			" references on the pgmap\n",
			f->refs);
	/* the holder's cgroup, once for whichever holder it is */
	path = f->held_by == LEAK_HELD_BY_BIRTH
		       ? NULL
		       : cgroup_path(f->holder.cgroup, cg, sizeof(cg));
	in_cg = path ? " in cgroup " : "";
	path = path ? path : "";
	if (f->held_by == LEAK_HELD_BY_KALLOC)
		fprintf(out,
			"      held by %" PRIu64
			" in-kernel P2PDMA allocation%s "
			"of pid %u (%s)%s%s, one pgmap reference each: put "
			"only by pci_free_p2pmem()\n",
			f->holder.allocations,
			f->holder.allocations == 1 ? "" : "s", f->holder.tgid,
			f->holder.comm, in_cg, path);
	if (f->held_by == LEAK_HELD_BY_MIGRATION)
		fprintf(out,
			"      %" PRIu64 " migration%s set up by pid %u "
			"(%s)%s%s: migrate_vma_finalize() never came\n",
			f->holder.migrations,
			f->holder.migrations == 1 ? "" : "s", f->holder.tgid,
			f->holder.comm, in_cg, path);
	if (f->held_by == LEAK_HELD_BY_PIN) {
		fprintf(out,
			"      held by %" PRId64 " pin%s of pid %u (%s)%s%s: "
			"pinned pages are not freed until unpinned\n",
			f->holder.pins, f->holder.pins == 1 ? "" : "s",
			f->holder.tgid, f->holder.comm, in_cg, path);
		if (report_site_name(c, f->birth_stack_id, sym, sizeof(sym)))
			fprintf(out, "      born at %s\n", sym);
	}
	n = frames(c, f->stack_id, ips, &site);
	/* a finding of no folio has no birth to name */
	if (n <= 0 && !f->folios && f->stack_id < 0)
		return;
	if (n <= 0) {
		fprintf(out, "      (no call site: %s)\n",
			f->stack_id < 0 ? "stack not captured"
					: "stack no longer in the map");
		return;
	}
	fprintf(out, "      %s %s\n", finding_verb(f),
		site >= 0 ? frame_name(c, ips[site], sym, sizeof(sym)) : "?");
	for (i = 0; i < n && shown < SHOWN_FRAMES; i++) {
		if (internal_frame(c->ks, ips[i]))
			continue;
		fprintf(out, "        %s\n",
			frame_name(c, ips[i], sym, sizeof(sym)));
		shown++;
	}
}

void report_findings_text(FILE *out, const struct report_ctx *c)
{
	size_t i;

	for (i = 0; i < c->r->nr; i++)
		text_finding(out, c, &c->r->findings[i]);
	fflush(out);
}

static void status_text(char *buf, size_t len, int status)
{
	if (status < 0)
		snprintf(buf, len, "did not run");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %#x", status);
}

bool report_inconclusive(const struct report_ctx *c)
{
	return c->dropped_events || c->probe_misses;
}

/*
 * A lost event can hide a free (a false leak) or a birth (a false clean):
 * with any loss, neither verdict can be given.
 */
const char *report_verdict(const struct report_ctx *c)
{
	if (report_inconclusive(c))
		return "inconclusive";
	return leaks_count(c->r, LEAK_ERROR) ? "leaks" : "clean";
}

void report_text(FILE *out, const struct report_ctx *c)
{
	size_t crit = 0, err = 0, warn = 0, i;
	char cmd[64];

	for (i = 0; i < c->r->nr; i++) {
		switch (leak_rule_severity(c->r->findings[i].rule)) {
		case LEAK_CRITICAL:
			crit++;
			break;
		case LEAK_ERROR:
			err++;
			break;
		default:
			warn++;
		}
	}
	status_text(cmd, sizeof(cmd), c->cmd_status);
	if (report_inconclusive(c))
		fprintf(out,
			"zdevmon: INCONCLUSIVE: %" PRIu64 " events were "
			"lost (records dropped, or no room to follow their "
			"folios) and %" PRIu64 " hooked calls missed, so "
			"findings may be missing or false\n",
			c->dropped_events, c->probe_misses);
	fprintf(out,
		"zdevmon: %s: %zu finding%s (%zu critical, %zu error, %zu "
		"warning); the command %s\n",
		report_inconclusive(c) ? "inconclusive"
		: crit + err	       ? "LEAKS"
				       : "clean",
		c->r->nr, c->r->nr == 1 ? "" : "s", crit, err, warn, cmd);
	for (i = 0; i < c->r->nr; i++)
		text_finding(out, c, &c->r->findings[i]);
	if (c->r->preexisting_live)
		fprintf(out,
			"  note: %" PRIu64 " folios alive before monitoring "
			"began were not judged\n",
			c->r->preexisting_live);
	if (c->r->foreign_live)
		fprintf(out,
			"  note: %" PRIu64 " folios of other jobs (outside "
			"--scope) were live and not judged\n",
			c->r->foreign_live);
	if (c->teardown_timed_out)
		fprintf(out, "  note: the teardown '%s' had not finished\n",
			c->teardown);
	if (c->dropped_events || c->stack_collisions || c->stack_overflows)
		fprintf(out,
			"  note: %" PRIu64 " events lost, %" PRIu64
			" stacks lost to collisions, %" PRIu64
			" to a full stack map: counts may be short\n",
			c->dropped_events, c->stack_collisions,
			c->stack_overflows);
	fflush(out);
}

static json_object *stack_json(const struct report_ctx *c, int32_t id,
			       const char **site_out, char *site_buf,
			       size_t site_len)
{
	json_object *arr = json_object_new_array();
	uint64_t ips[REPORT_STACK_MAX];
	char sym[256];
	int n, site, i;

	*site_out = NULL;
	n = frames(c, id, ips, &site);
	for (i = 0; i < n; i++)
		json_object_array_add(
			arr, json_object_new_string(
				     frame_name(c, ips[i], sym, sizeof(sym))));
	if (site >= 0)
		*site_out = frame_name(c, ips[site], site_buf, site_len);
	return arr;
}

/*
 * A pin holds the finding's folios (site and stack are the pin's, the
 * birth's site is beside them), or in-kernel allocations hold pgmap
 * references (site and stack are the allocation's): the holder says who
 * pinned or allocated.
 */
static void holder_json(const struct report_ctx *c,
			const struct leak_finding *f, json_object *j)
{
	json_object *h = json_object_new_object();
	char site_buf[256], cg[256];
	const char *path, *site = report_site_name(c, f->birth_stack_id,
						   site_buf, sizeof(site_buf));

	bool pin = f->held_by == LEAK_HELD_BY_PIN;
	bool mig = f->held_by == LEAK_HELD_BY_MIGRATION;

	json_object_object_add(
		j, "held_by",
		json_object_new_string(pin   ? "pin"
				       : mig ? "migration"
					     : "p2pdma_allocation"));
	if (pin)
		json_object_object_add(j, "birth_site",
				       site ? json_object_new_string(site)
					    : NULL);
	json_object_object_add(h, "pid", json_object_new_int64(f->holder.tgid));
	json_object_object_add(h, "tid", json_object_new_int64(f->holder.pid));
	json_object_object_add(h, "comm",
			       json_object_new_string(f->holder.comm));
	json_add_u64(h, "cgroup_id", f->holder.cgroup);
	path = cgroup_path(f->holder.cgroup, cg, sizeof(cg));
	json_object_object_add(h, "cgroup",
			       path ? json_object_new_string(path) : NULL);
	if (pin)
		json_object_object_add(h, "pins",
				       json_object_new_int64(f->holder.pins));
	else if (mig)
		json_add_u64(h, "migrations", f->holder.migrations);
	else
		json_add_u64(h, "allocations", f->holder.allocations);
	json_object_object_add(j, "holder", h);
}

json_object *report_json(const struct report_ctx *c)
{
	json_object *o = json_object_new_object();
	json_object *findings = json_object_new_array();
	json_object *cmd = json_object_new_array();
	char site_buf[256];
	size_t i;

	json_object_object_add(o, "schema",
			       json_object_new_string(ZDEVMON_SCHEMA));
	json_object_object_add(o, "kind", json_object_new_string("report"));
	json_object_object_add(o, "verdict",
			       json_object_new_string(report_verdict(c)));
	json_object_object_add(o, "exit_code",
			       json_object_new_int(c->exit_code));
	for (i = 0; c->argv && c->argv[i]; i++)
		json_object_array_add(cmd, json_object_new_string(c->argv[i]));
	json_object_object_add(o, "command", cmd);
	if (c->cmd_status >= 0 && WIFEXITED(c->cmd_status))
		json_object_object_add(
			o, "command_exit",
			json_object_new_int(WEXITSTATUS(c->cmd_status)));
	else
		json_object_object_add(o, "command_exit", NULL);
	json_object_object_add(o, "teardown_timed_out",
			       json_object_new_boolean(c->teardown_timed_out));
	for (i = 0; i < c->r->nr; i++) {
		const struct leak_finding *f = &c->r->findings[i];
		json_object *j = json_object_new_object();
		const char *site;
		json_object *stack = stack_json(c, f->stack_id, &site, site_buf,
						sizeof(site_buf));

		json_object_object_add(
			j, "rule",
			json_object_new_string(leak_rule_name(f->rule)));
		json_object_object_add(
			j, "severity",
			json_object_new_string(leak_severity_name(
				leak_rule_severity(f->rule))));
		json_object_object_add(j, "pgmap",
				       json_object_new_int(f->pgmap_id));
		json_object_object_add(j, "type",
				       json_object_new_string(tracker_type_name(
					       f->pgmap_type)));
		json_add_u64(j, "folios", f->folios);
		json_add_u64(j, "pages", f->pages);
		json_add_u64(j, "example_pfn", f->example_pfn);
		if (f->refs >= 0)
			json_object_object_add(j, "pgmap_references",
					       json_object_new_int64(f->refs));
		if (f->unexplained_refs >= 0)
			json_object_object_add(
				j, "unexplained_references",
				json_object_new_int64(f->unexplained_refs));
		json_object_object_add(
			j, "site", site ? json_object_new_string(site) : NULL);
		json_object_object_add(j, "stack", stack);
		if (f->kalloc_refs >= 0)
			json_object_object_add(
				j, "kernel_allocation_references",
				json_object_new_int64(f->kalloc_refs));
		if (f->held_by != LEAK_HELD_BY_BIRTH)
			holder_json(c, f, j);
		json_object_array_add(findings, j);
	}
	json_object_object_add(o, "findings", findings);
	json_add_u64(o, "preexisting_live_folios", c->r->preexisting_live);
	json_add_u64(o, "foreign_live_folios", c->r->foreign_live);
	json_add_u64(o, "dropped_events", c->dropped_events);
	json_add_u64(o, "probe_misses", c->probe_misses);
	json_add_u64(o, "stack_collisions", c->stack_collisions);
	json_add_u64(o, "stack_overflows", c->stack_overflows);
	return o;
}

static void xml_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, out);
		}
	}
}

/* The text of the findings of one pgmap and rule; *err if any fails. */
static char *case_text(const struct report_ctx *c, int pgmap_id, int rule,
		       bool *err, char *msg, size_t msglen)
{
	char *buf = NULL;
	size_t len = 0, k;
	FILE *mem = open_memstream(&buf, &len);

	*err = false;
	*msg = '\0';
	if (!mem)
		return NULL;
	for (k = 0; k < c->r->nr; k++) {
		const struct leak_finding *f = &c->r->findings[k];

		if (f->pgmap_id != pgmap_id || (int)f->rule != rule)
			continue;
		*err |= leak_rule_severity(f->rule) >= LEAK_ERROR;
		if (!*msg && f->rule == LEAK_MIGRATION_OPEN)
			snprintf(msg, msglen, "%" PRIu64 " pages %s", f->pages,
				 leak_finding_text(f));
		else if (!*msg)
			snprintf(msg, msglen,
				 "%" PRIu64 " folios (%" PRIu64 " pages) %s",
				 f->folios, f->pages, leak_finding_text(f));
		text_finding(mem, c, f);
	}
	fclose(mem);
	if (!len) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* One test case per pgmap and rule: failed when an error finding says so. */
json_object *report_alert_json(const struct report_ctx *c)
{
	json_object *o = report_json(c);

	json_object_object_add(o, "kind", json_object_new_string("alert"));
	/* in a log file, when the kernel began to hang matters most */
	json_object_object_add(o, "time",
			       json_object_new_double(output_time()));
	return o;
}

struct junit {
	FILE *out;
	const struct report_ctx *c;
	size_t failures;
};

/* Rules judged per pgmap; a migration is judged once, not per pgmap. */
static bool per_pgmap(int rule)
{
	return rule != LEAK_MIGRATION_OPEN;
}

static int junit_count(const struct zt_pgmap *p, void *ctx)
{
	struct junit *j = ctx;
	char msg[200];
	bool err;
	int rule;

	for (rule = 0; rule < LEAK_RULE_MAX; rule++) {
		if (!per_pgmap(rule))
			continue;
		free(case_text(j->c, p->id, rule, &err, msg, sizeof(msg)));
		j->failures += err;
	}
	return 0;
}

/* One rule's test case: passed, failed with its findings, or told. */
static void junit_case(struct junit *j, const char *classname, int pgmap_id,
		       int rule)
{
	char msg[200];
	bool err;
	char *text = case_text(j->c, pgmap_id, rule, &err, msg, sizeof(msg));

	fprintf(j->out, "    <testcase classname=\"%s\" name=\"%s\"", classname,
		leak_rule_name(rule));
	if (!text) {
		fprintf(j->out, "/>\n");
		return;
	}
	if (err) {
		fprintf(j->out, ">\n      <failure type=\"%s\" message=\"",
			leak_rule_name(rule));
		xml_escaped(j->out, msg);
		fprintf(j->out, "\">");
		xml_escaped(j->out, text);
		fprintf(j->out, "</failure>\n");
	} else {
		fprintf(j->out, ">\n      <system-out>");
		xml_escaped(j->out, text);
		fprintf(j->out, "</system-out>\n");
	}
	fprintf(j->out, "    </testcase>\n");
	free(text);
}

static int junit_cases(const struct zt_pgmap *p, void *ctx)
{
	struct junit *j = ctx;
	char classname[64];
	int rule;

	snprintf(classname, sizeof(classname), "zdevmon.pgmap%d.%s", p->id,
		 tracker_type_name(p->type));
	for (rule = 0; rule < LEAK_RULE_MAX; rule++)
		if (per_pgmap(rule))
			junit_case(j, classname, p->id, rule);
	return 0;
}

int report_junit(FILE *out, const struct report_ctx *c)
{
	size_t cases = (size_t)c->t->nr_pgmaps * (LEAK_RULE_MAX - 1), failures;
	struct junit j = { .out = out, .c = c };
	char msg[200];
	bool err;

	tracker_foreach_pgmap(c->t, junit_count, &j);
	failures = j.failures;
	/* the events-complete case: a verdict needs every event */
	cases++;
	failures += report_inconclusive(c);
	/* the migrations-finalized case, once */
	cases++;
	free(case_text(c, 0, LEAK_MIGRATION_OPEN, &err, msg, sizeof(msg)));
	failures += err;
	fprintf(out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"zdevmon\" tests=\"%zu\" "
		"failures=\"%zu\">\n"
		"  <testsuite name=\"zdevmon leak rules\" tests=\"%zu\" "
		"failures=\"%zu\">\n",
		cases, failures, cases, failures);
	fprintf(out, "    <testcase classname=\"zdevmon\" "
		     "name=\"events-complete\"");
	if (report_inconclusive(c))
		fprintf(out,
			">\n      <failure type=\"inconclusive\" "
			"message=\"%" PRIu64 " events lost, %" PRIu64
			" calls missed: the verdict is inconclusive\"/>\n"
			"    </testcase>\n",
			c->dropped_events, c->probe_misses);
	else
		fprintf(out, "/>\n");
	junit_case(&j, "zdevmon", 0, LEAK_MIGRATION_OPEN);
	tracker_foreach_pgmap(c->t, junit_cases, &j);
	fprintf(out, "  </testsuite>\n</testsuites>\n");
	return fflush(out) == EOF ? -errno : 0;
}
