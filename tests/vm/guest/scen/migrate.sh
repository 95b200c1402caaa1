# shellcheck shell=sh
# Migration outcomes and who migrated (issue 14), through the project's
# zdev_leak module, whose ioctls report what the driver saw: pages pinned
# by GUP (never collected), held by an extra reference (restored at
# unmap), refused a destination; an eviction by migrate_device_range()
# (a driver's unbind); a migration from the device's pages to others of
# it (device to device); on device-coherent memory (every kernel), a
# long-term pin moving pages back to RAM; on device-private memory
# (CONFIG_DEVICE_PRIVATE: Debian's 7.x), CPU faults whose migrate_to_ram
# op returns SIGBUS or gets no RAM page (VM_FAULT_OOM, retried). Every
# folio's lifetime timed: 64 pages the driver holds for 3 s among them.
# The faults undo the migration just made: ping-pong (in a wide window:
# TCG is slow).
# shellcheck source=../lib.sh
. /scen/lib.sh
ZFLAGS="$ZFLAGS --events --residency-sample 1 --pingpong-window 30"
zdev_start zdevmon || exit 1

# outcomes NAME: 64 pages, 8 busy, 4 refused, 16 pinned
outcomes() { leakwork outcomes 64 8 4 16 >"$OUT/$1-outcomes.truth"; }
evict() { leakwork evict 32 5 >"$OUT/$1-evict.truth"; }
d2d() { leakwork d2d 48 >"$OUT/$1-d2d.truth"; }

insmod /bin/zdev_leak.ko coherent_base=0x60000000 || exit 1
outcomes coherent
evict coherent
d2d coherent
leakwork longterm 16 0x60000 16384 >"$OUT/coherent-longterm.truth"
leakwork hold 64 0 >"$OUT/coherent-hold.truth"
sleep 3
leakwork release >"$OUT/coherent-release.truth"
rmmod zdev_leak || echo "rmmod zdev_leak (coherent) failed"

if insmod /bin/zdev_leak.ko 2>"$OUT/private.insmod"; then
	outcomes private
	# held after its faults: its ping-pong, while it lives
	hold_run "$OUT/private-faults.truth" leakwork faults 32 3 2
	evict private
	d2d private
	rmmod zdev_leak || echo "rmmod zdev_leak (private) failed"
fi
sleep 1
zdev_stop
