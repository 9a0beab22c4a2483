#!/usr/bin/env python3
"""test_shell.py EMU - boot the ISO in EMU (qemu, bochs or bochs-noept) and
drive the serial shell: every foundation command, bad input, power-off.

qemu is TCG (no VMX): cpu must give the no-VMX reason. bochs is
corei7_skylake_x (VMX with EPT and VPID); bochs-noept is core2_penryn_t9600
(VMX without EPT, VPID or unrestricted guest).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

EMU = sys.argv[1] if len(sys.argv) > 1 else "qemu"
ISO = os.path.join(harness.BUILD, "pagoda.iso")
PROMPT = r"pagoda> "
r = harness.Report("shell-" + EMU)


def boot():
    if EMU == "qemu":
        return harness.qemu("shell-qemu", ISO)
    cpu = "core2_penryn_t9600" if EMU == "bochs-noept" else "corei7_skylake_x"
    return harness.bochs("shell-" + EMU, ISO, cpu=cpu)


def check_cpu(m):
    out = m.command("cpu")
    if EMU == "qemu":
        r.contains("cpu gives the no-VMX reason", out, r"^VMX: unavailable: .*VMX")
        return
    r.contains("cpu: VMX supported", out, r"^VMX: supported")
    if EMU == "bochs":
        r.contains("cpu: EPT yes", out, r"^EPT: yes")
        r.contains("cpu: VPID yes", out, r"^VPID: yes")
        r.contains("cpu: unrestricted guest yes", out, r"^unrestricted guest: yes")
        r.contains("cpu: EPT capabilities decoded", out, r"(?i)2M|2 MiB")
    else:
        r.contains("cpu: EPT no", out, r"^EPT: no")
        r.contains("cpu: VMX-preemption timer no", out, r"^VMX-preemption timer: no")


def check_commands(m):
    out = m.command("help")
    for c in ("help", "version", "cpu", "mem", "mods", "cmdline", "hexdump",
              "loglevel", "reboot", "poweroff"):
        r.contains("help lists %s" % c, out, r"^\s*%s\b" % c)
    r.contains("help cmd shows usage", m.command("help hexdump"), r"hexdump <hpa>")
    r.contains("version", m.command("version"), r"^Pagoda ")
    out = m.command("mem")
    r.contains("mem shows the map", out, r"(?i)usable")
    r.contains("mem shows free frames", out, r"(?i)free")
    r.contains("mods", m.command("mods"), r"(?i)module|no modules")
    r.contains("cmdline", m.command("cmdline"), r"(?i)loglevel")
    out = m.command("hexdump 0x100000 32")
    r.contains("hexdump of the image", out, r"^0*100000[: ]")
    r.contains("loglevel shows", m.command("loglevel"), r"\b[0-3]\b")


def check_bad_input(m):
    r.contains("unknown command", m.command("frobnicate"),
               r"unknown command 'frobnicate'")
    r.contains("bad number", m.command("hexdump zzz"), r"(?i)bad number|usage")
    r.contains("unmapped hexdump refused", m.command("hexdump 0xfffffffff000 16"),
               r"(?i)not|bad|invalid|outside")
    r.contains("loglevel out of range", m.command("loglevel 9"), r"(?i)range|usage|0\.\.3")
    r.contains("overlong line", m.command("x" * 400), r"(?i)too long")
    r.contains("binary garbage", m.command("\x01\x02\xfe\xff\x1b[Zver"),
               r"(?i)ignored|unknown|non-text")
    m.pos = len(m.buf)
    m.send("hel\x03")
    m.expect(PROMPT, 10)
    r.check("ctrl-c gives a fresh prompt", True)
    m.send("helx\x7f\x7fp\x15version\r")
    out = m.text_since(m.pos)
    m.expect(PROMPT, 10)
    r.contains("backspace and ctrl-u edit the line", m.text_since(m.pos - 200),
               r"Pagoda ")
    r.contains("shell still answers", m.command("version"), r"^Pagoda ")


def main():
    m = boot()
    try:
        m.expect(r"Pagoda ", 120)
        r.check("banner", True)
        m.expect(PROMPT, 120)
        r.check("prompt", True)
        r.lacks("clean boot: no panic", m.text_since(0), r"(?i)panic|exception")
        check_cpu(m)
        check_commands(m)
        check_bad_input(m)
        m.send("poweroff\r")
        r.check("poweroff ends the emulator", m.wait_exit(60) is not None)
    except (harness.Timeout, EOFError, RuntimeError) as e:
        r.check("serial conversation", False, str(e))
    finally:
        m.close()
    r.finish()


if __name__ == "__main__":
    main()
