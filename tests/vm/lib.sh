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
	f=$(ls "$TB_DEBS/${name}"_*.deb 2>/dev/null | head -1 || true)
	if [ -n "$f" ]; then echo "$f"; return; fi
	(cd "$TB_DEBS" && tb_apt apt-get -q download "$pkg" >&2) ||
		die "cannot download $pkg"
	ls "$TB_DEBS/${name}"_*.deb | head -1
}

# The kernel directory of a version: $ZDEVMON_CACHE/k/<kver>
tb_kdir() { echo "$ZDEVMON_CACHE/k/$1"; }
