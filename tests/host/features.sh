#!/bin/bash
# zdevmon's programs against the BTF of each Debian kernel we support
# (bookworm's 6.1, trixie's 6.12, sid's 7.2): selected by BTF function
# presence, relocated (CO-RE) and loaded as kprobe twins, verified by the
# running kernel. Prints PASS:/FAIL: lines.
# The BTF comes from the kernels the guest test bed downloads into
# ~/.cache/zdevmon (tests/vm/kernel-btf.sh: no boot, no other checkout);
# ZDEVMON_BTF_DIR=DIR takes DIR/vmlinux-{61,612,72}.btf.xz instead.
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
fails=0

for kernel in "61:6.1:bookworm-security" "612:6.12:trixie" "72:7.2:sid"; do
	IFS=: read -r v name suite <<<"$kernel"
	btf=$(mktemp)
	if [ -n "${ZDEVMON_BTF_DIR:-}" ]; then
		src=$ZDEVMON_BTF_DIR/vmlinux-$v.btf.xz
		xz -dc "$src" >"$btf" 2>/dev/null || why="no $src"
	elif src=$(tests/vm/kernel-btf.sh "$suite" 2>"$btf.err"); then
		cp "$src" "$btf"
		echo "INFO: features/$name: BTF of Debian $suite's $(basename "$(dirname "$src")")"
	else
		why="no BTF of Debian $suite's kernel: $(sed -n 's/.*error: //p' "$btf.err" | tail -1)"
	fi
	if [ -n "${why:-}" ]; then
		# CI must have them; elsewhere the network may be missing
		if [ -n "${CI:-}" ]; then
			echo "FAIL: features/$name: $why"
			fails=$((fails + 1))
		else
			echo "SKIP: features/$name: $why"
		fi
		rm -f "$btf" "$btf.err"
		unset why
		continue
	fi
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
