#!/usr/bin/env bash
# run.sh [qemu|bochs] - boot build/pagoda.iso with the serial line on this
# terminal.
#
# Default: QEMU with KVM when /dev/kvm offers nested VMX (an Intel host
# with kvm_intel nested=1), else Bochs, which emulates VMX with EPT.
# In QEMU, Ctrl-A X quits; in Bochs, Ctrl-] quits (scripts/serial-term.py).
set -euo pipefail
cd "$(dirname "$0")/.."
iso=build/pagoda.iso
emu=${1:-}
mem=${PAGODA_MEM:-1024}

nested_vmx() {
	[ -w /dev/kvm ] || return 1
	grep -qw vmx /proc/cpuinfo || return 1
	local p=/sys/module/kvm_intel/parameters/nested
	[ -r $p ] && grep -qE '^(Y|1)' $p
}

if [ -z "$emu" ]; then
	if nested_vmx; then emu=qemu-kvm; else emu=bochs; fi
elif [ "$emu" = qemu ] && nested_vmx; then
	emu=qemu-kvm
fi

case "$emu" in
qemu-kvm)
	echo "run: QEMU with KVM (nested VMX); Ctrl-A X quits"
	exec qemu-system-x86_64 -enable-kvm -cpu host,+vmx -m "$mem" -cdrom $iso \
		-boot d -display none -serial mon:stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 ;;
qemu)
	echo "run: QEMU (TCG: no VMX here, Pagoda stays in its shell); Ctrl-A X quits"
	exec qemu-system-x86_64 -m "$mem" -cdrom $iso -boot d -display none \
		-serial mon:stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 ;;
bochs)
	echo "run: Bochs ${PAGODA_BOCHS_CPU:-corei7_skylake_x} (VMX + EPT emulated); Ctrl-] quits"
	exec python3 scripts/serial-term.py bochs "$iso" "${PAGODA_BOCHS_CPU:-corei7_skylake_x}" "$mem" ;;
*)
	echo "run: unknown emulator '$emu' (qemu or bochs)" >&2
	exit 2 ;;
esac
