# shellcheck shell=sh
# In-kernel P2PDMA allocations nobody frees (issue 13): the project's
# zdev_leak module allocates 4 KiB buffers of the emulated NVMe's CMB with
# pci_alloc_p2pmem() for leakwork, one pgmap reference each, the way an
# NVMe-oF target keeps its buffers. Freed within the run: clean. Kept, the
# NVMe's unbind (the run's teardown) waits in memunmap_pages() for their
# references: the run fails naming the allocations, their task and call
# site; a daemon shows the count live; freed, the unbind ends.
# shellcheck source=../lib.sh
. /scen/lib.sh
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"
# shellcheck disable=SC2012 # sysfs names: no odd characters
p2p=$(ls -d /sys/bus/pci/devices/*/p2pmem 2>/dev/null | head -1)
[ -n "$p2p" ] || { echo "no p2pmem device"; exit 1; }
bdf=$(basename "$(dirname "$p2p")")
insmod /bin/zdev_leak.ko || exit 1

$RUN --report-json "$OUT/p2pclean.json" -- \
	sh -c "leakwork p2palloc 2 && leakwork p2pfree" \
	>"$OUT/p2pclean.truth" 2>"$OUT/p2pclean.err"
echo $? >"$OUT/p2pclean.rc"

rm -f "$OUT/p2pd.ndjson"
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS --json "$OUT/p2pd.ndjson" 2>"$OUT/p2pd.stderr" &
zpid=$!
zdev_wait_start "$OUT/p2pd.ndjson" "$OUT/p2pd.stderr" || exit 1
$RUN --teardown "echo $bdf >/sys/bus/pci/drivers/nvme/unbind" \
	--teardown-timeout 3 --report-json "$OUT/p2pleak.json" -- \
	leakwork p2palloc 3 >"$OUT/p2pleak.truth" 2>"$OUT/p2pleak.err"
echo $? >"$OUT/p2pleak.rc"
kill -INT $zpid
wait $zpid

# the unbind waits in memunmap_pages() (its driver link is gone already);
# freed, it ends: the shell that wrote to unbind returns and exits. Its
# stack is no measure of that: read while the task runs, it may miss the
# function, and the teardown goes on in memunmap_pages() after the wait
# (43fbe57 and 5daec46's CI: "unbound 0" with the unbind still busy).
unbinder() {
	for f in /proc/[0-9]*/stack; do
		grep -qs memunmap_pages "$f" || continue
		f=${f#/proc/}
		echo "${f%/stack}"
		return
	done
}
ended() { s=$(proc_state "$1"); [ -z "$s" ] || [ "$s" = Z ]; }
{
	w=$(unbinder)
	[ -n "$w" ] && echo "truth waiting 1" || echo "truth waiting 0"
	leakwork p2pfree
	i=0
	while [ -n "$w" ] && ! ended "$w" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$w" ] && ended "$w" && echo "truth unbound 1" ||
		echo "truth unbound 0"
} >"$OUT/unbind.truth"
