/*
 * trap_fake.h - host-test stand-in for irq_register() (boot/traps.c is
 * image only): it records the handlers so a test can raise an interrupt.
 *
 * Context: host tests only.
 */
#ifndef PAGODA_TRAP_FAKE_H
#define PAGODA_TRAP_FAKE_H

#include "trap.h"

void fake_irq_reset(void);
/* The handler registered for vector, or NULL. */
irq_handler_t fake_irq_handler(uint8_t vector);
/* Call the registered handler as the dispatcher would; false if none. */
bool fake_irq_raise(uint8_t vector);

#endif
