# P2PDMA: the emulated NVMe's CMB published as p2pmem, mapped by a user.
. /scen/lib.sh
p2p=$(ls -d /sys/bus/pci/devices/*/p2pmem 2>/dev/null | head -1)
[ -n "$p2p" ] || { echo "no p2pmem device"; exit 1; }
cat /proc/iomem >"$OUT/iomem.txt"
zdev_start zdevmon || exit 1
hold_run "$OUT/truth.txt" p2pwork "$p2p/allocate" 64
zdev_stop
