#!/bin/bash
# make test's guest part: every scenario of the matrix (matrix.tsv) on
# every kernel and attach mechanism it names, one guest each, checked
# against each workload's truth (check.py); fentry and kprobes compared
# where the matrix says they agree (compare.py); the web page in a browser.
#   test.sh [--kernels "sid bookworm-security trixie"]
#           [--scenarios dax,p2p,hmm] [--modes "fentry kprobe"]
# Each option keeps the matrix's entries it names (commas or spaces).
# Prints PASS:/FAIL: lines; exit status 1 if any check failed.
source "$(dirname "$0")/lib.sh"

filters=()
while [ $# -gt 0 ]; do
	case $1 in
	--modes | --scenarios | --kernels)
		[ $# -ge 2 ] || die "$1 needs a value"
		filters+=("$1" "$2")
		shift
		;;
	*) die "unknown option $1" ;;
	esac
	shift
done
# the checks' parsers: Debian's python3-jsonschema, promtool
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
plan=$($PY "$TB_SRCDIR/matrix.py" plan "${filters[@]}") ||
	die "bad matrix or filter"

tb_prepare
PROMTOOL=$("$TB_SRCDIR/promtool.sh") || PROMTOOL=
export PROMTOOL

fails=0
pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# The host kernel: either zdevmon runs, or it says why in one sentence.
host_rc=0
host_out=$(./zdevmon -q -d 1 2>&1) || host_rc=$?
if [ $host_rc = 0 ]; then
	pass "host: zdevmon attaches on this kernel and runs cleanly"
elif [ $host_rc = 1 ] && [ "$(printf '%s\n' "$host_out" | wc -l)" = 1 ] &&
	printf '%s' "$host_out" | grep -Eq '^zdevmon: (no ZONE_DEVICE hook could be attached|the kernel has no).*\.$'; then
	pass "host: zdevmon refuses with one clear sentence: $host_out"
else
	fail "host: exit $host_rc with: $host_out"
fi

while read -r what suite a b c label <&3; do
	case $what in
	kernel) tb_prepare_kernel "$suite" ;;
	boot)
		mode=$a s=$b limit=$c
		dir=$OUT/$suite-$mode-$s
		log "guest: $s on $suite with $mode"
		start=$SECONDS
		# a guest that times out still leaves what it wrote
		"$TB_SRCDIR/boot.sh" "$kabi" "$initrd" "$dir" "$s" "$mode" \
			"$limit" || true
		log "guest: $s on $suite with $mode took $((SECONDS - start))s"
		if $PY "$TB_SRCDIR/check.py" "$dir" "$label" "$s" \
			>"$dir/check.txt"; then
			grep -v '^check:' "$dir/check.txt" || true
		else
			grep -v '^check:' "$dir/check.txt" || true
			fails=$((fails + 1))
			tb_show_failure "$dir" "$s"
		fi
		;;
	compare)
		# the attach mechanism changes no number
		$PY "$TB_SRCDIR/compare.py" "$OUT" "$suite" "$a" ||
			fails=$((fails + 1))
		;;
	esac
done 3<<<"$plan"

# The page at /, in a browser, fed what the endpoint served at the end of
# the hmm guest's hmm-tests run: several pgmaps, every value checked.
for hmm in "$OUT"/sid-*-hmm/hmm; do
	[ -d "$hmm" ] || continue
	tests/web/browser-test.sh "$hmm/suite.api.json" \
		"$hmm/suite.metrics" "$OUT/web" || fails=$((fails + 1))
	break
done
# the pin guest's snapshot while a truncate waits: who waits, who holds
pind=$OUT/sid-fentry-pin/pin/pind.ndjson
if [ -s "$pind" ]; then
	mkdir -p "$OUT/web-pin"
	$PY - "$pind" >"$OUT/web-pin/snapshot.json" <<'PY'
import json, sys
print(next(line for line in open(sys.argv[1])
           if '"trigger":"signal"' in line.replace(" ", "")))
PY
	echo "# the page does not read metrics" >"$OUT/web-pin/metrics"
	MIN_PGMAPS=1 WANT_OWNERS=1 tests/web/browser-test.sh \
		"$OUT/web-pin/snapshot.json" "$OUT/web-pin/metrics" \
		"$OUT/web-pin" || fails=$((fails + 1))
fi
[ $fails = 0 ]
