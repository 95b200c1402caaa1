#!/bin/bash
# promtool, the strict parser of the Prometheus exposition format, taken
# from Debian's prometheus package (bookworm) into the cache; prints its
# path. The package is unpacked, not installed: no service starts.
source "$(dirname "$0")/lib.sh"

tool=$ZDEVMON_CACHE/tools/promtool
if [ ! -x "$tool" ]; then
	tb_apt_setup
	deb=$(tb_download "prometheus/bookworm")
	tmp=$(mktemp -d)
	dpkg-deb -x "$deb" "$tmp"
	mkdir -p "$(dirname "$tool")"
	cp "$tmp/usr/bin/promtool" "$tool"
	rm -rf "$tmp"
fi
echo "$tool"
