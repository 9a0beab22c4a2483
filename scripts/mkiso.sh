#!/usr/bin/env bash
# mkiso.sh OUT.iso PAGODA.elf "CMDLINE" [MODULE-FILE "MODULE-STRING"]...
#
# A GRUB (BIOS) ISO that boots Pagoda at once with the serial line as
# its terminal, passing each module with its string (the string says what
# the module is: "linux console=ttyS0 ...", "initrd", "multiboot ...").
#
# Cached: OUT.stamp holds a hash of every input (this script, the image,
# the command line, each module's contents and string, grub-mkrescue's
# version); when it matches, the ISO is left as it is. MKISO_FORCE=1
# rebuilds regardless.
set -euo pipefail

if [ $# -lt 3 ] || [ $(($# % 2)) -ne 1 ]; then
	echo "usage: mkiso.sh OUT.iso PAGODA.elf CMDLINE [MODULE-FILE MODULE-STRING]..." >&2
	exit 2
fi
out=$1 elf=$2 cmdline=$3
shift 3

# inputs_hash: one sha256 over everything the ISO is made from.
inputs_hash() {
	{
		sha256sum <"$0"
		sha256sum <"$elf"
		printf 'cmdline %s\n' "$cmdline"
		local a=("$@") i
		for ((i = 0; i < ${#a[@]}; i += 2)); do
			sha256sum <"${a[i]}"
			printf 'module %s\n' "${a[i + 1]}"
		done
		grub-mkrescue --version
	} | sha256sum | cut -d' ' -f1
}

# need FILE: stop with a one-line error when an input is missing.
need() { [ -f "$1" ] || { echo "mkiso: no such file: $1" >&2; exit 1; }; }
need "$elf"
mods=("$@")
for ((i = 0; i < ${#mods[@]}; i += 2)); do need "${mods[i]}"; done
hash=$(inputs_hash "$@")
if [ -z "${MKISO_FORCE:-}" ] && [ -f "$out" ] && [ -f "$out.stamp" ] &&
	[ "$(cat "$out.stamp")" = "$hash" ]; then
	exit 0
fi

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

rm -f "$out.stamp"
grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out.tmp" "$dir" >/dev/null 2>&1 || {
	echo "mkiso: grub-mkrescue failed" >&2
	grub-mkrescue -d /usr/lib/grub/i386-pc -o "$out.tmp" "$dir" >&2
	exit 1
}
mv "$out.tmp" "$out"
echo "$hash" >"$out.stamp"
