// SPDX-License-Identifier: GPL-2.0
/* The kernel side's records into the tracker, whoever read them. */
#include "intake.h"

struct zt_pgmap *intake_slot(struct tracker *t, const struct intake_slot *in,
			     int *gone, int *n, int max)
{
	struct zt_pgmap *p = tracker_pgmap_update(t, &in->slot, &in->sum);
	uint64_t op = in->slot.info.fault_op;

	if (!p)
		return NULL;
	/* a device-private pgmap's CPU faults (bpf/faults.bpf.h), its op */
	if (op && op != p->fault_op) {
		p->fault_op = op;
		p->fault_op_name[0] = '\0';
	}
	p->faults = in->faults;
	p->migrations = in->migrations;
	p->residency = in->residency;
	if (p->state == ZT_PGMAP_GONE && !p->final && *n < max)
		gone[(*n)++] = p->id;
	return p;
}

/* The pgmap of a holder's record, 0 if none is known. */
static int pgmap_id(struct tracker *t, uint64_t pgmap)
{
	const struct zt_pgmap *p = tracker_pgmap_of(t, pgmap);

	return p ? p->id : 0;
}

int intake_pin(struct tracker *t, const struct intake_pin *in)
{
	return pins_add(&t->pins, in->pfn, pgmap_id(t, in->rec.pgmap),
			&in->rec);
}

int intake_kalloc(struct tracker *t, const struct intake_kalloc *in)
{
	return kallocs_add(&t->kallocs, in->kaddr, pgmap_id(t, in->rec.pgmap),
			   &in->rec);
}

int intake_setup(struct tracker *t, const struct intake_setup *in)
{
	return setups_add(&t->setups, in->src, &in->rec);
}

int intake_wait(struct tracker *t, const struct intake_wait *in)
{
	return waits_put(&t->waits, in->tid, pgmap_id(t, in->rec.pgmap),
			 &in->rec);
}

int intake_usage(struct tracker *t, const struct intake_usage *in)
{
	switch (in->kind) {
	case INTAKE_MM:
		return usage_add_mm(&t->usage, in->key, &in->mm);
	case INTAKE_PENDING:
		usage_pending(&t->usage, in->key, in->pending);
		return 0;
	case INTAKE_CGROUP:
		return usage_add_cgroup(&t->usage, in->key, &in->cgroup);
	}
	return -22; /* -EINVAL: a recording's kind we do not know */
}
