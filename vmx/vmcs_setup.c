/*
 * vmcs_setup.c - choosing the VMCS controls and writing the guest state.
 *
 * Every control bit is derived from the capability MSRs through
 * vmx_adjust_ctl(): bits Pagoda cannot work without are "required" and
 * their absence is an error naming the feature; the rest are "optional"
 * and used only when allowed. Nothing here depends on an emulator
 * accepting more than the SDM promises.
 *
 * Context: pure, host-testable (VMCS through vmx_hw.h).
 */
#define pr_fmt(fmt) "vmcs: " fmt
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vmx.h"
#include "vmx_defs.h"

#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_VMXE (1ULL << 13)

/* Exceptions Pagoda wants to see: machine checks only; the guest owns the rest. */
#define GUEST_EXCEPTION_BITMAP (1u << 18)

static int choose_pin_proc(const struct vmx_caps *c, struct vcpu *v)
{
	int err = vmx_adjust_ctl(c, VMX_CTL_PIN,
				 PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
				 PIN_BASED_VIRTUAL_NMIS | PIN_BASED_VMX_PREEMPTION_TIMER,
				 &v->pin_ctls);

	err = err ?: vmx_adjust_ctl(c, VMX_CTL_PROC,
				    CPU_BASED_HLT_EXITING | CPU_BASED_USE_IO_BITMAPS |
					    CPU_BASED_USE_MSR_BITMAPS |
					    CPU_BASED_MWAIT_EXITING |
					    CPU_BASED_MONITOR_EXITING |
					    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
				    CPU_BASED_RDPMC_EXITING, &v->proc_ctls);
	/* Interrupt-window exiting is switched on only while an injection waits. */
	v->proc_ctls &= ~CPU_BASED_INTR_WINDOW_EXITING;
	return err;
}

static int choose_secondary(const struct vmx_caps *c, struct vm *vm)
{
	uint32_t required = 0, optional = SECONDARY_EXEC_ENABLE_RDTSCP |
					  SECONDARY_EXEC_ENABLE_INVPCID |
					  SECONDARY_EXEC_ENABLE_VPID;

	if (vm->use_ept)
		required |= SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST;
	return vmx_adjust_ctl(c, VMX_CTL_PROC2, required, optional, &vm->vcpu.proc2_ctls);
}

/* Exit and entry: 64-bit host, and EFER/PAT switched by the CPU itself. */
static int choose_exit_entry(const struct vmx_caps *c, struct vcpu *v)
{
	int err = vmx_adjust_ctl(c, VMX_CTL_EXIT,
				 VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER |
					 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_PAT |
					 VM_EXIT_LOAD_IA32_PAT,
				 0, &v->exit_ctls);

	return err ?: vmx_adjust_ctl(c, VMX_CTL_ENTRY,
				     VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT,
				     0, &v->entry_ctls);
}

int vmx_choose_controls(const struct vmx_caps *c, struct vm *vm)
{
	int err = choose_pin_proc(c, &vm->vcpu);

	err = err ?: choose_secondary(c, vm);
	err = err ?: choose_exit_entry(c, &vm->vcpu);
	if (err)
		pr_err("this CPU lacks a VMX control Pagoda needs (see above)\n");
	return err;
}

/* The MSR bitmap: read-low, read-high, write-low, write-high, 1 KiB each. */
void msr_bitmap_passthrough(void *bitmap, uint32_t msr)
{
	uint8_t *b = bitmap;
	unsigned int base;

	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 1024;
	else
		return;
	msr &= 0x1fff;
	b[base + msr / 8] &= ~(1u << (msr % 8));
	b[base + 2048 + msr / 8] &= ~(1u << (msr % 8));
}

int vmcs_write_controls(const struct vmx_caps *c, struct vm *vm, hpa_t io_bitmaps,
			hpa_t msr_bitmap)
{
	struct vcpu *v = &vm->vcpu;
	int err = 0;

	err |= vmcs_write64(PIN_BASED_VM_EXEC_CONTROL, v->pin_ctls);
	err |= vmcs_write64(CPU_BASED_VM_EXEC_CONTROL, v->proc_ctls);
	err |= vmcs_write64(SECONDARY_VM_EXEC_CONTROL, v->proc2_ctls);
	err |= vmcs_write64(VM_EXIT_CONTROLS, v->exit_ctls);
	err |= vmcs_write64(VM_ENTRY_CONTROLS, v->entry_ctls);
	err |= vmcs_write64(EXCEPTION_BITMAP, GUEST_EXCEPTION_BITMAP);
	err |= vmcs_write64(PAGE_FAULT_ERROR_CODE_MASK, 0);
	err |= vmcs_write64(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	err |= vmcs_write64(CR3_TARGET_COUNT, 0);
	err |= vmcs_write64(VM_EXIT_MSR_STORE_COUNT, 0);
	err |= vmcs_write64(VM_EXIT_MSR_LOAD_COUNT, 0);
	err |= vmcs_write64(VM_ENTRY_MSR_LOAD_COUNT, 0);
	err |= vmcs_write64(VM_ENTRY_INTR_INFO_FIELD, 0);
	err |= vmcs_write64(IO_BITMAP_A, io_bitmaps.v);
	err |= vmcs_write64(IO_BITMAP_B, io_bitmaps.v + PAGE_SIZE);
	err |= vmcs_write64(MSR_BITMAP, msr_bitmap.v);
	err |= vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	err |= vmcs_write64(TSC_OFFSET, 0);
	if (v->proc2_ctls & SECONDARY_EXEC_ENABLE_VPID)
		err |= vmcs_write64(VIRTUAL_PROCESSOR_ID, v->vpid);
	if (vm->use_ept)
		err |= vmcs_write64(EPT_POINTER, ept_eptp(&vm->ept));
	return err ? -EIO : 0;
}

static int write_seg(enum vmcs_field sel, const struct guest_seg *s)
{
	/* Selector, limit, AR and base fields are laid out at fixed strides. */
	int err = vmcs_write64(sel, s->sel);

	err |= vmcs_write64(GUEST_ES_LIMIT + (sel - GUEST_ES_SELECTOR), s->limit);
	err |= vmcs_write64(GUEST_ES_AR_BYTES + (sel - GUEST_ES_SELECTOR), s->ar);
	err |= vmcs_write64(GUEST_ES_BASE + (sel - GUEST_ES_SELECTOR), s->base);
	return err;
}

static int write_segments(const struct guest_boot_state *gs)
{
	int err = write_seg(GUEST_ES_SELECTOR, &gs->es);

	err |= write_seg(GUEST_CS_SELECTOR, &gs->cs);
	err |= write_seg(GUEST_SS_SELECTOR, &gs->ss);
	err |= write_seg(GUEST_DS_SELECTOR, &gs->ds);
	err |= write_seg(GUEST_FS_SELECTOR, &gs->fs);
	err |= write_seg(GUEST_GS_SELECTOR, &gs->gs);
	err |= write_seg(GUEST_LDTR_SELECTOR, &gs->ldtr);
	err |= write_seg(GUEST_TR_SELECTOR, &gs->tr);
	err |= vmcs_write64(GUEST_GDTR_BASE, gs->gdtr_base);
	err |= vmcs_write64(GUEST_GDTR_LIMIT, gs->gdtr_limit);
	err |= vmcs_write64(GUEST_IDTR_BASE, gs->idtr_base);
	err |= vmcs_write64(GUEST_IDTR_LIMIT, gs->idtr_limit);
	return err;
}

/* The CR0 bits VMX fixes (to 1 or to 0) are Pagoda's: guest writes to them exit. */
uint64_t vmx_cr0_owned(const struct vmx_caps *c, bool unrestricted)
{
	uint64_t owned = c->cr0_fixed0 | ~c->cr0_fixed1;

	if (unrestricted)
		owned &= ~(CR0_PE | CR0_PG);
	return owned | CR0_NE;
}

uint64_t vmx_cr4_owned(const struct vmx_caps *c)
{
	return c->cr4_fixed0 | ~c->cr4_fixed1 | CR4_VMXE;
}

/*
 * The guest sees its own CR0/CR4 through the read shadows; the bits VMX
 * forces (NE, VMXE, and PE/PG without unrestricted guest) are owned by
 * Pagoda through the guest/host masks, so guest writes to them exit.
 */
static int write_control_regs(const struct vmx_caps *c, struct vm *vm,
			      const struct guest_boot_state *gs)
{
	struct vcpu *v = &vm->vcpu;
	bool ug = v->proc2_ctls & SECONDARY_EXEC_UNRESTRICTED_GUEST;
	uint64_t cr0 = vmx_fixed_cr0(c, gs->cr0, ug), cr4 = vmx_fixed_cr4(c, gs->cr4);
	int err = 0;

	v->cr0_shadow = gs->cr0;
	v->cr4_shadow = gs->cr4;
	err |= vmcs_write64(GUEST_CR0, cr0);
	err |= vmcs_write64(GUEST_CR3, gs->cr3);
	err |= vmcs_write64(GUEST_CR4, cr4);
	err |= vmcs_write64(CR0_READ_SHADOW, gs->cr0);
	err |= vmcs_write64(CR4_READ_SHADOW, gs->cr4);
	err |= vmcs_write64(CR0_GUEST_HOST_MASK, vmx_cr0_owned(c, ug));
	err |= vmcs_write64(CR4_GUEST_HOST_MASK, vmx_cr4_owned(c));
	err |= vmcs_write64(GUEST_IA32_EFER, gs->efer);
	err |= vmcs_write64(GUEST_IA32_PAT, 0x0007040600070406ULL); /* power-on PAT */
	return err;
}

int vmcs_write_guest_state(const struct vmx_caps *c, struct vm *vm,
			   const struct guest_boot_state *gs)
{
	uint32_t entry = vm->vcpu.entry_ctls & ~VM_ENTRY_IA32E_MODE;
	int err = write_control_regs(c, vm, gs);

	if (gs->mode == GUEST_MODE_LONG64)
		entry |= VM_ENTRY_IA32E_MODE;
	vm->vcpu.entry_ctls = entry;
	err |= vmcs_write64(VM_ENTRY_CONTROLS, entry);
	err |= write_segments(gs);
	err |= vmcs_write64(GUEST_RIP, gs->rip);
	err |= vmcs_write64(GUEST_RSP, gs->gpr[REG_RSP]);
	err |= vmcs_write64(GUEST_RFLAGS, gs->rflags | 0x2);
	err |= vmcs_write64(GUEST_DR7, 0x400);
	err |= vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	err |= vmcs_write64(GUEST_SYSENTER_CS, 0);
	err |= vmcs_write64(GUEST_SYSENTER_ESP, 0);
	err |= vmcs_write64(GUEST_SYSENTER_EIP, 0);
	err |= vmcs_write64(GUEST_INTERRUPTIBILITY_INFO, 0);
	err |= vmcs_write64(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	err |= vmcs_write64(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	memcpy(vm->vcpu.regs.gpr, gs->gpr, sizeof(gs->gpr));
	return err ? -EIO : 0;
}
