/*
 * vuart.h - the guest's 16550A UART (COM1: ports 0x3f8-0x3ff, IRQ 4).
 *
 * What the guest transmits goes out at once through a callback (Pagoda
 * prints it on its own serial line), so THR and the transmitter are always
 * empty again by the time the guest looks. What the guest receives is
 * pushed in by Pagoda with vuart_rx_push() into a 16-byte receive FIFO.
 * The interrupt output drives its ISA IRQ line (through the router of
 * guest/virq.c, to the 8259 and the I/O APIC) as a level, gated by
 * MCR.OUT2 as on every PC.
 *
 * Linux's serial8250 autoconfig finds a 16550A: IER keeps only bits 0-3,
 * loopback mode loops MCR to MSR, FCR bit 0 shows 0xc0 in IIR, and the
 * FIFO holds 16 bytes in loopback.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VUART_H
#define PAGODA_VUART_H

#include "types.h"
#include "uart.h"
#include "vdev.h"

struct virq;

#define VUART_COM1_IRQ 4
#define VUART_NR_PORTS 8
#define VUART_FIFO_SIZE UART_FIFO_SIZE /* a 16550A's */

/* Register bits beyond uart.h's (16550A datasheet; Linux serial_reg.h names). */
#define UART_IER_RDI 0x01 /* received data available */
#define UART_IER_THRI 0x02 /* transmitter holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI 0x08 /* modem status */
#define UART_IER_MASK 0x0f
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00
#define UART_IIR_THRI 0x02
#define UART_IIR_RDI 0x04
#define UART_IIR_RLSI 0x06
#define UART_IIR_RX_TIMEOUT 0x0c
#define UART_IIR_FIFO_ENABLED 0xc0
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_FCR_CLEAR_XMIT 0x04
#define UART_FCR_TRIGGER_SHIFT 6
#define UART_MCR_OUT1 0x04
#define UART_MCR_LOOP 0x10
#define UART_MCR_MASK 0x1f
#define UART_LSR_OE 0x02
#define UART_LSR_PE 0x04
#define UART_LSR_FE 0x08
#define UART_LSR_BI 0x10
#define UART_LSR_ERRORS 0x1e /* cleared by reading LSR */
#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_DELTAS 0x0f
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

typedef void (*vuart_tx_fn)(void *ctx, uint8_t byte);

struct vuart_stats {
	uint64_t tx_bytes, rx_bytes;
	uint64_t overruns; /* bytes dropped on a full receive FIFO */
};

struct vuart {
	uint16_t base;
	unsigned int irq;
	struct virq *router; /* may be NULL: no interrupts */
	vuart_tx_fn tx;
	void *tx_ctx;

	uint8_t rx[VUART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	uint8_t ier, lcr, mcr, lsr_errors, msr, scr, fcr;
	uint16_t divisor;
	bool thre_pending; /* the THRE interrupt, until IIR reports it or THR is written */
	bool irq_level; /* what the interrupt line is driven to */
	struct vuart_stats stats;
};

/*
 * vuart_attach: reset the UART and claim its eight ports at `base`.
 * Output goes to tx(tx_ctx, byte); interrupts to ISA IRQ `irq` through
 * `router` (may be NULL). -E* from registration.
 */
int vuart_attach(struct vdev_table *t, struct vuart *u, uint16_t base, struct virq *router,
		 unsigned int irq, vuart_tx_fn tx, void *tx_ctx);
/* vuart_reset: the state after a hardware reset (line idle, interrupts off). */
void vuart_reset(struct vuart *u);
/*
 * vuart_rx_push: a byte arrives on the line. Returns 0; -ENOSPC when the
 * receive FIFO was full (the byte is lost and LSR.OE set, as on a real
 * UART: callers that must not lose input check vuart_rx_room() first);
 * -EBUSY in loopback mode, where the line input is disconnected.
 */
int vuart_rx_push(struct vuart *u, uint8_t byte);
/* vuart_rx_room: how many bytes vuart_rx_push() can take now without loss. */
unsigned int vuart_rx_room(const struct vuart *u);

#endif
