# shellcheck shell=sh
# FS DAX on kernels where its pages idle at refcount 1 (v6.1/6.12 devmap
# PTEs): mapping them shows nothing; pinning them does. process_vm_writev
# into a DAX mapping pins every page and unpins it, through
# __put_devmap_managed_*_refs.
# shellcheck source=../lib.sh
. /scen/lib.sh
zdevmon features --json >"$OUT/features.json" 2>"$OUT/features.err"
cat /proc/iomem >"$OUT/iomem.txt"
[ -b /dev/pmem0 ] || { echo "no /dev/pmem0"; exit 1; }
/sbin/mke2fs -q -t ext4 -b 4096 -F /dev/pmem0 || exit 1
mkdir -p /mnt/pmem
mount -t ext4 -o dax /dev/pmem0 /mnt/pmem || exit 1
zdev_start zdevmon || exit 1
daxwork /mnt/pmem/fgup 1024 gup >"$OUT/truth.txt"
sleep 1
zdev_stop
umount /mnt/pmem
