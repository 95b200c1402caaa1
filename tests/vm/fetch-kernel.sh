#!/bin/bash
# Resolve a Debian kernel through the linux-image-amd64 meta package of a
# suite (sid by default), download its packages and unpack the kernel image,
# config and modules under $ZDEVMON_CACHE/k/<kabi>. Prints the kabi.
#   fetch-kernel.sh [SUITE]      e.g. sid, trixie, bookworm-security
# With ZDEVMON_KVER set, that version is used as it is (from the cache when
# sid has since moved on).
source "$(dirname "$0")/lib.sh"

suite=${1:-sid}

resolve_kabi() {
	local cached
	# A warm cache answers without the network: newest version unpacked.
	if [ -z "${ZDEVMON_REFRESH:-}" ]; then
		cached=$(for f in "$ZDEVMON_CACHE"/k/*/.suite-"$suite"; do
			if [ -e "$f" ]; then basename "$(dirname "$f")"; fi
		done | sort -V | tail -1)
		[ -n "$cached" ] && { echo "$cached"; return; }
	fi
	tb_apt_setup
	# apt-get update succeeds without the network: nothing resolves then
	{ tb_apt apt-cache depends "linux-image-amd64/$suite" 2>/dev/null || true; } |
		sed -n 's/^ *Depends: linux-image-\(.*-amd64\)$/\1/p' | head -1
}

kabi=${ZDEVMON_KVER:-$(resolve_kabi)}
[ -n "$kabi" ] || die "cannot resolve linux-image-amd64 in suite $suite"
kdir=$(tb_kdir "$kabi")
if [ -f "$kdir/.done" ]; then
	touch "$kdir/.suite-$suite"
	echo "$kabi"
	exit 0
fi

log "kernel $kabi (suite $suite): downloading"
tb_apt_setup
mkdir -p "$kdir"
rm -rf "$kdir/root"
pkgs="linux-image-$kabi"
# sid splits the kernel into base (config, System.map), binary (vmlinuz)
# and modules packages; older releases ship one linux-image package.
for p in base binary modules; do
	if tb_apt apt-cache show "linux-$p-$kabi" >/dev/null 2>&1; then
		pkgs="$pkgs linux-$p-$kabi"
	fi
done
for p in $pkgs; do
	deb=$(tb_download "$p")
	dpkg-deb -x "$deb" "$kdir/root"
done

moddir=$(tb_first "$kdir"/root/usr/lib/modules/"$kabi" "$kdir"/root/lib/modules/"$kabi")
[ -n "$moddir" ] || die "no modules directory in the $kabi packages"
# The image and config sit in /boot (older releases) or beside the modules.
for f in vmlinuz config; do
	src=$(tb_first "$kdir/root/boot/$f-$kabi" "$moddir/$f")
	[ -n "$src" ] || die "no $f in the $kabi packages"
	cp "$src" "$kdir/$f"
done
log "depmod $kabi"
depmod -b "${moddir%/lib/modules/*}" "$kabi"
ln -sfn "$moddir" "$kdir/modules"
echo "$suite" >"$kdir/suite"
touch "$kdir/.done" "$kdir/.suite-$suite"
log "kernel $kabi ready in $kdir"
echo "$kabi"
