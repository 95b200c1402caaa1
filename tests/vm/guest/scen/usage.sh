# shellcheck shell=sh
# Device pages per process and per cgroup (issue 13): two jobs in two
# cgroups migrate 16 and 24 pages of their memory to the project's
# zdev_leak module's device-coherent memory and hold them mapped; a third
# forks while it maps 32, and holds again once the child exited (fork
# duplicates the mappings without rmap, the child's exit unmaps its
# copies). The daemon's snapshots at each hold, and once all exited.
# Then zdevmon run --scope: a job that leaks nothing while another
# process, outside its tree and its cgroup, holds device pages born
# during the run: clean with --scope tree and cgroup, 8 leaked with all.
# Last, a run of eight processes churning device pages on one CPU.
# shellcheck source=../lib.sh
. /scen/lib.sh
CG=/sys/fs/cgroup
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG || exit 1
mkdir -p $CG/usageA $CG/usageB $CG/usageF
insmod /bin/zdev_leak.ko coherent_base=0x60000000 || exit 1
zdev_start usage || exit 1

# job CGROUP CMD... &: CMD in CGROUP, stopping (SIGSTOP) at each hold; the
# background subshell execs it, so $! is CMD's pid
job() {
	cg=$1
	shift
	# shellcheck disable=SC2016 # $$: the inner shell's, exec keeps it
	ZDEV_HOLD=1 exec sh -c 'echo $$ >"$0" && exec "$@"' \
		"$CG/$cg/cgroup.procs" "$@"
}
job usageA leakwork migrate 16 0 >"$OUT/a.truth" &
apid=$!
job usageB leakwork migrate 24 0 >"$OUT/b.truth" &
bpid=$!
until stopped $apid && stopped $bpid; do sleep 0.05; done
zdev_snapshot
kill -CONT $apid $bpid
wait $apid $bpid

job usageF leakwork fork 32 >"$OUT/f.truth" &
fpid=$!
for _ in forked child_gone; do
	until stopped $fpid; do sleep 0.05; done
	zdev_snapshot
	kill -CONT $fpid
	sleep 0.3
done
wait $fpid
echo "truth pid_a $apid" >>"$OUT/a.truth"
echo "truth pid_b $bpid" >>"$OUT/b.truth"
echo "truth pid_f $fpid" >>"$OUT/f.truth"
sleep 1
zdev_snapshot
zdev_stop

RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"
mkdir -p $CG/scopejob
for scope in tree cgroup all; do
	rm -f /tmp/scope.go /tmp/scope.done
	# shellcheck disable=SC2016,SC2086 # $$: the inner shell's; RUN: words
	sh -c 'echo $$ >'$CG/scopejob/cgroup.procs' && exec "$@"' sh \
		$RUN --scope $scope --report-json "$OUT/scope-$scope.json" -- \
		sh -c 'touch /tmp/scope.go
			until [ -e /tmp/scope.done ]; do sleep 0.1; done' \
		>"$OUT/scope-$scope.out" 2>"$OUT/scope-$scope.err" &
	rpid=$!
	until [ -e /tmp/scope.go ]; do sleep 0.1; done
	ZDEV_HOLD=1 leakwork migrate 8 0 >"$OUT/scope-$scope.truth" &
	opid=$!
	until stopped $opid; do sleep 0.05; done
	touch /tmp/scope.done
	wait $rpid
	echo $? >"$OUT/scope-$scope.rc"
	kill -CONT $opid
	wait $opid
done

# Churn: eight processes on one CPU each migrate 128 pages and exit, all
# at once, so their births and frees interleave there. Under a
# preemptible kernel an fentry program preempted mid-run makes the calls
# on its CPU misses until it resumes (the free hook is a kprobe.multi
# there): the run must stay conclusive and clean, every birth's free seen.
# shellcheck disable=SC2016,SC2086 # $0: the inner shell's; RUN: words
$RUN --json "$OUT/churn.ndjson" --report-json "$OUT/churn.json" -- \
	sh -c 'for i in 1 2 3 4 5 6 7 8; do
			taskset -c 0 leakwork migrate 128 0 >"$0/churn$i.truth" &
		done
		wait' "$OUT" >"$OUT/churn.out" 2>"$OUT/churn.err"
echo $? >"$OUT/churn.rc"
rmmod zdev_leak
