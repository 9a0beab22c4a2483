/*
 * uart.h - the 16550 UART driver (Pagoda's own COM1).
 *
 * Context: pure, host-testable (ports through hw.h).
 */
#ifndef PAGODA_UART_H
#define PAGODA_UART_H

#include "types.h"

#define COM1_BASE 0x3f8

/* 16550 registers, as offsets from the base port. */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR 0x06
#define UART_FCR_TRIG14 0xc0
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT2 0x08
#define UART_LSR_DR 0x01 /* data ready */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */
#define UART_FIFO_SIZE 16
#define UART_CLOCK 115200

struct uart {
	uint16_t base;
	bool present;
	bool fifo;
	unsigned int spins_max; /* bound on waiting for THRE */
};

/* uart_init: program 8N1 at baud with FIFOs; -ENODEV if nothing answers. */
int uart_init(struct uart *u, uint16_t base, uint32_t baud);
void uart_putc(struct uart *u, char c);
void uart_write(struct uart *u, const char *s, size_t n);
int uart_getc(struct uart *u);
void uart_drain(struct uart *u);

#endif
