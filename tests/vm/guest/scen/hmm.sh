# shellcheck shell=sh
# Device-private memory through upstream test_hmm:
#  1. hmmwork under zdevmon: exact migration counts (driver SNAPSHOT);
#  2. hmm-tests without zdevmon, then under zdevmon (and migcount, a second
#     minimal counter), then rmmod;
#  3. a device-private test that failed under zdevmon only runs again, three
#     times under zdevmon, then three times without: a flake or a cause.
# shellcheck source=../lib.sh
. /scen/lib.sh
HMM_TESTS="/extra/hmm-tests -T benchmark_thp_migration"
[ -n "$HMM_FULL" ] && HMM_TESTS=/extra/hmm-tests
# shellcheck disable=SC2086 # two module parameters
insmod /extra/test_hmm.ko $TEST_HMM_COHERENT || exit 1

zdev_start work || exit 1
hold_run "$OUT/truth.txt" hmmwork /dev/hmm_dmirror0 256
zdev_stop

$HMM_TESTS >"$OUT/hmm-tests-plain.txt" 2>&1
echo "hmm-tests without zdevmon: exit $?"

# a second, minimal counter of the same traffic: the ground truth
migcount >"$OUT/suite-truth.txt" 2>"$OUT/migcount.err" &
mpid=$!
until grep -q attached "$OUT/migcount.err" 2>/dev/null; do
	kill -0 $mpid || exit 1
	sleep 0.1
done
ZFLAGS="$ZFLAGS --listen $HTTP"
zdev_start suite || exit 1
$HMM_TESTS >"$OUT/hmm-tests-zdevmon.txt" 2>&1 &
tests=$!
zdev_bad_requests suite # while hmm-tests runs
wait $tests
echo "hmm-tests under zdevmon: exit $?"
rerun=$(sed -n 's/^not ok [0-9]* \([a-z0-9]*\.[a-z0-9]*_device_private\.[a-z0-9_]*\).*/\1/p' \
	"$OUT/hmm-tests-zdevmon.txt")
again() {
	for t in $rerun; do
		grep -q "^ok [0-9]* $t\$" "$OUT/hmm-tests-plain.txt" || continue
		for _ in 1 2 3; do /extra/hmm-tests -r "$t"; done
	done >>"$1" 2>&1
}
again "$OUT/hmm-rerun-zdevmon.txt"
rmmod test_hmm || echo "rmmod test_hmm failed"
sleep 1
zdev_http_dump suite
zdev_stop
kill -INT $mpid
wait $mpid
if [ -n "$rerun" ]; then
	# shellcheck disable=SC2086 # two module parameters
	insmod /extra/test_hmm.ko $TEST_HMM_COHERENT &&
		again "$OUT/hmm-rerun-plain.txt" && rmmod test_hmm
fi
