/*
 * power_fake.h - host-test stand-ins for the image-only functions the
 * power and console code call: console_flush() and hw_triple_fault().
 *
 * Context: host tests only.
 */
#ifndef PAGODA_POWER_FAKE_H
#define PAGODA_POWER_FAKE_H

#include <setjmp.h>

/* Calls of console_flush() since the last reset. */
extern unsigned int fake_console_flushes;
/* hw_triple_fault() counts itself and longjmps here (abort()s when NULL). */
extern unsigned int fake_triple_faults;
extern jmp_buf *fake_triple_fault_jmp;

void fake_power_reset(void);

#endif
