/*
 * tsc.h - the time-stamp counter as Pagoda's clock.
 *
 * tsc_init() finds the TSC frequency (CPUID leaf 0x15, then leaf 0x16,
 * then a measurement against PIT channel 2) and remembers which source
 * gave it, for the `cpu` and `clock` commands. A CPUID answer more than
 * 10% away from what the PIT measures loses to the PIT (Bochs's does).
 *
 * Context: pure, host-testable (CPUID, RDTSC and ports through hw.h).
 */
#ifndef PAGODA_TSC_H
#define PAGODA_TSC_H

#include "types.h"

extern uint64_t tsc_khz; /* 0 until tsc_init() succeeds */
extern const char *tsc_source; /* "cpuid15", "cpuid16", "pit" or "none" */

/* Results outside this range are taken as a broken source, not a CPU. */
#define TSC_KHZ_MIN 1000ULL /* 1 MHz: Bochs ties its TSC to its emulated IPS */
#define TSC_KHZ_MAX 100000000ULL /* 100 GHz */

/*
 * tsc_init: set tsc_khz and tsc_source, and start the clock of
 * tsc_now_ns(). Takes ~50 ms (the PIT runs). Returns 0, or -ENODEV when
 * no source works (no CPUID leaf, and the PIT does not count).
 */
int tsc_init(void);

/* tsc_cycles_to_ns: a TSC interval in nanoseconds; 0 before tsc_init(). */
uint64_t tsc_cycles_to_ns(uint64_t cycles);
/* tsc_ns_to_cycles: TSC cycles in ns nanoseconds, rounded up; 0 before tsc_init(). */
uint64_t tsc_ns_to_cycles(uint64_t ns);
/* tsc_now_ns: nanoseconds since tsc_init(); 0 before it. */
uint64_t tsc_now_ns(void);
/*
 * tsc_delay_us: spin at least us microseconds. Before calibration it
 * assumes a TSC as fast as TSC_KHZ_ASSUMED, so the wait errs long.
 */
void tsc_delay_us(uint64_t us);
#define TSC_KHZ_ASSUMED 5000000ULL /* 5 GHz */

#endif
