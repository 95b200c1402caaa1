#!/bin/bash
# Run the cmocka unit tests; print PASS:/FAIL:/SKIP: per test.
# Exit status 1 if any failed.
fails=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	name=$(basename "$t")
	printf '%s\n' "$out" | sed -n "s/^\[       OK \] \(.*\)/PASS: unit\/$name\/\1/p"
	printf '%s\n' "$out" | sed -n "s/^\[  FAILED  \] \([a-z_0-9]*\)$/FAIL: unit\/$name\/\1/p"
	# a test skips itself only where it cannot run, saying why first
	# ("skip: REASON")
	for sk in $(printf '%s\n' "$out" | sed -n "s/^\[  SKIPPED \] \([a-z_0-9]*\)$/\1/p" | sort -u); do
		why=$(printf '%s\n' "$out" | sed -n "/^\[ RUN      \] $sk$/,/SKIPPED/s/^skip: //p")
		echo "SKIP: unit/$name/$sk: ${why:-no reason given}"
	done
	if [ $rc != 0 ]; then
		printf '%s\n' "$out" | grep -E 'ERROR|LINE|FAIL' | sed 's/^/    /'
		fails=$((fails + 1))
	fi
done
[ $fails = 0 ]
