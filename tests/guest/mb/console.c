/*
 * console.c - COM1 output and a printf small enough to read in a minute.
 *
 * The 16550 at 0x3f8 is polled: wait for THRE (LSR bit 5) before each
 * byte and for TEMT (bit 6) before the run ends, or the last bytes are
 * lost when the emulator exits. Waits are bounded so a missing or stuck
 * UART slows the kernel down instead of hanging it. "\n" goes out as
 * "\r\n".
 *
 * Context: 32-bit protected mode, paging off, interrupts off.
 */
#include <stdarg.h>

#include "mb.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1 /* divisor high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07 /* FIFO on, both FIFOs cleared */
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_SPIN_MAX 100000 /* ~10 ms at 115200 baud even on slow emulators */

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* 115200 baud 8N1, FIFOs on, no interrupts: we poll. */
void mb_console_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

/* Spins until LSR has @bits set, at most UART_SPIN_MAX reads. */
static void uart_wait(uint8_t bits)
{
	for (uint32_t i = 0; i < UART_SPIN_MAX; i++)
		if ((inb(COM1 + UART_LSR) & bits) == bits)
			return;
}

static void uart_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_wait(UART_LSR_THRE);
	outb(COM1 + UART_THR, (uint8_t)c);
}

void mb_console_flush(void)
{
	uart_wait(UART_LSR_THRE | UART_LSR_TEMT);
}

void mb_outb(uint16_t port, uint8_t v)
{
	outb(port, v);
}

/* Prints at most @max chars of @s, padded with spaces to @width. */
static void put_str(const char *s, uint32_t max, uint32_t width, bool left)
{
	uint32_t n = 0;

	while (n < max && s[n])
		n++;
	for (; !left && n < width; width--)
		uart_putc(' ');
	for (uint32_t i = 0; i < n; i++)
		uart_putc(s[i]);
	for (; left && n < width; width--)
		uart_putc(' ');
}

/* Formats @v in @base into the end of @buf; returns the first digit. */
static char *format_u64(char *end, uint64_t v, uint32_t base)
{
	*--end = '\0';
	do {
		/* Only base 16 takes 64-bit values (no 64-bit division in libgcc-less i386). */
		uint32_t digit = base == 16 ? (uint32_t)(v & 0xf) : (uint32_t)v % base;

		*--end = "0123456789abcdef"[digit];
		v = base == 16 ? v >> 4 : (uint32_t)v / base;
	} while (v);
	return end;
}

static void put_num(uint64_t v, uint32_t base, bool neg, uint32_t width, char pad)
{
	char buf[24];
	char *s = format_u64(buf + sizeof(buf), v, base);
	uint32_t n = (uint32_t)(buf + sizeof(buf) - 1 - s) + (neg ? 1 : 0);

	if (neg && pad == '0')
		uart_putc('-');
	for (; n < width; width--)
		uart_putc(pad);
	if (neg && pad != '0')
		uart_putc('-');
	while (*s)
		uart_putc(*s++);
}

/* A conversion's flags, width, precision and length. */
struct spec {
	char pad;
	bool left;
	uint32_t width, max, longs;
};

/* Reads "[0-][width][.*][l...]" after '%' into @s; returns the conversion char. */
static const char *parse_spec(const char *f, va_list *ap, struct spec *s)
{
	*s = (struct spec){ .pad = ' ', .max = UINT32_MAX };
	for (; *f == '0' || *f == '-'; f++) {
		if (*f == '0')
			s->pad = '0';
		else
			s->left = true;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		s->width = s->width * 10 + (uint32_t)(*f - '0');
	if (*f == '.' && f[1] == '*') {
		s->max = (uint32_t)va_arg(*ap, int);
		f += 2;
	}
	for (; *f == 'l'; f++)
		s->longs++;
	return f;
}

/* One conversion after '%'; returns the char after it. */
static const char *put_conv(const char *f, va_list *ap)
{
	struct spec s;
	int32_t d;

	f = parse_spec(f, ap, &s);
	switch (*f) {
	case 'c':
		uart_putc((char)va_arg(*ap, int));
		break;
	case 's':
		put_str(va_arg(*ap, const char *), s.max, s.width, s.left);
		break;
	case 'd':
		d = va_arg(*ap, int32_t);
		put_num(d < 0 ? -(uint64_t)d : (uint64_t)d, 10, d < 0, s.width, s.pad);
		break;
	case 'u':
		put_num(va_arg(*ap, uint32_t), 10, false, s.width, s.pad);
		break;
	case 'x':
		put_num(s.longs >= 2 ? va_arg(*ap, uint64_t) : va_arg(*ap, uint32_t), 16, false,
			s.width, s.pad);
		break;
	default: /* "%%" and anything unknown print as themselves */
		uart_putc(*f ? *f : '%');
		break;
	}
	return *f ? f + 1 : f;
}

static void mb_vprintf(const char *fmt, va_list ap)
{
	while (*fmt) {
		if (*fmt != '%')
			uart_putc(*fmt++);
		else
			fmt = put_conv(fmt + 1, &ap);
	}
}

void mb_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mb_vprintf(fmt, ap);
	va_end(ap);
}

void mb_say(const char *fmt, ...)
{
	va_list ap;

	put_str(mb_name, UINT32_MAX, 0, false);
	put_str(": ", UINT32_MAX, 0, false);
	va_start(ap, fmt);
	mb_vprintf(fmt, ap);
	va_end(ap);
}
