#!/bin/bash
# make demo: one sid guest running a mixed workload (FS DAX, P2PDMA,
# device-private traffic) under zdevmon; its live table as it runs, then
# its final JSON snapshot.
#   demo.sh
source "$(dirname "$0")/lib.sh"
[ $# = 0 ] || die "demo.sh takes no argument"
tb_prepare

dir=$OUT/demo
mkdir -p "$dir"
log "booting the demo guest; the live table follows (about a minute)"
: >"$dir/serial.log"
tail -f "$dir/serial.log" &
tailpid=$!
rc=0
"$TB_SRCDIR/boot.sh" "$kabi" "$initrd" "$dir" demo fentry 900 || rc=$?
sleep 1
kill "$tailpid" 2>/dev/null || true
echo
echo "== final snapshot ($dir/demo/zdevmon.ndjson)"
tail -n 1 "$dir/demo/zdevmon.ndjson" | python3 -m json.tool
exit "$rc"
