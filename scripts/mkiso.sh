#!/usr/bin/env bash
# mkiso.sh OUT.iso PAGODA.elf "CMDLINE" [MODULE-FILE "MODULE-STRING"]...
#
# A GRUB (BIOS) ISO that boots Pagoda at once with the serial line as
# its terminal, passing each module with its string (the string says what
# the module is: "linux console=ttyS0 ...", "initrd", "multiboot ...").
set -euo pipefail

out=$1 elf=$2 cmdline=$3
shift 3
dir=$(mktemp -d "${TMPDIR:-/tmp}/pagoda-iso.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$elf" "$dir/boot/pagoda.elf"

{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1'
	echo 'terminal_input serial'
	echo 'terminal_output serial'
	echo 'menuentry "Pagoda" {'
	echo "	multiboot2 /boot/pagoda.elf $cmdline"
	n=0
	while [ $# -ge 2 ]; do
		cp "$1" "$dir/boot/mod$n"
		echo "	module2 /boot/mod$n $2"
		n=$((n + 1))
		shift 2
	done
	echo '	boot'
	echo '}'
} >"$dir/boot/grub/grub.cfg"

grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out.tmp" "$dir" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed" >&2
	grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out.tmp" "$dir" >&2
	exit 1
}
mv "$out.tmp" "$out"
