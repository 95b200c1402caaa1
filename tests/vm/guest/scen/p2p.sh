# shellcheck shell=sh
# P2PDMA: the emulated NVMe's CMB published as p2pmem, mapped by a user.
# shellcheck source=../lib.sh
. /scen/lib.sh
# shellcheck disable=SC2012 # sysfs names: no odd characters
p2p=$(ls -d /sys/bus/pci/devices/*/p2pmem 2>/dev/null | head -1)
[ -n "$p2p" ] || { echo "no p2pmem device"; exit 1; }
cat /proc/iomem >"$OUT/iomem.txt"
# every event too: the schema check covers event objects
ZFLAGS="$ZFLAGS --events"
zdev_start zdevmon || exit 1
hold_run "$OUT/truth.txt" p2pwork "$p2p/allocate" 64
zdev_stop

# A full disk: NDJSON onto a 4 KiB tmpfs; lines are lost, monitoring goes
# on; the tmpfs grows, writing resumes, the final snapshot is complete.
mkdir -p /tmp/small && mount -t tmpfs -o size=4k small /tmp/small || exit 1
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS -i 0.2 --json /tmp/small/z.ndjson 2>"$OUT/full.stderr" &
zp=$!
until grep -q 'monitoring with' "$OUT/full.stderr"; do sleep 0.1; done
p2pwork "$p2p/allocate" 64 >"$OUT/full.truth"
until grep -q 'failed' "$OUT/full.stderr"; do sleep 0.1; done
mount -o remount,size=1m /tmp/small
sleep 1
kill -INT $zp
wait $zp
echo $? >"$OUT/full.rc"
cp /tmp/small/z.ndjson "$OUT/full.ndjson"

# --user: once attached every thread runs as uid 990 with no capability,
# serving --listen; the NDJSON file, its rotations and its SIGHUP reopen
# are created by that user in a folder it owns (LogsDirectory=).
mkdir -p /tmp/zu && chown 990:990 /tmp/zu && chmod 750 /tmp/zu
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS --listen "$HTTP" --user 990:990 -i 0.2 --json /tmp/zu/z.ndjson \
	--json-max-size 8k --json-keep 2 2>"$OUT/user.stderr" &
zpid=$!
zdev_wait_start "/tmp/zu/z.ndjson" "$OUT/user.stderr"
ZFLAGS="$ZFLAGS --listen $HTTP" zdev_caps user
p2pwork "$p2p/allocate" 64 >"$OUT/user.truth"
mv /tmp/zu/z.ndjson /tmp/zu/moved.ndjson
kill -HUP $zpid
sleep 1
kill -INT $zpid
wait $zpid
echo $? >"$OUT/user.rc"
stat -c '%u %g %a %n' /tmp/zu/* >"$OUT/user.files"
