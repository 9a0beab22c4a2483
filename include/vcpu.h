/*
 * vcpu.h - one virtual CPU: its saved registers, its VMCS, its counters.
 *
 * Pagoda runs one guest on one vCPU. The general registers the VMCS does
 * not hold are saved by vmx/entry.S into struct guest_regs, in the
 * order of the x86 register encoding (so an exit qualification's register
 * number indexes gpr[] directly; slot 4, RSP, lives in the VMCS and is
 * copied in and out around handlers that need it).
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VCPU_H
#define PAGODA_VCPU_H

#include "types.h"
#include "vmcs.h"

enum gpr_index {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	NR_GPRS
};

struct guest_regs {
	uint64_t gpr[NR_GPRS];
	uint64_t cr2; /* not in the VMCS: swapped by entry.S */
};
/* entry.S hard-codes these offsets. */
static_assert(sizeof(struct guest_regs) == 17 * 8, "guest_regs layout");

#define GUEST_REGS_CR2_OFFSET 128

/* An exception or interrupt waiting to be injected at the next VM entry. */
struct vcpu_event {
	bool valid;
	uint8_t vector;
	uint32_t type; /* INTR_TYPE_* */
	bool has_error;
	uint32_t error_code;
	uint32_t insn_len; /* for software interrupts/exceptions */
};

struct vcpu {
	struct guest_regs regs;
	hpa_t vmcs;
	bool launched;
	uint16_t vpid;
	struct vcpu_event event; /* next injection (exception wins) */
	bool halted; /* guest executed HLT: sleep until an interrupt */
	bool rip_dirty; /* a handler advanced RIP */
	uint64_t cr0_shadow, cr4_shadow; /* what the guest believes */
	uint32_t proc_ctls, proc2_ctls, pin_ctls, exit_ctls, entry_ctls;
};

/* entry.S: 0 after a VM exit; 1 when VMLAUNCH/VMRESUME itself failed. */
int vmx_vmenter(struct guest_regs *regs, int launched);

#endif
