/*
 * hw_fake.h - the host-test implementation of include/hw.h.
 *
 * A stateful fake: tests set CPUID leaves, MSR values (or mark an MSR as
 * faulting), port read values and MMIO words; the fake records port and
 * MSR writes so tests can check what the code under test did. Port reads
 * with no value set return all ones, as an empty ISA port does.
 *
 * Context: host tests only.
 */
#ifndef PAGODA_HW_FAKE_H
#define PAGODA_HW_FAKE_H

#include "hw.h"

#define FAKE_MAX_ENTRIES 256

void fake_hw_reset(void);
void fake_cpuid_set(uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx,
		    uint32_t ecx, uint32_t edx);
void fake_msr_set(uint32_t msr, uint64_t val);
void fake_msr_fault(uint32_t msr); /* rdmsr/wrmsr of it raise #GP */
bool fake_msr_written(uint32_t msr, uint64_t *val);
/* Port reads: a queue per port; once empty, the last value repeats. */
void fake_port_push(uint16_t port, uint32_t val);
/* The log of port writes, in order. */
struct fake_port_write {
	uint16_t port;
	uint8_t size;
	uint32_t val;
};
unsigned int fake_port_writes(const struct fake_port_write **log);
void fake_tsc_set(uint64_t tsc, uint64_t step_per_read);
/* Hook for ports whose reads depend on earlier writes (a PIT, a UART). */
typedef bool (*fake_port_hook)(uint16_t port, bool write, uint32_t *val);
void fake_port_hook_set(fake_port_hook hook);

#endif
