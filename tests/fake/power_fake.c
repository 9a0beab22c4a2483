/*
 * power_fake.c - console_flush() and hw_triple_fault() for host tests.
 *
 * The real ones live in drivers/console.c and drivers/hw_x86.c (image
 * only). A triple fault cannot return, so the fake longjmps back into the
 * test that expected it.
 *
 * Context: host tests only.
 */
#include <stdlib.h>

#include "console.h"
#include "power.h"
#include "power_fake.h"

unsigned int fake_console_flushes;
unsigned int fake_triple_faults;
jmp_buf *fake_triple_fault_jmp;

void fake_power_reset(void)
{
	fake_console_flushes = 0;
	fake_triple_faults = 0;
	fake_triple_fault_jmp = NULL;
}

void console_flush(void)
{
	fake_console_flushes++;
}

void hw_triple_fault(void)
{
	fake_triple_faults++;
	if (fake_triple_fault_jmp)
		longjmp(*fake_triple_fault_jmp, 1);
	abort();
}
