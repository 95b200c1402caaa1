# shellcheck shell=sh
# zdevmon run in CI: a clean upstream hmm-tests run, then leaks injected
# through the project's zdev_leak module (tests/kmod), the last of which
# makes the module's teardown hang in memunmap_pages().
# shellcheck source=../lib.sh
. /scen/lib.sh
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"

insmod /extra/test_hmm.ko || exit 1
# each run recorded: check.py replays them to the same verdicts
$RUN --teardown 'rmmod test_hmm' --report-json "$OUT/clean.json" \
	--record "$OUT/clean.zrec" \
	--junit "$OUT/clean.xml" -- /extra/hmm-tests -T benchmark_thp_migration \
	>"$OUT/clean.out" 2>"$OUT/clean.err"
echo $? >"$OUT/clean.rc"

# a CI job's workload as an unprivileged user: it reports its own
# identity and zdevmon's (its parent) from /proc
# shellcheck disable=SC2016 # $PPID: the inner shell's
$RUN --user 990:990 --report-json "$OUT/runuser.json" -- sh -c \
	'grep -E "^(Uid|CapEff)" /proc/self/status; echo parent;
	 grep -E "^(Uid|CapEff|CapBnd|NoNewPrivs)" /proc/$PPID/status' \
	>"$OUT/runuser.out" 2>"$OUT/runuser.err"
echo $? >"$OUT/runuser.rc"

insmod /bin/zdev_leak.ko || exit 1
# device pages the driver keeps, unmapped, past --older-than
$RUN --older-than 1 --teardown 'leakwork release' --record "$OUT/hold.zrec" \
	--report-json "$OUT/hold.json" -- leakwork hold 8 2 \
	>"$OUT/hold.truth" 2>"$OUT/hold.err"
echo $? >"$OUT/hold.rc"

# a migration the driver sets up and never finalizes: its pages stay
# locked behind migration entries while the task lives on (as a GPU test's
# process would); finalized after the verdict, before the task goes
$RUN --report-json "$OUT/setup.json" --junit "$OUT/setup.xml" \
	--record "$OUT/setup.zrec" -- sh -c "leakwork setup 16 >$OUT/setup.truth &
	until grep -q locked $OUT/setup.truth; do sleep 0.1; done" \
	>"$OUT/setup.out" 2>"$OUT/setup.err"
echo $? >"$OUT/setup.rc"
leakwork finalize >"$OUT/setup-finalize.truth"
kill "$(sed -n 's/^truth pid //p' "$OUT/setup.truth")"

# a 4 KiB ring (64 records) against a burst of 4096 births, then 4096
# frees: events drop, every one counted, and the verdict is inconclusive
$RUN --ring-size 4k --teardown 'leakwork release' --json "$OUT/tiny.ndjson" \
	--record "$OUT/tiny.zrec" \
	--report-json "$OUT/tiny.json" -- leakwork hold 4096 0 \
	>"$OUT/tiny.truth" 2>"$OUT/tiny.err"
echo $? >"$OUT/tiny.rc"

# a clean driver whose last puts come inside memunmap_pages()'s wait:
# held pages released 1.5 s into the unload (the module says how long it
# waited); no finding
$RUN --teardown 'echo 1500 >/sys/module/zdev_leak/parameters/drain_ms &&
	rmmod zdev_leak' --teardown-timeout 30 --report-json "$OUT/drain.json" \
	--record "$OUT/drain.zrec" \
	-- leakwork hold 8 0 >"$OUT/drain.truth" 2>"$OUT/drain.err"
echo $? >"$OUT/drain.rc"
dmesg | grep 'zdev_leak: memunmap_pages() waited' | tail -1 >"$OUT/drain.dmesg"
insmod /bin/zdev_leak.ko || exit 1

# the daemon as the shipped systemd unit runs it (its user, capability
# sets and no_new_privs), watching the stuck teardown below: its alert
# names call sites, so kallsyms was readable
mkdir -p /tmp/zunit && chown 61234:61234 /tmp/zunit
# (as shipped: fentry; Debian's kernel.perf_event_paranoid=3 would ask
# CAP_SYS_ADMIN of kprobes)
unitsandbox /bin/zdevmon.service zdevmon -q -i 1 --stacks \
	--record /tmp/zunit/z.zrec \
	--teardown-timeout 3 --json /tmp/zunit/z.ndjson 2>"$OUT/unit.stderr" &
zpid=$!
zdev_wait_start "/tmp/zunit/z.ndjson" "$OUT/unit.stderr"
zdev_caps unit

# references leaked; rmmod then waits for them forever
# (the teardown itself says when it began: Unix time, uptime)
td="echo \$(date +%s) \$(cut -d' ' -f1 /proc/uptime) >$OUT/leak.teardown; rmmod zdev_leak"
$RUN --teardown "$td" --teardown-timeout 5 --json "$OUT/leak.ndjson" \
	--report-json "$OUT/leak.json" --junit "$OUT/leak.xml" \
	--record "$OUT/leak.zrec" \
	-- leakwork migrate 64 16 >"$OUT/leak.truth" 2>"$OUT/leak.err"
echo $? >"$OUT/leak.rc"
kill -INT $zpid
wait $zpid
echo "zdevmon exit $?" >>"$OUT/unit.stderr"
cp /tmp/zunit/z.ndjson "$OUT/unit.ndjson"
cp /tmp/zunit/z.zrec "$OUT/unit.zrec"
