/*
 * uart.c - polled 16550 driver for Pagoda's serial line.
 *
 * Transmission fills the 16-byte FIFO after each THRE rather than waiting
 * per byte, which matters under emulators where every port access is an
 * exit. Waits are bounded so a missing UART cannot hang Pagoda.
 *
 * Context: pure, host-testable (ports through hw.h).
 */
#include "errcode.h"
#include "hw.h"
#include "uart.h"

#define UART_SPIN_LIMIT 1000000

static uint8_t uart_in(struct uart *u, unsigned int reg)
{
	return hw_inb(u->base + reg);
}

static void uart_out(struct uart *u, unsigned int reg, uint8_t v)
{
	hw_outb(u->base + reg, v);
}

/* uart_probe: a 16550 keeps what is written to its scratch register. */
static bool uart_probe(struct uart *u)
{
	uart_out(u, UART_SCR, 0x5a);
	if (uart_in(u, UART_SCR) != 0x5a)
		return false;
	uart_out(u, UART_SCR, 0xa5);
	return uart_in(u, UART_SCR) == 0xa5;
}

int uart_init(struct uart *u, uint16_t base, uint32_t baud)
{
	uint16_t div = baud ? UART_CLOCK / baud : 1;

	*u = (struct uart){ .base = base, .spins_max = UART_SPIN_LIMIT };
	if (!uart_probe(u))
		return -ENODEV;
	uart_out(u, UART_IER, 0);
	uart_out(u, UART_LCR, UART_LCR_DLAB);
	uart_out(u, UART_DLL, div & 0xff);
	uart_out(u, UART_DLM, div >> 8);
	uart_out(u, UART_LCR, UART_LCR_8N1);
	uart_out(u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR | UART_FCR_TRIG14);
	uart_out(u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	/* IIR bits 7:6 read 11 when the FIFOs are enabled. */
	u->fifo = (uart_in(u, UART_IIR) & 0xc0) == 0xc0;
	u->present = true;
	return 0;
}

/* wait_lsr: spin until LSR has `bit`; false if it never came. */
static bool wait_lsr(struct uart *u, uint8_t bit)
{
	for (unsigned int i = 0; i < u->spins_max; i++) {
		if (uart_in(u, UART_LSR) & bit)
			return true;
		hw_pause();
	}
	return false;
}

void uart_write(struct uart *u, const char *s, size_t n)
{
	unsigned int burst = u->fifo ? UART_FIFO_SIZE : 1;

	if (!u->present)
		return;
	while (n) {
		if (!wait_lsr(u, UART_LSR_THRE))
			return;
		for (unsigned int i = 0; i < burst && n; i++, n--)
			uart_out(u, UART_THR, (uint8_t)*s++);
	}
}

void uart_putc(struct uart *u, char c)
{
	uart_write(u, &c, 1);
}

/* uart_getc: a received byte, or -1 when none is waiting. */
int uart_getc(struct uart *u)
{
	if (!u->present || !(uart_in(u, UART_LSR) & UART_LSR_DR))
		return -1;
	return uart_in(u, UART_RBR);
}

/* uart_drain: wait until the shift register is empty (before power-off). */
void uart_drain(struct uart *u)
{
	if (u->present)
		wait_lsr(u, UART_LSR_TEMT);
}
