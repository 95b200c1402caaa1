# shellcheck shell=bash
# Common settings of the guest test bed; sourced by every tests/vm script.
# Everything reusable lives under $ZDEVMON_CACHE, keyed by kernel version.
set -euo pipefail

ZDEVMON_CACHE=${ZDEVMON_CACHE:-$HOME/.cache/zdevmon}
TB_APT=$ZDEVMON_CACHE/apt          # private apt state: never the machine's own
TB_DEBS=$ZDEVMON_CACHE/debs        # every .deb downloaded, kept
TB_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_ROOT=$(cd "$TB_SRCDIR/../.." && pwd)
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '[tb %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# apt-get/apt-cache with the private configuration: own sources list and
# lists directory; the host clock may be off, hence Check-Valid-Until.
tb_apt_opts() {
	printf '%s\n' \
		-o "Dir::Etc::SourceList=$TB_APT/sources.list" \
		-o "Dir::Etc::SourceParts=/dev/null" \
		-o "Dir::State::Lists=$TB_APT/lists" \
		-o "Dir::Cache=$TB_APT/cache" \
		-o "Acquire::Check-Valid-Until=false" \
		-o "APT::Get::List-Cleanup=false" \
		-o "APT::Sandbox::User=root"
}

tb_apt_setup() {
	mkdir -p "$TB_APT/lists/partial" "$TB_APT/cache/archives/partial" "$TB_DEBS"
	cat >"$TB_APT/sources.list" <<EOS
deb [trusted=yes] $DEBIAN_MIRROR sid main
deb [trusted=yes] $DEBIAN_MIRROR trixie main
deb [trusted=yes] $DEBIAN_MIRROR bookworm main
deb [trusted=yes] $DEBIAN_MIRROR-security bookworm-security main
EOS
	local stamp=$TB_APT/updated
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +360)" ]; then
		log "apt update (private lists in $TB_APT)"
		mapfile -t o < <(tb_apt_opts)
		apt-get "${o[@]}" -q update >"$TB_APT/update.log" 2>&1 ||
			die "apt update failed: $(tail -3 "$TB_APT/update.log")"
		touch "$stamp"
	fi
}

tb_apt() { mapfile -t o < <(tb_apt_opts); "$1" "${o[@]}" "${@:2}"; }

# Download one package (name, name=version or name/suite) into $TB_DEBS,
# once.
tb_download() {
	local pkg=$1 name=${1%%[=/]*} f
	f=("$TB_DEBS/${name}"_*.deb)
	if [ -e "${f[0]}" ]; then echo "${f[0]}"; return; fi
	(cd "$TB_DEBS" && tb_apt apt-get -q download "$pkg" >&2) ||
		die "cannot download $pkg"
	f=("$TB_DEBS/${name}"_*.deb)
	[ -e "${f[0]}" ] || die "apt-get download $pkg left no ${name}_*.deb"
	echo "${f[0]}"
}

# tb_first PATH...: the first in sorted order of the PATHs that exist
# (the caller's glob patterns expanded or not); nothing if none does.
tb_first() {
	local p
	for p in "$@"; do
		if [ -e "$p" ]; then printf '%s\n' "$p"; fi
	done | sort | sed -n 1p
}

# The kernel directory of a version: $ZDEVMON_CACHE/k/<kver>
tb_kdir() { echo "$ZDEVMON_CACHE/k/$1"; }

# The prepare step of test.sh, demo.sh and bench.sh: fetch sid's kernel,
# build test_hmm and hmm-tests from its source and the test module for it,
# build the static workloads, pack the initramfs with zdevmon. Sets OUT
# (tests/out, emptied), BIN ($OUT/bin), SID_KABI, and kabi and initrd for
# sid; the working directory becomes the project's root.
tb_prepare() {
	OUT=$TB_ROOT/tests/out
	BIN=$OUT/bin
	rm -rf "$OUT"
	mkdir -p "$BIN"
	cd "$TB_ROOT"
	[ -x ./zdevmon ] || die "build zdevmon first (make)"
	[ -x build/migcount ] ||
		die "build the test bed's counter first (make build/migcount)"

	kabi=$("$TB_SRCDIR/fetch-kernel.sh" sid)
	log "guest kernel: Debian sid $kabi"
	"$TB_SRCDIR/build-hmm.sh" "$kabi"
	local kdir w m
	kdir=$(tb_kdir "$kabi")

	cp zdevmon "$BIN/"
	for m in zdev_leak zdev_burst; do
		cp "$("$TB_SRCDIR/build-kmod.sh" "$kabi" $m)" "$BIN/"
	done
	if [ -x build/barecount ]; then cp build/barecount "$BIN/"; fi
	cp build/migcount "$BIN/"
	for w in daxwork devdaxwork p2pwork hmmwork leakwork benchwork \
		unitsandbox httpwork; do
		gcc -O2 -Wall -static -I "$kdir/hmm" -I "$TB_ROOT/tests/kmod" \
			-o "$BIN/$w" "$TB_SRCDIR/work/$w.c" -l:libcap.a ||
			die "cannot build $w"
	done
	# the shipped unit, whose sandbox unitsandbox reproduces
	cp docs/deploy/zdevmon.service "$BIN/"
	initrd=$OUT/initrd.img
	"$TB_SRCDIR/mkinitrd.sh" "$kabi" "$BIN" "$initrd"
	SID_KABI=$kabi
}

# tb_prepare_kernel SUITE: kabi and initrd for SUITE's kernel; other than
# sid, the initramfs of tb_prepare with the test module built for that
# kernel by its own compiler.
tb_prepare_kernel() {
	local suite=$1 m
	if [ "$suite" = sid ]; then
		kabi=$SID_KABI initrd=$OUT/initrd.img
		return
	fi
	kabi=$("$TB_SRCDIR/fetch-kernel.sh" "$suite")
	log "guest kernel: Debian $suite $kabi"
	initrd=$OUT/initrd-$suite.img
	rm -rf "$OUT/bin-$suite"
	cp -a "$BIN" "$OUT/bin-$suite"
	for m in zdev_leak zdev_burst; do
		cp "$("$TB_SRCDIR/build-kmod.sh" "$kabi" $m)" "$OUT/bin-$suite/"
	done
	"$TB_SRCDIR/mkinitrd.sh" "$kabi" "$OUT/bin-$suite" "$initrd"
}

# tb_show_failure DIR SCENARIO: the ends of a guest's serial and
# scenario logs
tb_show_failure() {
	local dir=$1 s=$2
	echo "---- tail of $dir/serial.log"
	tail -n 25 "$dir/serial.log" 2>/dev/null || true
	echo "---- tail of the $s scenario log"
	tail -n 25 "$dir/$s/log" 2>/dev/null || true
	echo "----"
}
