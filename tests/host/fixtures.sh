#!/bin/bash
# Recordings of guest scenarios (tests/fixtures/SCENARIO), replayed on the
# host: zdevmon's outputs written again from the recording alone (as
# replay.args says, for each NAME.zrec), then the scenario's own checks
# (tests/vm/check.py) against the ground truth the guest's workload wrote.
#   tests/host/fixtures.sh [ZDEVMON]
cd "$(dirname "$0")/../.." || exit 1
zdevmon=$(realpath "${1:-./zdevmon}")
# the checks' parser of /metrics, as tests/vm/test.sh has it
PROMTOOL=$(tests/vm/promtool.sh 2>/dev/null) || PROMTOOL=
export PROMTOOL
fails=0
for dir in tests/fixtures/*/; do
	s=$(basename "$dir")
	work=$(mktemp -d)
	cp -r "$dir" "$work/$s"
	while read -r name args; do
		# shellcheck disable=SC2086 # the options, several words
		(cd "$work/$s" && "$zdevmon" replay -q $args "$name.zrec" \
			>/dev/null 2>"$name.replay-stderr")
	done <"$dir/replay.args"
	# recorded with fentry (tests/fixtures/regen.sh)
	if python3 tests/vm/check.py "$work" fixture/fentry "$s" \
		>"$work/check.txt" 2>&1; then
		echo "PASS: fixtures/$s: $(grep -c '^PASS' "$work/check.txt") checks of the replayed outputs against the guest's truth"
	else
		echo "FAIL: fixtures/$s:"
		grep -E '^FAIL|Error|Traceback' "$work/check.txt" | head -20
		fails=$((fails + 1))
	fi
	rm -rf "$work"
done
[ $fails = 0 ]
