# tests/guest/lib.sh: helpers shared by the guest-artifact scripts.
#
# Sourced (not run) by scripts/build-linux.sh, build-initramfs.sh,
# fetch-debian-kernel.sh and mkiso-bare.sh. Owns the cache location, the
# input-hash stamps that make those scripts idempotent, the package check
# and the atomic install of outputs.
# Context: host shell (bash), any user; root may install missing packages.
# shellcheck shell=bash

PAGODA_CACHE=${PAGODA_CACHE:-$HOME/.cache/pagoda}
GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$GUEST_DIR/../.." && pwd)

# Prints "<script name>: <message>" on stderr.
msg() { echo "${0##*/}: $*" >&2; }
die() { msg "error: $*"; exit 1; }

# Prints the installed version of a Debian package, or nothing.
pkg_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null |
		awk '$1 ~ /^.i/ { print $2 }'
}

# Makes sure every named Debian package is installed. Root installs the
# missing ones; anyone else gets the exact apt-get line and exit 1.
need_pkgs() {
	local p missing=()
	for p in "$@"; do
		[ -n "$(pkg_version "$p")" ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" = 0 ] && [ -z "${PAGODA_NO_INSTALL:-}" ]; then
		msg "installing missing packages: ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
			{ apt-get update && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y "${missing[@]}"; } ||
			die "apt-get install -y ${missing[*]} failed"
		return 0
	fi
	msg "missing Debian packages; run as root:"
	echo "apt-get install -y ${missing[*]}" >&2
	exit 1
}

# Prints one sha256 over the named files' paths-relative-to-repo and
# contents, then over every extra string given after "--".
inputs_hash() {
	local f s
	{
		while [ $# -gt 0 ] && [ "$1" != "--" ]; do
			# Repo files by repo-relative path, so the hash is the
			# same however the script was called and in any clone.
			f=$(realpath "$1") || die "no input $1"
			echo "file ${f#"$REPO_ROOT"/}"
			sha256sum <"$f" || die "cannot read input $1"
			shift
		done
		[ $# -gt 0 ] && shift
		for s in "$@"; do echo "str $s"; done
	} | sha256sum | cut -d' ' -f1
}

# True when stamp file $1 holds $2 and every output file named after them
# exists.
stamp_ok() {
	local stamp=$1 hash=$2 f
	shift 2
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] || return 1
	for f in "$@"; do [ -e "$f" ] || return 1; done
}

# Records $2 in stamp file $1 (atomically; write it after the outputs).
stamp_write() {
	echo "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}

# Copies $1 to $2 through a temporary file in $2's directory, so readers
# see either the old file or the whole new one.
install_atomic() {
	local tmp
	mkdir -p "$(dirname "$2")"
	tmp=$(mktemp "$2.tmp.XXXXXX")
	if ! { cp "$1" "$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$2"; }; then
		rm -f "$tmp"
		die "cannot install $2"
	fi
}

# Takes an exclusive lock named $1 for the rest of the script, so two
# builds of the same artifact (two make runs) do not interleave.
take_lock() {
	mkdir -p "$PAGODA_CACHE"
	exec 9>"$PAGODA_CACHE/.lock-$1"
	flock 9
}

# Stable file times and locale for reproducible archives.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1672531200} # 2023-01-01 UTC
export LC_ALL=C TZ=UTC
