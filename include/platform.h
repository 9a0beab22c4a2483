/*
 * platform.h - the guest's virtual platform, put together.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_PLATFORM_H
#define PAGODA_PLATFORM_H

#include "vm.h"

#define GUEST_COM1_IRQ 4

/*
 * vm_platform_init: create and attach every virtual device: PIC pair,
 * I/O APIC (MMIO at 0xfec00000) and the ISA IRQ router feeding both,
 * PIT, COM1 UART (IRQ 4, output to Pagoda's serial line), CMOS/RTC,
 * the x2APIC, ACPI PM registers, and the small ports (0x80, PCI config,
 * i8042, 0x92, the test-exit port). Returns 0, -ENOMEM, or a registration error.
 */
int vm_platform_init(struct vm *vm);

#endif
