#!/bin/bash
# mkiso-bare.sh: a GRUB ISO that boots a Linux bzImage + initramfs directly.
#
# No hypervisor: the "bare" half of the bare-vs-under-Pagoda boot-time
# baseline. GRUB (BIOS, serial terminal, timeout 0) runs `linux` and
# `initrd` at once; the kernel command line is console=ttyS0,115200 plus
# whatever -a adds (e.g. "pagoda.test=memtest pagoda.exit=1"), or exactly
# -c's (scripts/bench-boot.py gives the one the Pagoda run uses).
# Rebuilds only when the kernel, initramfs, command line or this script
# changed (stamp: <iso>.stamp).
#
# Usage: scripts/mkiso-bare.sh [-k bzImage] [-i initramfs] [-a append | -c cmdline]
#                              [-o iso]
# Defaults: -k $PAGODA_CACHE/linux/bzImage -i $PAGODA_CACHE/initramfs.cpio.gz
#           -o $PAGODA_CACHE/iso/bare.iso
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../tests/guest/lib.sh"

KERNEL=$PAGODA_CACHE/linux/bzImage
INITRD=$PAGODA_CACHE/initramfs.cpio.gz
APPEND=
CMDLINE=
ISO=$PAGODA_CACHE/iso/bare.iso
WORK=

usage() {
	echo "usage: ${0##*/} [-k bzImage] [-i initramfs] [-a append | -c cmdline] [-o iso]" >&2
	exit 2
}

# Writes the GRUB configuration for command line $2 to $1.
write_grub_cfg() {
	cat >"$1" <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "bare Linux (Pagoda guest baseline)" {
	linux /boot/bzImage $2
	initrd /boot/initramfs.cpio.gz
}
EOF
}

main() {
	local opt hash cmdline
	while getopts k:i:a:c:o:h opt; do
		case $opt in
		k) KERNEL=$OPTARG ;; i) INITRD=$OPTARG ;;
		a) APPEND=$OPTARG ;; c) CMDLINE=$OPTARG ;;
		o) ISO=$OPTARG ;; *) usage ;;
		esac
	done
	[ $OPTIND -gt $# ] || usage
	[ -z "$APPEND" ] || [ -z "$CMDLINE" ] || usage
	need_pkgs grub-pc-bin grub-common xorriso mtools
	[ -f "$KERNEL" ] || die "no kernel $KERNEL (run scripts/build-linux.sh)"
	[ -f "$INITRD" ] || die "no initramfs $INITRD (run scripts/build-initramfs.sh)"
	cmdline=${CMDLINE:-"console=ttyS0,115200${APPEND:+ $APPEND}"}
	mkdir -p "$(dirname "$ISO")"
	take_lock "iso-$(basename "$ISO")"
	hash=$(inputs_hash "$0" "$GUEST_DIR/lib.sh" "$KERNEL" "$INITRD" -- \
		"$cmdline" "grub=$(pkg_version grub-pc-bin)")
	if stamp_ok "$ISO.stamp" "$hash" "$ISO"; then
		msg "up to date: $ISO"
		return 0
	fi
	WORK=$(mktemp -d "$(dirname "$ISO")/iso.work.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	mkdir -p "$WORK/root/boot/grub"
	cp "$KERNEL" "$WORK/root/boot/bzImage"
	cp "$INITRD" "$WORK/root/boot/initramfs.cpio.gz"
	write_grub_cfg "$WORK/root/boot/grub/grub.cfg" "$cmdline"
	grub-mkrescue -d /usr/lib/grub/i386-pc -o "$WORK/out.iso" "$WORK/root" \
		>"$WORK/mkrescue.log" 2>&1 ||
		{ cat "$WORK/mkrescue.log" >&2; die "grub-mkrescue failed"; }
	rm -f "$ISO.stamp"
	mv -f "$WORK/out.iso" "$ISO"
	stamp_write "$ISO.stamp" "$hash"
	msg "built $ISO (kernel $KERNEL, cmdline: $cmdline)"
}

main "$@"; exit $?
