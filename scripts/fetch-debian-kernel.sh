#!/bin/bash
# fetch-debian-kernel.sh: fetch Debian's stock amd64 kernel, unmodified.
#
# Asks apt which linux-image-6.1.0-*-amd64 package linux-image-amd64
# depends on now, `apt-get download`s it (no install) and unpacks only its
# /boot: the same kernel a Debian 12 machine boots, as a second guest.
# Outputs: $PAGODA_CACHE/debian/{vmlinuz,config,package,vmlinuz.sha256}.
# Refetches only when that package or version (or this script) changed.
#
# Usage: scripts/fetch-debian-kernel.sh [--force]
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../tests/guest/lib.sh"

OUT=$PAGODA_CACHE/debian
WORK=

# Prints "name version" of the image package linux-image-amd64 depends on.
resolve_package() {
	local name ver
	name=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.0-.*-amd64$/ { print $2; exit }')
	[ -n "$name" ] || return 1
	ver=$(apt-cache policy "$name" | awk '$1 == "Candidate:" { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	echo "$name $ver"
}

# resolve_package, after an apt-get update when we are root and apt knows
# nothing yet; otherwise says what to run.
resolve_or_update() {
	resolve_package && return 0
	if [ "$(id -u)" = 0 ]; then
		msg "apt does not know linux-image-amd64; running apt-get update"
		apt-get update >&2 && resolve_package && return 0
	fi
	die "apt-cache cannot resolve linux-image-amd64; run: apt-get update"
}

# Downloads package $1 version $2 into $WORK and extracts its /boot.
fetch() {
	# Root: download as root into our private directory (apt's _apt
	# sandbox user cannot write there).
	local opts=()
	[ "$(id -u)" = 0 ] && opts=(-o APT::Sandbox::User=root)
	(cd "$WORK" && apt-get "${opts[@]}" download "$1=$2" >&2) ||
		die "apt-get download $1=$2 failed"
	mkdir -p "$WORK/x"
	dpkg-deb --fsys-tarfile "$WORK"/*.deb | tar -x -C "$WORK/x" ./boot
	sha256sum "$WORK"/*.deb | sed "s|$WORK/||" >"$WORK/deb.sha256"
}

main() {
	need_pkgs apt dpkg
	take_lock debian
	local pkg name ver hash kver
	pkg=$(resolve_or_update) # not read < <(...): set -e must see a failure
	read -r name ver <<<"$pkg"
	hash=$(inputs_hash "$0" "$GUEST_DIR/lib.sh" -- "$name=$ver")
	if [ "${1:-}" != --force ] && stamp_ok "$OUT/stamp" "$hash" "$OUT/vmlinuz"; then
		msg "up to date: $OUT/vmlinuz ($name $ver)"
		return 0
	fi
	WORK=$(mktemp -d "$PAGODA_CACHE/debian.work.XXXXXX")
	trap 'rm -rf "$WORK"' EXIT
	msg "downloading $name $ver"
	fetch "$name" "$ver"
	kver=${name#linux-image-}
	[ -f "$WORK/x/boot/vmlinuz-$kver" ] || die "$name has no /boot/vmlinuz-$kver"
	rm -f "$OUT/stamp"
	install_atomic "$WORK/x/boot/vmlinuz-$kver" "$OUT/vmlinuz"
	install_atomic "$WORK/x/boot/config-$kver" "$OUT/config"
	{ echo "$name $ver"; cat "$WORK/deb.sha256"; } >"$WORK/package"
	install_atomic "$WORK/package" "$OUT/package"
	(cd "$OUT" && sha256sum vmlinuz >vmlinuz.sha256)
	stamp_write "$OUT/stamp" "$hash"
	msg "fetched $OUT/vmlinuz ($(stat -c %s "$OUT/vmlinuz") bytes, $name $ver)"
}

main "$@"; exit $?
