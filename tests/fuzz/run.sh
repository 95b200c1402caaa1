#!/bin/bash
# Run libFuzzer harnesses: each one's committed regressions first
# (tests/fuzz/regress/NAME/: inputs that once crashed it, replayed once),
# then FUZZ_SECONDS (default 20) of fuzzing from its seed corpus
# (tests/fuzz/corpus/NAME/, read only: new inputs go to a scratch
# corpus), with tests/fuzz/NAME.dict if there is one. Prints PASS:/FAIL:
# per harness; a crash's input is kept in
# build/fuzz/crashes/NAME/ and its log beside it: copy the input to
# regress/NAME/ once fixed.
#   tests/fuzz/run.sh build/fuzz/fuzz_NAME...
cd "$(dirname "$0")/../.." || exit 1
seconds=${FUZZ_SECONDS:-20}
fails=0
for f in "$@"; do
	case $f in *.d) continue ;; esac # make's dependency files
	name=${f##*/fuzz_}
	crashes=build/fuzz/crashes/$name
	work=$(mktemp -d)
	mkdir -p "$crashes"
	regress=(tests/fuzz/regress/"$name"/*)
	if [ -e "${regress[0]}" ]; then
		if "$f" -runs=1 "${regress[@]}" >"$crashes/regress.log" 2>&1; then
			echo "PASS: fuzz/$name: ${#regress[@]} regression inputs replayed"
		else
			echo "FAIL: fuzz/$name: a regression input fails again ($crashes/regress.log)"
			fails=$((fails + 1))
		fi
	fi
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	# -close_fd_mask=1: the harness's own stdout (--help) stays quiet
	if "$f" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -close_fd_mask=1 \
		-artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$name" \
		>"$crashes/fuzz.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$crashes/fuzz.log")
		echo "PASS: fuzz/$name: ${runs:-?} inputs in ${seconds} s, no crash"
	else
		echo "FAIL: fuzz/$name: $(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$crashes/fuzz.log") (input and log in $crashes/)"
		fails=$((fails + 1))
	fi
	rm -rf "$work"
done
[ $fails = 0 ]
