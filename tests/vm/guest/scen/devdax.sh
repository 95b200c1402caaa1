# shellcheck shell=sh
# device-dax: the pmem namespace reconfigured by ndctl while zdevmon
# watches (its pgmap is created then), mapped by a user, unmapped.
# shellcheck source=../lib.sh
. /scen/lib.sh
zdevmon features --json >"$OUT/features.json" 2>"$OUT/features.err"
zdev_start zdevmon || exit 1
ndctl create-namespace -f -e namespace0.0 -m devdax >"$OUT/ndctl.json" ||
	exit 1
cat /proc/iomem >"$OUT/iomem.txt"
hold_run "$OUT/truth.txt" devdaxwork /dev/dax0.0 4096
zdev_stop
