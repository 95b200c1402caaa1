# make bench: wall time of two workloads with nothing attached, with a
# bare fentry counter, and under zdevmon (daemon; and with --stacks).
# Rounds interleave the configurations so drift hits all alike.
. /scen/lib.sh
ROUNDS=${BENCH_ROUNDS:-3}
insmod /extra/test_hmm.ko || exit 1

tracer_start() {
	case $1 in
	base) tpid= ;;
	bare)
		barecount >"$OUT/bare.out" 2>"$OUT/bare.err" &
		tpid=$!
		until grep -q attached "$OUT/bare.err"; do sleep 0.1; done ;;
	zdevmon | stacks)
		extra=
		[ $1 = stacks ] && extra=--stacks
		zdevmon -q -i 1 $extra --json /tmp/z.ndjson 2>/tmp/z.err &
		tpid=$!
		until grep -q '"kind":"start"' /tmp/z.ndjson 2>/dev/null; do
			sleep 0.1
		done ;;
	esac
}

tracer_stop() {
	[ -n "$tpid" ] || return 0
	rss=$(grep VmHWM /proc/$tpid/status | tr -s ' ' | cut -d' ' -f2)
	echo "$1 rss_kb $rss" >>"$OUT/results"
	kill -INT $tpid
	wait $tpid
	rm -f /tmp/z.ndjson
}

for r in $(seq $ROUNDS); do
	for cfg in base bare zdevmon stacks; do
		tracer_start $cfg
		t=$(benchwork faults 64 8 | cut -d' ' -f2)
		echo "$cfg faults $t" >>"$OUT/results"
		t=$(benchwork time /extra/hmm-tests -t benchmark_thp_migration \
			2>/dev/null | grep elapsed | cut -d' ' -f2)
		echo "$cfg thp $t" >>"$OUT/results"
		tracer_stop $cfg
		echo "round $r $cfg done"
	done
done
