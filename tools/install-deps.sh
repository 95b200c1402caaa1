#!/bin/sh
# Debian packages zdevmon's build and its guest test bed need (bookworm
# or newer). The guest kernels come later from a private apt setup under
# ~/.cache/zdevmon; the machine's own apt sources are not touched.
set -e
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	make gcc libc6-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev \
	libjson-c-dev uthash-dev libcmocka-dev libcap-dev clang-format \
	libmicrohttpd-dev libgnutls28-dev libunistring-dev libp11-kit-dev \
	libidn2-dev libtasn1-6-dev nettle-dev libgmp-dev \
	qemu-system-x86 busybox-static debootstrap kmod zstd xz-utils cpio \
	e2fsprogs ndctl daxctl python3 python3-jsonschema ca-certificates \
	chromium fonts-dejavu-core
