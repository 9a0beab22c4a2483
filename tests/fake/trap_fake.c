/*
 * trap_fake.c - irq_register() for host tests, with the same rules as
 * the real one (vector >= 32, one handler per vector).
 *
 * Context: host tests only.
 */
#include <string.h>

#include "errcode.h"
#include "trap_fake.h"

static irq_handler_t handlers[256];

void fake_irq_reset(void)
{
	memset(handlers, 0, sizeof(handlers));
}

int irq_register(uint8_t vector, irq_handler_t fn)
{
	if (vector < 32 || !fn)
		return -EINVAL;
	if (handlers[vector])
		return -EBUSY;
	handlers[vector] = fn;
	return 0;
}

irq_handler_t fake_irq_handler(uint8_t vector)
{
	return handlers[vector];
}

bool fake_irq_raise(uint8_t vector)
{
	struct trap_frame tf = { .vector = vector };

	if (!handlers[vector])
		return false;
	handlers[vector](&tf);
	return true;
}
