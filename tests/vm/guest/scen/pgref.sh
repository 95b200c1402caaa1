# shellcheck shell=sh
# References on a pgmap that no folio holds (a get_dev_pagemap() without
# its put, issue 13), taken by the project's zdev_leak module over its
# device-coherent memory (every kernel): put back before the unload, a
# clean run; kept, rmmod waits in memunmap_pages() forever and the run
# fails, naming how many references the kernel waits for.
# shellcheck source=../lib.sh
. /scen/lib.sh
RUN="zdevmon run --fail-on-leak"
[ "$ZDEV_MODE" = kprobe ] && RUN="$RUN --force-kprobes"
KO="/bin/zdev_leak.ko coherent_base=0x60000000"

# shellcheck disable=SC2086 # KO: the module and its parameter
insmod $KO || exit 1
$RUN --teardown "leakwork pgput >$OUT/refclean.put && rmmod zdev_leak" \
	--report-json "$OUT/refclean.json" -- leakwork pgget 5 \
	>"$OUT/refclean.truth" 2>"$OUT/refclean.err"
echo $? >"$OUT/refclean.rc"

# the last: its teardown never ends; a daemon watches it live too
# shellcheck disable=SC2086
insmod $KO || exit 1
# shellcheck disable=SC2086 # ZFLAGS: several options
zdevmon $ZFLAGS --json "$OUT/refd.ndjson" 2>"$OUT/refd.stderr" &
zpid=$!
zdev_wait_start "$OUT/refd.ndjson" "$OUT/refd.stderr" || exit 1
$RUN --teardown 'rmmod zdev_leak' --teardown-timeout 5 \
	--report-json "$OUT/refleak.json" -- leakwork pgget 7 \
	>"$OUT/refleak.truth" 2>"$OUT/refleak.err"
echo $? >"$OUT/refleak.rc"
kill -INT $zpid
wait $zpid
