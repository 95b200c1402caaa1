#!/bin/bash
# A debootstrapped Debian chroot holding the kernel's own compiler and its
# linux-headers, for building out-of-tree modules and static workloads.
#   build-chroot.sh KABI        prints the chroot path
source "$(dirname "$0")/lib.sh"

kabi=$1
kdir=$(tb_kdir "$kabi")
suite=$(cat "$kdir/suite")
case $suite in bookworm-security) suite=bookworm ;; esac
root=$ZDEVMON_CACHE/chroot/$suite

if [ ! -f "$root/.debootstrap-done" ]; then
	log "debootstrap $suite into $root"
	rm -rf "$root"
	mkdir -p "$root"
	debootstrap --variant=minbase "$suite" "$root" "$DEBIAN_MIRROR" \
		>"$ZDEVMON_CACHE/debootstrap-$suite.log" 2>&1 ||
		die "debootstrap failed: $(tail -3 "$ZDEVMON_CACHE/debootstrap-$suite.log")"
	touch "$root/.debootstrap-done"
fi

chroot_run() {
	mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root DEBIAN_FRONTEND=noninteractive "$@"
	local rc=$?
	umount "$root/proc" 2>/dev/null || true
	return $rc
}

if [ ! -f "$root/.headers-$kabi" ]; then
	log "installing linux-headers-$kabi and the toolchain in the $suite chroot"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	# a stable release's current kernel and headers come from -security
	if [ "$suite" != sid ] && ! grep -q security "$root/etc/apt/sources.list"; then
		echo "deb $DEBIAN_MIRROR-security $suite-security main" \
			>>"$root/etc/apt/sources.list"
	fi
	chroot_run apt-get -q -o Acquire::Check-Valid-Until=false update >/dev/null
	chroot_run apt-get -q -y -o Acquire::Check-Valid-Until=false install \
		--no-install-recommends make binutils libc6-dev \
		"linux-headers-$kabi" >"$ZDEVMON_CACHE/chroot-$kabi.log" 2>&1 ||
		die "chroot install failed: $(tail -3 "$ZDEVMON_CACHE/chroot-$kabi.log")"
	chroot_run apt-get clean
	touch "$root/.headers-$kabi"
fi
echo "$root"
