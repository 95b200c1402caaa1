# shellcheck shell=sh
# make bench: guest time of the workloads with nothing attached and under
# each tracer, then zdevmon's memory at many live device folios. The guest
# runs under -icount (tests/vm/bench.sh): its clock counts its instructions.
#   configurations  base (nothing), bare (barecount: a bare fentry counter
#                   on the same hot functions), floor (barecount --floor:
#                   device calls counted per pgmap, per CPU, with a live
#                   bit per page, the least issue 12's items 1 and 2 ask;
#                   not by default), zdevmon
#                   (daemon), stacks
#                   (daemon --stacks), run (zdevmon run -- the workloads;
#                   only the workloads are timed), bpftrace (/out/devleak.bt
#                   in the sid chroot shared as 9p "share"), profile
#                   (daemon --bpf-stats; not by default), paused (the
#                   daemon stopped by SIGSTOP for each timed run: its BPF
#                   programs alone; not by default)
#   workloads       thp (hmm-tests -t benchmark_thp_migration: its total and
#                   its per-size lines), faults (anonymous page faults),
#                   dax (4 KiB FS DAX faults on the emulated pmem),
#                   gup (O_DIRECT reads into ordinary memory: GUP pins
#                   of pages that are not device pages)
# Rounds interleave the configurations so drift hits all alike; every
# workload runs after an untimed warm-up under the same tracer (attaching
# patches kernel text, which TCG then retranslates).
# Results: "CONFIG ROUND WORKLOAD SECONDS" lines in $OUT/results; the
# workloads' output as $OUT/thp-CONFIG-ROUND.txt; zdevmon's final snapshots
# as $OUT/final-CONFIG-ROUND.json; the memory part as $OUT/mem-MODE.*.
# Each round done leaves $OUT/round-ROUND.done; benchfirst=N on the kernel
# command line resumes at round N (tests/vm/bench.sh, after a guest killed
# from outside).
#   sh bench.sh OUT                      the benchmark
#   sh bench.sh OUT work CONFIG ROUND    the workloads once (zdevmon run's
#                                        command)
# shellcheck source=../lib.sh
. /scen/lib.sh
ROUNDS=3
FIRST=1
CONFIGS="base bare zdevmon stacks run bpftrace"
WORKLOADS="thp faults dax gup"
MEMPAGES=1048576
# shellcheck disable=SC2013 # one line of words
for arg in $(cat /proc/cmdline); do
	case $arg in
	benchrounds=*) ROUNDS=${arg#benchrounds=} ;;
	benchfirst=*) FIRST=${arg#benchfirst=} ;;
	benchcfg=*) CONFIGS=$(echo "${arg#benchcfg=}" | tr , ' ') ;;
	benchwl=*) WORKLOADS=$(echo "${arg#benchwl=}" | tr , ' ') ;;
	benchmem=*) MEMPAGES=${arg#benchmem=} ;;
	esac
done
BURST=/bin/zdev_burst.ko
BT=/bt # the bpftrace chroot

# settle: the same memory state before every timed run (THP allocations
# succeed or fall back by fragmentation)
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/compact_memory
}

# pause CONFIG STOP|CONT: the paused configuration's daemon stopped for
# a timed run, then let go (its programs count meanwhile; it catches up)
pause() {
	[ "$1" = paused ] && [ -n "${tpid:-}" ] && kill -"$2" "$tpid"
	return 0
}

# run_workloads CONFIG ROUND: each workload, warmed up, then timed
run_workloads() {
	for w in $WORKLOADS; do
		settle
		case $w in
		thp)
			/extra/hmm-tests -t migrate >/dev/null 2>&1
			f=$OUT/thp-$1-$2.txt
			pause "$1" STOP
			benchwork time /extra/hmm-tests -t benchmark_thp_migration \
				>"$f" 2>&1
			t=$(sed -n 's/^elapsed //p' "$f") ;;
		faults)
			benchwork faults 16 2 >/dev/null
			pause "$1" STOP
			t=$(benchwork faults 64 8 | sed -n 's/^elapsed //p') ;;
		dax)
			benchwork dax /mnt/pmem/warm 16 2 >/dev/null
			pause "$1" STOP
			t=$(benchwork dax /mnt/pmem/f 64 8 | sed -n 's/^elapsed //p')
			rm -f /mnt/pmem/warm /mnt/pmem/f ;;
		gup)
			benchwork gup /dev/pmem0 16 2 >/dev/null
			pause "$1" STOP
			t=$(benchwork gup /dev/pmem0 64 16 | sed -n 's/^elapsed //p') ;;
		esac
		pause "$1" CONT
		echo "$1 $2 $w ${t:-failed}" >>"$OUT/results"
	done
}

if [ "$2" = work ]; then
	run_workloads "$3" "$4"
	exit 0
fi

# wait_for FILE PATTERN PID WHAT: until FILE has PATTERN; 1 if PID ended
wait_for() {
	until grep -q "$2" "$1" 2>/dev/null; do
		if ! kill -0 "$3" 2>/dev/null; then
			echo "$4 did not start: $(cat "$1" 2>/dev/null)"
			return 1
		fi
		sleep 0.1
	done
}

# the bpftrace chroot: the host's, read-only over 9p, with the kernel's
# file systems mounted in it
bt_setup() {
	mkdir -p $BT
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,ro share $BT ||
		return 1
	mount -t proc proc $BT/proc &&
		mount -t sysfs sys $BT/sys &&
		mount -t tracefs tracefs $BT/sys/kernel/tracing &&
		mount -t debugfs debugfs $BT/sys/kernel/debug &&
		mount -t devtmpfs dev $BT/dev &&
		{ [ -e $BT/dev/fd ] || ln -s /proc/self/fd $BT/dev/fd; } &&
		mount -t tmpfs tmp $BT/tmp &&
		cp /out/devleak.bt $BT/tmp/ &&
		chroot $BT bpftrace --version
}

# tracer_start CONFIG ROUND: attach CONFIG's tracer, if any ($tpid)
tracer_start() {
	tpid=
	case $1 in
	base) ;;
	bare | floor)
		extra=
		[ "$1" = floor ] && extra=--floor
		# shellcheck disable=SC2086 # $extra: an option or nothing
		barecount $extra >"$OUT/$1.out" 2>"$OUT/$1.err" &
		tpid=$!
		wait_for "$OUT/$1.err" attached $tpid barecount ;;
	zdevmon | stacks | profile | paused)
		extra=
		[ "$1" = stacks ] && extra=--stacks
		[ "$1" = profile ] && extra=--bpf-stats
		rm -f /tmp/z.ndjson
		# shellcheck disable=SC2086 # $extra: an option or nothing
		zdevmon -q -i 1 $extra --json /tmp/z.ndjson 2>"$OUT/$1-$2.err" &
		tpid=$!
		wait_for /tmp/z.ndjson '"kind":"start"' $tpid zdevmon ;;
	bpftrace)
		chroot $BT bpftrace /tmp/devleak.bt >"$OUT/bpftrace-$2.out" 2>&1 &
		tpid=$!
		wait_for "$OUT/bpftrace-$2.out" '^devleak: attached' $tpid \
			bpftrace ;;
	esac
}

# tracer_stop CONFIG ROUND
tracer_stop() {
	[ -n "$tpid" ] || return 0
	rss=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' /proc/"$tpid"/status)
	echo "$1 $2 rss_kb $rss" >>"$OUT/results"
	kill -INT "$tpid"
	wait "$tpid"
	case $1 in
	zdevmon | stacks | profile | paused)
		tail -n 1 /tmp/z.ndjson >"$OUT/final-$1-$2.json"
		rm -f /tmp/z.ndjson ;;
	esac
}

# mem_record MODE PID NDJSON: zdevmon's memory (VmRSS, and the memlock of
# its BPF maps from fdinfo) and a fresh snapshot, into $OUT/mem-MODE.*
mem_record() {
	n=$(grep -c '"trigger":"signal"' "$3")
	kill -USR1 "$2"
	until [ "$(grep -c '"trigger":"signal"' "$3")" -gt "$n" ]; do
		sleep 0.1
	done
	grep '"trigger":"signal"' "$3" | tail -n 1 >"$OUT/mem-$1.json"
	{
		sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/rss_kb \1/p' /proc/"$2"/status
		for f in /proc/"$2"/fdinfo/*; do
			grep -q '^map_type:' "$f" 2>/dev/null || continue
			sed -n 's/^memlock:[^0-9]*\([0-9]*\).*/\1/p' "$f"
		done | awk '{ s += $1; n++ } END { print "memlock_bytes", s + 0;
			print "maps", n + 0 }'
	} >"$OUT/mem-$1.txt"
}

# counts NDJSON: the live folios and events of its last interval
# snapshot (the first "live_folios" of a snapshot is the whole tracker's)
counts() {
	snap=$(grep '"trigger":"interval"' "$1" | tail -n 1)
	echo "$snap" | grep -o '"live_folios":[0-9]*' | head -n 1 | cut -d: -f2
	echo "$snap" | grep -o '"events":[0-9]*' | head -n 1
}

# mem_settle NDJSON PID: until two interval snapshots in a row count the
# same live folios (more than none) and events (15 minutes at most)
mem_settle() {
	i=0 last=
	while [ $i -lt 900 ] && kill -0 "$2" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
		cur=$(counts "$1" | tr '\n' ' ')
		case $cur in [1-9]*" "*) [ "$cur" = "$last" ] && return 0 ;; esac
		last=$cur
	done
	echo "zdevmon's counts never settled (last: $last)"
	return 1
}

# mem_case MODE: zdevmon's memory idle, then with MEMPAGES device folios
# held by zdev_burst, as a daemon (MODE daemon) or as zdevmon run (MODE
# run, whose command waits, loads the module and waits again; its
# teardown unloads it)
mem_case() {
	rm -f /tmp/m.ndjson /tmp/burst.load /tmp/burst.go
	if [ "$1" = daemon ]; then
		zdevmon -q -i 1 --json /tmp/m.ndjson 2>"$OUT/mem-$1.err" &
	else
		zdevmon run -i 1 --json /tmp/m.ndjson --teardown 'rmmod zdev_burst' \
			--report-json "$OUT/mem-$1.report.json" -- sh -c \
			"until [ -e /tmp/burst.load ]; do sleep 0.2; done
			 insmod $BURST pages=$MEMPAGES hold=1 || exit 1
			 until [ -e /tmp/burst.go ]; do sleep 0.2; done" \
			>"$OUT/mem-$1.out" 2>"$OUT/mem-$1.err" &
	fi
	zpid=$!
	wait_for /tmp/m.ndjson '"kind":"start"' $zpid zdevmon || return 1
	mem_record "$1-idle" $zpid /tmp/m.ndjson
	t0=$(cut -d' ' -f1 /proc/uptime)
	if [ "$1" = daemon ]; then
		insmod $BURST pages="$MEMPAGES" hold=1 ||
			{ kill -INT $zpid; wait $zpid; return 1; }
	else
		touch /tmp/burst.load
	fi
	mem_settle /tmp/m.ndjson $zpid && mem_record "$1" $zpid /tmp/m.ndjson
	echo "mem $1: from $t0 s to $(cut -d' ' -f1 /proc/uptime) s of uptime"
	if [ "$1" = daemon ]; then
		rmmod zdev_burst
		kill -INT $zpid
	else
		touch /tmp/burst.go
	fi
	wait $zpid
	echo "mem $1: zdevmon exit $?"
}

insmod /extra/test_hmm.ko || exit 1
case " $WORKLOADS " in
*" dax "*)
	/sbin/mke2fs -q -t ext4 -b 4096 -F /dev/pmem0 || exit 1
	mkdir -p /mnt/pmem
	mount -t ext4 -o dax /dev/pmem0 /mnt/pmem || exit 1 ;;
esac
case " $CONFIGS " in
*" bpftrace "*)
	if ! bt_setup; then
		echo "bpftrace: no chroot to run it from: configuration dropped"
		CONFIGS=$(echo "$CONFIGS" | sed 's/bpftrace//')
	fi ;;
esac
echo "configurations: $CONFIGS; workloads: $WORKLOADS; rounds: $ROUNDS"

for round in $(seq "$FIRST" "$ROUNDS"); do
	for cfg in $CONFIGS; do
		if [ "$cfg" = run ]; then
			zdevmon run --report-json "$OUT/run-$round.json" -- \
				sh /scen/bench.sh "$OUT" work run "$round" \
				>"$OUT/run-$round.out" 2>&1
			echo "zdevmon run exit $?"
		elif tracer_start "$cfg" "$round"; then
			run_workloads "$cfg" "$round"
			tracer_stop "$cfg" "$round"
		else
			echo "$cfg: not measured in round $round"
			continue
		fi
		echo "round $round $cfg done at $(cut -d' ' -f1 /proc/uptime)s"
	done
	touch "$OUT/round-$round.done"
done

if [ "$MEMPAGES" = 0 ]; then
	echo "memory: not asked (benchmem=0)" >"$OUT/mem-skipped"
elif [ ! -f $BURST ]; then
	echo "memory at $MEMPAGES live device folios: skipped, no $BURST in this test bed (tests/kmod/zdev_burst.c)" >"$OUT/mem-skipped"
else
	echo "$MEMPAGES" >"$OUT/mem-pages"
	for mode in daemon run; do
		mem_case $mode
		echo "mem $mode done at $(cut -d' ' -f1 /proc/uptime)s"
	done
fi
cat "$OUT/mem-skipped" 2>/dev/null
exit 0
