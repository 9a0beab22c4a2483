#!/usr/bin/env python3
"""bochs-boottime.py: time a guest ISO's boot in Bochs up to a serial marker.

Boots the ISO in Bochs through tests/integration/harness.py (the same
bochsrc as the integration tests and scripts/bench-boot.py: headless rfb
display, COM1 as a TCP socket server that we connect to at once, so each
line is timed as it appears) and prints the wall-clock seconds from
starting Bochs to each milestone line on the serial console, ending at
the marker (default "pagoda-guest: init reached"), and the CPU seconds
Bochs had used by then (less sensitive to other load on the host than
wall-clock). Then stops that Bochs. These times measure Bochs emulating
the machine on this host, not a real CPU. Works for a bare ISO
(scripts/mkiso-bare.sh) and for Pagoda's; scripts/bench-boot.py compares
the two.

Usage: bochs-boottime.py ISO [--until TEXT] [--timeout S] [--megs N]
                             [--cpu MODEL] [--name NAME]
Logs: build/logs/NAME.{serial,bochs,emu}.log (NAME default "boottime").
Exit status: 0 marker seen, 1 timeout or Bochs ended first, 2 bad usage.
Context: host, python3 + bochs-bin (Debian bochs, bochsbios, vgabios).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import harness  # noqa: E402

MILESTONES = [
    ("grub", b"GNU GRUB"),               # not printed with timeout 0; kept if seen
    ("pagoda", b"guest 'linux' launched"),  # only under Pagoda
    ("kernel", b"Linux version"),        # first console line (log replay)
    ("run-init", b"Run /init"),
    ("init", b"pagoda-guest: init reached"),
]


def watch(m, until, timeout):
    """Reads the serial line, printing each milestone's wall-clock and Bochs
    CPU time; returns (wall, cpu) seconds at @until, or None on timeout or
    when Bochs ends first."""
    seen, end = set(), time.monotonic() + timeout
    while time.monotonic() < end:
        for name, text in MILESTONES:
            if name not in seen and text in m.buf:
                seen.add(name)
                print("%8.2f s wall %8.2f s cpu  %s" % (m.elapsed(), m.cpu_seconds(), name),
                      flush=True)
        if until in m.buf:
            return m.elapsed(), m.cpu_seconds()
        try:
            m.read_more(0.5)
        except EOFError:
            return None
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("iso")
    ap.add_argument("--until", default="pagoda-guest: init reached")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--megs", type=int, default=512)
    ap.add_argument("--cpu", default="corei7_skylake_x")
    ap.add_argument("--name", default="boottime", help="log name under build/logs")
    args = ap.parse_args()
    if not os.path.isfile(args.iso):
        ap.error("no ISO %s" % args.iso)
    try:
        m = harness.bochs(args.name, os.path.abspath(args.iso), cpu=args.cpu,
                          megs=args.megs)
    except RuntimeError as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    try:
        result = watch(m, args.until.encode(), args.timeout)
    finally:
        m.close()
    logs = os.path.join(harness.LOGS, args.name)
    if result is None:
        print("FAIL: '%s' not seen (logs in %s.*)" % (args.until, logs), file=sys.stderr)
        return 1
    print("bochs-boottime: %.2f s wall-clock, %.2f s Bochs CPU to '%s' (%s, %d MiB, "
          "logs in %s.*)" % (result[0], result[1], args.until, args.cpu, args.megs, logs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
