# Device-private memory through upstream test_hmm:
#  1. hmmwork under zdevmon: exact migration counts (driver SNAPSHOT);
#  2. hmm-tests without zdevmon, then under zdevmon, then rmmod.
. /scen/lib.sh
HMM_TESTS="/extra/hmm-tests -T benchmark_thp_migration"
[ -n "$HMM_FULL" ] && HMM_TESTS=/extra/hmm-tests
insmod /extra/test_hmm.ko || exit 1

zdev_start work || exit 1
hold_run "$OUT/truth.txt" hmmwork /dev/hmm_dmirror0 256
zdev_stop

$HMM_TESTS >"$OUT/hmm-tests-plain.txt" 2>&1
echo "hmm-tests without zdevmon: exit $?"

ZFLAGS="$ZFLAGS --listen $HTTP"
zdev_start suite || exit 1
$HMM_TESTS >"$OUT/hmm-tests-zdevmon.txt" 2>&1 &
tests=$!
zdev_bad_requests suite # while hmm-tests runs
wait $tests
echo "hmm-tests under zdevmon: exit $?"
rmmod test_hmm || echo "rmmod test_hmm failed"
sleep 1
zdev_http_dump suite
zdev_stop
