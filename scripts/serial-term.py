#!/usr/bin/env python3
"""serial-term.py bochs ISO CPU MEGS - run Bochs with COM1 on this terminal.

Bochs' com1 socket-server mode is its one unbuffered, two-way serial line;
this connects to it and bridges it to the terminal in raw mode. Ctrl-]
ends the session (and Bochs).
"""
import os
import select
import sys
import termios
import tty

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
import harness  # noqa: E402

QUIT = b"\x1d"  # Ctrl-]


def bridge(m):
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd) if os.isatty(fd) else None
    if old:
        tty.setraw(fd)
    inputs = [fd, m.sock]
    try:
        while m.proc.poll() is None:
            r, _, _ = select.select(inputs, [], [], 0.5)
            if m.sock in r:
                data = m.sock.recv(65536)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
            if fd in r:
                data = os.read(fd, 1024)
                if not data:  # input closed (not a terminal): keep showing output
                    inputs.remove(fd)
                    continue
                if QUIT in data:
                    break
                m.sock.sendall(data)
    finally:
        if old:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)


def main():
    _, emu, iso, cpu, megs = sys.argv
    m = harness.bochs("run", iso, cpu=cpu, megs=int(megs))
    try:
        bridge(m)
    finally:
        m.close()
    print("\r\nrun: Bochs ended (logs in build/logs/run.*)")


if __name__ == "__main__":
    main()
