# shellcheck shell=sh
# The daemon's own promises, each against what the workload, the kernel
# (/proc/uptime) or a client saw:
#  1. --json-max-size rotation and logrotate-style moves + SIGHUP while
#     P2PDMA events flow: no line lost or torn, size and --json-keep
#     bounds, mode 0640; ended by SIGTERM (3: its final snapshot);
#  2. -d 2 stops by itself, in time, with a final snapshot;
#  5. the endpoint's per-address connection limit and request-head size
#     boundary, monitoring going on;
#  6. zdevmon record -d: the event stream recorded, replayed on the host.
# shellcheck source=../lib.sh
. /scen/lib.sh
# shellcheck disable=SC2012 # sysfs names: no odd characters
p2p=$(ls -d /sys/bus/pci/devices/*/p2pmem 2>/dev/null | head -1)
[ -n "$p2p" ] || { echo "no p2pmem device"; exit 1; }
up() { cut -d' ' -f1 /proc/uptime; }

# stop_collect SIGNAL NAME PREFIX: stop zdevmon with SIGNAL; its exit
# status, the mode and size of every PREFIX* file, and the files, as NAME
stop_collect() {
	kill -"$1" "$zpid"
	wait "$zpid"
	echo $? >"$OUT/$2.rc"
	mkdir -p "$OUT/$2"
	stat -c '%a %s %n' "$3"* >"$OUT/$2.files"
	cp "$3"* "$OUT/$2/"
}
D=/tmp/zd
mkdir -p $D

# 1 and 3. 64 KiB files, 50 kept: rounds of 192 events (about 33 KB)
# ten a second, at most 60 of them, so that no line is dropped by design.
# Three moves meanwhile, each SIGHUP 0.3 s after its move as logrotate's
# postrotate comes after its rename: lines keep filling the moved file.
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS --events --json "$D/r.ndjson" --json-max-size 64k \
	--json-keep 50 2>"$OUT/rot.stderr" &
zpid=$!
zdev_wait_start $D/r.ndjson "$OUT/rot.stderr" || exit 1
rm -f $D/stop
(i=0; while [ ! -e $D/stop ] && [ $i -lt 60 ]; do
	p2pwork "$p2p/allocate" 64 || break; i=$((i + 1)); usleep 100000
done) >"$OUT/rot.truth" 2>"$OUT/rot.work-err" &
wl=$!
for m in 1 2 3; do
	sleep 0.4
	# zdevmon may be rotating it that very moment (it is briefly not
	# there): logrotate would find it next time; we try again
	j=0
	until mv $D/r.ndjson $D/r.ndjson.moved$m 2>/dev/null || [ $j -gt 100 ]; do
		j=$((j + 1)); sleep 0.01
	done
	sleep 0.3
	# the workload still running at the reopen: events in flight
	kill -0 $wl 2>/dev/null && echo "truth hup_during_workload 1" \
		>>"$OUT/rot.hup"
	kill -HUP $zpid
done
sleep 0.4
touch $D/stop
wait $wl
sleep 2 # the last events consumed
stop_collect TERM rot "$D/r.ndjson"

# 2. --duration 2: exits by itself; /proc/uptime when zdevmon was
# launched, when its start object appeared, when it exited. A watchdog
# stops it at 30 s if it does not.
u0=$(up)
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS -d 2 --json "$D/d.ndjson" 2>"$OUT/duration.stderr" &
zpid=$!
(sleep 30; kill -INT $zpid) 2>/dev/null &
dog=$!
zdev_wait_start $D/d.ndjson "$OUT/duration.stderr"
u1=$(up)
wait $zpid
rc=$?
u2=$(up)
kill $dog 2>/dev/null
echo "launched $u0 started $u1 exited $u2 rc $rc" >"$OUT/duration.times"
cp $D/d.ndjson "$OUT/duration.ndjson"

# 5. the endpoint's limits, then p2pwork: monitoring went on. Its NDJSON
# rotates at 8 KiB with 2 kept: --json-keep's bound.
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS --listen "$HTTP" -i 0.2 --json "$D/k.ndjson" --json-max-size 8k \
	--json-keep 2 2>"$OUT/limits.stderr" &
zpid=$!
zdev_wait_start $D/k.ndjson "$OUT/limits.stderr" || exit 1
httpwork limit 9464 >"$OUT/limits.truth"
for n in 32544 32545 32769 40000; do
	httpwork head 9464 $n >"$OUT/head-$n.truth"
done
p2pwork "$p2p/allocate" 64 >"$OUT/keep.truth"
sleep 2
stop_collect INT keep "$D/k.ndjson"

# 6. zdevmon record for 4 s while p2pwork maps and frees its pages: the
# recording holds every event of the opt-in stream (check.py replays it)
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon record -o "$OUT/rec.zrec" $ZFLAGS -q -d 4 --json "$OUT/rec.ndjson" \
	2>"$OUT/rec.stderr" &
zpid=$!
zdev_wait_start "$OUT/rec.ndjson" "$OUT/rec.stderr" || exit 1
p2pwork "$p2p/allocate" 64 >"$OUT/rec.truth"
wait $zpid
echo $? >"$OUT/rec.rc"
