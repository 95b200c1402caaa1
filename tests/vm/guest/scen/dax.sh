# shellcheck shell=sh
# FS DAX on emulated pmem (memmap=256M!1G): 4 KiB folios, then a
# fallocated file mapped 2 MiB aligned for PMD folios. How many PMDs the
# kernel installed comes from its own fs_dax:dax_pmd_fault_done tracepoint.
# shellcheck source=../lib.sh
. /scen/lib.sh
cat /proc/iomem >"$OUT/iomem.txt"
[ -b /dev/pmem0 ] || { echo "no /dev/pmem0"; exit 1; }
/sbin/mke2fs -q -t ext4 -b 4096 -F /dev/pmem0 || exit 1
mkdir -p /mnt/pmem
mount -t ext4 -o dax /dev/pmem0 /mnt/pmem || exit 1
T=/sys/kernel/tracing
echo 1 >$T/events/fs_dax/dax_pmd_fault_done/enable || exit 1

dax_case() {
	echo >$T/trace
	# shellcheck disable=SC2086 # $3, pmd or nothing
	hold_run "$OUT/truth-$1.txt" daxwork "/mnt/pmem/f$1" $2 $3
	echo "truth pmd_faults $(grep -c 'dax_pmd_fault_done.*NOPAGE' $T/trace)" \
		>>"$OUT/truth-$1.txt"
}
ZFLAGS="$ZFLAGS --listen $HTTP"
zdev_start zdevmon || exit 1
zdev_bad_requests zdevmon
dax_case 4k 2048
dax_case pmd 4096 pmd
zdev_http_dump zdevmon
zdev_stop
umount /mnt/pmem
