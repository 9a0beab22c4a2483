/*
 * run.c - the guest's life: create, launch, run one exit at a time, stop.
 *
 * vm_run_once() is one trip through the loop KVM calls vcpu_enter_guest:
 * advance the virtual devices to now, decide what to inject, enter the
 * guest, re-queue an event the exit interrupted (IDT-vectoring info),
 * dispatch the exit. A halted vCPU is not entered at all: the caller
 * sleeps until Pagoda's next timer tick, which is how HLT becomes a real
 * idle.
 *
 * Context: VMX root, interrupts off except in hw_irq_window().
 */
#define pr_fmt(fmt) "vm: " fmt
#include "hw.h"
#include "log.h"
#include "vintr.h"
#include "vlapic.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"
#include "vmx_hw.h"
#include "vpit.h"

#define RFLAGS_IF (1ULL << 9)

/* write_event: put one event into the VM-entry interruption fields. */
static int write_event(const struct vcpu_event *ev)
{
	uint32_t info = ev->vector | ev->type | INTR_INFO_VALID_MASK;
	int err = 0;

	if (ev->has_error) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		err |= vmcs_write64(VM_ENTRY_EXCEPTION_ERROR_CODE, ev->error_code);
	}
	if (ev->type == INTR_TYPE_SOFT_INTR || ev->type == INTR_TYPE_SOFT_EXCEPTION ||
	    ev->type == INTR_TYPE_PRIV_SW_EXCEPTION)
		err |= vmcs_write64(VM_ENTRY_INSTRUCTION_LEN, ev->insn_len);
	err |= vmcs_write64(VM_ENTRY_INTR_INFO_FIELD, info);
	return err;
}

static bool guest_interruptible(void)
{
	uint64_t intr = vmcs_get(GUEST_INTERRUPTIBILITY_INFO);

	return (vmcs_get(GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

static void set_window_exiting(struct vcpu *v, bool on)
{
	uint32_t ctls = on ? v->proc_ctls | CPU_BASED_INTR_WINDOW_EXITING
			   : v->proc_ctls & ~CPU_BASED_INTR_WINDOW_EXITING;

	if (ctls != v->proc_ctls) {
		v->proc_ctls = ctls;
		vmcs_write64(CPU_BASED_VM_EXEC_CONTROL, ctls);
	}
}

/*
 * inject_pending: a queued exception first; else the highest external
 * interrupt if the guest can take it now, or an interrupt-window exit
 * the moment it can.
 */
static void inject_pending(struct vm *vm)
{
	struct vcpu *v = &vm->vcpu;
	int vec;

	if (v->event.valid) {
		write_event(&v->event);
		v->event.valid = false;
		vm->stats.injections++;
		return;
	}
	vec = vintr_pending(vm);
	if (vec < 0) {
		set_window_exiting(v, false);
		return;
	}
	if (!guest_interruptible()) {
		set_window_exiting(v, true);
		return;
	}
	vintr_ack(vm, vec);
	write_event(&(struct vcpu_event){ .vector = (uint8_t)vec, .type = INTR_TYPE_EXT_INTR });
	vm->stats.injections++;
}

/*
 * requeue_vectoring: an exit that interrupted event delivery (an EPT
 * violation while pushing an interrupt frame, say) leaves the event in
 * IDT-vectoring info; it must be delivered again at the next entry.
 */
static void requeue_vectoring(struct vcpu *v)
{
	uint32_t info = (uint32_t)vmcs_get(IDT_VECTORING_INFO_FIELD);

	if (!(info & INTR_INFO_VALID_MASK))
		return;
	v->event = (struct vcpu_event){
		.valid = true,
		.vector = info & INTR_INFO_VECTOR_MASK,
		.type = info & INTR_INFO_TYPE_MASK,
		.has_error = info & INTR_INFO_DELIVER_CODE_MASK,
		.error_code = (uint32_t)vmcs_get(IDT_VECTORING_ERROR_CODE),
		.insn_len = (uint32_t)vmcs_get(VM_EXIT_INSTRUCTION_LEN),
	};
}

static void entry_failed(struct vm *vm)
{
	uint64_t ie = 0;

	hw_vmread(VM_INSTRUCTION_ERROR, &ie);
	vcpu_dump(vm);
	vm_stop(vm, "VM%s failed: VM-instruction error %lu (%s)",
		vm->vcpu.launched ? "RESUME" : "LAUNCH", ie,
		vm_instruction_error_name((unsigned int)ie));
}

static void devices_tick(struct vm *vm)
{
	uint64_t now = vm_clock_ns(vm);

	if (vm->pit)
		vpit_tick(vm->pit, now);
	if (vm->lapic)
		vlapic_tick(vm->lapic, now);
}

/*
 * arm_guest_timer: exit exactly when the guest's next timer event is due.
 * Without it the guest's timers are as coarse as Pagoda's 1 kHz tick: a
 * Linux tick up to 1 ms late every 4 ms makes jiffies lag the TSC by a
 * fifth, and the clocksource watchdog then calls the TSC unstable. CPUs
 * without the preemption timer (Bochs' Penryn) keep the 1 ms granularity.
 */
static void arm_guest_timer(struct vm *vm)
{
	if (vm->vcpu.pin_ctls & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write64(VMX_PREEMPTION_TIMER_VALUE,
			     vm_preemption_timer_value(vm, vm_clock_ns(vm)));
}

void vm_run_once(struct vm *vm)
{
	struct vcpu *v = &vm->vcpu;

	devices_tick(vm);
	if (v->halted) {
		if (vintr_pending(vm) < 0 && !v->event.valid)
			return;
		v->halted = false;
	}
	inject_pending(vm);
	arm_guest_timer(vm);
	if (vmx_vmenter(&v->regs, v->launched)) {
		entry_failed(vm);
		return;
	}
	v->launched = true;
	requeue_vectoring(v);
	vmx_handle_exit(vm);
	/* A host interrupt caused this exit (or arrived meanwhile): take it now. */
	hw_irq_window();
	if (vm->step && vm->state == VM_RUNNING) {
		vm->step = false;
		vm->state = VM_PAUSED;
	}
}
