/*
 * console_fake.c - the console sink and clock for host tests.
 *
 * Context: host tests only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_fake.h"
#include "log.h"

static char text[1 << 16];
static size_t len;

void fake_console_reset(void)
{
	len = 0;
	text[0] = '\0';
}

const char *fake_console_text(void)
{
	return text;
}

void console_write(const char *s, size_t n)
{
	size_t room = sizeof(text) - 1 - len;
	if (n > room)
		n = room;
	memcpy(text + len, s, n);
	len += n;
	text[len] = '\0';
}

void console_write_raw(const char *s, size_t n)
{
	console_write(s, n);
}

static uint64_t fake_clock;
uint64_t log_clock(void)
{
	return fake_clock++;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
