#!/bin/sh
# Debian packages zdevmon's build and its guest test bed need (bookworm
# or newer). The guest kernels come later from a private apt setup under
# ~/.cache/zdevmon; the machine's own apt sources are not touched.
#   sudo tools/install-deps.sh     or, as root:   tools/install-deps.sh
set -e
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		echo "install-deps.sh: not root: running it again with sudo" >&2
		exec sudo "$0" "$@"
	fi
	echo "install-deps.sh: apt-get needs root, and there is no sudo here: run it as root" >&2
	exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev \
	libjson-c-dev uthash-dev libcmocka-dev libcap-dev clang-format \
	libmicrohttpd-dev libgnutls28-dev libunistring-dev libp11-kit-dev \
	libidn2-dev libtasn1-6-dev nettle-dev libgmp-dev \
	qemu-system-x86 busybox-static debootstrap kmod zstd xz-utils cpio \
	e2fsprogs ndctl daxctl python3 python3-jsonschema ca-certificates \
	chromium fonts-dejavu-core shellcheck binutils
