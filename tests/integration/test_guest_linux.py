#!/usr/bin/env python3
"""test_guest_linux.py - Pagoda boots the small test Linux in Bochs (VMX + EPT).

The guest (scripts/build-linux.sh, scripts/build-initramfs.sh) runs
/tests/memtest 64 from its /init: 64 MiB written and re-read, and the
checksum must be the one the same program prints on the host. Linux
runs in "symmetric I/O" mode: it finds Pagoda's I/O APIC in the MADT
(guest/vioapic.c), masks the 8259 and LINT0, and takes the PIT (through
pin 2, as the MADT's override says) and the UART from the I/O APIC.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

CACHE = os.environ.get("PAGODA_CACHE", os.path.expanduser("~/.cache/pagoda"))
KERNEL = os.path.join(CACHE, "linux", "bzImage")
INITRD = os.path.join(CACHE, "initramfs.cpio.gz")
MEMTEST_SUM = "0x9451a6ebcaf66465"  # memtest 64 on the host: data-dependent, fixed
r = harness.Report("guest-linux")


def console_round_trip(m):
    """What `make run` promises (its ISO is this one without pagoda.test=):
    the busybox prompt on the guest console, a command, Ctrl-\\ to Pagoda's
    shell and `vm`, Ctrl-\\ back and the guest shell answers again."""
    m.to_guest()
    m.guest_sync()
    r.contains("busybox shell on the guest console", m.text_since(0), r"BusyBox v")
    r.contains("guest shell: echo hi", m.guest_command("echo hi"), r"^hi\r?$")
    m.to_shell()
    r.contains("Ctrl-\\ from the guest shell: vm answers", m.command("vm", timeout=60),
               r"guest 'linux': running")
    m.to_guest()
    m.guest_sync()
    r.contains("Ctrl-\\ back: the guest shell answers",
               m.guest_command("echo back-$((6 * 7))"), r"^back-42\r?$")


def check_ioapic_boot(boot):
    """The kernel log of symmetric I/O mode: the MADT's I/O APIC and overrides,
    check_timer()'s first try (IRQ0 on pin 2) working, the UART on IRQ 4."""
    r.contains("linux finds the I/O APIC", boot,
               r"IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23")
    r.contains("MADT override: ISA IRQ 0 on GSI 2", boot,
               r"INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)")
    r.contains("MADT override: the SCI level, active-high", boot,
               r"INT_SRC_OVR \(bus 0 bus_irq 9 global_irq 9 high level\)")
    r.contains("symmetric I/O mode", boot, r"APIC: Switch to symmetric I/O mode setup")
    r.contains("timer IRQ0 through I/O APIC pin 2", boot,
               r"\.\.TIMER: vector=0x\w+ apic1=0 pin1=2 ")
    r.lacks("no 8259 fallback for the timer", boot, r"MP-BIOS bug|trying to set up timer")
    r.contains("UART on IRQ 4", boot, r"ttyS0 at I/O 0x3f8 \(irq = 4,")


def check_devices(out):
    """`devices`: IRQ0 and IRQ4 came through I/O APIC pins 2 and 4, nothing dropped."""
    r.contains("devices: PIT through I/O APIC pin 2", out,
               r"pin  2: .* edge  high .*delivered [1-9]")
    r.contains("devices: UART through I/O APIC pin 4", out,
               r"pin  4: .* edge  high .*delivered [1-9]")
    r.contains("devices: no I/O APIC delivery dropped", out,
               r"dropped 0, unemulated modes 0")


def main():
    iso = os.path.join(harness.BUILD, "test-linux.iso")
    subprocess.run(["scripts/mkiso.sh", iso, os.path.join(harness.BUILD, "pagoda.elf"),
                    "", KERNEL,
                    "linux console=ttyS0 pagoda.test=memtest pagoda.args=64",
                    INITRD, "initrd"], cwd=harness.ROOT, check=True)
    m = harness.bochs("guest-linux", iso)
    try:
        m.expect(r"guest 'linux' launched", 120)
        r.check("linux guest launched under EPT", True)
        m.expect(r"Serial input goes to the guest", 60)
        r.check("serial input starts on the guest side", True)
        m.expect(r"pagoda-guest: init reached", 600)
        r.check("linux reaches /init", True)
        check_ioapic_boot(m.text_since(0))
        r.contains("ACPI: the DSDT loads and the interpreter is enabled", m.text_since(0),
                   r"ACPI: Interpreter enabled")
        r.lacks("ACPI: no AML errors", m.text_since(0), r"AE_[A-Z_]+")
        r.lacks("timers on time: the TSC is never marked unstable", m.text_since(0),
                r"Marking TSC unstable|Marking clocksource 'tsc")
        r.contains("i8042: both PS/2 ports found, AUX on IRQ 12", m.text_since(0),
                   r"serio: i8042 AUX port at 0x60,0x64 irq 12")
        out = m.expect(r"memtest: [^\r\n]*\r?\n", 300).group(0).decode(errors="replace")
        r.contains("memtest checksum matches the host's", out,
                   r"memtest: 64 MiB ok checksum=%s" % MEMTEST_SUM)
        m.expect(r"pagoda-guest: done", 60)
        m.send("\x1c")  # Ctrl-\: to the Pagoda shell
        m.expect(r"input goes to the Pagoda shell", 30)
        out = m.command("vm", timeout=60)
        r.contains("vm: the guest is running", out, r"guest 'linux': running")
        r.contains("vm: >16384 guest frames backed on demand", out,
                   r"(1[6-9]|[2-9]\d)\d{3} frames backed")
        r.contains("vm: EPT write violations counted", out, r"write-np\s+[1-9]\d{3,}")
        r.contains("vm: port accesses by device, the console's UART among them", out,
                   r"ports: [^\n]*\buart [1-9]\d*,")
        # Linux polls 0x64 10000 times per i8042 command nobody answers.
        r.contains("vm: the i8042 probe answered, not polled out (<1000 reads of 0x64)",
                   out, r"\bi8042-cmd \d{1,3},")
        r.contains("vm: the I/O APIC's MMIO accesses counted", out,
                   r"MMIO: ioapic [1-9]\d*, unclaimed 0")
        r.contains("gva2gpa walks the guest's tables", m.command("gva2gpa 0xffffffff81000000"),
                   r"-> gpa 0x")
        check_devices(m.command("devices", timeout=60))
        console_round_trip(m)
    except (harness.Timeout, EOFError, RuntimeError) as e:
        r.check("serial conversation", False, str(e))
    finally:
        m.close()
    r.finish()


if __name__ == "__main__":
    main()
