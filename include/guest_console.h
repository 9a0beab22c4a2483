/*
 * guest_console.h - one serial line, two listeners: the guest's console
 * and Pagoda's shell. The escape key (Ctrl-\) switches between them; the
 * guest keeps running either way, and its output always reaches the line.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_GUEST_CONSOLE_H
#define PAGODA_GUEST_CONSOLE_H

#include "vm.h"

#define CONSOLE_ESCAPE 0x1c /* Ctrl-\ */
#define CONSOLE_ESCAPE_NAME "Ctrl-\\"

/* gconsole_init: where input goes first; to_guest only matters once a guest runs. */
void gconsole_init(bool to_guest);
/* gconsole_input: route one received byte (the escape key switches sides). */
void gconsole_input(struct vm *vm, char c);
bool gconsole_to_guest(void);
/* gconsole_pump: move waiting input into the guest UART as its FIFO drains. */
void gconsole_pump(struct vm *vm);
/* gconsole_guest_output: a byte the guest's UART sent. */
void gconsole_guest_output(void *ctx, uint8_t byte);

#endif
