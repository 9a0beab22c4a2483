/*
 * exitport: end the virtual machine by writing a byte to the test-exit port.
 *
 * QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=4` exits with status
 * (value << 1) | 1 on an outb to 0xf4; Pagoda traps the same port to end
 * the guest with that value. The guest /init writes 0 for pass, 1 for a
 * failed test, 2 for an unknown test.
 *
 * Usage: exitport <value 0..255> [port, default 0xf4]
 * Waits for the console (stdout) to drain first, so no output is lost.
 * Does not return when the port works. Otherwise prints why and exits 1
 * (no I/O permission) or 3 (the write had no effect); bad usage exits 2.
 * Context: guest user space, static binary, needs root and
 * CONFIG_X86_IOPL_IOPERM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <termios.h>
#include <unistd.h>

#define EXIT_PORT_DEFAULT 0xf4

/* Parses @s (decimal or 0x hex) into *out; returns 0, or -1 when @s is not
 * a number in 0..@max. */
static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return (errno || end == s || *end || s[0] == '-' || *out > max) ? -1 : 0;
}

/* Returns 0 once this process may use @port, -1 (errno set) otherwise. */
static int get_port(unsigned long port)
{
	if (port < 0x400 && ioperm(port, 1, 1) == 0)
		return 0;
	return iopl(3);
}

int main(int argc, char **argv)
{
	unsigned long value, port = EXIT_PORT_DEFAULT;

	if (argc < 2 || argc > 3 || parse_num(argv[1], 255, &value) ||
	    (argc == 3 && parse_num(argv[2], 0xffff, &port))) {
		fprintf(stderr, "usage: exitport <value 0..255> [port]\n");
		return 2;
	}
	if (get_port(port)) {
		printf("exitport: no access to port 0x%lx: %s\n", port, strerror(errno));
		return 1;
	}
	/* The console UART may still hold "pagoda-guest: done": wait until
	 * it has left the transmitter, or the host never sees it. */
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
	outb((unsigned char)value, (unsigned short)port);
	printf("exitport: write of %lu to port 0x%lx had no effect\n", value, port);
	return 3;
}
