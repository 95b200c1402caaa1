# shellcheck shell=sh
# make bench: wall time of two workloads with nothing attached, with a
# bare fentry counter, and under zdevmon (daemon; and with --stacks).
# Rounds interleave the configurations so drift hits all alike.
# shellcheck source=../lib.sh
. /scen/lib.sh
ROUNDS=3
CONFIGS="base bare zdevmon stacks"
# shellcheck disable=SC2013 # one line of words
for arg in $(cat /proc/cmdline); do
	case $arg in
	benchrounds=*) ROUNDS=${arg#benchrounds=} ;;
	benchcfg=*) CONFIGS=$(echo "${arg#benchcfg=}" | tr , ' ') ;;
	esac
done
insmod /extra/test_hmm.ko || exit 1

tracer_start() {
	case $1 in
	base) tpid= ;;
	bare)
		barecount >"$OUT/bare.out" 2>"$OUT/bare.err" &
		tpid=$!
		until grep -q attached "$OUT/bare.err"; do sleep 0.1; done ;;
	zdevmon | stacks | profile)
		extra=
		[ "$1" = stacks ] && extra=--stacks
		[ "$1" = profile ] && extra=--bpf-stats
		zdevmon -q -i 1 $extra --json /tmp/z.ndjson 2>/tmp/z.err &
		tpid=$!
		until grep -q '"kind":"start"' /tmp/z.ndjson 2>/dev/null; do
			sleep 0.1
		done ;;
	esac
}

tracer_stop() {
	[ -n "$tpid" ] || return 0
	rss=$(grep VmHWM /proc/"$tpid"/status | tr -s ' ' | cut -d' ' -f2)
	echo "$1 rss_kb $rss" >>"$OUT/results"
	kill -INT "$tpid"
	wait "$tpid"
	if [ -f /tmp/z.ndjson ]; then
		tail -n 1 /tmp/z.ndjson >"$OUT/final-$1-$round.json"
		rm -f /tmp/z.ndjson
	fi
}

for round in $(seq "$ROUNDS"); do
	for cfg in $CONFIGS; do
		tracer_start "$cfg"
		# attaching patches kernel text, which TCG then retranslates:
		# an untimed warm-up keeps that out of every measurement
		benchwork faults 16 2 >/dev/null
		t=$(benchwork faults 64 8 | cut -d' ' -f2)
		echo "$cfg faults $t" >>"$OUT/results"
		t=$(benchwork time /extra/hmm-tests -t benchmark_thp_migration \
			2>/dev/null | grep elapsed | cut -d' ' -f2)
		echo "$cfg thp $t" >>"$OUT/results"
		tracer_stop "$cfg"
		echo "round $round $cfg done"
	done
done
