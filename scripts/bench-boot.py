#!/usr/bin/env python3
"""bench-boot.py: a guest's boot time to /init in Bochs, bare vs under Pagoda.

For each kernel (the tiny test kernel; with --debian also Debian's stock
kernel), boots the same kernel + initramfs + command line twice, one after
the other: bare (GRUB boots Linux directly, scripts/mkiso-bare.sh, Bochs
with as much RAM as the guest gets under Pagoda) and under Pagoda
(scripts/mkiso.sh, Bochs with 512 MiB). Both count wall-clock and Bochs CPU
seconds from Bochs' start to "pagoda-guest: init reached". In the Pagoda
run it then switches to Pagoda's shell (Ctrl-\\), pauses the guest and
reads `vm` (exits by reason, accesses by device, EPT violations, frames
backed) and `ept` (4K and 2M leaves). Prints a table with the Pagoda/bare ratios.

Figures only, never a verdict: Bochs emulates the machine, so the seconds
say how fast Bochs runs on this host, and wall-clock moves with other load
(the CPU column much less). Exit status: 0 when every run reached /init, 1
otherwise, 2 on bad usage. Not part of `make test`; run by `make bench`.

Usage: scripts/bench-boot.py [--debian] [--append ARGS] [--timeout S]
Context: host, python3 + bochs-bin; logs in build/logs/bench-*.
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import harness  # noqa: E402

INIT = "pagoda-guest: init reached"
# Milestones on the serial line, in boot order; a quiet guest prints only some.
MARKS = [
    ("guest launched", r"guest 'linux' launched"),  # Pagoda only
    ("first kernel line", r"Linux version"),
    ("Run /init", r"Run /init"),
    ("init reached", INIT),
]
BENCH_DIR = os.path.join(harness.BUILD, "bench")


class Kernel:
    """One guest to time: files, the cached-artifact scripts that make them,
    guest command line, Pagoda's command line and the guest RAM (the bare
    Bochs gets the same)."""

    def __init__(self, name, kernel, scripts, cmdline, pagoda_cmdline, ram_mib):
        self.name, self.kernel, self.scripts, self.cmdline = name, kernel, scripts, cmdline
        self.pagoda_cmdline, self.ram_mib = pagoda_cmdline, ram_mib


def kernels(args):
    """The kernels to time, with their command lines from harness.py."""
    extra = (" " + args.append) if args.append else ""
    initrd = "scripts/build-initramfs.sh"
    out = [Kernel("tiny", harness.LINUX_KERNEL, ["scripts/build-linux.sh", initrd],
                  harness.GUEST_CMDLINE + extra, "guest_mem=256M", 256)]
    if args.debian:
        out.append(Kernel("debian", harness.DEBIAN_KERNEL,
                          ["scripts/fetch-debian-kernel.sh", initrd],
                          harness.DEBIAN_CMDLINE + extra, harness.DEBIAN_PAGODA_CMDLINE, 128))
    return out


def build_isos(k):
    """Returns (bare ISO, Pagoda ISO) for kernel @k, after its guest
    artifacts; every script keeps what is up to date. Raises
    CalledProcessError when one fails."""
    for script in k.scripts:
        subprocess.run([script], cwd=harness.ROOT, check=True)
    os.makedirs(BENCH_DIR, exist_ok=True)
    bare = os.path.join(BENCH_DIR, "bare-%s.iso" % k.name)
    subprocess.run(["scripts/mkiso-bare.sh", "-k", k.kernel, "-i", harness.INITRD,
                    "-c", k.cmdline, "-o", bare], cwd=harness.ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    pagoda = harness.guest_iso(os.path.join(BENCH_DIR, "pagoda-%s.iso" % k.name),
                               k.kernel, k.cmdline, k.pagoda_cmdline)
    return bare, pagoda


def watch(m, timeout):
    """Reads the serial line until INIT; returns {mark: (wall, cpu)} for every
    milestone seen. Raises harness.Timeout or EOFError when INIT never comes."""
    seen, end = {}, time.monotonic() + timeout
    while True:
        for name, rx in MARKS:
            if name not in seen and re.search(rx.encode(), m.buf):
                seen[name] = (m.elapsed(), m.cpu_seconds())
        if "init reached" in seen:
            return seen
        if time.monotonic() > end:
            raise harness.Timeout("%s: no %r within %ss" % (m.name, INIT, timeout))
        m.read_more(1.0)


def shell_figures(m):
    """Pauses the guest from Pagoda's shell and returns parse_vm() of `vm`,
    with "leaves_4k"/"leaves_2m" from `ept` and "paused_after" (s since INIT)."""
    t_init = m.elapsed()
    m.to_shell()
    m.command("pause", timeout=60)
    paused = m.elapsed() - t_init
    text = m.command("vm", timeout=60)
    vm = harness.parse_vm(text)
    # Accesses per device ("ports: uart N, pic-master N, ..."), as printed.
    vm["devices"] = re.findall(r"(?m)^\s*((?:ports|MSRs|MMIO): .*?)\s*$", text)
    ept = m.command("ept", timeout=60)
    mt = re.search(r"leaves 4K (\d+) 2M (\d+)", ept)
    if mt:
        vm["leaves_4k"], vm["leaves_2m"] = int(mt.group(1)), int(mt.group(2))
    vm["paused_after"] = paused
    return vm


def run(name, iso, megs, timeout, pagoda):
    """Boots @iso in Bochs; returns (milestones, vm figures or None)."""
    m = harness.bochs(name, iso, megs=megs)
    try:
        seen = watch(m, timeout)
        vm = shell_figures(m) if pagoda else None
        return seen, vm
    finally:
        m.close()


def fmt(x):
    return "-" if x is None else "%.1f" % x


def ratio(p, b):
    return "%.2fx" % (p / b) if p is not None and b else ""


def print_times(bare, pag):
    """One row per milestone: wall-clock and Bochs CPU seconds from Bochs'
    start, bare and under Pagoda, and the Pagoda/bare ratios."""
    print("%-22s %9s %9s %11s %11s %10s %10s" % (
        "seconds to", "bare wall", "bare CPU", "Pagoda wall", "Pagoda CPU",
        "ratio wall", "ratio CPU"))
    for name, _ in MARKS:
        b, p = bare.get(name, (None, None)), pag.get(name, (None, None))
        if b[0] is None and p[0] is None:
            continue
        print("%-22s %9s %9s %11s %11s %10s %10s" % (
            name, fmt(b[0]), fmt(b[1]), fmt(p[0]), fmt(p[1]),
            ratio(p[0], b[0]), ratio(p[1], b[1])))
    if "guest launched" in pag:
        launch, init = pag["guest launched"], pag["init reached"]
        print("%-22s %9s %9s %11s %11s" % ("launch -> init", "", "",
                                          fmt(init[0] - launch[0]), fmt(init[1] - launch[1])))


def print_counters(vm):
    """Pagoda's `vm` and `ept` figures for the boot."""
    print("Pagoda's counters (guest paused %.1f s after init reached):" % vm["paused_after"])
    print("  exits %s total, %s injections; frames backed %s (%s MiB of %s MiB)" % (
        vm.get("exits"), vm.get("injections"), vm.get("frames_backed"),
        vm.get("frames_backed", 0) * 4 // 1024, vm.get("ram_mib")))
    for reason, n in sorted(vm["exits_by_reason"].items(), key=lambda x: -x[1]):
        print("    %-28s %10d" % (reason, n))
    print("  accesses by device, busiest first:")
    for line in vm.get("devices", []):
        print("    " + line)
    print("  EPT violations %d:" % vm["ept_violations_total"] + "".join(
        " %s %d" % (kind, n) for kind, n in vm["ept_violations"].items() if n))
    print("  EPT leaves: 4K %s, 2M %s" % (vm.get("leaves_4k"), vm.get("leaves_2m")))


def print_table(k, bare, pag, vm):
    """Prints one kernel's figures."""
    print("\n== %s kernel: %s" % (k.name, k.kernel))
    print("guest command line: %s" % k.cmdline)
    print("Pagoda: %s; bare Bochs RAM %d MiB (the guest's)" %
          (k.pagoda_cmdline, k.ram_mib))
    print_times(bare, pag)
    if vm:
        print_counters(vm)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--debian", action="store_true",
                    help="also Debian's stock kernel (~3 min more in Bochs)")
    ap.add_argument("--append", default="", help="extra guest command-line words")
    ap.add_argument("--timeout", type=float, default=1500, help="per boot, seconds")
    args = ap.parse_args()
    failed = 0
    for k in kernels(args):
        try:
            bare_iso, pagoda_iso = build_isos(k)
        except subprocess.CalledProcessError as e:
            print("bench-boot: %s: building the ISOs failed: %s" % (k.name, e), file=sys.stderr)
            return 1
        try:
            bare, _ = run("bench-%s-bare" % k.name, bare_iso, k.ram_mib, args.timeout, False)
            pag, vm = run("bench-%s-pagoda" % k.name, pagoda_iso, 512, args.timeout, True)
        except (harness.Timeout, EOFError, RuntimeError) as e:
            print("bench-boot: %s: %s (logs in build/logs/bench-%s-*)" % (k.name, e, k.name),
                  file=sys.stderr)
            failed += 1
            continue
        print_table(k, bare, pag, vm)
    print("\nAll times: Bochs 2.7 emulation (corei7_skylake_x, ips=100000000) on this host, "
          "not real hardware.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
