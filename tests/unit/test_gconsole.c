/*
 * test_gconsole.c - one serial line shared by the guest's console and
 * Pagoda's shell (guest/console.c): the escape key, where input lands,
 * a paste longer than the UART's FIFO, and a guest that goes away.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "console_fake.h"
#include "guest_console.h"
#include "shell.h"
#include "vm.h"
#include "vuart.h"

#define COM1 0x3f8
#define UART_RBR 0 /* receive buffer */
#define UART_LSR 5
#define LSR_DR 0x01

static struct vm vm; /* static: struct vm is large */
static struct vuart uart;

static void tx_drop(void *ctx, uint8_t byte)
{
}

/*
 * guest_read: what the guest's driver reads from RBR while LSR says data
 * ready, with the run loop's gconsole_pump() between its reads (each read
 * is an exit). The UART is left as reset: no FIFO, one byte at a time.
 */
static size_t guest_read(char *out, size_t max)
{
	size_t n = 0;

	while (n < max && (pio_dispatch_in(&vm.vdev, COM1 + UART_LSR, 1) & LSR_DR)) {
		out[n++] = (char)pio_dispatch_in(&vm.vdev, COM1 + UART_RBR, 1);
		gconsole_pump(&vm);
	}
	return n;
}

static void type(const char *s)
{
	while (*s)
		gconsole_input(&vm, *s++);
}

static int setup(void **state)
{
	char drain[64];

	memset(&vm, 0, sizeof(vm));
	assert_int_equal(vuart_attach(&vm.vdev, &uart, COM1, NULL, 4, tx_drop, NULL), 0);
	vm.uart = &uart;
	vm.state = VM_RUNNING;
	shell_init("pagoda> ");
	gconsole_init(true);
	gconsole_pump(&vm); /* nothing left over from an earlier test */
	while (guest_read(drain, sizeof(drain)))
		;
	fake_console_reset();
	return 0;
}

static void test_input_to_guest(void **state)
{
	char got[16];

	type("ls\r");
	assert_int_equal(guest_read(got, sizeof(got)), 3);
	assert_memory_equal(got, "ls\r", 3);
	assert_null(strstr(fake_console_text(), "pagoda>")); /* the shell saw nothing */
}

/* The escape key switches sides and says so each time; the shell gets the line. */
static void test_escape_switches(void **state)
{
	char got[16];

	gconsole_input(&vm, CONSOLE_ESCAPE);
	assert_false(gconsole_to_guest());
	assert_non_null(strstr(fake_console_text(), "input goes to the Pagoda shell; Ctrl-\\ for"));
	type("help");
	assert_int_equal(guest_read(got, sizeof(got)), 0);
	assert_non_null(strstr(fake_console_text(), "help")); /* echoed by the line editor */
	gconsole_input(&vm, CONSOLE_ESCAPE);
	assert_true(gconsole_to_guest());
	assert_non_null(strstr(fake_console_text(), "input goes to the guest; Ctrl-\\ for"));
	type("x");
	assert_int_equal(guest_read(got, sizeof(got)), 1);
}

/* A paste longer than the UART holds waits and arrives whole, in order. */
static void test_paste_waits_for_fifo(void **state)
{
	char text[300], got[300];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(text); i++)
		gconsole_input(&vm, text[i]);
	assert_true(vuart_rx_room(&uart) == 0);
	while (n < sizeof(text)) {
		size_t k = guest_read(got + n, sizeof(got) - n);
		assert_true(k > 0);
		n += k;
		gconsole_pump(&vm); /* the run loop does this every iteration */
	}
	assert_memory_equal(got, text, sizeof(text));
	assert_null(strstr(fake_console_text(), "dropped"));
}

/* Beyond the 1 KiB buffer bytes are dropped, and the drop is reported once. */
static void test_overflow_reported(void **state)
{
	for (int i = 0; i < 2000; i++)
		gconsole_input(&vm, 'q');
	gconsole_pump(&vm);
	assert_non_null(strstr(fake_console_text(), "input bytes for the guest dropped"));
}

/* A guest that stopped: input falls back to the shell, and the escape stays there. */
static void test_guest_gone(void **state)
{
	char got[16];

	vm.state = VM_STOPPED;
	gconsole_input(&vm, 'a');
	assert_false(gconsole_to_guest());
	assert_non_null(strstr(fake_console_text(), "the guest is not running"));
	gconsole_input(&vm, CONSOLE_ESCAPE);
	assert_false(gconsole_to_guest());
	assert_non_null(strstr(fake_console_text(), "no running guest; input stays with the shell"));
	vm.state = VM_RUNNING;
	assert_int_equal(guest_read(got, sizeof(got)), 0);
}

/* Paused guests still listen: typing ahead while paused is kept for later. */
static void test_paused_guest_listens(void **state)
{
	char got[16];

	vm.state = VM_PAUSED;
	type("ab");
	assert_true(gconsole_to_guest());
	vm.state = VM_RUNNING;
	assert_int_equal(guest_read(got, sizeof(got)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_input_to_guest, setup),
		cmocka_unit_test_setup(test_escape_switches, setup),
		cmocka_unit_test_setup(test_paste_waits_for_fifo, setup),
		cmocka_unit_test_setup(test_overflow_reported, setup),
		cmocka_unit_test_setup(test_guest_gone, setup),
		cmocka_unit_test_setup(test_paused_guest_listens, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
