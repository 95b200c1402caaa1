#!/bin/bash
# The guest test bed end to end: resolve and fetch the sid kernel, build
# test_hmm and hmm-tests from its linux-source, pack an initramfs with
# zdevmon and the workloads, boot one guest per attach mechanism and
# scenario, and check zdevmon's numbers against each workload's truth.
#   run.sh [--modes "fentry kprobe"] [--scenarios dax,p2p,hmm]
#          [--kernels "sid bookworm-security trixie"]
# Debian sid's kernel runs every scenario; bookworm's 6.1 and trixie's 6.12
# (FS DAX idle at refcount 1 there, no device-private or P2PDMA) run
# daxgup.
#   run.sh --demo        one guest, a mixed workload, the live table
#   run.sh --bench       overhead: nothing vs a bare counter vs zdevmon
#                        (BENCH_ROUNDS=N, BENCH_CONFIGS=base,zdevmon)
# Prints PASS:/FAIL: lines; exit status 1 if any check failed.
source "$(dirname "$0")/lib.sh"

modes="fentry kprobe"
scens="dax,devdax,coherent,p2p,hmm,leak,daxgup,anomaly,daemon"
kernels="sid bookworm-security trixie"
action=test
while [ $# -gt 0 ]; do
	case $1 in
	--modes) modes=$2; shift ;;
	--scenarios) scens=$2; shift ;;
	--kernels) kernels=$2; shift ;;
	--demo) action=demo ;;
	--bench) action=bench ;;
	*) die "unknown option $1" ;;
	esac
	shift
done

OUT=$TB_ROOT/tests/out
rm -rf "$OUT"
mkdir -p "$OUT/bin"
cd "$TB_ROOT"
[ -x ./zdevmon ] || die "build zdevmon first (make)"

kabi=$("$TB_SRCDIR/fetch-kernel.sh" sid)
log "guest kernel: Debian sid $kabi"
"$TB_SRCDIR/build-hmm.sh" "$kabi"
kdir=$(tb_kdir "$kabi")

cp zdevmon "$OUT/bin/"
cp "$("$TB_SRCDIR/build-kmod.sh" "$kabi")" "$OUT/bin/"
[ -x build/barecount ] && cp build/barecount "$OUT/bin/"
[ -x build/migcount ] || die "build the test bed's counter first (make build/migcount)"
cp build/migcount "$OUT/bin/"
for w in daxwork devdaxwork p2pwork hmmwork leakwork benchwork unitsandbox \
	httpwork; do
	gcc -O2 -Wall -static -I "$kdir/hmm" -I "$TB_ROOT/tests/kmod" \
		-o "$OUT/bin/$w" "$TB_SRCDIR/work/$w.c" -l:libcap.a ||
		die "cannot build $w"
done
# the shipped unit, whose sandbox unitsandbox reproduces
cp docs/deploy/zdevmon.service "$OUT/bin/"
"$TB_SRCDIR/mkinitrd.sh" "$kabi" "$OUT/bin" "$OUT/initrd.img"
sid_kabi=$kabi

# the checks' parsers: Debian's python3-jsonschema, promtool
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
PROMTOOL=$("$TB_SRCDIR/promtool.sh") || PROMTOOL=
export PROMTOOL

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

show_failure() {
	local dir=$1 s=$2
	echo "---- tail of $dir/serial.log"
	tail -n 25 "$dir/serial.log" 2>/dev/null
	echo "---- tail of the $s scenario log"
	tail -n 25 "$dir/$s/log" 2>/dev/null
	echo "----"
}

if [ $action = demo ]; then
	dir=$OUT/demo
	mkdir -p "$dir"
	log "booting the demo guest; the live table follows (about a minute)"
	: >"$dir/serial.log"
	tail -f "$dir/serial.log" &
	tailpid=$!
	rc=0
	"$TB_SRCDIR/boot.sh" "$kabi" "$OUT/initrd.img" "$dir" demo fentry 900 ||
		rc=$?
	sleep 1
	kill $tailpid 2>/dev/null
	echo
	echo "== final snapshot ($dir/demo/zdevmon.ndjson)"
	tail -n 1 "$dir/demo/zdevmon.ndjson" | python3 -m json.tool
	exit $rc
fi

if [ $action = bench ]; then
	dir=$OUT/bench
	log "benchmarking in the guest (several minutes under TCG)"
	TB_APPEND="benchrounds=${BENCH_ROUNDS:-3} ${BENCH_CONFIGS:+benchcfg=$BENCH_CONFIGS}" \
		"$TB_SRCDIR/boot.sh" "$kabi" "$OUT/initrd.img" "$dir" bench \
		fentry 3600 || true
	if [ ! -s "$dir/bench/results" ]; then
		show_failure "$dir" bench
		die "no benchmark results"
	fi
	echo "== make bench: Debian sid $kabi under QEMU TCG (2 vCPUs)"
	python3 "$TB_SRCDIR/bench-report.py" "$dir/bench"
	exit 0
fi

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

# Scenarios each kernel can run.
suite_scens() {
	case $1 in
	sid) echo dax devdax coherent p2p hmm leak anomaly daemon ;;
	*) echo daxgup devdax coherent ;;
	esac
}

for suite in $kernels; do
	if [ $suite = sid ]; then
		kabi=$sid_kabi initrd=$OUT/initrd.img
	else
		kabi=$("$TB_SRCDIR/fetch-kernel.sh" $suite)
		log "guest kernel: Debian $suite $kabi"
		initrd=$OUT/initrd-$suite.img
		# the test module, built for this kernel by its own compiler
		rm -rf "$OUT/bin-$suite"
		cp -a "$OUT/bin" "$OUT/bin-$suite"
		cp "$("$TB_SRCDIR/build-kmod.sh" "$kabi")" "$OUT/bin-$suite/"
		"$TB_SRCDIR/mkinitrd.sh" "$kabi" "$OUT/bin-$suite" "$initrd"
	fi
	for mode in $modes; do
		for s in $(suite_scens $suite); do
			case ,$scens, in *,$s,*) ;; *) continue ;; esac
			dir=$OUT/$suite-$mode-$s
			label=$mode
			[ $suite = sid ] || label=$suite/$mode
			limit=300
			case $s in hmm | leak) limit=900 ;; esac
			log "guest: $s on $suite with $mode"
			start=$SECONDS
			# a guest that times out still leaves what it wrote
			"$TB_SRCDIR/boot.sh" "$kabi" "$initrd" "$dir" "$s" \
				"$mode" $limit || true
			log "guest: $s on $suite with $mode took $((SECONDS - start))s"
			if ! $PY "$TB_SRCDIR/check.py" "$dir" "$label" "$s" \
				>"$dir/check.txt"; then
				grep -v '^check:' "$dir/check.txt"
				fails=$((fails + 1))
				show_failure "$dir" "$s"
			else
				grep -v '^check:' "$dir/check.txt"
			fi
		done
	done
	# the attach mechanism changes no number
	# (" fentry kprobe " never matched *" fentry "*" kprobe "*: one space)
	case " $modes " in *" fentry "*) case " $modes " in *" kprobe "*)
		for s in $(suite_scens $suite); do
			case ,$scens, in *,$s,*) ;; *) continue ;; esac
			$PY "$TB_SRCDIR/compare.py" "$OUT" "$suite" "$s" ||
				fails=$((fails + 1))
		done ;;
	esac ;; esac
done

# The page at /, in a browser, fed what the endpoint served at the end of
# the hmm guest's hmm-tests run: several pgmaps, every value checked.
hmm=$(ls -d "$OUT"/sid-*-hmm/hmm 2>/dev/null | head -1 || true)
if [ -n "$hmm" ]; then
	tests/web/browser-test.sh "$hmm/suite.api.json" \
		"$hmm/suite.metrics" "$OUT/web" || fails=$((fails + 1))
fi
[ $fails = 0 ]
