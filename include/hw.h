/*
 * hw.h - the thin layer through which Pagoda touches the CPU and ports.
 *
 * Everything with inline assembly sits behind these functions: the real
 * implementation is drivers/hw_x86.c, the host-test one tests/fake/hw_fake.c
 * (a stateful fake: ports and MSRs are tables the test fills in). Pure
 * modules call only these, so they build and run on the host.
 *
 * Context: any; the real functions run in VMX root or before VMXON.
 */
#ifndef PAGODA_HW_H
#define PAGODA_HW_H

#include "types.h"

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

uint8_t hw_inb(uint16_t port);
uint16_t hw_inw(uint16_t port);
uint32_t hw_inl(uint16_t port);
void hw_outb(uint16_t port, uint8_t v);
void hw_outw(uint16_t port, uint16_t v);
void hw_outl(uint16_t port, uint32_t v);

void hw_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);
/* hw_rdmsr_safe/hw_wrmsr_safe: 0, or -EIO when the access raised #GP. */
int hw_rdmsr_safe(uint32_t msr, uint64_t *val);
int hw_wrmsr_safe(uint32_t msr, uint64_t val);
uint64_t hw_rdmsr(uint32_t msr);
void hw_wrmsr(uint32_t msr, uint64_t val);
uint64_t hw_rdtsc(void);

uint64_t hw_read_cr0(void);
uint64_t hw_read_cr2(void);
uint64_t hw_read_cr3(void);
uint64_t hw_read_cr4(void);
void hw_write_cr0(uint64_t v);
void hw_write_cr3(uint64_t v);
void hw_write_cr4(uint64_t v);
uint64_t hw_read_rflags(void);

void hw_cli(void);
void hw_sti(void);
void hw_halt(void);	/* sti; hlt: sleep until the next interrupt */
void hw_irq_window(void); /* sti; nop; cli: let a pending interrupt in */
void hw_pause(void);
void hw_invlpg(uint64_t va);
void __noreturn hw_stop(void); /* cli; hlt forever */

/* Memory-mapped register access (the local APIC, ACPI tables). */
uint32_t hw_mmio_read32(hpa_t a);
void hw_mmio_write32(hpa_t a, uint32_t v);

#endif
