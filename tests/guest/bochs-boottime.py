#!/usr/bin/env python3
"""bochs-boottime.py: time a guest ISO's boot in Bochs, bare (no hypervisor).

Starts bochs-bin headless (rfb display, which binds the first free port of
5900-5949, so several runs can coexist) with COM1 as a TCP socket server,
connects to it at once (Bochs waits for that client before it starts, and
the socket is unbuffered, unlike Bochs' file mode), and prints the
wall-clock seconds from starting Bochs to each milestone line on the
serial console, ending at the marker (default "pagoda-guest: init
reached"), and the CPU seconds Bochs had used by then (less sensitive to
other load on the host than wall-clock). Then stops that Bochs. These
times measure Bochs emulating the machine on this host, not a real CPU.

Usage: bochs-boottime.py ISO [--until TEXT] [--timeout S] [--megs N]
                             [--cpu MODEL] [--keep DIR]
Exit status: 0 marker seen, 1 timeout or Bochs ended first, 2 bad usage.
Context: host, python3 + bochs-bin (Debian bochs, bochsbios, vgabios).
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

MILESTONES = [
    ("grub", b"GNU GRUB"),               # not printed with timeout 0; kept if seen
    ("kernel", b"Linux version"),        # first console line (log replay)
    ("run-init", b"Run /init"),
    ("init", b"pagoda-guest: init reached"),
]

# "sound: driver=dummy": without it Debian's Bochs 2.7 aborts at start on a
# machine with no sound card ("*** buffer overflow detected ***" in its
# mixer_thread, after ALSA fails to open a PCM).
BOCHSRC = """\
display_library: rfb, options="timeout=0"
megs: {megs}
cpu: model={cpu}, ips=100000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=socket-server, dev=127.0.0.1:{port}
log: {log}
panic: action=fatal
error: action=report
info: action=ignore
clock: sync=none, time0=local
sound: driver=dummy
"""


def free_port():
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port, proc, deadline):
    """Returns a socket connected to Bochs' COM1, or None when Bochs exits
    or the deadline passes first."""
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.05)
    return None


def cpu_seconds(pid):
    """Returns the user+system CPU seconds process @pid has used so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def watch(sock, proc, t0, until, deadline, out):
    """Reads the serial line, printing each milestone's wall-clock and Bochs
    CPU time; returns (wall, cpu) seconds at @until, or None on timeout or
    Bochs exit."""
    buf, seen = b"", set()
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            if proc.poll() is not None:
                return None
            continue
        if not data:
            return None
        out.write(data)
        buf = (buf + data)[-4096:]
        now, cpu = time.monotonic() - t0, cpu_seconds(proc.pid)
        for name, text in MILESTONES:
            if name not in seen and text in buf:
                seen.add(name)
                print(f"{now:8.2f} s wall {cpu:8.2f} s cpu  {name}", flush=True)
        if until in buf:
            return now, cpu
    return None


def stop(proc):
    """Ends the Bochs process this script started."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("iso")
    ap.add_argument("--until", default="pagoda-guest: init reached")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--megs", type=int, default=512)
    ap.add_argument("--cpu", default="corei7_skylake_x")
    ap.add_argument("--keep", help="directory for bochsrc, bochs.log, serial.log")
    args = ap.parse_args()
    if not os.path.isfile(args.iso):
        ap.error(f"no ISO {args.iso}")
    work = args.keep or tempfile.mkdtemp(prefix="bochs-boottime.")
    os.makedirs(work, exist_ok=True)
    port = free_port()
    rc = os.path.join(work, "bochsrc")
    with open(rc, "w") as f:
        f.write(BOCHSRC.format(megs=args.megs, cpu=args.cpu, port=port,
                               iso=os.path.abspath(args.iso),
                               log=os.path.join(work, "bochs.log")))
    with open(os.path.join(work, "cmds"), "w") as f:
        f.write("c\n")
    t0 = time.monotonic()
    proc = subprocess.Popen(["bochs-bin", "-q", "-f", rc, "-rc",
                             os.path.join(work, "cmds")], cwd=work,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "bochs.stderr"), "wb"))
    deadline = t0 + args.timeout
    result = None
    try:
        sock = connect(port, proc, deadline)
        if sock:
            with sock, open(os.path.join(work, "serial.log"), "wb") as out:
                result = watch(sock, proc, t0, args.until.encode(), deadline, out)
    finally:
        stop(proc)
    if result is None:
        print(f"FAIL: '{args.until}' not seen (logs in {work})", file=sys.stderr)
        return 1
    print(f"bochs-boottime: {result[0]:.2f} s wall-clock, {result[1]:.2f} s "
          f"Bochs CPU to '{args.until}' ({args.cpu}, {args.megs} MiB, "
          f"logs in {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
