/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks waiting for busy DAX pages: a truncate or a hole punch breaks the
 * file's layout, and waits for every page some reference (a pin, a leaked
 * get) holds. The record of a break, by thread, from
 *   dax_break_layout(inode, start, end, cb)  entry to exit   v6.15+
 *   dax_layout_busy_page(mapping) -> page    until NULL      v6.1..v6.14
 * (the filesystem's loop calls it, ext4_break_layouts() inlined; a signal
 * that ends that loop early leaves the record until the thread exits, or
 * breaks a layout again: the daemon drops it then), and the page waited
 * for from the wait itself:
 *   init_wait_var_entry(wbq, var, flags)     var: the page (v6.15+) or
 *                                            its _refcount (before)
 * which every wait_var_event() calls: one hash lookup unless its task
 * breaks a layout. dax_break_layout_final() (an inode's eviction) is not
 * followed. Rare calls otherwise: no fast path here.
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_LAYOUT_BPF_H
#define ZDEV_LAYOUT_BPF_H

#define LAYOUT_WHOLE_FILE 0x7fffffffffffffffLL /* LLONG_MAX: to the end */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZDEV_MAX_LAYOUT_WAITS);
	__type(key, __u32); /* the waiting thread */
	__type(value, struct zdev_layout_wait);
} layout_waits SEC(".maps");

/* A layout break's call: its record, made or brought up to date. */
static __always_inline void layout_enter(__u64 mapping, __u64 start, __u64 end)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct zdev_layout_wait *w = bpf_map_lookup_elem(&layout_waits, &tid);
	struct zdev_layout_wait new = {};
	struct address_space *m = (void *)mapping;
	struct inode *inode;

	if (w && w->mapping == mapping) {
		w->start = start;
		w->end = end;
		return;
	}
	inode = BPF_CORE_READ(m, host);
	new.mapping = mapping;
	new.ino = BPF_CORE_READ(inode, i_ino);
	new.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	new.start = start;
	new.end = end;
	new.cgroup = bpf_get_current_cgroup_id();
	new.tgid = id >> 32;
	bpf_get_current_comm(new.comm, sizeof(new.comm));
	bpf_map_update_elem(&layout_waits, &tid, &new, BPF_ANY);
}

/* The loop is over (a signal may have cut it short): no wait is left. */
static __always_inline int layout_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&layout_waits, &tid);
	return 0;
}

/*
 * The page its task waits for: the first, the same again (the wait itself
 * after the page was found busy), or the next one.
 */
static __always_inline int layout_result(int hook, __u64 page)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zdev_hook_stats *st;
	struct zdev_layout_wait *w;
	struct head_fields h;
	__u64 head, pfn;

	w = bpf_map_lookup_elem(&layout_waits, &tid);
	if (!w)
		return 0;
	st = hook_stats(hook);
	if (st)
		st->device++;
	head = page_head(page);
	folio_head_read((struct folio *)head, &h);
	pfn = page_to_pfn(head);
	w->refcount = h.refcount;
	if (w->busy && w->pfn == pfn)
		return 0;
	w->pfn = pfn;
	w->pgmap = h.pgmap;
	if (!w->busy++)
		w->first_ns = bpf_ktime_get_ns();
	return 0;
}

/* ---- the layout break: the file, the range ---------------------------- */

/* v6.15+: the loop's function, from its entry to its exit */
SEC("fentry/dax_break_layout")
int BPF_PROG(layout_break_fentry, struct inode *inode, loff_t start, loff_t end)
{
	layout_enter((__u64)BPF_CORE_READ(inode, i_mapping), start, end);
	return 0;
}

SEC("fexit/dax_break_layout")
int BPF_PROG(layout_break_fexit)
{
	return layout_end();
}

SEC("kprobe/dax_break_layout")
int BPF_KPROBE(layout_break_kprobe, struct inode *inode, loff_t start,
	       loff_t end)
{
	layout_enter((__u64)BPF_CORE_READ(inode, i_mapping), start, end);
	return 0;
}

SEC("kretprobe/dax_break_layout")
int BPF_KRETPROBE(layout_break_kretprobe)
{
	return layout_end();
}

/*
 * v6.1..v6.14: the filesystem's loop (ext4_break_layouts(), inlined, and
 * xfs_break_dax_layouts()) asks dax_layout_busy_page(mapping) for the
 * whole file until it returns NULL.
 */
SEC("fexit/dax_layout_busy_page")
int BPF_PROG(layout_busy_fexit, struct address_space *mapping,
	     struct page *page)
{
	if (!page)
		return layout_end();
	layout_enter(arg_u64(ctx, 0), 0, LAYOUT_WHOLE_FILE);
	/* the return value (past what bpf_get_func_arg() reaches), typed */
	return layout_result(ZDEV_HOOK_LAYOUT_BREAK, ptr_to_u64(page));
}

SEC("kprobe/dax_layout_busy_page")
int BPF_KPROBE(layout_busy_kprobe, struct address_space *mapping)
{
	layout_enter((__u64)mapping, 0, LAYOUT_WHOLE_FILE);
	return 0;
}

SEC("kretprobe/dax_layout_busy_page")
int BPF_KRETPROBE(layout_busy_kretprobe, void *page)
{
	if (!page)
		return layout_end();
	return layout_result(ZDEV_HOOK_LAYOUT_BREAK, (__u64)page);
}

/* ---- the wait: the page -------------------------------------------- */

/*
 * The struct page an address falls in, if it is one of the vmemmap: a
 * wait_var_event() waits on the page itself (v6.15+) or on its _refcount
 * (before).
 */
static __always_inline __u64 var_page(__u64 var)
{
	__u64 base = vmemmap_start(), size = bpf_core_type_size(struct page);
	__u64 idx;

	if (var < base || !size)
		return 0;
	idx = (var - base) / size;
	if (idx >> 40) /* past any pfn */
		return 0;
	return base + idx * size;
}

/* A wait begins: if its task breaks a layout, the page it waits for. */
static __always_inline int layout_wait(__u64 var)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 page;

	if (!bpf_map_lookup_elem(&layout_waits, &tid))
		return 0;
	page = var_page(var);
	if (!page || !zone_is_device(read_flags(page)))
		return 0;
	return layout_result(ZDEV_HOOK_LAYOUT_WAIT, page);
}

SEC("fentry/init_wait_var_entry")
int BPF_PROG(layout_wait_fentry, void *wbq_entry, void *var)
{
	return layout_wait(arg_u64(ctx, 1));
}

SEC("kprobe/init_wait_var_entry")
int BPF_KPROBE(layout_wait_kprobe, void *wbq_entry, void *var)
{
	return layout_wait((__u64)var);
}

#endif /* ZDEV_LAYOUT_BPF_H */
