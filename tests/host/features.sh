#!/bin/bash
# zdevmon's programs against the BTF of each Debian kernel we support
# (../shared/btf: bookworm's 6.1, trixie's 6.12, sid's 7.2): selected by
# BTF function presence, relocated (CO-RE) and loaded as kprobe twins,
# verified by the running kernel. Prints PASS:/FAIL: lines.
cd "$(dirname "$0")/../.."
btfdir=${ZDEVMON_BTF_DIR:-../shared/btf}
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
fails=0

for pair in "61:6.1" "612:6.12" "72:7.2"; do
	v=${pair%%:*} name=${pair#*:}
	src=$btfdir/vmlinux-$v.btf.xz
	if [ ! -f "$src" ]; then
		# CI has shared/ beside the clone; elsewhere it may be absent
		if [ -n "${CI:-}" ]; then
			echo "FAIL: features/$name: no $src"
			fails=$((fails + 1))
		else
			echo "SKIP: features/$name: no $src (set ZDEVMON_BTF_DIR)"
		fi
		continue
	fi
	btf=$(mktemp)
	xz -dc "$src" >"$btf"
	if ! ./zdevmon features --json --btf "$btf" >"$btf.json" 2>"$btf.err"; then
		echo "FAIL: features/$name: programs do not load: $(cat "$btf.err")"
		fails=$((fails + 1))
	else
		$PY tests/host/check_features.py "$name" "$btf.json" ||
			fails=$((fails + 1))
	fi
	rm -f "$btf" "$btf.json" "$btf.err"
done
[ $fails = 0 ]
