#!/bin/bash
# Pack the guest's busybox initramfs: a cached base (busybox, the kernel's
# modules decompressed in load order, mke2fs, test_hmm) plus an overlay of
# what is under test (zdevmon, workloads, scenario scripts), concatenated.
#   mkinitrd.sh KABI BINDIR OUT.img
# BINDIR holds zdevmon and the static workloads.
source "$(dirname "$0")/lib.sh"

kabi=$1 bindir=$2 out=$3
kdir=$(tb_kdir "$kabi")
modroot=$(readlink -f "$kdir/modules")
modroot=${modroot%/lib/modules/*}
MODULES="virtio_pci nd_pmem nd_e820 dax_pmem device_dax ext4 nvme 9pnet_virtio 9p"

build_base() {
	local stage=$kdir/initrd-base m f
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,lib/modules,lib64,extra,etc,proc,sys,dev,tmp,mnt,out,boot}
	cp /bin/busybox "$stage/bin/busybox"
	# modules: decompressed (busybox insmod reads no .xz), deps first
	: >"$stage/lib/modules/order"
	for m in $MODULES; do
		# -C /dev/null: the host's modprobe.d (ndctl's "install libnvdimm"
		# hook, say) has no say in what the guest loads
		modprobe -C /dev/null -d "$modroot" -S "$kabi" --show-depends "$m" |
			awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r f; do
		local name
		name=$(basename "$f" | sed 's/\.ko.*//')
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -qdc "$f" ;;
		*) cat "$f" ;;
		esac >"$stage/lib/modules/$name.ko"
		echo "$name" >>"$stage/lib/modules/order"
	done
	# host tools with their libraries: mke2fs (busybox's has no ext4
	# -b/-t), ndctl and daxctl (namespaces to device-dax)
	for tool in /sbin/mke2fs /usr/bin/ndctl /usr/bin/daxctl; do
		[ -x "$tool" ] || die "$tool is missing (tools/install-deps.sh)"
		cp "$tool" "$stage/sbin/"
		for f in $(ldd "$tool" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
			mkdir -p "$stage$(dirname "$f")"
			cp -L "$f" "$stage$f"
		done
	done
	cp "$kdir/config" "$stage/boot/config-$kabi"
	if [ -f "$kdir/hmm/.done" ]; then
		cp "$kdir/hmm/test_hmm.ko" "$kdir/hmm/hmm-tests" "$stage/extra/"
	fi
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$kdir/base.cpio.gz"
}

base=$kdir/base.cpio.gz
if [ ! -f "$base" ] || [ "$base" -ot "$kdir/hmm/.done" ] ||
	[ "$base" -ot "$0" ]; then
	log "packing the initramfs base for $kabi"
	build_base
fi

overlay=$(mktemp -d)
trap 'rm -rf "$overlay"' EXIT
chmod 755 "$overlay" # the guest's /: unprivileged users must traverse it
mkdir -p "$overlay/bin" "$overlay/scen"
cp "$TB_SRCDIR/guest/init" "$overlay/init"
cp "$TB_SRCDIR"/guest/scen/*.sh "$overlay/scen/"
cp "$TB_SRCDIR/guest/lib.sh" "$overlay/scen/lib.sh"
cp "$bindir"/* "$overlay/bin/"
chmod +x "$overlay/init" "$overlay"/bin/*
(cd "$overlay" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.overlay"
cat "$base" "$out.overlay" >"$out"
rm -f "$out.overlay"
