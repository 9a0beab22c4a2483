/*
 * vmexit.h - VM-exit handling: the handler table and what handlers share.
 *
 * vmx_handle_exit() reads the exit reason and calls
 * exit_handlers[reason]; an exit without a handler goes to one function
 * that dumps the vCPU and stops the guest (Pagoda keeps running).
 * Handlers return 0 to resume the guest; a negative value stops it (the
 * handler has already said why with vm_stop()).
 *
 * Context: VMX root, interrupts off; pure (host-testable with the fake VMCS).
 */
#ifndef PAGODA_VMEXIT_H
#define PAGODA_VMEXIT_H

#include "vm.h"

struct vmexit {
	uint32_t reason; /* basic reason, bits 15:0 */
	uint32_t full_reason;
	uint64_t qual;
	uint32_t insn_len;
	uint32_t intr_info;
	uint32_t intr_error;
	gpa_t gpa; /* EPT exits */
	uint64_t gla;
};

typedef int (*exit_handler_t)(struct vm *vm, struct vmexit *e);

int vmx_handle_exit(struct vm *vm);
/* skip_instruction: advance RIP past the exiting instruction (clears STI/MOV-SS blocking). */
int skip_instruction(struct vm *vm, const struct vmexit *e);
/* Queue an exception for the next entry (#GP(0), #UD, #PF with CR2...). */
void vcpu_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
#define inject_gp(vm) vcpu_queue_exception(&(vm)->vcpu, 13, true, 0)
#define inject_ud(vm) vcpu_queue_exception(&(vm)->vcpu, 6, false, 0)

/* The CPUID the guest sees: filtered host values plus the KVM leaves. */
void guest_cpuid(const struct vm *vm, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* Architectural and paravirtual MSRs not handled by a device. */
int guest_msr_read(struct vm *vm, uint32_t msr, uint64_t *val);
int guest_msr_write(struct vm *vm, uint32_t msr, uint64_t val);
/* EPT violation: back guest RAM on demand; stop the guest on anything else. */
int ept_handle_violation(struct vm *vm, struct vmexit *e);
int ept_handle_misconfig(struct vm *vm, struct vmexit *e);
/*
 * mmio_handle_violation: an EPT violation outside guest RAM: emulate the
 * instruction against the device registered there (vdev_find_mmio), or
 * stop the guest with a diagnostic when no device decodes the address or
 * the instruction is not one Pagoda emulates.
 */
int mmio_handle_violation(struct vm *vm, struct vmexit *e);
/*
 * pio_string_exit: the memory side of an INS/OUTS I/O exit (vmx/mmio.c):
 * a batch of elements per exit, RIP left on the instruction while a REP
 * count remains. Faults become injected #PF/#GP; memory Pagoda cannot
 * reach stops the guest.
 */
int pio_string_exit(struct vm *vm, struct vmexit *e);
/* Dump registers and key VMCS fields (the shell's `regs` and failures). */
void vcpu_dump(struct vm *vm);

#endif
