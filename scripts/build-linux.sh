#!/bin/bash
# build-linux.sh: build the small Linux 6.1 test guest kernel.
#
# Debian's linux-source-6.1 tree, `make tinyconfig`, merged with
# tests/guest/linux.config, `make olddefconfig`, then a check that every
# option of the fragment survived, then `make bzImage`.
# Outputs: $PAGODA_CACHE/linux/{bzImage,config,bzImage.sha256,build.log}.
# Rebuilds only when the fragment, this script, tests/guest/lib.sh, the
# source package version or the compiler changed. Takes ~6 min on 2 cores.
#
# Usage: scripts/build-linux.sh [--force]
# Env:   PAGODA_CACHE (default ~/.cache/pagoda), JOBS (default 2),
#        PAGODA_LINUX_FRAGMENT (another fragment, for experiments: give it
#        its own PAGODA_CACHE too, or it replaces the cached kernel).
set -euo pipefail
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../tests/guest/lib.sh"

SRC_PKG=linux-source-6.1
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
FRAG=${PAGODA_LINUX_FRAGMENT:-$GUEST_DIR/linux.config}
OUT=$PAGODA_CACHE/linux
OBJ=$PAGODA_CACHE/linux-obj
JOBS=${JOBS:-2}
KMAKE=(make ARCH=x86_64 KBUILD_BUILD_TIMESTAMP="@$SOURCE_DATE_EPOCH"
	KBUILD_BUILD_USER=pagoda KBUILD_BUILD_HOST=pagoda KBUILD_BUILD_VERSION=1)

# Unpacks the source tarball once per package version; prints the tree.
unpack_source() {
	local ver=$1 dir=$PAGODA_CACHE/linux-src/$1
	if [ ! -f "$dir/.unpacked" ]; then
		msg "unpacking $SRC_TAR (~20 s)"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		tar -xJf "$SRC_TAR" -C "$dir.tmp" --strip-components=1
		touch "$dir.tmp/.unpacked"
		mv "$dir.tmp" "$dir"
	fi
	echo "$dir"
}

# Fails, naming each option, when the final .config disagrees with the
# fragment (olddefconfig silently drops options whose dependencies fail).
verify_config() {
	local config=$1 line opt val bad=0
	while IFS= read -r line; do
		[[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
		opt=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		if [ "$val" = n ]; then
			grep -q "^$opt=" "$config" || continue
		else
			grep -qxF "$opt=$val" "$config" && continue
		fi
		msg "config: $opt=$val requested, final .config has:" \
			"$(grep -E "^(# )?${opt}[= ]" "$config" || echo '(absent)')"
		bad=1
	done <"$FRAG"
	[ $bad = 0 ] || die "options of $FRAG did not survive olddefconfig"
}

# Configures and builds in $OBJ; make output goes to $OBJ/build.log.
build() {
	local src=$1 log=$OBJ/build.log
	: >"$log"
	msg "configuring (log: $log)"
	"${KMAKE[@]}" -C "$src" O="$OBJ" tinyconfig >>"$log" 2>&1
	"$src/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" \
		"$FRAG" >>"$log" 2>&1
	"${KMAKE[@]}" -C "$src" O="$OBJ" olddefconfig >>"$log" 2>&1
	verify_config "$OBJ/.config"
	msg "building bzImage with -j$JOBS (~6 min; log: $log)"
	"${KMAKE[@]}" -C "$src" O="$OBJ" -j"$JOBS" bzImage >>"$log" 2>&1 ||
		{ tail -n 40 "$log" >&2; die "kernel build failed, see $log"; }
}

main() {
	need_pkgs "$SRC_PKG" make gcc flex bison bc libelf-dev libssl-dev xz-utils
	take_lock linux
	local ver hash src
	ver=$(pkg_version "$SRC_PKG")
	hash=$(inputs_hash "$FRAG" "$0" "$GUEST_DIR/lib.sh" -- \
		"$SRC_PKG=$ver" "$(gcc --version | head -n1)")
	if [ "${1:-}" != --force ] && stamp_ok "$OUT/stamp" "$hash" "$OUT/bzImage" "$OUT/config"; then
		msg "up to date: $OUT/bzImage"
		return 0
	fi
	src=$(unpack_source "$ver")
	# An object tree of another source version cannot be reused.
	if [ "$(cat "$OBJ/.srcver" 2>/dev/null)" != "$ver" ]; then
		rm -rf "$OBJ"
	fi
	mkdir -p "$OBJ" && echo "$ver" >"$OBJ/.srcver"
	build "$src"
	rm -f "$OUT/stamp"
	install_atomic "$OBJ/arch/x86/boot/bzImage" "$OUT/bzImage"
	install_atomic "$OBJ/.config" "$OUT/config"
	install_atomic "$OBJ/build.log" "$OUT/build.log"
	(cd "$OUT" && sha256sum bzImage >bzImage.sha256.tmp && mv bzImage.sha256.tmp bzImage.sha256)
	stamp_write "$OUT/stamp" "$hash"
	msg "built $OUT/bzImage ($(stat -c %s "$OUT/bzImage") bytes), config $OUT/config"
}

main "$@"; exit $?
