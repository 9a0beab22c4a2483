#!/usr/bin/env bash
# test.sh - every test tier, fast first; ends with "N passed, M failed".
#
# Tiers: host unit tests (cmocka, ASan/UBSan); integration tests that boot
# the real ISO in QEMU (TCG: boot path, shell, no-VMX path) and in Bochs
# (VMX with and without EPT); Linux guests under Pagoda in Bochs (the test
# kernel, then Debian's stock kernel, ~2 min). Each tier prints "ok"/"not
# ok" lines; a tier that cannot even build counts as a failure, never as a
# skip.
set -u
cd "$(dirname "$0")/.." || exit 1
pass=0 fail=0
mkdir -p build/logs

# count OUTPUT-FILE: add the ok / not ok lines of a finished tier.
count() {
	local p f
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	pass=$((pass + p))
	fail=$((fail + f))
}

# tier NAME COMMAND...: run one tier, echoing its output; a non-zero exit
# with no "not ok" line still counts as one failure.
tier() {
	local name=$1 out="build/logs/tier-$1.out"
	shift
	echo "=== $name"
	"$@" 2>&1 | tee "$out"
	local rc=${PIPESTATUS[0]}
	count "$out"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$out"; then
		echo "not ok - $name: exited with status $rc"
		fail=$((fail + 1))
	fi
}

build_unit() { make -j2 --no-print-directory unit; }
build_iso() { make -j2 --no-print-directory iso >/dev/null && echo "ok - build: pagoda.iso"; }
build_linux() {
	scripts/build-linux.sh >build/logs/build-linux.log 2>&1 &&
		scripts/build-initramfs.sh >build/logs/build-initramfs.log 2>&1 &&
		echo "ok - build: guest Linux and initramfs (cached)"
}
build_mb() { scripts/build-mbkernels.sh build/guest >/dev/null && echo "ok - build: multiboot test kernels"; }
build_debian() {
	if scripts/fetch-debian-kernel.sh >build/logs/fetch-debian-kernel.log 2>&1; then
		echo "ok - build: Debian stock kernel (fetched once, cached)"
	else
		cat build/logs/fetch-debian-kernel.log
		return 1
	fi
}

tier unit build_unit
tier iso build_iso
tier mbkernels build_mb
if [ -f build/pagoda.iso ]; then
	tier shell-qemu python3 tests/integration/test_shell.py qemu
	tier mbkernels-qemu python3 tests/integration/test_mbkernels_qemu.py
	tier shell-bochs python3 tests/integration/test_shell.py bochs
	tier shell-bochs-noept python3 tests/integration/test_shell.py bochs-noept
	tier guest-mb python3 tests/integration/test_guest_mb.py
	tier guest-linux-build build_linux
	tier guest-linux python3 tests/integration/test_guest_linux.py
	tier guest-debian-build build_debian
	tier guest-debian python3 tests/integration/test_guest_debian.py
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
