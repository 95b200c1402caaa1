/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tasks waiting for busy DAX pages: a truncate, a hole punch or an inode's
 * eviction breaks the file's layout, and waits for every page some
 * reference (a pin, a leaked get) holds. The wait is a loop in the
 * filesystem or fs/dax.c around
 *   dax_layout_busy_page_range(mapping, start, end) -> the busy page
 * which returns NULL once no page is busy. A signal ends the loop early:
 * from the FS DAX refcount rework (dax_break_layout(), 7.2 has it) the
 * loop's function returns, an exit hook sees it; before, the loop is
 * inlined in the filesystem (ext4_break_layouts() of 6.1/6.12), and the
 * daemon drops the wait when its thread is gone.
 * Rare calls, on DAX files only: no fast path here.
 * Included by zdev.bpf.c after its helpers.
 */
#ifndef ZDEV_LAYOUT_BPF_H
#define ZDEV_LAYOUT_BPF_H

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

/* Its result: NULL, nothing (left) to wait for; else the page waited for. */
static __always_inline int layout_result(__u64 page)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct zdev_hook_stats *st;
	struct zdev_layout_wait *w;
	struct head_fields h;
	__u64 head;

	if (!page) {
		bpf_map_delete_elem(&layout_waits, &tid);
		return 0;
	}
	w = bpf_map_lookup_elem(&layout_waits, &tid);
	if (!w)
		return 0;
	st = hook_stats(ZDEV_HOOK_LAYOUT_BUSY);
	if (st)
		st->device++;
	head = page_head(page);
	folio_head_read((struct folio *)head, &h);
	w->pfn = page_to_pfn(head);
	w->pgmap = h.pgmap;
	w->refcount = h.refcount;
	if (!w->busy++)
		w->first_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("fexit/dax_layout_busy_page_range")
int BPF_PROG(layout_busy_fexit, struct address_space *mapping, loff_t start,
	     loff_t end, struct page *page)
{
	if (page)
		layout_enter(arg_u64(ctx, 0), start, end);
	return layout_result(arg_u64(ctx, 3));
}

SEC("kprobe/dax_layout_busy_page_range")
int BPF_KPROBE(layout_busy_kprobe, void *mapping, loff_t start, loff_t end)
{
	layout_enter((__u64)mapping, start, end);
	return 0;
}

SEC("kretprobe/dax_layout_busy_page_range")
int BPF_KRETPROBE(layout_busy_kretprobe, void *page)
{
	return layout_result((__u64)page);
}

/* The loop is over, a signal may have cut it short: no wait is left. */
static __always_inline int layout_end(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&layout_waits, &tid);
	return 0;
}

SEC("fexit/dax_break_layout")
int BPF_PROG(layout_end_fexit)
{
	return layout_end();
}

SEC("kretprobe/dax_break_layout")
int BPF_KRETPROBE(layout_end_kretprobe)
{
	return layout_end();
}

#endif /* ZDEV_LAYOUT_BPF_H */
