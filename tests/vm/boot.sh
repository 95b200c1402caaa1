#!/bin/bash
# Boot a guest under QEMU TCG, run scenarios, collect the results folder.
#   boot.sh KABI INITRD OUTDIR SCENARIOS MODE [TIMEOUT]
# SCENARIOS is comma separated; MODE is fentry or kprobe. The guest has
# emulated pmem at 1 GiB (memmap=...!), 64 MiB reserved at 1.5 GiB for
# the coherent scenario's device memory and 512 MiB at 4 GiB for
# test_hmm's two device-coherent devices (memmap=...$). The serial log
# is OUTDIR/serial.log; every boot has a hard timeout.
#
# Two vCPUs on one TCG thread: multi-threaded TCG does not serialise
# cross-modifying code the way the kernel's text_poke_bp() relies on, and a
# vCPU may then execute the transient int3 of a probe being attached
# ("Oops: int3" in folio_add_file_rmap_ptes+0x5 under thread=multi).
#
# Opt-in, for make bench (tests/vm/bench.sh) only:
#   TB_ICOUNT=1    -icount shift=0,sleep=off: the guest's clock counts its
#                  own instructions (1 ns each) and skips its idle time,
#                  so timings do not move with the host's load
#   TB_SHARE=DIR   DIR shared read-only with the guest as the 9p tag
#                  "share" (bench.sh's bpftrace chroot)
source "$(dirname "$0")/lib.sh"

kabi=$1 initrd=$2 out=$3 scens=$4 mode=$5 limit=${6:-900}
# one guest at a time on this machine, whoever boots it: a second TCG
# guest would halve both guests' speed and upset their timing
exec 9>"${TMPDIR:-/tmp}/zdevmon-guest.lock"
flock 9
kdir=$(tb_kdir "$kabi")
mkdir -p "$out"
nvme=$out/nvme.img # sparse, one per boot: concurrent boots do not share it
truncate -s 16M "$nvme"
opt=()
if [ -n "${TB_ICOUNT:-}" ]; then opt+=(-icount "shift=0,sleep=off"); fi
if [ -n "${TB_SHARE:-}" ]; then
	opt+=(-virtfs "local,path=$TB_SHARE,mount_tag=share,security_model=none,id=share,readonly=on")
fi

timeout --kill-after=10 "$limit" qemu-system-x86_64 \
	-machine q35 -accel tcg,thread=single -cpu max -smp 2 -m 3G \
	-kernel "$kdir/vmlinuz" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=4 panic=-1 memmap=256M!1G memmap=64M\$0x60000000 memmap=512M\$0x100000000 tb=$scens tbmode=$mode ${TB_APPEND:-}" \
	-display none -no-reboot -serial "file:$out/serial.log" -monitor none \
	-net none \
	-virtfs "local,path=$out,mount_tag=out,security_model=none,id=out" \
	-drive "file=$nvme,if=none,format=raw,id=nv0" \
	-device nvme,serial=zdev,cmb_size_mb=64,drive=nv0 "${opt[@]}" \
	>"$out/qemu.log" 2>&1
rc=$?
rm -f "$nvme"
[ $rc = 124 ] && log "guest timed out after ${limit}s"
exit $rc
