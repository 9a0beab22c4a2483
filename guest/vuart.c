/*
 * vuart.c - the guest's 16550A: registers, receive FIFO, loopback and the
 * interrupt identification logic.
 *
 * Transmission takes no time: a byte written to THR goes to the output
 * callback (or, in loopback, into the receive FIFO) before the write
 * returns, so LSR always shows THRE and TEMT. That makes the THRE
 * interrupt the one subtle part: it is pending once THR has emptied and
 * until IIR reports it or THR is written again, and, as on National's
 * parts (and QEMU and Bochs), setting IER.THRI while THR is empty makes it
 * pending again. Linux's serial8250_do_startup tests exactly that.
 *
 * Interrupt priority (16550A datasheet, "Interrupt Identification
 * Register"): line status, then received data (or the FIFO timeout, given
 * at once here when fewer bytes than the trigger level wait), then THRE,
 * then modem status.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vuart: " fmt

#include "errcode.h"
#include "lib.h"
#include "virq.h"
#include "vuart.h"

/* Without loopback the modem lines read as a DCE that is there and ready. */
#define MSR_LINES_IDLE (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)
#define MSR_LINES 0xf0

static bool fifo_enabled(const struct vuart *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static bool loopback(const struct vuart *u)
{
	return u->mcr & UART_MCR_LOOP;
}

static bool dlab(const struct vuart *u)
{
	return u->lcr & UART_LCR_DLAB;
}

/* Bytes the receiver holds before it overruns: the FIFO, or just RBR. */
static unsigned int rx_capacity(const struct vuart *u)
{
	return fifo_enabled(u) ? VUART_FIFO_SIZE : 1;
}

static unsigned int rx_trigger(const struct vuart *u)
{
	static const uint8_t levels[4] = { 1, 4, 8, 14 };

	return levels[u->fcr >> UART_FCR_TRIGGER_SHIFT];
}

/* The IIR interrupt ID of the highest-priority pending source. */
static uint8_t pending_id(const struct vuart *u)
{
	if ((u->ier & UART_IER_RLSI) && u->lsr_errors)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		if (fifo_enabled(u) && u->rx_count < rx_trigger(u))
			return UART_IIR_RX_TIMEOUT;
		return UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_DELTAS))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/* Drive the IRQ line: a PC gates the UART's interrupt with MCR.OUT2. */
static void update_irq(struct vuart *u)
{
	bool level = pending_id(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2) &&
		     !loopback(u);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->router)
		virq_set_isa(u->router, u->irq, level);
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* Receive one byte: into the FIFO, or an overrun when it is full. */
static int rx_put(struct vuart *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= UART_LSR_OE;
		u->stats.overruns++;
		return -ENOSPC;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_FIFO_SIZE] = byte;
	u->rx_count++;
	u->stats.rx_bytes++;
	return 0;
}

int vuart_rx_push(struct vuart *u, uint8_t byte)
{
	int err;

	if (loopback(u))
		return -EBUSY;
	err = rx_put(u, byte);
	update_irq(u);
	return err;
}

unsigned int vuart_rx_room(const struct vuart *u)
{
	return loopback(u) ? 0 : rx_capacity(u) - u->rx_count;
}

/* The modem status lines: fixed, or in loopback MCR's outputs looped back. */
static uint8_t msr_lines(const struct vuart *u)
{
	uint8_t m = u->mcr, v = 0;

	if (!loopback(u))
		return MSR_LINES_IDLE;
	v |= (m & UART_MCR_RTS) ? UART_MSR_CTS : 0;
	v |= (m & UART_MCR_DTR) ? UART_MSR_DSR : 0;
	v |= (m & UART_MCR_OUT1) ? UART_MSR_RI : 0;
	v |= (m & UART_MCR_OUT2) ? UART_MSR_DCD : 0;
	return v;
}

/* New line levels: set the delta bits for what changed (RI: trailing edge only). */
static void msr_update(struct vuart *u)
{
	uint8_t old = u->msr & MSR_LINES, now = msr_lines(u), changed = old ^ now;
	uint8_t deltas = u->msr & UART_MSR_DELTAS;

	deltas |= (changed & UART_MSR_CTS) ? UART_MSR_DCTS : 0;
	deltas |= (changed & UART_MSR_DSR) ? UART_MSR_DDSR : 0;
	deltas |= (changed & UART_MSR_DCD) ? UART_MSR_DDCD : 0;
	deltas |= (old & UART_MSR_RI) && !(now & UART_MSR_RI) ? UART_MSR_TERI : 0;
	u->msr = now | deltas;
}

/* Register reads, by offset; DLAB switches 0 and 1 to the divisor. */
static uint8_t read_rbr(struct vuart *u)
{
	uint8_t byte;

	if (dlab(u))
		return (uint8_t)u->divisor;
	if (!u->rx_count)
		return u->rx[(u->rx_head + VUART_FIFO_SIZE - 1) % VUART_FIFO_SIZE];
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_FIFO_SIZE;
	u->rx_count--;
	return byte;
}

static uint8_t read_ier(struct vuart *u)
{
	return dlab(u) ? (uint8_t)(u->divisor >> 8) : u->ier;
}

/* Reading IIR while it reports THRE is what acknowledges THRE. */
static uint8_t read_iir(struct vuart *u)
{
	uint8_t id = pending_id(u);

	if (id == UART_IIR_THRI)
		u->thre_pending = false;
	return id | (fifo_enabled(u) ? UART_IIR_FIFO_ENABLED : 0);
}

static uint8_t read_lcr(struct vuart *u)
{
	return u->lcr;
}

static uint8_t read_mcr(struct vuart *u)
{
	return u->mcr;
}

static uint8_t read_lsr(struct vuart *u)
{
	uint8_t v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;

	if (u->rx_count)
		v |= UART_LSR_DR;
	u->lsr_errors = 0;
	return v;
}

static uint8_t read_msr(struct vuart *u)
{
	uint8_t v = u->msr;

	u->msr &= (uint8_t)~UART_MSR_DELTAS;
	return v;
}

static uint8_t read_scr(struct vuart *u)
{
	return u->scr;
}

static void write_thr(struct vuart *u, uint8_t val)
{
	if (dlab(u)) {
		u->divisor = (u->divisor & 0xff00) | val;
		return;
	}
	if (loopback(u)) {
		rx_put(u, val);
	} else {
		u->stats.tx_bytes++;
		if (u->tx)
			u->tx(u->tx_ctx, val);
	}
	/* Sent already: THR is empty again, which is a new THRE event. */
	u->thre_pending = true;
}

static void write_ier(struct vuart *u, uint8_t val)
{
	uint8_t ier = val & UART_IER_MASK;

	if (dlab(u)) {
		u->divisor = (uint16_t)((u->divisor & 0x00ff) | val << 8);
		return;
	}
	/* THR is always empty: turning THRI on raises THRE, turning it off forgets it. */
	if ((ier ^ u->ier) & UART_IER_THRI)
		u->thre_pending = ier & UART_IER_THRI;
	u->ier = ier;
}

static void write_fcr(struct vuart *u, uint8_t val)
{
	/* Switching the FIFOs on or off empties them, as does the clear bit. */
	if (((val ^ u->fcr) & UART_FCR_ENABLE) || (val & UART_FCR_CLEAR_RCVR))
		rx_clear(u);
	u->fcr = (val & UART_FCR_ENABLE) ? val & (UART_FCR_ENABLE | UART_FCR_TRIG14) : 0;
}

static void write_lcr(struct vuart *u, uint8_t val)
{
	u->lcr = val;
}

static void write_mcr(struct vuart *u, uint8_t val)
{
	u->mcr = val & UART_MCR_MASK;
	msr_update(u);
}

static void write_ignored(struct vuart *u, uint8_t val)
{
	/* LSR and MSR writes are factory-test features; nothing sane relies on them. */
}

static void write_scr(struct vuart *u, uint8_t val)
{
	u->scr = val;
}

static uint8_t (*const reg_read[VUART_NR_PORTS])(struct vuart *u) = {
	read_rbr, read_ier, read_iir, read_lcr, read_mcr, read_lsr, read_msr, read_scr,
};
static void (*const reg_write[VUART_NR_PORTS])(struct vuart *u, uint8_t val) = {
	write_thr, write_ier, write_fcr, write_lcr, write_mcr, write_ignored, write_ignored,
	write_scr,
};

static uint8_t vuart_read8(void *dev, uint16_t port)
{
	struct vuart *u = dev;
	uint16_t reg = port - u->base;
	uint8_t v;

	if (reg >= VUART_NR_PORTS)
		return 0xff;
	v = reg_read[reg](u);
	update_irq(u);
	return v;
}

static void vuart_write8(void *dev, uint16_t port, uint8_t val)
{
	struct vuart *u = dev;
	uint16_t reg = port - u->base;

	if (reg >= VUART_NR_PORTS)
		return;
	reg_write[reg](u, val);
	update_irq(u);
}

static int vuart_pio_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return pio_read_bytes(dev, port, size, val, vuart_read8);
}

static int vuart_pio_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	return pio_write_bytes(dev, port, size, val, vuart_write8);
}

void vuart_reset(struct vuart *u)
{
	if (u->irq_level && u->router)
		virq_set_isa(u->router, u->irq, false);
	u->irq_level = false;
	rx_clear(u);
	memset(u->rx, 0, sizeof(u->rx));
	u->ier = u->lcr = u->mcr = u->lsr_errors = u->scr = u->fcr = 0;
	u->msr = MSR_LINES_IDLE;
	u->divisor = UART_CLOCK / 9600;
	u->thre_pending = false;
	u->stats = (struct vuart_stats){ 0 };
}

int vuart_attach(struct vdev_table *t, struct vuart *u, uint16_t base, struct virq *router,
		 unsigned int irq, vuart_tx_fn tx, void *tx_ctx)
{
	const struct pio_handler h = {
		"uart", base, VUART_NR_PORTS, vuart_pio_read, vuart_pio_write, u,
	};

	u->base = base;
	u->router = router;
	u->irq = irq;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->irq_level = false;
	vuart_reset(u);
	return vdev_register_pio(t, &h);
}
