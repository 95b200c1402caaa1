# shellcheck shell=sh
# A GUP pin never released (issue 13): the project's zdev_leak module
# pins 8 pages of an FS DAX file for a process (pin_user_pages_fast(), the
# way an RDMA or io_uring registration does: 4 pages faulted in before,
# GUP's fast path; 4 not, its slow path), which unmaps them and exits.
# zdev run fails naming the pin's holder; a truncate of the file waits
# for the pinned pages (while another process maps the file: v6.1/6.12
# wait only then) and the daemon shows them pinned, the truncate waiting
# and who holds its page, live and in an alert; it ends once the module
# unpins them. The control pins and unpins within the run: clean.
# shellcheck source=../lib.sh
. /scen/lib.sh
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"
KO="/bin/zdev_leak.ko coherent_base=0x60000000"
F=/mnt/pmem/pinned

[ -b /dev/pmem0 ] || { echo "no /dev/pmem0"; exit 1; }
/sbin/mke2fs -q -t ext4 -b 4096 -F /dev/pmem0 || exit 1
mkdir -p /mnt/pmem
mount -t ext4 -o dax /dev/pmem0 /mnt/pmem || exit 1
head -c 65536 /dev/zero >$F && sync
# the leaking job runs in a cgroup of its own, as a CI job or a pod would
CG=/sys/fs/cgroup
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG || exit 1
mkdir -p $CG/pinjob
# shellcheck disable=SC2086 # KO: the module and its parameter
insmod $KO || exit 1
ZFLAGS="$ZFLAGS --layout-wait 1"
zdev_start pind || exit 1

$RUN --report-json "$OUT/pinclean.json" -- \
	sh -c "leakwork pin $F 8 4 && leakwork unpin" \
	>"$OUT/pinclean.truth" 2>"$OUT/pinclean.err"
echo $? >"$OUT/pinclean.rc"

# shellcheck disable=SC2016,SC2086 # $$: the inner shell's; RUN: words
sh -c 'echo $$ >'$CG/pinjob/cgroup.procs' && exec "$@"' sh \
	$RUN --report-json "$OUT/pinleak.json" -- leakwork pin $F 8 4 \
	>"$OUT/pinleak.truth" 2>"$OUT/pinleak.err"
echo $? >"$OUT/pinleak.rc"

# the truncate waits for the pinned pages (ext4_break_layouts)
leakwork map $F 16 >"$OUT/mapper.truth" &
mpid=$!
until grep -q mapped "$OUT/mapper.truth"; do
	kill -0 $mpid || exit 1
	sleep 0.1
done
truncate -s 0 $F &
tpid=$!
sleep 3
if kill -0 $tpid 2>/dev/null; then
	echo "truncate_waiting 1"
	cat /proc/$tpid/stack 2>/dev/null | sed 's/^/# /'
else
	echo "truncate_waiting 0"
fi >"$OUT/truncate.truth"
{
	echo "truncate_pid $tpid"
	echo "ino $(stat -c %i $F)"
	echo "dev $(cat /sys/block/pmem0/dev)"
} >>"$OUT/truncate.truth"
zdev_snapshot
leakwork unpin >"$OUT/unpin.truth"
i=0
while kill -0 $tpid 2>/dev/null && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 $tpid 2>/dev/null; then
	echo "truncate_done 0"
else
	wait $tpid
	trc=$?
	echo "truncate_done 1"
	echo "truncate_rc $trc"
fi >>"$OUT/truncate.truth"
sleep 1
zdev_snapshot
zdev_stop
kill $mpid
wait $mpid
rmmod zdev_leak
umount /mnt/pmem
