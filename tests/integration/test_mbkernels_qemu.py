#!/usr/bin/env python3
"""test_mbkernels_qemu.py - check the multiboot v1 test kernels themselves.

Before Pagoda runs tests/guest/mb's kernels as guests, this runs them
where the answer is known: directly under QEMU TCG (-kernel, the
multiboot v1 loader Pagoda imitates), once through GRUB's multiboot
loader (QEMU -cdrom), and mb-cpuid under Bochs with ignore_bad_msrs=0,
the one place here where RDMSR of a missing MSR raises #GP (QEMU 7.2's
TCG reads 0 instead). It also builds and runs the host test of the mbi
reader and option parser (tests/guest/mb/host_test.c, ASan/UBSan).

Exit statuses: a kernel's mb_exit(code) makes QEMU exit with
(code << 1) | 1, so pass 0 -> 1, fail 1 -> 3, setup error 2 -> 5,
unexpected exception 3 -> 7; a triple fault with -no-reboot exits 0.

Usage: tests/integration/test_mbkernels_qemu.py [--no-bochs]
Prints "ok - ..." / "not ok - ..." lines and "mbkernels-qemu: N passed, M failed".
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

ROOT = harness.ROOT
OUT = os.path.join(harness.BUILD, "guest")
MB_SRC = os.path.join(ROOT, "tests", "guest", "mb")
TOUCH_BASE = 0x400000
PAGE = 4096
r = harness.Report("mbkernels-qemu")


def elf(kernel):
    return os.path.join(OUT, "mb-%s.elf" % kernel)


def status_of(code):
    """QEMU's exit status for mb_exit(code) through isa-debug-exit."""
    return ((code << 1) | 1) & 0xff


def touch_sum(pages):
    """mb-touch's sum: every word (page * 0x9E3779B1) ^ word, added mod 2^32."""
    total = 0
    for p in range(pages):
        base = (p * 0x9E3779B1) & 0xffffffff
        total += sum(base ^ w for w in range(PAGE // 4))
    return total & 0xffffffff


def qemu(name, argv_tail, timeout=60, mem="128M"):
    """Run QEMU with COM1 in a file; return (status or None on timeout, text)."""
    os.makedirs(harness.LOGS, exist_ok=True)
    serial = os.path.join(harness.LOGS, "mbk-%s.serial.log" % name)
    emulog = os.path.join(harness.LOGS, "mbk-%s.emu.log" % name)
    for f in (serial, emulog):
        if os.path.exists(f):
            os.unlink(f)
    argv = ["qemu-system-x86_64", "-m", mem, "-display", "none", "-monitor", "none",
            "-no-reboot", "-serial", "file:" + serial, "-d", "cpu_reset", "-D", emulog,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] + list(argv_tail)
    try:
        status = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.STDOUT, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        status = None
    text = open(serial, "rb").read().decode(errors="replace").replace("\r", "") \
        if os.path.exists(serial) else ""
    return status, text


def run_kernel(name, kernel, append="", **kw):
    return qemu(name, ["-kernel", elf(kernel), "-append", append], **kw)


def expect_status(name, got, want, text):
    return r.check("%s: status %d" % (name, want), got == want,
                   "got %s, output:\n%s" % (got, harness.indent(text)))


def build():
    p = subprocess.run([os.path.join(ROOT, "scripts", "build-mbkernels.sh"), OUT],
                       cwd=ROOT, capture_output=True, text=True)
    return r.check("build: scripts/build-mbkernels.sh", p.returncode == 0,
                   p.stdout + p.stderr)


def host_test():
    exe = os.path.join(OUT, "mb-host-test")
    srcs = [os.path.join(MB_SRC, f) for f in ("host_test.c", "mbi.c", "cmdline.c")]
    p = subprocess.run(["gcc", "-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Werror",
                        "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                        "-I" + MB_SRC, "-I" + os.path.join(ROOT, "include"), "-o", exe]
                       + srcs, capture_output=True, text=True)
    if not r.check("host test builds", p.returncode == 0, p.stdout + p.stderr):
        return
    p = subprocess.run([exe], capture_output=True, text=True, timeout=60)
    for line in p.stdout.splitlines():
        m = re.match(r"(not )?ok - (.*)", line)
        if m:
            r.check("host: " + m.group(2), not m.group(1))
    r.check("host test exits 0 (no sanitizer report)", p.returncode == 0,
            p.stdout[-2000:] + p.stderr[-3000:])


def test_exit():
    st, out = run_kernel("exit-default", "exit")
    expect_status("mb-exit default code 0x42", st, status_of(0x42), out)
    r.contains("mb-exit prints its line", out, r"^mb-exit: .*code 0x42$")
    for code in (0, 7, 0x7f, 0xff):
        st, out = run_kernel("exit-%d" % code, "exit", "code=%#x" % code)
        expect_status("mb-exit code=%#x" % code, st, status_of(code), out)
    for bad in ("code=256", "code=zz", "code=", "code"):
        st, out = run_kernel("exit-bad", "exit", bad)
        expect_status("mb-exit %r is a setup error" % bad, st, status_of(2), out)
        r.contains("mb-exit %r says why" % bad, out,
                   r"^mb-exit: bad option code: want a number in 0\.\.255")
    st, out = run_kernel("exit-unknown", "exit", "colour=red code=1")
    expect_status("mb-exit with an unknown option still runs", st, status_of(1), out)
    r.contains("unknown option is named", out, r"^mb-exit: ignoring unknown option 'colour=red'")


def ram_end_above_4m(out):
    """End of the available mmap region holding 4 MiB, from mb-touch's lines."""
    for m in re.finditer(r"^mb-touch: mmap 0x([0-9a-f]+)-0x([0-9a-f]+) type 1$", out, re.M):
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        if lo <= TOUCH_BASE < hi:
            return hi
    return None


def test_touch_default():
    st, out = run_kernel("touch-default", "touch")
    expect_status("mb-touch default", st, status_of(0), out)
    m = re.search(r"^mb-touch: mem_lower=(\d+) mem_upper=(\d+) mmap entries=(\d+)$", out, re.M)
    if r.check("mb-touch reports the mbi", m is not None, harness.indent(out)):
        r.check("mb-touch mem_lower 639 KiB, mem_upper ~127 MiB",
                m.group(1) == "639" and 120000 < int(m.group(2)) < 131072, m.group(0))
        n = len(re.findall(r"^mb-touch: mmap 0x", out, re.M))
        r.check("mb-touch prints every mmap entry", n == int(m.group(3)) and n > 0, out)
    r.contains("mb-touch default region is 4-8 MiB", out,
               r"^mb-touch: region 0x400000-0x800000 pages=1024 stride=1 rounds=1$")
    r.contains("mb-touch default: 1024 pages, sum matches the pattern", out,
               r"^mb-touch: 1024 pages ok sum=0x%08x$" % touch_sum(1024))
    r.lacks("mb-touch default: no mbi warnings", out, r"^mb-touch: (mbi:|ignoring)")


def test_touch_options():
    st, out = run_kernel("touch-stride", "touch", "pages=256 stride=3 rounds=2")
    expect_status("mb-touch pages=256 stride=3 rounds=2", st, status_of(0), out)
    r.contains("stride 3 spans 766 pages", out,
               r"^mb-touch: region 0x400000-0x%x " % (TOUCH_BASE + 766 * PAGE))
    r.contains("sum depends on pages only", out,
               r"^mb-touch: 256 pages ok sum=0x%08x$" % touch_sum(256))
    for bad in ("pages=0", "pages=0x100001", "stride=0", "pages=abc", "rounds=0",
                "corrupt=1024", "pages=4294967296"):
        st, out = run_kernel("touch-bad", "touch", bad)
        expect_status("mb-touch %s is a setup error" % bad, st, status_of(2), out)
        r.contains("mb-touch %s says why" % bad, out, r"^mb-touch: bad option ")


def test_touch_corrupt():
    """The checker itself: a flipped word must be found, named and fail the run."""
    for pages, stride, bad in ((256, 1, 100), (8, 5, 7), (4, 1, 0)):
        args = "pages=%d stride=%d corrupt=%d" % (pages, stride, bad)
        st, out = run_kernel("touch-corrupt", "touch", args)
        expect_status("mb-touch %s fails" % args, st, status_of(1), out)
        addr = TOUCH_BASE + bad * stride * PAGE + 17 * 4
        want = ((bad * 0x9E3779B1) & 0xffffffff) ^ 17
        r.contains("mb-touch %s names page, address and values" % args, out,
                   r"^mb-touch: FAIL page %d at 0x%08x word 17: read 0x%08x want 0x%08x "
                   r"\(round 1\)$" % (bad, addr, want ^ 1, want))
        r.lacks("mb-touch %s prints no ok line" % args, out, r"pages ok")


def test_touch_bounds():
    """Largest region that fits the RAM the mbi reports passes; one page more is refused."""
    st, out = run_kernel("touch-probe", "touch", "pages=1", mem="32M")
    end = ram_end_above_4m(out)
    if not r.check("32 MiB guest: mmap has RAM above 4 MiB", st == status_of(0) and end,
                   harness.indent(out)):
        return
    fit = (end - TOUCH_BASE) // PAGE
    cases = (("pages=%d" % fit, 0), ("pages=%d" % (fit + 1), 2),
             ("pages=2 stride=%d" % (fit - 1), 0), ("pages=2 stride=%d" % fit, 2))
    for args, code in cases:
        st, out = run_kernel("touch-bounds", "touch", args, mem="32M")
        expect_status("32 MiB guest, %d pages fit: mb-touch %s" % (fit, args), st,
                      status_of(code), out)
        if code:
            r.contains("mb-touch %s: region refused" % args, out,
                       r"^mb-touch: region is not RAM according to the mbi")


def test_cpuid():
    st, out = run_kernel("cpuid", "cpuid")
    expect_status("mb-cpuid under TCG", st, status_of(0), out)
    for what, rx in (("leaf 0 vendor", r"^mb-cpuid: leaf 0: max=0x[0-9a-f]+ vendor \"\w{12}\"$"),
                     ("leaf 1 registers", r"^mb-cpuid: leaf 0x00000001: eax=0x[0-9a-f]{8} "),
                     ("TCG signature", r"^mb-cpuid: leaf 0x40000000: max=0x[0-9a-f]+ "
                                       r"signature \"TCGTCGTCGTCG\"$"),
                     ("leaf 0x40000001", r"^mb-cpuid: leaf 0x40000001: eax="),
                     ("VMX hidden under the hypervisor bit",
                      r"^mb-cpuid: hypervisor bit set, VMX bit 0: hidden ok$"),
                     ("APIC base read", r"^mb-cpuid: rdmsr 0x1b -> 0x00000000fee00[0-9a-f]{3} ok$"),
                     ("TCG RDMSR quirk named",
                      r"^mb-cpuid: rdmsr 0x12345678 -> no fault: QEMU TCG never raises"),
                     ("summary", r"^mb-cpuid: done fails=0$")):
        r.contains("mb-cpuid: " + what, out, rx)
    st, out = qemu("cpuid-nohv", ["-cpu", "qemu64,-hypervisor", "-kernel", elf("cpuid")])
    r.contains("mb-cpuid without hypervisor bit skips the VMX check", out,
               r"^mb-cpuid: no hypervisor bit .*VMX-hidden check skipped")
    r.contains("mb-cpuid without TCG signature counts the missing #GP", out,
               r"^mb-cpuid: rdmsr 0x12345678 -> no fault \(BAD\)")
    expect_status("mb-cpuid with a failed check", st, status_of(1), out)
    r.contains("mb-cpuid: done fails=1", out, r"^mb-cpuid: done fails=1$")
    st, out = run_kernel("cpuid-bad", "cpuid", "badmsr=0x1234567890")
    expect_status("mb-cpuid badmsr too big is a setup error", st, status_of(2), out)


def test_fault():
    st, out = run_kernel("fault", "fault")
    expect_status("mb-fault triple fault (QEMU -no-reboot shuts down)", st, 0, out)
    r.contains("mb-fault announces it", out, r"^mb-fault: triple faulting now$")
    r.lacks("mb-fault: nothing after the triple fault", out, r"exit|still running")
    log = os.path.join(harness.LOGS, "mbk-fault.emu.log")
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    r.contains("QEMU logged a triple fault", text, r"Triple fault")
    st, out = run_kernel("fault-ud", "fault", "how=ud")
    expect_status("mb-fault how=ud: exception caught by the guest IDT", st, status_of(3), out)
    r.contains("mb-fault how=ud names #UD and EIP", out,
               r"^mb-fault: unexpected exception 6 \(#UD\) error=0x0 eip=0x001[0-9a-f]{5} ")
    st, out = run_kernel("fault-bad", "fault", "how=sideways")
    expect_status("mb-fault how=sideways is a setup error", st, status_of(2), out)
    r.contains("mb-fault lists the choices", out, r"^mb-fault: bad option how: want one of "
                                                  r"triple ud$")


def test_mmio():
    """mb-mmio on a real(istic) PC: what Pagoda's emulation must match."""
    st, out = run_kernel("mmio-string", "mmio")
    expect_status("mb-mmio how=string: REP INS/OUTS leave registers right", st, status_of(0), out)
    r.contains("mb-mmio REP OUTSB line arrives whole", out, r"^mb-mmio: hello through rep outsb$")
    r.contains("mb-mmio says string I/O ok", out, r"^mb-mmio: string I/O ok")
    st, out = run_kernel("mmio-ioapic", "mmio", "how=ioapic")
    expect_status("mb-mmio how=ioapic: 24 redirection entries", st, status_of(0), out)
    st, out = run_kernel("mmio-unclaimed", "mmio", "how=unclaimed")
    expect_status("mb-mmio how=unclaimed: a PC reads something and goes on", st,
                  status_of(0), out)
    r.contains("mb-mmio prints what the unclaimed load read", out, r"^mb-mmio: read 0x[0-9a-f]+")


def make_iso(name, kernel, args):
    """A GRUB (BIOS) ISO whose one entry boots mb-<kernel>.elf with multiboot (v1)."""
    iso = os.path.join(OUT, "mbk-%s.iso" % name)
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "boot", "grub"))
        shutil.copy(elf(kernel), os.path.join(d, "boot", "k.elf"))
        with open(os.path.join(d, "boot", "grub", "grub.cfg"), "w") as f:
            f.write("set timeout=0\nset default=0\n"
                    "serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n"
                    "terminal_input serial\nterminal_output serial\n"
                    "menuentry mb {\n\tmultiboot /boot/k.elf %s\n\tboot\n}\n" % args)
        p = subprocess.run(["grub-mkrescue", "-d", "/usr/lib/grub/i386-pc", "-o", iso, d],
                           capture_output=True, text=True)
    if not r.check("grub-mkrescue %s" % name, p.returncode == 0, p.stderr[-2000:]):
        return None
    return iso


def test_grub():
    iso = make_iso("grub-touch", "touch", "pages=64")
    if not iso:
        return
    st, out = qemu("grub-touch", ["-cdrom", iso, "-boot", "d"], timeout=120)
    expect_status("mb-touch loaded by GRUB multiboot", st, status_of(0), out)
    # GRUB 2.06 passes the arguments without the kernel's path; QEMU puts the path first.
    r.contains("GRUB's mbi names GRUB, cmdline without the path", out,
               r"^mb-touch: loader \"GRUB [^\"]*\" cmdline \"pages=64\"$")
    r.contains("mb-touch under GRUB: 64 pages ok", out,
               r"^mb-touch: 64 pages ok sum=0x%08x$" % touch_sum(64))


BOCHSRC = """\
display_library: rfb, options="timeout=0"
megs: 64
cpu: model=corei7_skylake_x, ips=100000000, reset_on_triple_fault=0, ignore_bad_msrs=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=socket-server, dev=127.0.0.1:{port}
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
debugger_log: -
sound: driver=dummy
clock: sync=none, time0=local
"""


def bochs_run(name, iso):
    """Boot @iso in Bochs; mb_exit's port write does nothing there, so read to 'halting'."""
    port = harness.free_port()
    d = os.path.join(harness.BUILD, "bochs", "mbk-" + name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "bochsrc"), "w") as f:
        f.write(BOCHSRC.format(iso=iso, port=port,
                               log=os.path.join(harness.LOGS, "mbk-%s.bochs.log" % name)))
    with open(os.path.join(d, "cmds"), "w") as f:
        f.write("c\nquit\n")
    m = harness.Machine("mbk-" + name, ["bochs-bin", "-q", "-f", "bochsrc", "-rc", "cmds"],
                        port, d, connect_timeout=60)
    try:
        m.expect(r"exit port 0xf4 had no effect; halting", timeout=120)
    except (harness.Timeout, EOFError):
        pass
    finally:
        m.close()
    return m.text_since(0).replace("\r", "")


def test_bochs():
    """RDMSR #GP handling, seen only where a missing MSR really faults."""
    if not harness.have("bochs-bin"):
        r.check("bochs-bin installed (apt-get install -y bochs bochsbios vgabios)", False)
        return
    iso = make_iso("bochs-cpuid", "cpuid", "")
    if iso:
        out = bochs_run("cpuid", iso)
        r.contains("bochs: rdmsr 0x12345678 -> #GP caught and skipped", out,
                   r"^mb-cpuid: rdmsr 0x12345678 -> #GP ok$")
        r.contains("bochs: no hypervisor bit, VMX check skipped", out,
                   r"^mb-cpuid: no hypervisor bit .*skipped, vmx=1$")
        r.contains("bochs: mb-cpuid done fails=0", out, r"^mb-cpuid: done fails=0$")
    iso = make_iso("bochs-cpuid-swap", "cpuid", "goodmsr=0x12345678 badmsr=0x1b")
    if iso:
        out = bochs_run("cpuid-swap", iso)
        r.contains("bochs: faulting goodmsr reported", out,
                   r"^mb-cpuid: rdmsr 0x12345678 -> #GP \(BAD\)$")
        r.contains("bochs: non-faulting badmsr reported", out,
                   r"^mb-cpuid: rdmsr 0x1b -> no fault \(BAD\) value=0x00000000fee00")
        r.contains("bochs: mb-cpuid done fails=2, exit 1", out,
                   r"^mb-cpuid: done fails=2\nmb-cpuid: exit 1$")


def main():
    if not build():
        r.finish()
    host_test()
    test_exit()
    test_touch_default()
    test_touch_options()
    test_touch_corrupt()
    test_touch_bounds()
    test_cpuid()
    test_fault()
    test_mmio()
    test_grub()
    if "--no-bochs" not in sys.argv[1:]:
        test_bochs()
    r.finish()


if __name__ == "__main__":
    main()
