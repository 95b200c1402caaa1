#!/bin/bash
# Build the project's own test modules (tests/kmod) out of tree for a guest
# kernel, in the chroot holding that kernel's compiler and headers; cached
# by kernel version and source hash.
#   build-kmod.sh KABI [MODULE]   prints the path of MODULE.ko (zdev_leak,
#                                 zdev_burst; default zdev_leak)
source "$(dirname "$0")/lib.sh"

kabi=$1 mod=${2:-zdev_leak}
MODULES="zdev_leak zdev_burst"
case " $MODULES " in *" $mod "*) ;; *) die "no test module $mod" ;; esac
kdir=$(tb_kdir "$kabi")
src=$TB_ROOT/tests/kmod
hash=$(cat "$src"/*.c "$src"/*.h "$src"/Kbuild "$0" | sha256sum | cut -c1-12)
out=$kdir/kmod-$hash
if [ ! -f "$out/.done" ]; then
	root=$("$TB_SRCDIR/build-chroot.sh" "$kabi")
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kdir/config")
	rm -rf "$root/build/kmod" && mkdir -p "$root/build/kmod"
	cp "$src"/*.c "$src"/*.h "$src"/Kbuild "$root/build/kmod/"
	# the API of this kernel, read from its own headers
	hdr=$(tb_first "$root"/usr/src/linux-headers-"${kabi%-amd64}"*/include/linux/memremap.h \
		"$root"/usr/src/linux-headers-*common*/include/linux/memremap.h)
	[ -n "$hdr" ] || die "no memremap.h in the $kabi headers"
	flags=
	grep -q 'zone_device_page_init(struct page \*page, struct dev_pagemap' "$hdr" &&
		flags="$flags -DZL_INIT_PGMAP"
	grep -q 'folio_free)(struct folio' "$hdr" && flags="$flags -DZL_FOLIO_FREE"
	log "building tests/kmod for $kabi with $cc ($flags)"
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root \
		make -s -C "/lib/modules/$kabi/build" M=/build/kmod CC="$cc" \
		ZL_FLAGS="$flags" modules >"$kdir/kmod-build.log" 2>&1
	rc=$?
	umount "$root/proc" 2>/dev/null || true
	[ $rc = 0 ] || die "tests/kmod build failed: $(tail -15 "$kdir/kmod-build.log")"
	mkdir -p "$out"
	for m in $MODULES; do cp "$root/build/kmod/$m.ko" "$out/"; done
	touch "$out/.done"
fi
echo "$out/$mod.ko"
