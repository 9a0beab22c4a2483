#!/usr/bin/env bash
# deps.sh PURPOSE - make sure the Debian packages PURPOSE needs are installed.
#
# PURPOSE is build, run or test. As root, missing packages are installed
# with apt-get; otherwise the exact apt-get line is printed and we fail.
set -euo pipefail

build=(gcc make binutils libc6-dev grub-pc-bin grub-common xorriso mtools)
emu=(qemu-system-x86 bochs bochsbios vgabios python3)
guest=(busybox-static cpio linux-source-6.1 flex bison bc libelf-dev libssl-dev
	xz-utils)
unit=(libcmocka-dev)

case "${1:-build}" in
build) want=("${build[@]}") ;;
run) want=("${build[@]}" "${emu[@]}" "${guest[@]}") ;;
test) want=("${build[@]}" "${emu[@]}" "${guest[@]}" "${unit[@]}") ;;
*) echo "deps.sh: unknown purpose '$1' (build, run or test)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
	exit 0
fi
echo "deps: missing Debian packages; run as root:" >&2
echo "  apt-get install -y ${missing[*]}" >&2
exit 1
