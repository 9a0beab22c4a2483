#!/bin/bash
# build-mbkernels.sh: build the multiboot v1 test kernels of tests/guest/mb.
#
# Each kernel source (KERNELS below) plus the shared runtime becomes
# <outdir>/mb-<name>.elf, an ELF32 image loaded at 1 MiB. The host gcc
# compiles with -m32 -ffreestanding: only gcc's own headers are used, so
# no gcc-multilib is needed; ld -m elf_i386 links without libgcc (the
# code does no 64-bit division). Each image is checked with
# `grub-file --is-x86-multiboot` when grub-file is installed.
# Rebuilds everything every time: it takes about a second.
#
# Usage: scripts/build-mbkernels.sh [outdir]    (default build/guest)
# Env:   CC (default gcc), LD (default ld), V=1 prints the commands.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-build/guest}
SRC=tests/guest/mb
OBJ=$OUT/mb-obj
CC=${CC:-gcc}
LD=${LD:-ld}
KERNELS=(touch cpuid exit fault mmio)
RUNTIME=(head.S rt.c console.c trap.c mbi.c cmdline.c)

CFLAGS=(-m32 -march=i686 -std=gnu11 -O2 -g -Wall -Wextra -Werror
	-Wno-unused-parameter -ffreestanding -fno-builtin -nostdlib -fno-pic
	-fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables
	-fno-omit-frame-pointer -mgeneral-regs-only -I"$SRC" -Iinclude)
LDFLAGS=(-m elf_i386 -nostdlib -static -T "$SRC/linker.ld"
	-z max-page-size=0x1000 -z noexecstack --build-id=none
	--no-warn-rwx-segments)

msg() { echo "${0##*/}: $*" >&2; }
run() {
	[ -n "${V:-}" ] && echo "$*" >&2
	"$@"
}

# Fails with the apt-get line when the compiler cannot emit i386 code.
check_m32() {
	if ! echo 'int x;' | "$CC" -m32 -ffreestanding -x c -c -o /dev/null - 2>/dev/null; then
		msg "error: '$CC -m32' does not work; run as root:"
		echo "apt-get install -y gcc-multilib" >&2
		exit 1
	fi
	if ! "$LD" -V | grep -q elf_i386; then
		msg "error: '$LD' cannot link elf_i386; run as root:"
		echo "apt-get install -y binutils" >&2
		exit 1
	fi
}

# obj SRC-FILE: the object file it compiles to.
obj() { echo "$OBJ/${1%.*}.o"; }
compile() { run "$CC" "${CFLAGS[@]}" -c "$SRC/$1" -o "$(obj "$1")"; }

check_m32
mkdir -p "$OUT" "$OBJ"
rt_objs=()
for f in "${RUNTIME[@]}"; do
	compile "$f"
	rt_objs+=("$(obj "$f")")
done
for k in "${KERNELS[@]}"; do
	elf=$OUT/mb-$k.elf
	compile "$k.c"
	run "$LD" "${LDFLAGS[@]}" -o "$elf" "${rt_objs[@]}" "$(obj "$k.c")"
	if command -v grub-file >/dev/null && ! grub-file --is-x86-multiboot "$elf"; then
		msg "error: $elf is not a multiboot v1 image"
		exit 1
	fi
	echo "  MBKERNEL $elf"
done
