"""harness.py - boot Pagoda's ISO in QEMU or Bochs and talk to its serial line.

Both emulators expose COM1 as a TCP socket on 127.0.0.1 that we connect to:
QEMU with a socket chardev, Bochs with com1 mode=socket-server. Everything
received is kept and written to build/logs/<name>.serial.log, so a failed
check can be read afterwards. Each check prints a TAP-like line that
scripts/test.sh counts.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
LOGS = os.path.join(BUILD, "logs")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Timeout(Exception):
    pass


class Machine:
    """One emulator run, its serial socket and its log."""

    def __init__(self, name, argv, port, cwd, connect_timeout=30):
        os.makedirs(LOGS, exist_ok=True)
        self.name = name
        self.t0 = time.monotonic()  # emulator start: wall-clock figures count from here
        self.buf = b""
        self.pos = 0  # expect() searches from here
        self.log = open(os.path.join(LOGS, name + ".serial.log"), "wb")
        errlog = open(os.path.join(LOGS, name + ".emu.log"), "wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=errlog, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.sock = self._connect(port, connect_timeout)

    def _connect(self, port, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("%s: emulator exited with %s before the serial "
                                   "line opened (see build/logs/%s.emu.log)"
                                   % (self.name, self.proc.returncode, self.name))
            try:
                return socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("%s: serial socket never opened" % self.name)

    def _recv(self, timeout):
        self.sock.settimeout(max(timeout, 0.01))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except OSError:
            data = b""
        if not data:
            raise EOFError("%s: serial line closed" % self.name)
        self.buf += data
        self.log.write(data)
        self.log.flush()
        return True

    def expect(self, pattern, timeout=30):
        """Wait for a regex (bytes or str) after the last match; return the match."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        rx = re.compile(pattern, re.M)
        end = time.time() + timeout
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.time()
            if left <= 0:
                raise Timeout("%s: no %r within %ss" % (self.name, pattern, timeout))
            try:
                self._recv(min(left, 1.0))
            except EOFError:
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise Timeout("%s: serial closed before %r" % (self.name, pattern))

    def send(self, data, pace=0.0):
        if isinstance(data, str):
            data = data.encode()
        if pace:
            for b in data:
                self.sock.sendall(bytes([b]))
                time.sleep(pace)
        else:
            self.sock.sendall(data)

    def command(self, line, prompt=r"pagoda> ", timeout=30):
        """Type a shell command; return everything printed before the next prompt."""
        self.pos = len(self.buf)
        self.send(line + "\r")
        start = self.pos
        m = self.expect(prompt, timeout)
        return self.buf[start:m.start()].decode(errors="replace")

    def text_since(self, start=0):
        return self.buf[start:].decode(errors="replace")

    def read_more(self, timeout):
        """Waits up to @timeout s for more serial data (kept in buf and the
        log); returns whether some came. Raises EOFError once the line closed."""
        return self._recv(timeout)

    def elapsed(self):
        """Wall-clock seconds since the emulator was started."""
        return time.monotonic() - self.t0

    def cpu_seconds(self):
        """User+system CPU seconds the emulator has used so far (NaN once it
        is gone). Moves much less than wall-clock when others load the host."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    def to_shell(self, timeout=60):
        """Ctrl-\\ from the guest console to Pagoda's shell; waits for its prompt."""
        self.send(CONSOLE_ESCAPE)
        self.expect(r"input goes to the Pagoda shell", timeout)
        self.expect(r"pagoda> ", timeout)

    def to_guest(self, timeout=60):
        """Ctrl-\\ from Pagoda's shell back to the guest console."""
        self.send(CONSOLE_ESCAPE)
        self.expect(r"input goes to the guest", timeout)

    def guest_sync(self, timeout=120):
        """Waits until the guest's shell reads the console: types a unique
        echo and waits for its output line and the prompt after it, so stale
        or doubled prompts (input typed before the shell started) are behind."""
        self.guest_syncs = getattr(self, "guest_syncs", 0) + 1
        tag = "pagoda-sync-%d" % self.guest_syncs
        self.send("echo %s\r" % tag)
        self.expect(r"^%s\r?\n" % tag, timeout)  # a whole line, not a prefix
        self.expect(GUEST_PROMPT, timeout)

    def guest_command(self, line, timeout=60):
        """Type a command into the guest's busybox shell (which must be at its
        prompt: guest_sync()); return what it printed up to its next prompt.
        The prompt is "/ # ", then busybox's cursor-position query."""
        return self.command(line, prompt=GUEST_PROMPT, timeout=timeout)

    def wait_exit(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        try:
            while self._recv(0.05):
                pass
        except (EOFError, OSError):
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.sock.close()
        self.log.close()


def qemu(name, iso, mem="512M", extra=()):
    port = free_port()
    argv = ["qemu-system-x86_64", "-m", mem, "-cdrom", iso, "-boot", "d",
            "-display", "none", "-no-reboot", "-monitor", "none",
            "-chardev", "socket,id=s0,host=127.0.0.1,port=%d,server=on,wait=on" % port,
            "-serial", "chardev:s0",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] + list(extra)
    return Machine(name, argv, port, BUILD)


BOCHSRC = """\
display_library: rfb, options="timeout=0"
megs: {megs}
cpu: model={cpu}, ips={ips}, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=socket-server, dev=127.0.0.1:{port}
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
sound: driver=dummy
speaker: enabled=1, mode=dummy
clock: sync=none, time0=local
"""


def bochs(name, iso, cpu="corei7_skylake_x", megs=512, ips=100000000):
    port = free_port()
    d = os.path.join(BUILD, "bochs", name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "bochsrc"), "w") as f:
        f.write(BOCHSRC.format(megs=megs, cpu=cpu, ips=ips, iso=os.path.abspath(iso),
                               port=port, log=os.path.join(LOGS, name + ".bochs.log")))
    with open(os.path.join(d, "cmds"), "w") as f:
        f.write("c\nquit\n")
    argv = ["bochs-bin", "-q", "-f", "bochsrc", "-rc", "cmds"]
    return Machine(name, argv, port, d, connect_timeout=60)


# Guest kernel command lines: the one place for the Linux guest tiers,
# `make run` (scripts/run.sh asks `harness.py cmdline`) and
# scripts/bench-boot.py. No `noapic`: Pagoda emulates an I/O APIC
# (guest/vioapic.c), so Linux takes its symmetric-I/O path unchanged.
# 115200 matters only bare: Bochs' 16550 takes a byte's line time per byte.
GUEST_CMDLINE = "console=ttyS0,115200"
# Debian's stock kernel: `quiet`, since every console byte costs the guest
# several exits (405k of 596k exits were serial I/O at loglevel=8).
DEBIAN_CMDLINE = GUEST_CMDLINE + " quiet"
# Pagoda's own command line for the Debian guest: 128 MiB is enough for its
# 64 MiB init_size at 16 MiB, the 4 MiB initramfs and the tests.
DEBIAN_PAGODA_CMDLINE = "guest_mem=128M"

CACHE = os.environ.get("PAGODA_CACHE", os.path.expanduser("~/.cache/pagoda"))
LINUX_KERNEL = os.path.join(CACHE, "linux", "bzImage")  # scripts/build-linux.sh
DEBIAN_KERNEL = os.path.join(CACHE, "debian", "vmlinuz")  # scripts/fetch-debian-kernel.sh
INITRD = os.path.join(CACHE, "initramfs.cpio.gz")  # scripts/build-initramfs.sh

CONSOLE_ESCAPE = "\x1c"  # Ctrl-\ switches the serial line: guest console / Pagoda shell
GUEST_PROMPT = r"/ # "


def guest_iso(out, kernel, cmdline, pagoda_cmdline="", initrd=INITRD):
    """Builds (or keeps, when its inputs are unchanged) an ISO with Pagoda
    and kernel + initrd as `linux <cmdline>` and `initrd` modules; returns
    its path. Raises CalledProcessError when scripts/mkiso.sh fails."""
    subprocess.run(["scripts/mkiso.sh", out, os.path.join(BUILD, "pagoda.elf"),
                    pagoda_cmdline, kernel, "linux " + cmdline, initrd, "initrd"],
                   cwd=ROOT, check=True)
    return out


def parse_vm(text):
    """Returns the figures of the shell's `vm` output as a dict: state,
    ram_mib, frames_backed, exits, injections, exits_by_reason {name: n},
    ept_violations {kind: n} and ept_violations_total. Missing lines give
    missing keys, never an exception."""
    out = {"exits_by_reason": {}, "ept_violations": {}}
    m = re.search(r"guest '[^']*': (\w+)", text)
    if m:
        out["state"] = m.group(1)
    m = re.search(r"RAM (\d+) MiB, (\d+) frames backed", text)
    if m:
        out["ram_mib"], out["frames_backed"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"exits: (\d+) total, (\d+) injections", text)
    if m:
        out["exits"], out["injections"] = int(m.group(1)), int(m.group(2))
    section = out["exits_by_reason"]
    for line in text.splitlines():
        if line.startswith("EPT violations:"):
            section = out["ept_violations"]
        elif line.startswith("device accesses"):
            section = None  # "ports: a 1, b 2" lines: bench-boot.py keeps them as text
        m = re.match(r"^  (\S.*?)\s+(\d+)\s*$", line)
        if m and section is not None:
            section[m.group(1)] = int(m.group(2))
    out["ept_violations_total"] = sum(
        n for k, n in out["ept_violations"].items() if k != "misconfigurations")
    return out


class Report:
    """Counts checks; prints one TAP-like line per check."""

    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok - %s: %s" % (self.suite, name), flush=True)
        else:
            self.failed += 1
            print("not ok - %s: %s%s" % (self.suite, name,
                                         (": " + detail) if detail else ""), flush=True)
        return ok

    def contains(self, name, text, pattern):
        ok = re.search(pattern, text, re.M) is not None
        return self.check(name, ok, "no /%s/ in:\n%s" % (pattern, indent(text)))

    def lacks(self, name, text, pattern):
        ok = re.search(pattern, text, re.M) is None
        return self.check(name, ok, "unexpected /%s/ in:\n%s" % (pattern, indent(text)))

    def finish(self):
        print("%s: %d passed, %d failed" % (self.suite, self.passed, self.failed),
              flush=True)
        sys.exit(1 if self.failed else 0)


def indent(text, limit=3000):
    text = text[-limit:]
    return "\n".join("    | " + l for l in text.splitlines())


def have(tool):
    return shutil.which(tool) is not None


if __name__ == "__main__":
    # `harness.py cmdline [linux|debian]`: the guest command line, for
    # scripts (scripts/run.sh) that must not keep a copy of it.
    lines = {"linux": GUEST_CMDLINE, "debian": DEBIAN_CMDLINE}
    if len(sys.argv) in (2, 3) and sys.argv[1] == "cmdline" and \
            (len(sys.argv) == 2 or sys.argv[2] in lines):
        print(lines[sys.argv[2] if len(sys.argv) == 3 else "linux"])
        sys.exit(0)
    print("usage: harness.py cmdline [linux|debian]", file=sys.stderr)
    sys.exit(2)
