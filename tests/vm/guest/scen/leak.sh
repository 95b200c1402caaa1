# zdevmon run in CI: a clean upstream hmm-tests run, then leaks injected
# through the project's zdev_leak module (tests/kmod), the last of which
# makes the module's teardown hang in memunmap_pages().
. /scen/lib.sh
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"

insmod /extra/test_hmm.ko || exit 1
$RUN --teardown 'rmmod test_hmm' --report-json "$OUT/clean.json" \
	--junit "$OUT/clean.xml" -- /extra/hmm-tests -T benchmark_thp_migration \
	>"$OUT/clean.out" 2>"$OUT/clean.err"
echo $? >"$OUT/clean.rc"

insmod /bin/zdev_leak.ko || exit 1
# device pages the driver keeps, unmapped, past --older-than
$RUN --older-than 1 --teardown 'leakwork release' \
	--report-json "$OUT/hold.json" -- leakwork hold 8 2 \
	>"$OUT/hold.truth" 2>"$OUT/hold.err"
echo $? >"$OUT/hold.rc"

# references leaked; rmmod then waits for them forever
$RUN --teardown 'rmmod zdev_leak' --teardown-timeout 5 \
	--report-json "$OUT/leak.json" --junit "$OUT/leak.xml" \
	-- leakwork migrate 64 16 >"$OUT/leak.truth" 2>"$OUT/leak.err"
echo $? >"$OUT/leak.rc"
