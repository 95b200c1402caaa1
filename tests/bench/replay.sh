#!/bin/bash
# make bench, on the host: zdevmon replay's speed, in ring records per
# second of one core, with a million device folios live (a CI-mode
# session's, read whole as a run's verdict reads them). Target: 5 M/s.
#   REPLAY_FOLIOS (1048576), REPLAY_EVENTS (5000000)
cd "$(dirname "$0")/../.." || exit 1
folios=${REPLAY_FOLIOS:-1048576}
events=${REPLAY_EVENTS:-5000000}
rec=$(mktemp /tmp/zdevmon-bench-XXXXXX.zrec)
trap 'rm -f "$rec"' EXIT
build/mkrecording "$rec" "$folios" "$events" || exit 1
# the best of three: the other core's load only ever slows it
best=
for _ in 1 2 3; do
	t0=$(date +%s%N)
	./zdevmon replay -q "$rec" >/dev/null 2>&1 || exit 1
	t=$(($(date +%s%N) - t0))
	if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
awk -v n="$events" -v f="$folios" -v ns="$best" -v kib=$(($(stat -c %s "$rec") / 1024)) \
	'BEGIN { printf "replay: %d ring records and %d live folios in %.2fs (%.1f M records/s; target 5), the recording %d KiB\n", n, f, ns / 1e9, n / (ns / 1e9) / 1e6, kib }'
