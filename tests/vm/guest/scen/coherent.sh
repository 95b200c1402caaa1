# shellcheck shell=sh
# Device-coherent memory (MEMORY_DEVICE_COHERENT, no DEVICE_PRIVATE
# needed) through the project's zdev_leak module over the 64 MiB the guest
# reserves at 1.5 GiB: pages migrated to it are mapped as ordinary anon
# PTEs, freed at munmap; the pgmap is torn down at rmmod. Then the same
# mapped in a parent and its forked child, and after the child exits.
# shellcheck source=../lib.sh
. /scen/lib.sh
zdev_start zdevmon || exit 1
insmod /bin/zdev_leak.ko coherent_base=0x60000000 || exit 1
hold_run "$OUT/truth.txt" leakwork migrate 256 0
# mapped pages across fork (duplicated without an rmap call) and the exit
# of the child
hold_run "$OUT/fork.txt" leakwork fork 128
rmmod zdev_leak || echo "rmmod zdev_leak failed"
sleep 1
zdev_stop
