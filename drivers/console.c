/*
 * console.c - the console on COM1: log sink, shell input, and the clock
 * used by rate-limited messages.
 *
 * Context: any Pagoda context; single CPU, so no locking.
 */
#include "console.h"
#include "hw.h"
#include "log.h"
#include "uart.h"

static struct uart com1;

void console_init(void)
{
	uart_init(&com1, COM1_BASE, 115200);
}

/* console_write: "\n" becomes "\r\n" so every terminal starts a new line. */
void console_write(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		uart_write(&com1, s + start, i - start);
		uart_write(&com1, "\r\n", 2);
		start = i + 1;
	}
	uart_write(&com1, s + start, n - start);
}

void console_write_raw(const char *s, size_t n)
{
	uart_write(&com1, s, n);
}

int console_getc(void)
{
	return uart_getc(&com1);
}

void console_flush(void)
{
	uart_drain(&com1);
}

uint64_t log_clock(void)
{
	return hw_rdtsc();
}
