# shellcheck shell=sh
# A burst of a million device-private folios: tests/kmod/zdev_burst.c
# creates one 4 GiB pgmap and allocates every page of it at load. Each
# session is checked against the module's own counts (its parameters born,
# freed and pfn; its unload line in the kernel log), never against
# zdevmon's:
#  daemon  the daemon while the module loads (1 M births, then 1 M frees)
#          and unloads
#  ring    the same with the smallest ring (4 KiB) and --events: counters
#          exact whatever the ring did; what the event stream lost, counted
#  ci      zdevmon run --ring-size 4096 -- insmod + rmmod: clean
#  held    zdevmon run -- insmod hold=1: 1 M folios live after it, a leak;
#          the module unloaded once zdevmon ended
#  mem     the daemon's memory while 1 M folios are live
#  census  the module loaded (hold=1) before zdevmon starts, daemon and
#          --stacks: its million folios found alive at start, then freed
#  full    per-folio state too small: the daemon's bitmap (64M of device
#          memory) and run's records (100 k): counts exact, the lack
#          reported, run's verdict inconclusive
# NAME.truth holds "truth KEY N" lines: the module's counts, rmmod's exit
# status, how long the load took (uptime centiseconds, the module's ms).
# shellcheck source=../lib.sh
. /scen/lib.sh
KO=/bin/zdev_burst.ko
P=/sys/module/zdev_burst/parameters
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"

# burst_truth NAME: the loaded module's counts
burst_truth() {
	for p in pages born freed pfn; do
		echo "truth $p $(cat $P/$p)"
	done >>"$OUT/$1.truth"
}

# burst_load NAME [PARAM=VALUE...]: insmod, timed; the module's counts
burst_load() {
	n=$1
	shift
	t0=$(cs)
	insmod $KO "$@" || return 1
	echo "truth load_cs $(($(cs) - t0))" >>"$OUT/$n.truth"
	burst_truth "$n"
}

# burst_unloaded NAME: the module's last counts, from its unload line,
# and how long its last burst took by its own clock
burst_unloaded() {
	dmesg | awk '/zdev_burst: pfns/ { ms = $(NF - 1) }
		/zdev_burst: unloading:/ { b = $(NF - 3); f = $(NF - 1) }
		END { print "truth module_ms " ms
			print "truth unload_born " b
			print "truth unload_freed " f }' >>"$OUT/$1.truth"
}

# burst_unload NAME: rmmod (it frees what the module holds, then
# memunmap_pages()), its exit status, the module's last counts
burst_unload() {
	rmmod zdev_burst
	echo "truth rmmod_rc $?" >>"$OUT/$1.truth"
	burst_unloaded "$1"
}

# zdev_settle: until zdevmon ($zpid, $zjson) has read every event: the
# events count of its latest snapshot the same 2 s later, in a newer
# snapshot (a busy zdevmon writes none). 5 minutes at most.
zdev_settle() {
	last='' i=0
	while [ $i -lt 150 ]; do
		sleep 2
		snap=$(tail -c 262144 "$zjson" | grep '"kind":"snapshot"' | tail -1)
		ev=$(echo "$snap" | grep -o '"events":[0-9]*')
		now="$ev $(echo "$snap" | grep -o '"elapsed_s":[0-9.]*')"
		if [ -n "$ev" ] && [ "$ev" = "${last%% *}" ] && [ "$now" != "$last" ]; then
			return 0
		fi
		last=$now i=$((i + 1))
	done
	echo "zdevmon did not settle: $now"
}

# session_time NAME T0: how long the session took, uptime centiseconds
session_time() { echo "truth session_cs $(($(cs) - $2))" >>"$OUT/$1.truth"; }

# mem_sample PREFIX: zdevmon's RSS (and peak), the memlock of its BPF maps
# (the fdinfo of each map fd), the guest's MemAvailable, in kB or bytes
mem_sample() {
	awk -v p="$1" '/^Vm(RSS|HWM):/ { sub(":", "", $1)
		print "truth " p "_" tolower($1) "_kb " $2 }' /proc/"$zpid"/status
	for f in /proc/"$zpid"/fdinfo/*; do
		grep -q '^map_type:' "$f" 2>/dev/null &&
			awk '/^memlock:/ { print $2 }' "$f"
	done | awk -v p="$1" '{ s += $1; n++ } END {
		print "truth " p "_memlock_bytes " s + 0
		print "truth " p "_bpf_maps " n + 0 }'
	awk -v p="$1" '/^MemAvailable:/ {
		print "truth " p "_memavailable_kb " $2 }' /proc/meminfo
}

# daemon: the machine's live folios before, the burst, the teardown
st=$(cs)
zdev_start daemon || exit 1
zdev_snapshot
burst_load daemon || exit 1
burst_unload daemon
zdev_settle
zdev_stop
session_time daemon "$st"

# ring: the same through a 4 KiB ring with every event streamed, into
# the guest's /tmp (a million lines or so); the stream's init and free
# lines counted here, a sample of them and every other object kept
st=$(cs)
zjson=/tmp/ring.ndjson
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS --ring-size 4096 --events --json "$zjson" \
	2>"$OUT/ring.stderr" &
zpid=$!
zdev_wait_start "$zjson" "$OUT/ring.stderr" || exit 1
zdev_caps ring
zdev_snapshot
burst_load ring || exit 1
burst_unload ring
zdev_settle
zdev_stop
grep -v '"kind":"event"' "$zjson" >"$OUT/ring.ndjson"
{
	echo "lines event $(grep -c '"kind":"event"' "$zjson")"
	echo "lines init $(grep -c '"event":"init"' "$zjson")"
	echo "lines free $(grep -c '"event":"free"' "$zjson")"
} >"$OUT/ring.lines"
grep -m 1000 '"kind":"event"' "$zjson" >"$OUT/ring-events.ndjson"
rm -f "$zjson"
session_time ring "$st"

# ci: a driver's load and unload as run's command, through the smallest
# ring; the module's counts read inside it, before rmmod
st=$(cs)
$RUN --ring-size 4096 --json "$OUT/ci.ndjson" --report-json "$OUT/ci.json" \
	-- sh -c "insmod $KO && for p in pages born freed pfn; do
		echo truth \$p \$(cat $P/\$p); done && rmmod zdev_burst" \
	>"$OUT/ci.truth" 2>"$OUT/ci.err"
echo $? >"$OUT/ci.rc"
burst_unloaded ci
session_time ci "$st"

# held: the module keeps its million pages past run's end: a leak of
# every one of them. Unloaded once zdevmon ended: it frees them then, and
# memunmap_pages() returns.
st=$(cs)
$RUN --json "$OUT/held.ndjson" --report-json "$OUT/held.json" \
	-- insmod $KO hold=1 >"$OUT/held.out" 2>"$OUT/held.err"
echo $? >"$OUT/held.rc"
burst_truth held
burst_unload held
session_time held "$st"

# mem: the daemon idle, then with a million folios live
st=$(cs)
zdev_start mem || exit 1
zdev_settle
mem_sample idle >>"$OUT/mem.truth"
burst_load mem hold=1 || exit 1
zdev_settle
mem_sample held >>"$OUT/mem.truth"
burst_unload mem
zdev_settle
zdev_stop
session_time mem "$st"

# full: the bitmap cannot hold the 4 GiB pgmap: counters only, and said
st=$(cs)
zflags=$ZFLAGS
ZFLAGS="$ZFLAGS --max-device-memory 64M"
zdev_start full || exit 1
ZFLAGS=$zflags
burst_load full || exit 1
burst_unload full
zdev_settle
zdev_stop
session_time full "$st"

# cifull: run without room for the 4 GiB pgmap's records: no verdict
st=$(cs)
$RUN --max-device-memory 64M --json "$OUT/cifull.ndjson" \
	--report-json "$OUT/cifull.json" \
	-- sh -c "insmod $KO && for p in pages born freed pfn; do
		echo truth \$p \$(cat $P/\$p); done && rmmod zdev_burst" \
	>"$OUT/cifull.truth" 2>"$OUT/cifull.err"
echo $? >"$OUT/cifull.rc"
burst_unloaded cifull
session_time cifull "$st"

# census: a million folios alive before zdevmon starts, in each mode: found
# at start (preexisting), then freed at rmmod without a false double free
for mode in census censusrec; do
	st=$(cs)
	burst_load $mode hold=1 || exit 1
	zflags=$ZFLAGS
	[ $mode = censusrec ] && ZFLAGS="$ZFLAGS --stacks"
	zdev_start $mode || exit 1
	ZFLAGS=$zflags
	zdev_snapshot
	burst_unload $mode
	zdev_settle
	zdev_stop
	session_time $mode "$st"
done
