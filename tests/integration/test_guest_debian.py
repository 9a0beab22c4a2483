#!/usr/bin/env python3
"""test_guest_debian.py - Pagoda boots Debian's stock kernel to /init in Bochs.

The guest is Debian 12's unmodified linux-image-6.1.0-*-amd64
(scripts/fetch-debian-kernel.sh) with the test initramfs
(scripts/build-initramfs.sh), under EPT on corei7_skylake_x. One boot,
several checks: /init runs memtest over 16 MiB (the checksum must be the
host's), then the busybox shell on the guest console answers typed
commands (uname, a page-touching test program), Ctrl-\\ reaches Pagoda's
shell, whose `vm` must show EPT violations, and Ctrl-\\ goes back.

Kept short on purpose: the guest logs `quiet` (every console byte is
exits) and gets 128 MiB of RAM; the command lines are in harness.py.
Prints "# ..." lines with the wall-clock figures (Bochs-emulated).
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

MEMTEST_MIB = 16
MEMTEST_SUM = "0x725a0e5d38e1f154"  # `memtest 16` on the host: data-dependent, fixed
TOUCH_PAGES = 1024
r = harness.Report("guest-debian")


def debian_release():
    """Returns the kernel release of the fetched package ("6.1.0-56-amd64"),
    or None when the fetch script's package file is missing."""
    try:
        with open(os.path.join(harness.CACHE, "debian", "package")) as f:
            name = f.readline().split()[0]
    except (OSError, IndexError):
        return None
    return name[len("linux-image-"):] if name.startswith("linux-image-") else None


def boot_checks(m):
    """Up to the guest's shell prompt: launch, /init, memtest."""
    m.expect(r"guest 'linux' launched: 128 MiB RAM, EPT", 300)
    r.check("Debian kernel launched under EPT with 128 MiB", True)
    m.expect(r"pagoda-guest: init reached", 900)
    wall, cpu = m.elapsed(), m.cpu_seconds()
    r.check("Debian's stock kernel reaches /init", True)
    print("# guest-debian: /init reached %.1f s wall, %.1f s Bochs CPU after Bochs "
          "started (Bochs-emulated)" % (wall, cpu), flush=True)
    out = m.expect(r"memtest: [^\r\n]*\r?\n", 600).group(0).decode(errors="replace")
    r.contains("memtest %d MiB checksum matches the host's" % MEMTEST_MIB, out,
               r"memtest: %d MiB ok checksum=%s" % (MEMTEST_MIB, MEMTEST_SUM))
    # Up to the line's end: a partial line would match an empty verdict.
    out = m.expect(r"pagoda-guest: result memtest [^\r\n]*\r?\n", 120).group(0)
    r.contains("memtest result line", out.decode(errors="replace"), r"result memtest pass\r?$")
    m.expect(harness.GUEST_PROMPT, 120)
    r.check("busybox shell prompt on the guest console", True)
    m.guest_sync()


def console_checks(m, release):
    """Commands typed on the guest console, then Pagoda's shell and back."""
    out = m.guest_command("uname -r")
    r.contains("uname -r is the Debian package's kernel", out,
               r"^%s\r?$" % re.escape(release or "no package file"))
    # Guest timers must fire on time: a tick late by Pagoda's 1 ms
    # granularity made jiffies lag and Linux call the TSC unstable, then
    # read the ACPI PM timer (an I/O exit) for every clock read.
    out = m.guest_command("cat /sys/devices/system/clocksource/clocksource0/"
                          "current_clocksource; dmesg | grep -c 'TSC unstable'")
    r.contains("the guest keeps the TSC as its clocksource", out, r"^tsc\r?$")
    r.contains("the guest never marked its TSC unstable", out, r"^0\r?$")
    out = m.guest_command("/tests/touch %d; echo rc=$?" % TOUCH_PAGES, timeout=180)
    r.contains("touch %d pages typed on the console" % TOUCH_PAGES, out,
               r"touch: %d pages in [0-9.]+ ms" % TOUCH_PAGES)
    r.contains("touch exits 0", out, r"^rc=0\r?$")
    m.to_shell()
    out = m.command("vm", timeout=60)
    vm = harness.parse_vm(out)
    r.contains("vm: the guest is running", out, r"guest 'linux': running")
    r.check("vm: EPT violations counted", vm["ept_violations_total"] > 0, harness.indent(out))
    r.check("vm: frames backed within 16..128 MiB",
            4096 <= vm.get("frames_backed", 0) <= 32768, harness.indent(out))
    print("# guest-debian: %s exits, %s EPT violations, %s frames backed by then"
          % (vm.get("exits"), vm["ept_violations_total"], vm.get("frames_backed")),
          flush=True)
    r.contains("ept: 4K leaves mapped", m.command("ept", timeout=60),
               r"leaves 4K [1-9]\d*")
    m.to_guest()
    m.guest_sync()
    out = m.guest_command("echo back-$((6 * 7))")
    r.contains("guest shell answers after switching back", out, r"^back-42\r?$")


def main():
    release = debian_release()
    if not os.path.isfile(harness.DEBIAN_KERNEL) or not os.path.isfile(harness.INITRD):
        r.check("guest artifacts present", False, "run scripts/fetch-debian-kernel.sh "
                "and scripts/build-initramfs.sh (%s, %s)"
                % (harness.DEBIAN_KERNEL, harness.INITRD))
        r.finish()
    iso = harness.guest_iso(
        os.path.join(harness.BUILD, "test-debian.iso"), harness.DEBIAN_KERNEL,
        harness.DEBIAN_CMDLINE + " pagoda.test=memtest pagoda.args=%d" % MEMTEST_MIB,
        harness.DEBIAN_PAGODA_CMDLINE)
    m = harness.bochs("guest-debian", iso)
    try:
        boot_checks(m)
        console_checks(m, release)
    except (harness.Timeout, EOFError, RuntimeError) as e:
        r.check("serial conversation", False, str(e))
    finally:
        print("# guest-debian: one boot, %.1f s wall in all (Bochs-emulated)"
              % m.elapsed(), flush=True)
        m.close()
    r.finish()


if __name__ == "__main__":
    main()
