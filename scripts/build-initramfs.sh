#!/bin/bash
# build-initramfs.sh: pack the Pagoda test guest's initramfs.
#
# Static busybox (Debian busybox-static) with its applet links, the
# /init script and the static test programs of tests/guest/*.c (built
# here with the host gcc -static), as a gzip newc cpio. Reproducible:
# sorted entries, root-owned, fixed times, gzip -n.
# Output: $PAGODA_CACHE/initramfs.cpio.gz (+ .sha256). Rebuilds only when
# tests/guest/{init,*.c,lib.sh}, this script, busybox-static, gcc or
# libc6-dev changed.
#
# Usage: scripts/build-initramfs.sh [--force]
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../tests/guest/lib.sh"

OUT=$PAGODA_CACHE/initramfs.cpio.gz
STAMP=$PAGODA_CACHE/initramfs.stamp
BUSYBOX=/bin/busybox
WORK=
GUEST_CFLAGS=(-static -O2 -s -Wall -Wextra -Werror)

# Builds every tests/guest/*.c into $1/tests/<name>.
build_tests() {
	local c name
	for c in "$GUEST_DIR"/*.c; do
		name=$(basename "$c" .c)
		gcc "${GUEST_CFLAGS[@]}" -o "$1/tests/$name" "$c" ||
			die "cannot compile $c"
	done
}

# Lays out the root file system in $1.
stage_root() {
	local root=$1 applet
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,tests,etc}
	cp "$BUSYBOX" "$root/bin/busybox"
	while read -r applet; do # e.g. usr/bin/[ : no word splitting or globbing
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done < <("$BUSYBOX" --list-full)
	install -m 755 "$GUEST_DIR/init" "$root/init"
	build_tests "$root"
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	chmod 1777 "$root/tmp"
	find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# Prints one newc cpio header + name for a file without data.
newc_entry() { # name mode(hex) rdevmajor rdevminor
	local name=$1 namesize=$((${#1} + 1)) pad
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$((16#$2))" 0 0 1 "$SOURCE_DATE_EPOCH" 0 0 0 "$3" "$4" "$namesize" 0
	pad=$(((4 - (110 + namesize) % 4) % 4))
	printf '%s\0' "$name"
	head -c "$pad" /dev/zero
}

# /dev/console must exist before /init runs (the kernel opens it for
# init's stdio), and making a device node needs root: write that one
# entry by hand as a second archive, which the kernel unpacks after the
# first.
console_archive() {
	newc_entry dev/console 2180 5 1 # S_IFCHR | 0600, char 5:1
	newc_entry TRAILER!!! 0 0 0
}

# Packs $1 into the gzip cpio $2.
pack() {
	(
		cd "$1"
		find . -mindepth 1 -printf '%P\n' | sort |
			cpio --quiet -o -H newc -R 0:0 --reproducible
		console_archive
	) | gzip -n -9 >"$2"
}

main() {
	need_pkgs busybox-static cpio gzip gcc libc6-dev
	take_lock initramfs
	local hash
	hash=$(inputs_hash "$0" "$GUEST_DIR/lib.sh" "$GUEST_DIR/init" \
		"$GUEST_DIR"/*.c -- "busybox-static=$(pkg_version busybox-static)" \
		"libc6-dev=$(pkg_version libc6-dev)" "$(gcc --version | head -n1)")
	if [ "${1:-}" != --force ] && stamp_ok "$STAMP" "$hash" "$OUT"; then
		msg "up to date: $OUT"
		return 0
	fi
	WORK=$(mktemp -d "$PAGODA_CACHE/initramfs.work.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	stage_root "$WORK/root"
	pack "$WORK/root" "$WORK/initramfs.cpio.gz"
	rm -f "$STAMP"
	install_atomic "$WORK/initramfs.cpio.gz" "$OUT"
	(cd "$PAGODA_CACHE" && sha256sum initramfs.cpio.gz >"$OUT.sha256")
	stamp_write "$STAMP" "$hash"
	msg "built $OUT ($(stat -c %s "$OUT") bytes; tests: $(find "$WORK/root/tests" -type f -printf '%f\n' | sort | tr '\n' ' '))"
}

main "$@"; exit $?
