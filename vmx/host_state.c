/*
 * host_state.c - VMXON and the VMCS host-state area.
 *
 * The host state is what the CPU loads at every VM exit: Pagoda's own
 * CR0/CR3/CR4, its selectors, GDT/IDT/TSS bases, EFER and PAT, and the
 * landing point vmx_exit in entry.S (HOST_RSP is written by entry.S
 * itself right before each entry).
 *
 * Context: VMX root, interrupts off.
 */
#define pr_fmt(fmt) "vmx: " fmt
#include "desc.h"
#include "errcode.h"
#include "frame.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vmcs.h"
#include "vmx.h"
#include "vmx_caps.h"
#include "vmx_defs.h"
#include "vmx_hw.h"

#define CR4_VMXE (1ULL << 13)

extern char vmx_exit[]; /* entry.S */

static hpa_t vmxon_region;
bool vmx_on;

/* vmx_region_alloc: a zeroed frame starting with the VMCS revision id. */
int vmx_region_alloc(const struct vmx_caps *c, hpa_t *out)
{
	int err = frame_alloc_zeroed(FRAME_PAGODA, out);

	if (err)
		return err;
	*(uint32_t *)hpa_to_ptr(*out) = (uint32_t)(c->basic & VMX_BASIC_REVISION_MASK);
	return 0;
}

/*
 * vmx_enable: enter VMX root operation. CR0 and CR4 must satisfy the
 * FIXED0/FIXED1 MSRs before VMXON (SDM "VMXON"), and CR4.VMXE set.
 */
int vmx_enable(const struct vmx_caps *c)
{
	int err;

	if (vmx_on)
		return 0;
	if (vmx_unavailable_reason(c))
		return -ENODEV;
	err = vmx_feature_control_enable();
	if (err) {
		pr_err("cannot enable VMX in IA32_FEATURE_CONTROL: %s\n", err_name(err));
		return err;
	}
	hw_write_cr0(vmx_fixed_cr0(c, hw_read_cr0(), false));
	hw_write_cr4(vmx_fixed_cr4(c, hw_read_cr4() | CR4_VMXE));
	err = vmx_region_alloc(c, &vmxon_region);
	if (err)
		return err;
	err = hw_vmxon(vmxon_region);
	if (err) {
		pr_err("VMXON failed (region 0x%lx)\n", vmxon_region.v);
		frame_free(vmxon_region);
		return err;
	}
	vmx_on = true;
	pr_info("VMX root operation entered (VMCS revision 0x%x)\n",
		(unsigned int)(c->basic & VMX_BASIC_REVISION_MASK));
	return 0;
}

/* vmcs_write_host_state: every host-state field; -EIO if any write failed. */
int vmcs_write_host_state(void)
{
	int err = 0;

	err |= vmcs_write64(HOST_CR0, hw_read_cr0());
	err |= vmcs_write64(HOST_CR3, hw_read_cr3());
	err |= vmcs_write64(HOST_CR4, hw_read_cr4());
	err |= vmcs_write64(HOST_CS_SELECTOR, GDT_KERNEL_CS);
	err |= vmcs_write64(HOST_SS_SELECTOR, GDT_KERNEL_DS);
	err |= vmcs_write64(HOST_DS_SELECTOR, GDT_KERNEL_DS);
	err |= vmcs_write64(HOST_ES_SELECTOR, GDT_KERNEL_DS);
	err |= vmcs_write64(HOST_FS_SELECTOR, 0);
	err |= vmcs_write64(HOST_GS_SELECTOR, 0);
	err |= vmcs_write64(HOST_TR_SELECTOR, GDT_TSS);
	err |= vmcs_write64(HOST_FS_BASE, 0);
	err |= vmcs_write64(HOST_GS_BASE, 0);
	err |= vmcs_write64(HOST_TR_BASE, (uintptr_t)&tss);
	err |= vmcs_write64(HOST_GDTR_BASE, (uintptr_t)gdt);
	err |= vmcs_write64(HOST_IDTR_BASE, (uintptr_t)idt);
	err |= vmcs_write64(HOST_IA32_SYSENTER_CS, 0);
	err |= vmcs_write64(HOST_IA32_SYSENTER_ESP, 0);
	err |= vmcs_write64(HOST_IA32_SYSENTER_EIP, 0);
	err |= vmcs_write64(HOST_IA32_EFER, hw_rdmsr(MSR_EFER));
	err |= vmcs_write64(HOST_IA32_PAT, hw_rdmsr(MSR_IA32_PAT));
	err |= vmcs_write64(HOST_RIP, (uintptr_t)vmx_exit);
	return err ? -EIO : 0;
}
