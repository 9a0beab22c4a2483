/*
 * lapic.h - the local APIC: Pagoda's own periodic timer and EOI.
 *
 * x2APIC mode (MSRs) when the CPU has it, else xAPIC (MMIO at the address
 * in IA32_APIC_BASE). Register offsets are the xAPIC ones with Linux's
 * names; in x2APIC mode register r is MSR 0x800 + r / 16.
 *
 * Interrupt handlers for vectors the local APIC delivers must end with
 * lapic_eoi(): the trap dispatcher does not send one.
 *
 * Context: pure, host-testable (MSRs and MMIO through hw.h).
 */
#ifndef PAGODA_LAPIC_H
#define PAGODA_LAPIC_H

#include "types.h"

/* Local APIC registers (SDM, "Local APIC Register Address Map"). */
#define APIC_ID 0x20
#define APIC_LVR 0x30
#define APIC_LVR_MAXLVT GENMASK(23, 16) /* number of LVT entries - 1 */
#define APIC_TASKPRI 0x80
#define APIC_EOI 0xb0
#define APIC_SPIV 0xf0
#define APIC_SPIV_APIC_ENABLED BIT(8)
#define APIC_ESR 0x280
#define APIC_LVTT 0x320
#define APIC_LVTTHMR 0x330
#define APIC_LVTPC 0x340
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_LVTERR 0x370
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0

#define APIC_LVT_MASKED BIT(16)
#define APIC_LVT_TIMER_PERIODIC BIT(17)
#define APIC_DM_NMI (4u << 8)
#define APIC_TDR_DIV_16 0x3
#define APIC_BASE_ADDR_MASK GENMASK(51, 12) /* in IA32_APIC_BASE */

#define CPUID1_EDX_APIC BIT(9)
#define CPUID1_ECX_X2APIC BIT(21)

/* Timer interrupts since lapic_timer_start(). */
extern uint64_t lapic_ticks;

/*
 * lapic_init: enable the local APIC (x2APIC if possible), software-enable
 * it with VEC_SPURIOUS, mask every LVT but the NMI pin. Returns 0, or
 * -ENODEV when there is no usable local APIC, -EIO when IA32_APIC_BASE
 * refuses the write.
 */
int lapic_init(void);

/*
 * lapic_timer_start: a periodic interrupt on VEC_TIMER at hz, its rate
 * measured against the TSC. Returns 0, -ENODEV (no APIC, TSC not
 * calibrated, timer does not count), -EINVAL (hz == 0), -ERANGE (hz not
 * reachable with divide-by-16) or irq_register's error.
 */
int lapic_timer_start(uint32_t hz);
void lapic_timer_stop(void);
void lapic_eoi(void);

/* For status commands: "x2APIC", "xAPIC" or "off"; the running timer's Hz (0 if none). */
const char *lapic_mode(void);
uint32_t lapic_timer_hz(void);
uint32_t lapic_id(void);

#endif
