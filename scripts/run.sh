#!/usr/bin/env bash
# run.sh [--no-guest] [qemu|bochs] - boot Pagoda with the serial line on
# this terminal.
#
# By default Pagoda runs the small test Linux as its guest: the guest
# kernel and initramfs are built once and cached (scripts/build-linux.sh,
# scripts/build-initramfs.sh; the first build takes minutes), and
# build/pagoda-linux.iso carries them as `linux` and `initrd` modules. No
# pagoda.test= on the guest command line, so its /init starts a busybox
# shell on the console. --no-guest boots build/pagoda.iso instead: Pagoda's
# shell only. PAGODA_CMDLINE is Pagoda's own command line (boot options).
#
# Emulator: QEMU with KVM when /dev/kvm offers nested VMX (an Intel host
# with kvm_intel nested=1), else Bochs, which emulates VMX with EPT.
# In QEMU, Ctrl-A X quits; in Bochs, Ctrl-] quits (scripts/serial-term.py).
# Ctrl-\ switches the serial line between the guest console and Pagoda's
# shell in both.
set -euo pipefail
cd "$(dirname "$0")/.."
guest=linux
if [ "${1:-}" = --no-guest ]; then
	guest=none
	shift
fi
emu=${1:-}
mem=${PAGODA_MEM:-1024}
cache=${PAGODA_CACHE:-$HOME/.cache/pagoda}

nested_vmx() {
	[ -w /dev/kvm ] || return 1
	grep -qw vmx /proc/cpuinfo || return 1
	local p=/sys/module/kvm_intel/parameters/nested
	[ -r $p ] && grep -qE '^(Y|1)' $p
}

# build_guest_iso: the cached guest, then an ISO with it (kept when
# nothing changed) in $iso. Called directly, not in $(...), so set -e
# stops the run when a build fails.
build_guest_iso() {
	local cmdline
	iso=build/pagoda-linux.iso
	echo "run: building the guest Linux and initramfs if needed (cached in $cache;" \
		"the first kernel build takes ~6-8 minutes on 2 cores)" >&2
	scripts/build-linux.sh >&2
	scripts/build-initramfs.sh >&2
	# The guest command line lives in one place, shared with the tests.
	cmdline=$(python3 tests/integration/harness.py cmdline linux)
	scripts/mkiso.sh "$iso" build/pagoda.elf "${PAGODA_CMDLINE:-}" \
		"$cache/linux/bzImage" "linux $cmdline" "$cache/initramfs.cpio.gz" initrd
}

banner() {
	if [ "$guest" = none ]; then
		echo "run: no guest: Pagoda's shell only (type 'help')"
		return
	fi
	echo "run: guest Linux under Pagoda. The guest's console is live on this terminal:"
	echo "run:   its boot log, then a busybox shell (under Bochs ~15 s after start on an idle host)."
	echo "run:   Ctrl-\\ switches between the guest console and Pagoda's shell (vm, ept, regs...)."
}

if [ -z "$emu" ]; then
	if nested_vmx; then emu=qemu-kvm; else emu=bochs; fi
elif [ "$emu" = qemu ] && nested_vmx; then
	emu=qemu-kvm
fi
case "$emu" in
qemu-kvm | qemu | bochs) ;;
*)
	echo "run: unknown emulator '$emu' (qemu or bochs)" >&2
	exit 2 ;;
esac

if [ "$guest" = none ]; then
	iso=build/pagoda.iso
	scripts/mkiso.sh "$iso" build/pagoda.elf "${PAGODA_CMDLINE:-}"
else
	build_guest_iso
fi

case "$emu" in
qemu-kvm)
	banner
	echo "run: QEMU with KVM (nested VMX); Ctrl-A X quits"
	exec qemu-system-x86_64 -enable-kvm -cpu host,+vmx -m "$mem" -cdrom "$iso" \
		-boot d -display none -serial mon:stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 ;;
qemu)
	echo "run: QEMU (TCG: no VMX here, Pagoda stays in its shell); Ctrl-A X quits"
	exec qemu-system-x86_64 -m "$mem" -cdrom "$iso" -boot d -display none \
		-serial mon:stdio -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 ;;
bochs)
	banner
	echo "run: Bochs ${PAGODA_BOCHS_CPU:-corei7_skylake_x} (VMX + EPT emulated); Ctrl-] quits"
	exec python3 scripts/serial-term.py bochs "$iso" "${PAGODA_BOCHS_CPU:-corei7_skylake_x}" "$mem" ;;
esac
