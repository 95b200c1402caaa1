// SPDX-License-Identifier: GPL-2.0
/* A recording's head: written as JSON, read back and checked. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include "format.h"
#include "head.h"
#include "model/intake.h"

/* The layouts a frame's entries have: a replay must share each. */
#define SIZES(X)                               \
	X(zdev_event, struct zdev_event)       \
	X(intake_slot, struct intake_slot)     \
	X(intake_pin, struct intake_pin)       \
	X(intake_kalloc, struct intake_kalloc) \
	X(intake_wait, struct intake_wait)     \
	X(intake_setup, struct intake_setup)   \
	X(intake_usage, struct intake_usage)   \
	X(zrec_folio, struct zrec_folio)       \
	X(zrec_status, struct zrec_status)     \
	X(zrec_hook, struct zrec_hook)         \
	X(event_kinds, uint64_t[ZDEV_EV_KIND_MAX])

static void put_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v ? v : ""));
}

static void put_double(json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

static void put_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void put_bool(json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

/* The running kernel's BTF, by its CRC-32: which kernel build it was. */
static uint64_t btf_crc(void)
{
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	unsigned char buf[65536];
	uLong crc = crc32(0, NULL, 0);
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = crc32(crc, buf, n);
	close(fd);
	return crc;
}

json_object *head_build(const struct config *cfg, const struct zdev_status *st,
			const struct census_result *census,
			const struct zone_layout *zl, const struct tracker *t,
			uint64_t t0_ns, uint64_t start_ns)
{
	json_object *o = json_object_new_object(), *hooks, *c, *opts, *cmd,
		    *sizes;
	struct utsname u;
	int i;

	if (!o)
		return NULL;
	put_str(o, "zdevmon", ZDEVMON_VERSION);
	put_str(o, "kernel", uname(&u) ? "?" : u.release);
	put_u64(o, "btf_crc32", btf_crc());
	put_u64(o, "t0_ns", t0_ns);
	put_u64(o, "start_ns", start_ns);
	put_bool(o, "fsdax_idle_at_one", t->fsdax_idle_at_one);
	put_bool(o, "folio_records", t->folio_records);
	put_bool(o, "bpf_stats", st->bpf_stats);

	hooks = json_object_new_array();
	for (i = 0; i < st->nr_hooks; i++) {
		const struct hook_status *h = &st->hooks[i];
		json_object *ho = json_object_new_object();

		put_str(ho, "func", h->func);
		put_u64(ho, "state", h->state);
		put_str(ho, "mechanism", h->mechanism);
		put_str(ho, "reason", h->reason);
		put_str(ho, "loses", h->loses);
		json_object_array_add(hooks, ho);
	}
	json_object_object_add(o, "hooks", hooks);

	if (zl) {
		json_object *z = json_object_new_object();

		put_u64(z, "shift", zl->shift);
		put_u64(z, "mask", zl->mask);
		put_u64(z, "zone_device", zl->zone_device);
		json_object_object_add(z, "nodes_shift",
				       json_object_new_int(zl->nodes_shift));
		put_str(z, "nodes_source", zl->nodes_source);
		json_object_object_add(o, "zone_layout", z);
	}

	c = json_object_new_object();
	put_u64(c, "regions", census->regions);
	put_u64(c, "pfns", census->pfns);
	put_u64(c, "scanned", census->scanned);
	put_u64(c, "found", census->found);
	put_bool(c, "sections_armed", census->sections_armed);
	put_double(c, "seconds", census->seconds);
	json_object_object_add(c, "err", json_object_new_int(census->err));
	json_object_object_add(o, "census", c);

	opts = json_object_new_object();
	put_bool(opts, "run", cfg->run);
	put_bool(opts, "events", cfg->events || cfg->record_events);
	put_bool(opts, "stacks", cfg->stacks);
	put_double(opts, "interval", cfg->interval_s);
	put_double(opts, "teardown_timeout", cfg->teardown_timeout_s);
	put_double(opts, "layout_wait", cfg->layout_wait_s);
	put_double(opts, "settle", cfg->settle_s);
	put_double(opts, "older_than", cfg->older_than_s);
	put_bool(opts, "fail_on_leak", cfg->fail_on_leak);
	put_u64(opts, "scope", cfg->scope);
	json_object_object_add(opts, "keep_gone",
			       json_object_new_int(cfg->keep_gone));
	cmd = json_object_new_array();
	for (i = 0; cfg->cmd && cfg->cmd[i]; i++)
		json_object_array_add(cmd, json_object_new_string(cfg->cmd[i]));
	json_object_object_add(opts, "cmd", cmd);
	if (cfg->teardown)
		put_str(opts, "teardown", cfg->teardown);
	json_object_object_add(o, "options", opts);

	sizes = json_object_new_object();
#define PUT_SIZE(name, type) put_u64(sizes, #name, sizeof(type));
	SIZES(PUT_SIZE)
#undef PUT_SIZE
	json_object_object_add(o, "sizes", sizes);
	return o;
}

static json_object *get(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static void copy_str(json_object *o, const char *key, char *buf, size_t len)
{
	json_object *v = get(o, key, json_type_string);

	snprintf(buf, len, "%s", v ? json_object_get_string(v) : "");
}

static double get_double(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_double(v);
}

/* Seconds an option said: what options.c would take, else -1. */
static double get_seconds(json_object *o, const char *key)
{
	double v = get_double(o, key);

	return v >= 0 && v <= MAX_SECONDS ? v : -1;
}

static uint64_t get_u64(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return 0;
	return json_object_get_uint64(v);
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *v = get(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

int head_read(json_object *o, struct zrec_head *h, char *err, size_t len)
{
	json_object *hooks = get(o, "hooks", json_type_array);
	json_object *c = get(o, "census", json_type_object);
	json_object *opts = get(o, "options", json_type_object);
	json_object *sizes = get(o, "sizes", json_type_object), *cmd, *td,
		    *keep;
	size_t i, n;

	memset(h, 0, sizeof(*h));
	if (!hooks || !c || !opts || !sizes) {
		snprintf(err, len, "its head lacks %s",
			 !hooks	 ? "the hooks"
			 : !c	 ? "the census"
			 : !opts ? "the options"
				 : "the layouts");
		return -1;
	}
#define CHECK_SIZE(name, type)                                                \
	if (get_u64(sizes, #name) != sizeof(type)) {                          \
		snprintf(err, len,                                            \
			 "it was recorded with another layout of " #name      \
			 " (%llu bytes, this zdevmon's %zu): replay it with " \
			 "the zdevmon that recorded it",                      \
			 (unsigned long long)get_u64(sizes, #name),           \
			 sizeof(type));                                       \
		return -1;                                                    \
	}
	SIZES(CHECK_SIZE)
#undef CHECK_SIZE
	copy_str(o, "zdevmon", h->version, sizeof(h->version));
	copy_str(o, "kernel", h->kernel, sizeof(h->kernel));
	h->t0_ns = get_u64(o, "t0_ns");
	h->start_ns = get_u64(o, "start_ns");
	h->fsdax_idle_at_one = get_bool(o, "fsdax_idle_at_one");
	h->folio_records = get_bool(o, "folio_records");
	h->bpf_stats = get_bool(o, "bpf_stats");

	n = json_object_array_length(hooks);
	if (n > sizeof(h->hooks) / sizeof(h->hooks[0])) {
		snprintf(err, len, "its head lists %zu hooks, more than %zu", n,
			 sizeof(h->hooks) / sizeof(h->hooks[0]));
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_object *ho = json_object_array_get_idx(hooks, i);
		struct head_hook *hh = &h->hooks[i];

		copy_str(ho, "func", hh->func, sizeof(hh->func));
		hh->state = get_u64(ho, "state");
		if (hh->state > HOOK_OFF_FAILED)
			hh->state = HOOK_OFF_FAILED;
		copy_str(ho, "mechanism", hh->mechanism, sizeof(hh->mechanism));
		copy_str(ho, "reason", hh->reason, sizeof(hh->reason));
		copy_str(ho, "loses", hh->loses, sizeof(hh->loses));
	}
	h->nr_hooks = n;

	h->census.regions = get_u64(c, "regions");
	h->census.pfns = get_u64(c, "pfns");
	h->census.scanned = get_u64(c, "scanned");
	h->census.found = get_u64(c, "found");
	h->census.sections_armed = get_bool(c, "sections_armed");
	h->census.seconds = get_double(c, "seconds");
	h->census.err = json_object_get_int(get(c, "err", json_type_int));

	h->run = get_bool(opts, "run");
	h->events = get_bool(opts, "events");
	h->teardown_timeout_s = get_seconds(opts, "teardown_timeout");
	h->layout_wait_s = get_seconds(opts, "layout_wait");
	h->settle_s = get_seconds(opts, "settle");
	h->older_than_s = get_seconds(opts, "older_than");
	if (h->teardown_timeout_s < 0 || h->layout_wait_s < 0 ||
	    h->settle_s < 0 || h->older_than_s < 0) {
		snprintf(err, len,
			 "its head's options say seconds out of range");
		return -1;
	}
	h->fail_on_leak = get_bool(opts, "fail_on_leak");
	h->scope = get_u64(opts, "scope");
	/* absent: made before --keep-gone, every pgmap kept */
	keep = get(opts, "keep_gone", json_type_int);
	h->keep_gone = keep ? json_object_get_int(keep) : -1;
	if (h->keep_gone < -1) {
		snprintf(err, len, "its head's keep_gone is out of range");
		return -1;
	}
	cmd = get(opts, "cmd", json_type_array);
	n = cmd ? json_object_array_length(cmd) : 0;
	h->cmd = calloc(n + 1, sizeof(*h->cmd));
	if (!h->cmd) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(cmd, i);

		h->cmd[i] = strdup(json_object_is_type(a, json_type_string)
					   ? json_object_get_string(a)
					   : "?");
		if (!h->cmd[i]) {
			snprintf(err, len, "out of memory");
			return -1;
		}
	}
	td = get(opts, "teardown", json_type_string);
	if (td && !(h->teardown = strdup(json_object_get_string(td)))) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	return 0;
}

void head_release(struct zrec_head *h)
{
	for (size_t i = 0; h->cmd && h->cmd[i]; i++)
		free(h->cmd[i]);
	free(h->cmd);
	free(h->teardown);
	memset(h, 0, sizeof(*h));
}
