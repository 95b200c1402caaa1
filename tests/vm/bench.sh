#!/bin/bash
# make bench: zdevmon's overhead in a sid guest, nothing vs a bare fentry
# counter (tests/bench) vs zdevmon, reported by bench-report.py.
#   BENCH_ROUNDS=N BENCH_CONFIGS=base,zdevmon bench.sh
source "$(dirname "$0")/lib.sh"
[ $# = 0 ] || die "bench.sh takes no argument (BENCH_ROUNDS, BENCH_CONFIGS)"
tb_prepare

dir=$OUT/bench
log "benchmarking in the guest (several minutes under TCG)"
TB_APPEND="benchrounds=${BENCH_ROUNDS:-3} ${BENCH_CONFIGS:+benchcfg=$BENCH_CONFIGS}" \
	"$TB_SRCDIR/boot.sh" "$kabi" "$initrd" "$dir" bench fentry 3600 || true
if [ ! -s "$dir/bench/results" ]; then
	tb_show_failure "$dir" bench
	die "no benchmark results"
fi
echo "== make bench: Debian sid $kabi under QEMU TCG (2 vCPUs)"
python3 "$TB_SRCDIR/bench-report.py" "$dir/bench"
