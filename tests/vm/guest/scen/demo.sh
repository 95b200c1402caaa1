# shellcheck shell=sh
# make demo: zdevmon's live table on the console while FS DAX, P2PDMA and
# device-private (hmm-tests) traffic runs, then its final snapshot.
# shellcheck source=../lib.sh
. /scen/lib.sh
/sbin/mke2fs -q -t ext4 -b 4096 -F /dev/pmem0 && mkdir -p /mnt/pmem &&
	mount -t ext4 -o dax /dev/pmem0 /mnt/pmem
insmod /extra/test_hmm.ko
zdevmon -i 2 --json "$OUT/zdevmon.ndjson" >/dev/console 2>&1 &
zpid=$!
sleep 3
daxwork /mnt/pmem/demo 8192 pmd >/dev/null
daxwork /mnt/pmem/demo4k 4096 >/dev/null
# shellcheck disable=SC2012 # sysfs names: no odd characters
p2p=$(ls -d /sys/bus/pci/devices/*/p2pmem 2>/dev/null | head -1)
[ -n "$p2p" ] && p2pwork "$p2p/allocate" 256 >/dev/null
hmmwork /dev/hmm_dmirror0 1024 >/dev/null
/extra/hmm-tests -T benchmark_thp_migration >"$OUT/hmm-tests.txt" 2>&1
sleep 3
rmmod test_hmm
sleep 3
kill -INT $zpid
wait $zpid
