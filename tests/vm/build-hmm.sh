#!/bin/bash
# Build upstream lib/test_hmm.c (out of tree) and selftests/mm/hmm-tests.c,
# taken from Debian's linux-source package of the kernel's own version,
# inside the chroot holding that kernel's compiler and headers.
#   build-hmm.sh KABI     products in $ZDEVMON_CACHE/k/KABI/hmm/
source "$(dirname "$0")/lib.sh"

kabi=$1
kdir=$(tb_kdir "$kabi")
out=$kdir/hmm
[ -f "$out/.done" ] && exit 0

# linux-source-X.Y of the same upstream version as the image.
deb=$(tb_first "$TB_DEBS"/linux-modules-"$kabi"_*.deb \
	"$TB_DEBS"/linux-image-"$kabi"_*.deb)
[ -n "$deb" ] || die "no downloaded kernel package for $kabi"
ver=${deb%_amd64.deb}
ver=${ver##*_}
IFS=. read -r major minor _ <<<"$kabi"
series=$major.$minor
tb_apt_setup
srcdeb=$(tb_download "linux-source-$series=$ver")

ksrc=$kdir/ksrc
if [ ! -f "$ksrc/.done" ]; then
	log "extracting test_hmm and hmm-tests from linux-source-$series $ver"
	rm -rf "$ksrc" && mkdir -p "$ksrc"
	dpkg-deb --fsys-tarfile "$srcdeb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.*' |
		tar -xJ -C "$ksrc" --strip-components=1 --wildcards \
			'*/lib/test_hmm*' '*/tools/testing/selftests/mm/*' \
			'*/tools/testing/selftests/kselftest*' '*/tools/include/*' \
			'*/mm/gup_test.h' '*/include/uapi/linux/*'
	touch "$ksrc/.done"
fi

root=$("$TB_SRCDIR/build-chroot.sh" "$kabi")
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kdir/config")
work=$root/build/hmm
rm -rf "$work" && mkdir -p "$work"
cp "$ksrc"/lib/test_hmm.c "$ksrc"/lib/test_hmm_uapi.h "$work/"
echo 'obj-m := test_hmm.o' >"$work/Kbuild"
mkdir -p "$work/ksrc" && cp -a "$ksrc/tools" "$ksrc/mm" "$ksrc/lib" "$work/ksrc/"

log "building test_hmm.ko and hmm-tests with $cc"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root /bin/sh -ec "
	make -s -C /lib/modules/$kabi/build M=/build/hmm CC=$cc modules
	cd /build/hmm
	S=ksrc/tools/testing/selftests
	$cc -O2 -static -I ksrc -I \$S -I \$S/mm -isystem ksrc/tools/include \
		-U_FORTIFY_SOURCE -no-pie -o hmm-tests \$S/mm/hmm-tests.c \
		\$S/mm/vm_util.c \$(ls \$S/mm/hugepage_settings.c \$S/mm/thp_settings.c 2>/dev/null) \
		-lrt -lpthread -lm
" >"$kdir/hmm-build.log" 2>&1 || die "test_hmm build failed: $(tail -5 "$kdir/hmm-build.log")"
mkdir -p "$out"
cp "$work/test_hmm.ko" "$work/hmm-tests" "$work/test_hmm_uapi.h" "$out/"
touch "$out/.done"
log "test_hmm.ko and hmm-tests ready in $out"
