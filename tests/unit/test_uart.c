/*
 * test_uart.c - the 16550 driver against the fake port layer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "errcode.h"
#include "hw_fake.h"
#include "uart.h"

/* A fake 16550: scratch register remembers, LSR says ready, IIR says FIFO. */
static uint8_t scratch;
static bool lsr_ready = true, rx_ready;
static bool uart_hook(uint16_t port, bool write, uint32_t *val)
{
	unsigned int reg = port - COM1_BASE;
	if (port < COM1_BASE || port > COM1_BASE + 7)
		return false;
	if (reg == UART_SCR) {
		if (write)
			scratch = (uint8_t)*val;
		else
			*val = scratch;
		return true;
	}
	if (write)
		return false; /* logged by the fake */
	if (reg == UART_LSR)
		*val = (lsr_ready ? UART_LSR_THRE | UART_LSR_TEMT : 0) |
		       (rx_ready ? UART_LSR_DR : 0);
	else if (reg == UART_IIR)
		*val = 0xc1;
	else if (reg == UART_RBR)
		*val = 'k';
	else
		*val = 0;
	return true;
}

static int setup(void **state)
{
	fake_hw_reset();
	fake_port_hook_set(uart_hook);
	lsr_ready = true;
	rx_ready = false;
	return 0;
}

static void test_init_programs_115200(void **state)
{
	struct uart u;
	const struct fake_port_write *w;
	assert_int_equal(uart_init(&u, COM1_BASE, 115200), 0);
	assert_true(u.present);
	assert_true(u.fifo);
	unsigned int n = fake_port_writes(&w);
	bool dll = false;
	for (unsigned int i = 0; i + 1 < n; i++)
		if (w[i].port == COM1_BASE + UART_LCR && w[i].val == UART_LCR_DLAB &&
		    w[i + 1].port == COM1_BASE + UART_DLL && w[i + 1].val == 1)
			dll = true;
	assert_true(dll);
}

static void test_absent_uart(void **state)
{
	struct uart u;
	fake_port_hook_set(NULL); /* every read returns 0xff: no device */
	assert_int_equal(uart_init(&u, COM1_BASE, 115200), -ENODEV);
	uart_write(&u, "x", 1); /* must not hang or write */
	const struct fake_port_write *w;
	unsigned int n = fake_port_writes(&w);
	for (unsigned int i = 0; i < n; i++)
		assert_int_not_equal(w[i].port, COM1_BASE + UART_THR);
	assert_int_equal(uart_getc(&u), -1);
}

static void test_write_and_read(void **state)
{
	struct uart u;
	const struct fake_port_write *w;
	uart_init(&u, COM1_BASE, 115200);
	unsigned int before = fake_port_writes(&w);
	uart_write(&u, "hello, world and more than sixteen", 34);
	unsigned int n = fake_port_writes(&w);
	char sent[64];
	unsigned int k = 0;
	for (unsigned int i = before; i < n; i++)
		if (w[i].port == COM1_BASE + UART_THR)
			sent[k++] = (char)w[i].val;
	assert_int_equal(k, 34);
	assert_memory_equal(sent, "hello, world and more than sixteen", 34);
	assert_int_equal(uart_getc(&u), -1);
	rx_ready = true;
	assert_int_equal(uart_getc(&u), 'k');
}

static void test_stuck_transmitter_bounded(void **state)
{
	struct uart u;
	uart_init(&u, COM1_BASE, 115200);
	u.spins_max = 100;
	lsr_ready = false;
	uart_write(&u, "abc", 3); /* returns: the wait is bounded */
	uart_drain(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_programs_115200, setup),
		cmocka_unit_test_setup(test_absent_uart, setup),
		cmocka_unit_test_setup(test_write_and_read, setup),
		cmocka_unit_test_setup(test_stuck_transmitter_bounded, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
