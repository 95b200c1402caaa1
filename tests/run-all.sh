#!/bin/bash
# make test: ShellCheck, the unit tests, the recorded guest scenarios
# replayed (tests/fixtures), a bounded run of each
# libFuzzer harness (tests/fuzz) on the host, the BPF programs
# against each guest kernel's BTF (those kernels fetched into
# ~/.cache/zdevmon first), then every guest scenario; ends with the
# summary line "N passed, N failed, N skipped".
cd "$(dirname "$0")/.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# A runner that dies counts as a failure whatever it printed before.
echo "== ShellCheck (host)"
tests/shellcheck.sh | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || echo "FAIL: shellcheck: runner exited non-zero" >>"$log"
echo "== unit tests (host)"
tests/run-unit.sh "$@" | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || echo "FAIL: unit tests: runner exited non-zero" >>"$log"
echo "== recorded guest scenarios replayed (host)"
tests/host/fixtures.sh | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || echo "FAIL: fixtures: runner exited non-zero" >>"$log"
echo "== fuzzing (host, FUZZ_SECONDS=${FUZZ_SECONDS:-20} each)"
tests/fuzz/run.sh build/fuzz/fuzz_* | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || echo "FAIL: fuzzing: runner exited non-zero" >>"$log"
# fetches the guest kernels (tests/vm/kernel-btf.sh) before using them
echo "== BPF programs against each kernel's BTF (host)"
tests/host/features.sh | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || echo "FAIL: features: runner exited non-zero" >>"$log"
echo "== guest test bed (QEMU)"
tests/vm/test.sh 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || echo "FAIL: guest test bed: runner exited non-zero" >>"$log"

# PASS/FAIL: assertions about zdevmon; SKIP: did not run, expected there,
# with why; INFO: set-up and preconditions, not counted.
passed=$(grep -c '^PASS: ' "$log")
failed=$(grep -c '^FAIL: ' "$log")
skipped=$(grep -c '^SKIP: ' "$log")
if [ "$skipped" != 0 ]; then
	echo "== skipped"
	grep '^SKIP: ' "$log"
fi
if [ "$failed" != 0 ]; then
	echo "== failures"
	grep '^FAIL: ' "$log"
fi
[ "$passed" = 0 ] && failed=$((failed + 1)) # ran nothing: a failure
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
