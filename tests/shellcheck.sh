#!/bin/bash
# ShellCheck over every shell script of the project (settings in
# .shellcheckrc): the host's scripts, the guest's busybox ones, tools and
# CI. Prints one PASS:/FAIL: line per script, the findings after a FAIL.
cd "$(dirname "$0")/.." || exit 1
if ! command -v shellcheck >/dev/null; then
	echo "FAIL: shellcheck: not installed (tools/install-deps.sh)"
	exit 1
fi
fails=0
for f in tests/*.sh tests/*/*.sh tests/vm/guest/init tests/vm/guest/*.sh \
	tests/vm/guest/scen/*.sh tools/*.sh .ci/run; do
	[ -f "$f" ] || continue
	if out=$(shellcheck "$f" 2>&1); then
		echo "PASS: shellcheck/$f"
	else
		echo "FAIL: shellcheck/$f"
		printf '%s\n' "$out" | sed 's/^/    /'
		fails=$((fails + 1))
	fi
done
[ $fails = 0 ]
