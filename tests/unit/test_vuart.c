/*
 * test_vuart.c - the guest's 16550A, probed and started the way Linux's
 * serial8250 driver does it (drivers/tty/serial/8250/8250_port.c:
 * autoconfig, autoconfig_16550a, size_fifo, serial8250_do_startup).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "errcode.h"
#include "vdev.h"
#include "virq.h"
#include "vpic.h"
#include "vuart.h"

#define BASE 0x3f8

static struct vdev_table t;
static struct vpic pic;
static struct virq router; /* to the PIC only: test_virq.c covers the I/O APIC */
static struct vuart uart;
static char out[512];
static unsigned int out_len;

static void tx_capture(void *ctx, uint8_t byte)
{
	if (out_len < sizeof(out) - 1)
		out[out_len++] = (char)byte;
}

static void outb(uint16_t port, uint8_t val)
{
	pio_dispatch_out(&t, port, 1, val);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)pio_dispatch_in(&t, port, 1);
}

static void serial_out(unsigned int reg, uint8_t val)
{
	outb(BASE + reg, val);
}

static uint8_t serial_in(unsigned int reg)
{
	return inb(BASE + reg);
}

static int setup(void **state)
{
	static const uint8_t init[][2] = { { 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 4 },
					   { 0x21, 1 },	   { 0xa0, 0x11 }, { 0xa1, 0x28 },
					   { 0xa1, 2 },	   { 0xa1, 1 },	   { 0x21, 0 } };
	t = (struct vdev_table){ 0 };
	memset(out, 0, sizeof(out));
	out_len = 0;
	assert_int_equal(vpic_attach(&t, &pic), 0);
	virq_init(&router, &pic, NULL);
	assert_int_equal(vuart_attach(&t, &uart, BASE, &router, 4, tx_capture, NULL), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(init); i++)
		outb(init[i][0], init[i][1]);
	return 0;
}

/* size_fifo(): in loopback at divisor 1, send 256 bytes, count what arrives. */
static int size_fifo(void)
{
	uint8_t old_lcr = serial_in(UART_LCR), old_fcr, old_mcr, dll, dlm;
	int count;

	serial_out(UART_LCR, 0);
	old_fcr = serial_in(UART_FCR); /* reads IIR: the driver's quirk, kept */
	old_mcr = serial_in(UART_MCR);
	serial_out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR);
	serial_out(UART_MCR, UART_MCR_LOOP);
	serial_out(UART_LCR, UART_LCR_DLAB);
	dll = serial_in(UART_DLL);
	dlm = serial_in(UART_DLM);
	serial_out(UART_DLL, 1);
	serial_out(UART_DLM, 0);
	serial_out(UART_LCR, 0x03);
	for (count = 0; count < 256; count++)
		serial_out(UART_THR, (uint8_t)count);
	for (count = 0; (serial_in(UART_LSR) & UART_LSR_DR) && count < 256; count++)
		serial_in(UART_RBR);
	serial_out(UART_FCR, old_fcr);
	serial_out(UART_MCR, old_mcr);
	serial_out(UART_LCR, UART_LCR_DLAB);
	serial_out(UART_DLL, dll);
	serial_out(UART_DLM, dlm);
	serial_out(UART_LCR, old_lcr);
	return count;
}

/* The 16550A-variant probes of autoconfig_16550a(); a plain 16550A passes them all. */
static const char *probe_16550a_variants(void)
{
	uint8_t s1, s2, mcr, ier;

	serial_out(UART_LCR, 0x80); /* CONF_MODE_A: EFR on ST16C650V1 */
	if (serial_in(2) == 0)
		return "16650";
	serial_out(UART_LCR, 0xbf); /* CONF_MODE_B: EFR on later ST parts */
	if (serial_in(2) == 0)
		return "EFR";
	serial_out(UART_LCR, 0); /* National SuperIO: EXCR1 in bank 2 mirrors LOOP */
	mcr = serial_in(UART_MCR);
	serial_out(UART_LCR, 0xe0);
	s2 = serial_in(2);
	if (!((s2 ^ mcr) & UART_MCR_LOOP)) {
		serial_out(UART_LCR, 0);
		serial_out(UART_MCR, mcr ^ UART_MCR_LOOP);
		serial_out(UART_LCR, 0xe0);
		s2 = serial_in(2);
		serial_out(UART_LCR, 0);
		serial_out(UART_MCR, mcr);
		if ((s2 ^ mcr) & UART_MCR_LOOP)
			return "NS16550A";
	}
	serial_out(UART_LCR, 0); /* TI16750: IIR bit 5 with the 64-byte FIFO bit */
	serial_out(UART_FCR, 0x21);
	s1 = serial_in(UART_IIR) >> 5;
	serial_out(UART_FCR, 0x01);
	serial_out(UART_LCR, 0x80);
	serial_out(UART_FCR, 0x21);
	s2 = serial_in(UART_IIR) >> 5;
	serial_out(UART_FCR, 0x01);
	serial_out(UART_LCR, 0);
	if (s1 == 6 && s2 == 7)
		return "16750";
	ier = serial_in(UART_IER); /* XScale: IER bit 6 (UUE) sticks */
	serial_out(UART_IER, ier & ~0x40);
	if (!(serial_in(UART_IER) & 0x40)) {
		serial_out(UART_IER, ier | 0x40);
		if (serial_in(UART_IER) & 0x40)
			return "XScale";
	}
	serial_out(UART_IER, ier);
	return size_fifo() == 64 ? "U6_16550A" : "16550A";
}

/* autoconfig(): existence test, loopback test, then the IIR FIFO bits. */
static const char *linux_autoconfig(void)
{
	uint8_t scratch, scratch2, scratch3, save_mcr, save_lcr, status;
	const char *type;

	scratch = serial_in(UART_IER);
	serial_out(UART_IER, 0);
	outb(0x80, 0xff); /* against ISA bus float */
	scratch2 = serial_in(UART_IER) & 0x0f;
	serial_out(UART_IER, 0x0f);
	outb(0x80, 0);
	scratch3 = serial_in(UART_IER) & 0x0f;
	serial_out(UART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return "none (IER test)";
	save_mcr = serial_in(UART_MCR);
	save_lcr = serial_in(UART_LCR);
	serial_out(UART_MCR, UART_MCR_LOOP | 0x0a);
	status = serial_in(UART_MSR) & 0xf0;
	serial_out(UART_MCR, save_mcr);
	if (status != 0x90)
		return "none (loop test)";
	serial_out(UART_LCR, 0xbf);
	serial_out(2, 0); /* EFR, or FCR on a 16550A */
	serial_out(UART_LCR, 0);
	serial_out(UART_FCR, UART_FCR_ENABLE);
	scratch = serial_in(UART_IIR);
	if ((scratch >> 6) == 0)
		type = "8250";
	else if ((scratch >> 6) == 1)
		type = "unknown";
	else if ((scratch >> 6) == 2)
		type = "16550";
	else
		type = probe_16550a_variants();
	serial_out(UART_LCR, save_lcr);
	serial_out(UART_MCR, save_mcr);
	serial_out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR); /* serial8250_clear_fifos */
	serial_out(UART_FCR, 0);
	serial_in(UART_RBR);
	serial_out(UART_IER, 0);
	return type;
}

static void test_autoconfig_16550a(void **state)
{
	serial_out(UART_SCR, 0x5a);
	assert_int_equal(serial_in(UART_SCR), 0x5a);
	serial_out(UART_LCR, 0x03);
	assert_string_equal(linux_autoconfig(), "16550A");
	assert_int_equal(serial_in(UART_LCR), 0x03);
	assert_int_equal(serial_in(UART_MCR), 0);
	assert_int_equal(out_len, 0); /* nothing leaked to the line in loopback */
	assert_int_equal(uart.divisor, UART_CLOCK / 9600);
	assert_false(vpic_has_intr(&pic));
}

/* serial8250_do_startup(): the LSR safety check, the THRE test, the TXEN test. */
static void test_startup_thre(void **state)
{
	uint8_t iir1, iir, lsr;

	serial_out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR);
	serial_out(UART_FCR, 0);
	serial_in(UART_LSR);
	serial_in(UART_RBR);
	serial_in(UART_IIR);
	serial_in(UART_MSR);
	assert_int_not_equal(serial_in(UART_LSR), 0xff);

	serial_out(UART_IER, UART_IER_THRI);
	iir1 = serial_in(UART_IIR);
	serial_out(UART_IER, 0);
	serial_out(UART_IER, UART_IER_THRI);
	iir = serial_in(UART_IIR);
	serial_out(UART_IER, 0);
	assert_int_equal(iir1, UART_IIR_THRI);
	assert_int_equal(iir, UART_IIR_THRI); /* else Linux sets UART_BUG_THRE */

	serial_out(UART_LCR, 0x03);
	serial_out(UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	serial_out(UART_IER, UART_IER_THRI);
	lsr = serial_in(UART_LSR);
	iir = serial_in(UART_IIR);
	serial_out(UART_IER, 0);
	assert_true(lsr & UART_LSR_TEMT);
	assert_false(iir & UART_IIR_NO_INT); /* else Linux sets UART_BUG_TXEN */
	/* The THRE interrupt reached the PIC while IER had it on. */
	assert_int_equal(vpic_ack(&pic), 0x24);
}

static void test_tx_and_thre_irq(void **state)
{
	serial_out(UART_LCR, 0x03);
	serial_out(UART_MCR, UART_MCR_OUT2);
	serial_out(UART_IER, UART_IER_THRI);
	assert_true(vpic_has_intr(&pic));
	assert_int_equal(vpic_ack(&pic), 0x24);
	assert_int_equal(serial_in(UART_IIR), UART_IIR_THRI); /* acknowledges THRE */
	assert_int_equal(serial_in(UART_IIR), UART_IIR_NO_INT);
	assert_false(uart.irq_level);
	outb(0x20, 0x20);
	serial_out(UART_THR, 'h');
	serial_out(UART_THR, 'i');
	assert_string_equal(out, "hi");
	assert_true(uart.irq_level); /* THR emptied again */
	assert_true(vpic_has_intr(&pic));
	/* IER off drops the line and forgets THRE. */
	serial_out(UART_IER, 0);
	assert_false(uart.irq_level);
	assert_int_equal(serial_in(UART_IIR), UART_IIR_NO_INT);
	/* Without OUT2 the PC's IRQ line stays quiet. */
	vpic_ack(&pic);
	outb(0x20, 0x20);
	serial_out(UART_MCR, 0);
	serial_out(UART_IER, UART_IER_THRI);
	assert_int_equal(serial_in(UART_IIR), UART_IIR_THRI);
	assert_false(vpic_has_intr(&pic));
	assert_int_equal(uart.stats.tx_bytes, 2);
}

static void test_rx_fifo_and_irq(void **state)
{
	serial_out(UART_FCR, UART_FCR_ENABLE | 0x80); /* trigger at 8 */
	serial_out(UART_MCR, UART_MCR_OUT2);
	serial_out(UART_IER, UART_IER_RDI);
	assert_int_equal(serial_in(UART_IIR), 0xc1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(vuart_rx_push(&uart, (uint8_t)('a' + i)), 0);
	assert_int_equal(serial_in(UART_IIR), 0xcc); /* below the trigger: timeout */
	assert_int_equal(vpic_ack(&pic), 0x24);
	for (int i = 3; i < 8; i++)
		vuart_rx_push(&uart, (uint8_t)('a' + i));
	assert_int_equal(serial_in(UART_IIR), 0xc4);
	assert_int_equal(vuart_rx_room(&uart), 8);
	for (int i = 0; i < 8; i++) {
		assert_true(serial_in(UART_LSR) & UART_LSR_DR);
		assert_int_equal(serial_in(UART_RBR), 'a' + i);
	}
	assert_false(serial_in(UART_LSR) & UART_LSR_DR);
	assert_int_equal(serial_in(UART_IIR), 0xc1);
	assert_false(uart.irq_level);
	assert_int_equal(uart.stats.rx_bytes, 8);
}

static void test_rx_overflow(void **state)
{
	serial_out(UART_FCR, UART_FCR_ENABLE);
	serial_out(UART_MCR, UART_MCR_OUT2);
	serial_out(UART_IER, UART_IER_RLSI);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vuart_rx_push(&uart, (uint8_t)i), 0);
	assert_int_equal(vuart_rx_room(&uart), 0);
	assert_int_equal(vuart_rx_push(&uart, 99), -ENOSPC);
	assert_int_equal(serial_in(UART_IIR), 0xc6); /* line status: overrun */
	assert_int_equal(serial_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR | UART_LSR_OE);
	assert_false(serial_in(UART_LSR) & UART_LSR_OE); /* reading LSR cleared it */
	assert_int_equal(serial_in(UART_IIR), 0xc1);
	for (int i = 0; i < 16; i++)
		assert_int_equal(serial_in(UART_RBR), i); /* the FIFO kept what it had */
	assert_int_equal(uart.stats.overruns, 1);

	/* FIFO off: one byte of holding register. */
	serial_out(UART_FCR, 0);
	assert_int_equal(vuart_rx_push(&uart, 1), 0);
	assert_int_equal(vuart_rx_push(&uart, 2), -ENOSPC);
	assert_int_equal(serial_in(UART_RBR), 1);
	assert_int_equal(serial_in(UART_IIR), UART_IIR_RLSI); /* no FIFO bits */
}

static void test_dlab_divisor(void **state)
{
	serial_out(UART_LCR, UART_LCR_DLAB | 0x03);
	serial_out(UART_DLL, 0x01);
	serial_out(UART_DLM, 0x00);
	assert_int_equal(serial_in(UART_DLL), 0x01);
	assert_int_equal(serial_in(UART_DLM), 0x00);
	/* 16-bit write of the divisor: DLL then DLM. */
	pio_dispatch_out(&t, BASE + UART_DLL, 2, 0x0180);
	assert_int_equal(uart.divisor, 0x0180);
	assert_int_equal(pio_dispatch_in(&t, BASE + UART_DLL, 2), 0x0180);
	assert_int_equal(out_len, 0);
	serial_out(UART_LCR, 0x03);
	serial_out(UART_THR, 'x');
	assert_string_equal(out, "x");
	assert_int_equal(uart.divisor, 0x0180);
}

static void test_loopback_msr(void **state)
{
	serial_out(UART_IER, UART_IER_MSI);
	serial_out(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(serial_in(UART_MSR), 0x0b); /* CTS, DSR, DCD fell */
	assert_int_equal(serial_in(UART_MSR), 0x00);
	serial_out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1 | UART_MCR_DTR);
	assert_int_equal(serial_in(UART_IIR), UART_IIR_MSI);
	assert_int_equal(serial_in(UART_MSR), UART_MSR_RI | UART_MSR_DSR | UART_MSR_DDSR);
	serial_out(UART_MCR, UART_MCR_LOOP);
	assert_int_equal(serial_in(UART_MSR), UART_MSR_TERI | UART_MSR_DDSR);
	/* Loopback: what is sent is received; the line input is cut off. */
	serial_out(UART_THR, 'q');
	assert_int_equal(out_len, 0);
	assert_int_equal(vuart_rx_push(&uart, 'z'), -EBUSY);
	assert_int_equal(serial_in(UART_RBR), 'q');
	/* Interrupts are internal in loopback: nothing reaches the PIC. */
	serial_out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	assert_int_not_equal(serial_in(UART_IIR) & UART_IIR_NO_INT, UART_IIR_NO_INT);
	assert_false(vpic_has_intr(&pic));
	serial_out(UART_MCR, 0);
	assert_int_equal(serial_in(UART_MSR) & 0xf0, 0xb0);
}

static void test_hostile(void **state)
{
	uint32_t x = 4242;

	serial_out(UART_LSR, 0x00); /* read-only registers ignore writes */
	serial_out(UART_MSR, 0x00);
	assert_int_equal(serial_in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(serial_in(UART_MSR) & 0xf0, 0xb0);
	assert_int_equal(pio_dispatch_in(&t, BASE, 3), 0xffffffff);
	pio_dispatch_out(&t, BASE + 6, 4, 0x41414141); /* runs past 0x3ff: dropped */
	for (int i = 0; i < 30000; i++) {
		x = x * 1103515245 + 12345;
		uint16_t port = (uint16_t)(BASE + ((x >> 8) & 7));
		unsigned int size = 1u << ((x >> 4) % 3);
		if (x & 1)
			pio_dispatch_out(&t, port, size, x >> 16);
		else
			(void)pio_dispatch_in(&t, port, size);
		if ((x >> 12) % 5 == 0)
			vuart_rx_push(&uart, (uint8_t)(x >> 24));
		assert_true(uart.rx_count <= VUART_FIFO_SIZE);
		if (vpic_has_intr(&pic)) {
			vpic_ack(&pic);
			outb(0x20, 0x20);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_autoconfig_16550a, setup),
		cmocka_unit_test_setup(test_startup_thre, setup),
		cmocka_unit_test_setup(test_tx_and_thre_irq, setup),
		cmocka_unit_test_setup(test_rx_fifo_and_irq, setup),
		cmocka_unit_test_setup(test_rx_overflow, setup),
		cmocka_unit_test_setup(test_dlab_divisor, setup),
		cmocka_unit_test_setup(test_loopback_msr, setup),
		cmocka_unit_test_setup(test_hostile, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
