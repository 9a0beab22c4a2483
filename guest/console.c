/*
 * console.c - sharing Pagoda's serial line between the guest and the shell.
 *
 * Input goes to one side at a time. When it goes to the guest, bytes are
 * pushed into the guest UART's receive FIFO (a full FIFO drops the byte,
 * as a real UART overruns); when it goes to the shell, to the line editor.
 * The escape key switches, and each switch says where input goes now,
 * so nobody types blind. If the guest is not running, input stays with
 * the shell.
 *
 * Context: pure, host-testable.
 */
#include "console.h"
#include "guest_console.h"
#include "log.h"
#include "shell.h"
#include "vuart.h"

static bool to_guest;

/*
 * Bytes for the guest wait here until its UART FIFO has room, so a paste
 * longer than the 16-byte FIFO is not lost (a real terminal would be
 * flow-controlled; ours cannot be).
 */
#define PENDING_SIZE 1024
static char pending[PENDING_SIZE];
static unsigned int pend_head, pend_len, pend_dropped;

void gconsole_init(bool guest_first)
{
	to_guest = guest_first;
}

bool gconsole_to_guest(void)
{
	return to_guest;
}

static bool guest_listening(const struct vm *vm)
{
	return vm->uart && (vm->state == VM_RUNNING || vm->state == VM_PAUSED);
}

static void switch_side(struct vm *vm)
{
	if (!to_guest && !guest_listening(vm)) {
		printk("\n[pagoda: no running guest; input stays with the shell]\n");
		shell_prompt();
		return;
	}
	to_guest = !to_guest;
	if (to_guest) {
		printk("\n[pagoda: input goes to the guest; %s for the Pagoda shell]\n",
		       CONSOLE_ESCAPE_NAME);
		return;
	}
	printk("\n[pagoda: input goes to the Pagoda shell; %s for the guest]\n",
	       CONSOLE_ESCAPE_NAME);
	shell_prompt();
}

void gconsole_input(struct vm *vm, char c)
{
	if (c == CONSOLE_ESCAPE) {
		switch_side(vm);
		return;
	}
	if (to_guest && guest_listening(vm)) {
		if (pend_len == PENDING_SIZE) {
			pend_dropped++;
			return;
		}
		pending[(pend_head + pend_len++) % PENDING_SIZE] = c;
		gconsole_pump(vm);
		return;
	}
	if (to_guest) {
		/* The guest went away: input falls back to the shell. */
		to_guest = false;
		printk("\n[pagoda: the guest is not running; input goes to the Pagoda shell]\n");
		shell_prompt();
	}
	shell_input(c);
}

void gconsole_pump(struct vm *vm)
{
	if (!guest_listening(vm)) {
		pend_len = 0;
		return;
	}
	while (pend_len && vuart_rx_room(vm->uart)) {
		vuart_rx_push(vm->uart, (uint8_t)pending[pend_head]);
		pend_head = (pend_head + 1) % PENDING_SIZE;
		pend_len--;
	}
	if (pend_dropped) {
		pr_warn("console: %u input bytes for the guest dropped (buffer full)\n",
			pend_dropped);
		pend_dropped = 0;
	}
}

void gconsole_guest_output(void *ctx, uint8_t byte)
{
	char c = (char)byte;

	console_write_raw(&c, 1);
}
