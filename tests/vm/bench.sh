#!/bin/bash
# make bench: the overhead of tracing ZONE_DEVICE folios, in one Debian sid
# guest booted once for all workloads and configurations, reported by
# bench-report.py as ratios to "no tracing" against the targets.
#
# The guest runs under QEMU TCG with -icount shift=0,sleep=off (boot.sh's
# TB_ICOUNT): its clock counts the instructions it executes, 1 ns each, so
# the times do not depend on what else this host runs. Guest seconds are
# not real seconds; their ratios are what counts.
#
#   BENCH_ROUNDS=N          rounds, each running every configuration
#                           once (default 3; 0: the memory part alone)
#   BENCH_CONFIGS=a,b,...   of base bare zdevmon stacks run bpftrace
#                           (default all of them), floor (barecount
#                           --floor: the least issue 12's items 1 and 2
#                           ask of the device calls), profile (zdevmon
#                           --bpf-stats) and paused (zdevmon stopped by
#                           SIGSTOP while timed: its programs alone)
#   BENCH_WORKLOADS=a,b,... of thp faults dax gup (default all)
#   BENCH_MEM_PAGES=N       live device folios for the memory part
#                           (default 1048576; 0: skip it), held by
#                           tests/kmod's zdev_burst.ko (skipped without)
#   BENCH_TIMEOUT=SECONDS   the guest's limit, in host seconds (7200)
# The bpftrace configuration runs sid's bpftrace from a chroot of its own
# ($ZDEVMON_CACHE/chroot/bpftrace, debootstrapped once), which the guest
# mounts read-only over 9p (boot.sh's TB_SHARE).
source "$(dirname "$0")/lib.sh"
[ $# = 0 ] || die "bench.sh takes no argument (see its header for the BENCH_* variables)"

configs=${BENCH_CONFIGS:-base,bare,zdevmon,stacks,run,bpftrace}
workloads=${BENCH_WORKLOADS:-thp,faults,dax,gup}
mempages=${BENCH_MEM_PAGES:-1048576}
for c in ${configs//,/ }; do
	case $c in base | bare | floor | zdevmon | stacks | run | bpftrace | profile | paused) ;;
	*) die "unknown configuration '$c' in BENCH_CONFIGS" ;;
	esac
done
for w in ${workloads//,/ }; do
	case $w in thp | faults | dax | gup) ;;
	*) die "unknown workload '$w' in BENCH_WORKLOADS" ;;
	esac
done

# The bpftrace chroot: Debian sid, minbase plus bpftrace, debootstrapped
# from the mirror (the machine's apt sources are neither used nor touched);
# refreshed when older than a week.
bpftrace_root() {
	local root=$ZDEVMON_CACHE/chroot/bpftrace
	local stamp=$root/.bpftrace-done logf=$ZDEVMON_CACHE/debootstrap-bpftrace.log
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mtime +7)" ]; then
		log "debootstrap sid with bpftrace into $root"
		rm -rf "$root"
		mkdir -p "$root"
		debootstrap --variant=minbase --include=bpftrace sid "$root" \
			"$DEBIAN_MIRROR" >"$logf" 2>&1 ||
			die "debootstrap of the bpftrace chroot failed: $(tail -3 "$logf")"
		[ -x "$root/usr/bin/bpftrace" ] || die "no bpftrace in $root"
		touch "$stamp"
	fi
	echo "$root"
}

tb_prepare
dir=$OUT/bench
mkdir -p "$dir"
share=
if [[ ,$configs, == *,bpftrace,* ]]; then
	share=$(bpftrace_root)
	cp "$TB_ROOT/tests/bench/devleak.bt" "$dir/"
fi
if [ "$mempages" != 0 ] && [ ! -f "$BIN/zdev_burst.ko" ]; then
	log "no zdev_burst.ko in the test bed: the memory part will be skipped"
fi

rounds=${BENCH_ROUNDS:-3}
log "benchmarking in the guest: $configs on $workloads, $rounds rounds (about half an hour under TCG -icount)"
# Another user of this machine may end the guest (SIGTERM to QEMU) to have
# the guest lock: the rounds done are kept and the guest booted again for
# the rest, BENCH_BOOTS times at most (default 4). Each round runs all its
# configurations in one boot.
start=$SECONDS boots=0 first=1 rc=
while :; do
	boots=$((boots + 1))
	TB_ICOUNT=1 TB_SHARE=$share \
		TB_APPEND="benchrounds=$rounds benchfirst=$first benchcfg=$configs benchwl=$workloads benchmem=$mempages" \
		"$TB_SRCDIR/boot.sh" "$kabi" "$initrd" "$dir" bench fentry \
		"${BENCH_TIMEOUT:-7200}" || rc=$?
	# ended from outside: a signal to QEMU, but not the timeout's (124)
	if [ "${rc:-0}" = 124 ] ||
		! grep -q 'terminating on signal' "$dir/qemu.log" 2>/dev/null; then
		break
	fi
	rc=
	first=1
	while [ -e "$dir/bench/round-$first.done" ]; do first=$((first + 1)); done
	if [ "$boots" -ge "${BENCH_BOOTS:-4}" ]; then
		log "the guest was ended from outside $boots times: reporting the rounds before $first"
		break
	fi
	log "the guest was ended from outside ($(cat "$dir/qemu.log")): rounds before $first kept, booting again"
	# the interrupted round's results go
	if [ -f "$dir/bench/results" ]; then
		awk -v f="$first" '$2 < f' "$dir/bench/results" >"$dir/bench/results.kept"
		mv "$dir/bench/results.kept" "$dir/bench/results"
	fi
done
if [ ! -s "$dir/bench/results" ] && [ ! -e "$dir/bench/mem-pages" ]; then
	tb_show_failure "$dir" bench
	die "no benchmark results"
fi
how="one guest boot for all workloads"
[ $boots = 1 ] || how="$boots guest boots: the guest was ended from outside and resumed at a round's start"
echo "== make bench: Debian sid $kabi, QEMU TCG -icount shift=0,sleep=off, 2 vCPUs ($how; $((SECONDS - start)) s of host time)"
echo "   guest seconds count the instructions of both vCPUs: a tracer's own work on the other vCPU adds to the workload's time"
python3 "$TB_SRCDIR/bench-report.py" "$dir/bench"
