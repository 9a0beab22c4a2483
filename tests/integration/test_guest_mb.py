#!/usr/bin/env python3
"""test_guest_mb.py - Pagoda runs the multiboot test kernels as VMX guests.

Each case builds an ISO carrying one tests/guest/mb kernel as a
"multiboot ..." module, boots it in Bochs (corei7_skylake_x: VMX with EPT
and unrestricted guest), and checks what the guest printed, what Pagoda
said about it, and that Pagoda's shell still answers afterwards. One bad
module case runs in QEMU (no VMX needed to refuse a module).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

B = harness.BUILD
GUEST = os.path.join(B, "guest")
PROMPT = r"pagoda> "
r = harness.Report("guest-mb")


def iso(name, modules, cmdline="console=shell"):
    """An ISO with Pagoda and modules [(file, string)]; returns its path."""
    out = os.path.join(B, "test-%s.iso" % name)
    args = ["scripts/mkiso.sh", out, os.path.join(B, "pagoda.elf"), cmdline]
    for f, s in modules:
        args += [f, s]
    subprocess.run(args, cwd=harness.ROOT, check=True)
    return out


def kernel(k):
    return os.path.join(GUEST, "mb-%s.elf" % k)


def run_case(name, modules, checks, emu="bochs"):
    path = iso(name, modules)
    m = harness.bochs("guest-mb-" + name, path) if emu == "bochs" else \
        harness.qemu("guest-mb-" + name, path)
    try:
        checks(m)
        r.contains("%s: shell answers afterwards" % name, m.command("version"), r"^Pagoda ")
    except (harness.Timeout, EOFError, RuntimeError) as e:
        r.check("%s: serial conversation" % name, False, str(e))
    finally:
        m.close()


def touch(m):
    m.expect(r"mb-touch: 2048 pages ok sum=0x", 300)
    r.check("touch: 2048 pages written and verified twice in the guest", True)
    m.expect(r"guest exit status 1\b", 60)
    r.check("touch: exit port status (0 << 1) | 1 reported", True)
    m.expect(PROMPT, 30)
    out = m.command("vm")
    r.contains("touch: vm shows the guest stopped by its exit", out, r"stopped")
    r.contains("touch: vm counts EPT write violations", out, r"write-np\s+[1-9]\d{3,}")
    r.contains("touch: vm counts exits by reason", out, r"I/O instruction\s+\d+")
    r.contains("touch: 2048 pages touched in order made at least one 2 MiB EPT mapping",
               out, r"2M maps [1-9]\d* \(")
    # The first 2 MiB hold the BIOS holes and the loader's data: never one
    # 2M leaf, so the kernel's own page at 1 MiB ends at a 4K PTE.
    out = m.command("ept 0x100000")
    r.contains("touch: ept walk of the kernel's page ends at a 4K leaf", out,
               r"PTE  \[256\] 0x[0-9a-f]+: R W X WB 4K[ AD]* page -> 0x[0-9a-f]+")
    out = m.command("ept 0x400000")
    r.contains("touch: ept walk of the touched region ends at a 2M leaf", out,
               r"PDE  \[  2\] 0x[0-9a-f]+: R W X WB 2M page -> 0x[0-9a-f]+")
    out = m.command("gpa2hpa 0x400123")
    r.contains("touch: gpa2hpa translates a touched page", out, r"-> hpa 0x[0-9a-f]+123\b")
    out = m.command("gpa2hpa 0xfffff000")
    r.contains("touch: gpa2hpa outside RAM", out, r"outside guest RAM")
    out = m.command("regs")
    r.contains("touch: regs dumps the vCPU", out, r"RIP [0-9a-f]{16}")
    out = m.command("mem")
    r.contains("touch: mem shows guest frames", out, r"(?i)guest\s+\d+")


def cpuid(m):
    m.expect(r"mb-cpuid: done fails=0", 120)
    r.check("cpuid: KVM signature, VMX hidden, RDMSR of a missing MSR faults", True)
    out = m.text_since(0)
    r.contains("cpuid: the guest sees the KVM signature", out, r"KVMKVMKVM")
    m.expect(PROMPT, 30)


def exit_code(m):
    m.expect(r"guest exit status 133\b", 120)
    r.check("exit: code 0x42 gives status 133", True)
    m.expect(PROMPT, 30)


def fault(m):
    m.expect(r"guest triple fault", 120)
    r.check("fault: a triple fault stops the guest with a diagnostic", True)
    m.expect(PROMPT, 30)
    out = m.command("vm")
    r.contains("fault: vm shows the stop reason", out, r"stopped: guest triple fault")


def bad_module(m):
    m.expect(PROMPT, 60)
    out = m.text_since(0)
    r.contains("bad module: one-line error naming the module", out,
               r"module 0 'frob[^']*': unknown type")
    r.lacks("bad module: no panic", out, r"(?i)panic|exception")


def not_multiboot(m):
    m.expect(PROMPT, 120)
    out = m.text_since(0)
    r.contains("not multiboot: refused with a reason", out, r"module 0: no multiboot header")
    r.lacks("not multiboot: no guest launched", out, r"launched")


# --- string I/O and MMIO emulation (tests/guest/mb/mmio.c) ---

def mmio_string(m):
    m.expect(r"mb-mmio: hello through rep outsb\r?\n", 120)
    r.check("string: REP OUTSB reaches COM1 whole", True)
    m.expect(r"mb-mmio: and backwards with DF=1\r?\n", 60)
    r.check("string: REP OUTSB with DF=1 walks down", True)
    m.expect(r"mb-mmio: string I/O ok", 120)
    r.check("string: REP INSB/OUTSB of 5000 bytes across pages leave ESI/EDI/ECX right", True)
    m.expect(r"guest exit status 1\b", 60)
    m.expect(PROMPT, 30)
    out = m.command("vm")
    r.contains("string: the guest ended through the exit port", out,
               r"stopped: guest wrote to the test-exit port: status 1\b")


def mmio_unclaimed(m):
    out = m.expect(r"stopped: access outside the guest's \d+ MiB of RAM, no device there: "
                   r"gpa 0xfe000000, RIP 0x[0-9a-f]+, insn [0-9a-f ]+", 120)
    r.check("unclaimed: a load from 0xfe000000 stops the guest with gpa, RIP and bytes", True)
    m.expect(PROMPT, 30)
    out = m.command("vm")
    r.contains("unclaimed: vm shows the stop reason", out, r"stopped: access outside")
    r.contains("unclaimed: vm counts no emulated MMIO", out, r"MMIO accesses emulated: 0\b")
    r.lacks("unclaimed: the guest did not go on", m.text_since(0), r"mb-mmio: read 0x")
    r.contains("unclaimed: gva2gpa with guest paging off", m.command("gva2gpa 0x101000"),
               r"guest paging off[^\n]*\n.*gva 0x101000 -> gpa 0x101000")


def mmio_ioapic(m):
    m.expect(r"mb-mmio: I/O APIC version register 0x00170011", 120)
    r.check("ioapic: IOREGSEL/IOWIN MMIO emulated: version 0x11, 24 entries", True)
    m.expect(r"guest exit status 1\b", 60)
    m.expect(PROMPT, 30)
    out = m.command("vm")
    r.contains("ioapic: vm counts the two MMIO accesses", out, r"MMIO accesses emulated: 2\b")


def main():
    run_case("bad-module", [(kernel("exit"), "frobnicate code=1")], bad_module, emu="qemu")
    run_case("touch", [(kernel("touch"), "multiboot pages=2048 rounds=2")], touch)
    run_case("cpuid", [(kernel("cpuid"), "multiboot")], cpuid)
    run_case("exit", [(kernel("exit"), "multiboot code=0x42")], exit_code)
    run_case("fault", [(kernel("fault"), "multiboot how=triple")], fault)
    run_case("not-multiboot", [(os.path.join(B, "pagoda.iso"), "multiboot")], not_multiboot)
    run_case("mmio-string", [(kernel("mmio"), "multiboot how=string")], mmio_string)
    run_case("mmio-unclaimed", [(kernel("mmio"), "multiboot how=unclaimed")], mmio_unclaimed)
    run_case("mmio-ioapic", [(kernel("mmio"), "multiboot how=ioapic")], mmio_ioapic)
    r.finish()


if __name__ == "__main__":
    main()
