# shellcheck shell=sh
# Anomalies injected on purpose through the project's zdev_leak module
# (tests/kmod), each in its own zdevmon run: a double free, frees while
# mapped, unmaps of unmapped folios. Each must be found exactly as many
# times as the module says it injected, with the module's function as
# call site. The module is loaded inside each run, so zdevmon sees the
# pgmap created (a free of a folio it never saw born is a double free
# only there) and torn down.
# shellcheck source=../lib.sh
. /scen/lib.sh
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"
COHERENT=coherent_base=0x60000000

# anomaly NAME MODULE-ARGS LEAKWORK-ARGS...: one run, report NAME.json,
# the daemon's view of the same run in NAME.ndjson
anomaly() {
	name=$1 args=$2
	shift 2
	zdev_start "$name" || return 1
	$RUN --teardown 'rmmod zdev_leak' --teardown-timeout 30 \
		--report-json "$OUT/$name.json" -- \
		sh -c "insmod /bin/zdev_leak.ko $args && leakwork $*" \
		>"$OUT/$name.truth" 2>"$OUT/$name.err"
	echo $? >"$OUT/$name.rc"
	zdev_stop
	# the kernel's word on each: no oops, no warning
	dmesg | grep -E 'WARNING|BUG|Oops|bad page' >"$OUT/$name.dmesg"
	dmesg -c >/dev/null
}

dmesg -c >/dev/null
anomaly doublefree "" doublefree 3
anomaly freemapped $COHERENT freemapped 4
anomaly unmapunmapped $COHERENT unmapunmapped 5
