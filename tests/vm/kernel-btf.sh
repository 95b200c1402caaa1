#!/bin/bash
# The BTF of a Debian kernel the test bed downloads, with no boot: fetch
# the kernel (fetch-kernel.sh), take the compressed vmlinux out of its
# bzImage (the boot protocol's payload_offset/payload_length), decompress
# it with the tool its magic names and dump its .BTF section. Cached as
# $ZDEVMON_CACHE/k/<kabi>/vmlinux.btf; prints its path.
#   kernel-btf.sh [SUITE]      e.g. sid, trixie, bookworm-security
source "$(dirname "$0")/lib.sh"

kabi=$("$TB_SRCDIR/fetch-kernel.sh" "${1:-sid}")
kdir=$(tb_kdir "$kabi")
btf=$kdir/vmlinux.btf
if [ -s "$btf" ]; then
	echo "$btf"
	exit 0
fi

img=$kdir/vmlinuz
# little-endian integer of LEN bytes at OFFSET of the image
le() { od -An -tu"$2" -j "$1" -N "$2" "$img" | tr -d ' '; }
[ "$(dd if="$img" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] ||
	die "$img is not a bzImage"
setup_sects=$(le $((0x1f1)) 1)
payload=$(((setup_sects + 1) * 512 + $(le $((0x248)) 4)))
length=$(le $((0x24c)) 4)
magic=$(od -An -tx1 -j "$payload" -N 6 "$img" | tr -d ' \n')
case $magic in
28b52ffd*) unpack="zstd -qdc" ;;
fd377a585a00) unpack="xz -dc" ;;
1f8b*) unpack="gzip -dc" ;;
5d0000*) unpack="xz -dc --format=lzma" ;;
02214c18*) unpack="lz4 -dc" ;;
*) die "$img: unknown payload compression (magic $magic)" ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the payload ends with the decompressed size (4 bytes), not compressed
dd if="$img" bs=1M iflag=skip_bytes,count_bytes skip="$payload" \
	count=$((length - 4)) status=none | $unpack >"$tmp/vmlinux" || die "$img: cannot decompress ($unpack)"
want=$(od -An -tu4 -j $((payload + length - 4)) -N 4 "$img" | tr -d ' ')
[ "$(stat -c %s "$tmp/vmlinux")" = "$want" ] ||
	die "$img: decompressed $(stat -c %s "$tmp/vmlinux") bytes, not $want"
objcopy --dump-section .BTF="$tmp/vmlinux.btf" "$tmp/vmlinux" "$tmp/stripped" ||
	die "no .BTF section in $kabi's vmlinux"
mv "$tmp/vmlinux.btf" "$btf"
log "BTF of $kabi in $btf"
echo "$btf"
