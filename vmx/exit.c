/*
 * exit.c - VM-exit dispatch: one handler per basic exit reason.
 *
 * The table is the whole policy at a glance: which exits Pagoda expects,
 * which it reflects into the guest as faults (#UD for VMX instructions,
 * #GP for RDPMC), and which stop the guest. Every other reason lands in
 * exit_unexpected(), which dumps the vCPU and stops only that guest.
 *
 * Context: VMX root, interrupts off; pure (host-testable with the fake VMCS).
 */
#define pr_fmt(fmt) "exit: " fmt
#include "errcode.h"
#include "hw.h"
#include "insn.h"
#include "lib.h"
#include "log.h"
#include "vdev.h"
#include "vmexit.h"
#include "vmx_defs.h"

#define KVM_ENOSYS 1000 /* include/uapi/linux/kvm_para.h */

void vcpu_queue_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	v->event = (struct vcpu_event){
		.valid = true,
		.vector = vector,
		.type = INTR_TYPE_HARD_EXCEPTION,
		.has_error = has_error,
		.error_code = error,
	};
}

int skip_instruction(struct vm *vm, const struct vmexit *e)
{
	uint64_t rip = vmcs_get(GUEST_RIP), intr = vmcs_get(GUEST_INTERRUPTIBILITY_INFO);
	int err = vmcs_write64(GUEST_RIP, rip + e->insn_len);

	/* An emulated instruction ends any STI or MOV-SS interrupt shadow. */
	if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		err |= vmcs_write64(GUEST_INTERRUPTIBILITY_INFO,
				    intr & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	return err ? -EIO : 0;
}

static int exit_unexpected(struct vm *vm, struct vmexit *e)
{
	vcpu_dump(vm);
	vm_stop(vm, "unhandled VM exit %u (%s), qualification 0x%lx", e->reason,
		exit_reason_name(e->reason), e->qual);
	return -EOPNOTSUPP;
}

static int exit_failed_entry(struct vm *vm, struct vmexit *e)
{
	vcpu_dump(vm);
	vm_stop(vm, "VM entry failed: %s (exit qualification %lu)",
		exit_reason_name(e->reason), e->qual);
	return -EIO;
}

static int exit_triple_fault(struct vm *vm, struct vmexit *e)
{
	vcpu_dump(vm);
	vm_stop(vm, "guest triple fault (shutdown) at RIP 0x%lx", vmcs_get(GUEST_RIP));
	return -EFAULT;
}

/* Machine checks stop the guest; an NMI belongs to Pagoda: hand it on. */
static int exit_exception_nmi(struct vm *vm, struct vmexit *e)
{
	uint32_t type = e->intr_info & INTR_INFO_TYPE_MASK;
	uint8_t vector = e->intr_info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI_INTR) {
		pr_warn_ratelimited("NMI while the guest ran\n");
		return 0;
	}
	if (vector == 18) {
		vcpu_dump(vm);
		vm_stop(vm, "machine check while the guest ran");
		return -EIO;
	}
	vcpu_queue_exception(&vm->vcpu, vector, e->intr_info & INTR_INFO_DELIVER_CODE_MASK,
			     e->intr_error);
	return 0;
}

/* Host interrupts are taken by Pagoda's IDT once the run loop enables them. */
static int exit_external_interrupt(struct vm *vm, struct vmexit *e)
{
	return 0;
}

static int exit_interrupt_window(struct vm *vm, struct vmexit *e)
{
	vm->vcpu.proc_ctls &= ~CPU_BASED_INTR_WINDOW_EXITING;
	return vmcs_write64(CPU_BASED_VM_EXEC_CONTROL, vm->vcpu.proc_ctls) ? -EIO : 0;
}

static int exit_cpuid(struct vm *vm, struct vmexit *e)
{
	uint64_t *r = vm->vcpu.regs.gpr;
	uint32_t out[4];

	guest_cpuid(vm, (uint32_t)r[REG_RAX], (uint32_t)r[REG_RCX], out);
	r[REG_RAX] = out[0];
	r[REG_RBX] = out[1];
	r[REG_RCX] = out[2];
	r[REG_RDX] = out[3];
	return skip_instruction(vm, e);
}

static int exit_hlt(struct vm *vm, struct vmexit *e)
{
	vm->vcpu.halted = true;
	vm->stats.hlt_sleeps++;
	return skip_instruction(vm, e);
}

static int exit_nop(struct vm *vm, struct vmexit *e)
{
	return skip_instruction(vm, e);
}

static int exit_inject_ud(struct vm *vm, struct vmexit *e)
{
	inject_ud(vm);
	return 0;
}

static int exit_inject_gp(struct vm *vm, struct vmexit *e)
{
	inject_gp(vm);
	return 0;
}

/* No hypercalls yet: every one answers -KVM_ENOSYS, as KVM does for unknown ones. */
static int exit_vmcall(struct vm *vm, struct vmexit *e)
{
	vm->vcpu.regs.gpr[REG_RAX] = (uint64_t)-KVM_ENOSYS;
	return skip_instruction(vm, e);
}

/* I/O exit qualification (SDM "Exit Qualification for I/O Instructions"). */
#define IO_SIZE_MASK 0x7
#define IO_IN (1u << 3)
#define IO_STRING (1u << 4)
#define IO_PORT_SHIFT 16

static int exit_io(struct vm *vm, struct vmexit *e)
{
	unsigned int size = (e->qual & IO_SIZE_MASK) + 1;
	uint16_t port = (uint16_t)(e->qual >> IO_PORT_SHIFT);
	uint64_t *rax = &vm->vcpu.regs.gpr[REG_RAX];
	uint64_t mask = insn_size_mask(size);

	if (e->qual & IO_STRING) /* INS/OUTS: the memory side is emulated in vmx/mmio.c */
		return pio_string_exit(vm, e);
	if (e->qual & IO_IN) {
		uint32_t v = pio_dispatch_in(&vm->vdev, port, size);
		/* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
		*rax = size == 4 ? v : (*rax & ~mask) | (v & mask);
	} else {
		pio_dispatch_out(&vm->vdev, port, size, (uint32_t)(*rax & mask));
	}
	if (vm->state != VM_RUNNING)
		return 0;
	return skip_instruction(vm, e);
}

static int exit_msr_read(struct vm *vm, struct vmexit *e)
{
	uint64_t *r = vm->vcpu.regs.gpr, v = 0;

	if (guest_msr_read(vm, (uint32_t)r[REG_RCX], &v)) {
		inject_gp(vm);
		return 0;
	}
	r[REG_RAX] = (uint32_t)v;
	r[REG_RDX] = v >> 32;
	return skip_instruction(vm, e);
}

static int exit_msr_write(struct vm *vm, struct vmexit *e)
{
	uint64_t *r = vm->vcpu.regs.gpr;
	uint64_t v = (uint32_t)r[REG_RAX] | (r[REG_RDX] << 32);

	if (guest_msr_write(vm, (uint32_t)r[REG_RCX], v)) {
		inject_gp(vm);
		return 0;
	}
	return skip_instruction(vm, e);
}

int exit_cr_access(struct vm *vm, struct vmexit *e); /* vmx/exit_cr.c */

static const exit_handler_t exit_handlers[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = exit_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = exit_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT] = exit_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW] = exit_interrupt_window,
	[EXIT_REASON_CPUID] = exit_cpuid,
	[EXIT_REASON_GETSEC] = exit_inject_ud,
	[EXIT_REASON_HLT] = exit_hlt,
	[EXIT_REASON_INVD] = exit_nop,
	[EXIT_REASON_RDPMC] = exit_inject_gp,
	[EXIT_REASON_VMCALL] = exit_vmcall,
	[EXIT_REASON_VMCLEAR] = exit_inject_ud,
	[EXIT_REASON_VMLAUNCH] = exit_inject_ud,
	[EXIT_REASON_VMPTRLD] = exit_inject_ud,
	[EXIT_REASON_VMPTRST] = exit_inject_ud,
	[EXIT_REASON_VMREAD] = exit_inject_ud,
	[EXIT_REASON_VMRESUME] = exit_inject_ud,
	[EXIT_REASON_VMWRITE] = exit_inject_ud,
	[EXIT_REASON_VMOFF] = exit_inject_ud,
	[EXIT_REASON_VMON] = exit_inject_ud,
	[EXIT_REASON_CR_ACCESS] = exit_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = exit_io,
	[EXIT_REASON_MSR_READ] = exit_msr_read,
	[EXIT_REASON_MSR_WRITE] = exit_msr_write,
	[EXIT_REASON_INVALID_STATE] = exit_failed_entry,
	[EXIT_REASON_MSR_LOAD_FAIL] = exit_failed_entry,
	[EXIT_REASON_MWAIT_INSTRUCTION] = exit_inject_ud,
	[EXIT_REASON_MONITOR_INSTRUCTION] = exit_inject_ud,
	[EXIT_REASON_MCE_DURING_VMENTRY] = exit_failed_entry,
	[EXIT_REASON_EPT_VIOLATION] = ept_handle_violation,
	[EXIT_REASON_EPT_MISCONFIG] = ept_handle_misconfig,
	[EXIT_REASON_INVEPT] = exit_inject_ud,
	[EXIT_REASON_INVVPID] = exit_inject_ud,
	[EXIT_REASON_VMFUNC] = exit_inject_ud,
	[EXIT_REASON_WBINVD] = exit_nop,
	[EXIT_REASON_XSETBV] = exit_inject_ud,
	[EXIT_REASON_PREEMPTION_TIMER] = exit_external_interrupt,
};

/* read_exit: the exit information fields every handler may need. */
static void read_exit(struct vmexit *e)
{
	e->full_reason = (uint32_t)vmcs_get(VM_EXIT_REASON);
	e->reason = VMX_EXIT_REASON_BASIC(e->full_reason);
	e->qual = vmcs_get(EXIT_QUALIFICATION);
	e->insn_len = (uint32_t)vmcs_get(VM_EXIT_INSTRUCTION_LEN);
	e->intr_info = (uint32_t)vmcs_get(VM_EXIT_INTR_INFO);
	e->intr_error = (uint32_t)vmcs_get(VM_EXIT_INTR_ERROR_CODE);
	e->gpa = gpa(0);
	if (e->reason == EXIT_REASON_EPT_VIOLATION || e->reason == EXIT_REASON_EPT_MISCONFIG)
		e->gpa = gpa(vmcs_get(GUEST_PHYSICAL_ADDRESS));
}

/*
 * nmi_unblocked_by_iret: the exit interrupted an IRET that had already
 * unblocked virtual NMIs (exit qualification bit 12 for EPT violations,
 * interruption-information bit 12 for exceptions), with no event being
 * delivered. The IRET runs again after the exit is handled, so NMIs must
 * be blocked until then, or an NMI could nest inside the guest's handler.
 */
static bool nmi_unblocked_by_iret(const struct vm *vm, const struct vmexit *e)
{
	bool unblocked;

	if (!(vm->vcpu.pin_ctls & PIN_BASED_VIRTUAL_NMIS))
		return false;
	if (e->reason == EXIT_REASON_EPT_VIOLATION)
		unblocked = e->qual & EPT_VIOLATION_NMI_UNBLOCKING;
	else if (e->reason == EXIT_REASON_EXCEPTION_NMI)
		unblocked = (e->intr_info & INTR_INFO_VALID_MASK) &&
			    (e->intr_info & INTR_INFO_UNBLOCK_NMI);
	else
		return false;
	return unblocked && !(vmcs_get(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID_MASK);
}

/* SDM "Resuming Guest Software after Handling an Exception": re-block NMIs. */
static void restore_nmi_blocking(struct vm *vm, const struct vmexit *e)
{
	if (nmi_unblocked_by_iret(vm, e))
		vmcs_write64(GUEST_INTERRUPTIBILITY_INFO,
			   vmcs_get(GUEST_INTERRUPTIBILITY_INFO) | GUEST_INTR_STATE_NMI);
}

int vmx_handle_exit(struct vm *vm)
{
	struct vmexit e;
	exit_handler_t h;

	read_exit(&e);
	restore_nmi_blocking(vm, &e);
	vm->stats.exits++;
	if (e.reason < EXIT_REASON_MAX)
		vm->stats.exits_by_reason[e.reason]++;
	if (e.full_reason & VMX_EXIT_REASON_FAILED_ENTRY)
		return exit_failed_entry(vm, &e);
	h = e.reason < EXIT_REASON_MAX ? exit_handlers[e.reason] : NULL;
	return (h ? h : exit_unexpected)(vm, &e);
}
