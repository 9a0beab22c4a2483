/*
 * exit_cr.c - control-register exits: MOV to CR0/CR4 touching bits VMX
 * fixes, and LMSW.
 *
 * The guest owns every CR0/CR4 bit VMX leaves free (no exit at all). For
 * the bits VMX fixes, the guest reads its own value from the read shadow;
 * the real register keeps the fixed value. A write that sets a CR4 bit
 * this CPU cannot have, or VMXE (Pagoda hides VMX), gets #GP as on
 * hardware without the feature.
 *
 * Context: VMX root, interrupts off; pure (host-testable with the fake VMCS).
 */
#define pr_fmt(fmt) "cr: " fmt
#include "errcode.h"
#include "log.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"

#define CR_QUAL_NUM(q) ((q)&0xf)
#define CR_QUAL_TYPE(q) (((q) >> 4) & 0x3)
#define CR_QUAL_GPR(q) (((q) >> 8) & 0xf)
#define CR_QUAL_LMSW_DATA(q) (((q) >> 16) & 0xffff)
#define CR_TYPE_MOV_TO 0
#define CR_TYPE_MOV_FROM 1
#define CR_TYPE_CLTS 2
#define CR_TYPE_LMSW 3
#define CR4_VMXE (1ULL << 13)
#define CR0_LMSW_BITS 0xfULL /* PE, MP, EM, TS */

/* gpr_value: RSP lives in the VMCS, the others in the saved registers. */
static uint64_t gpr_value(struct vm *vm, unsigned int n)
{
	return n == REG_RSP ? vmcs_get(GUEST_RSP) : vm->vcpu.regs.gpr[n];
}

static int set_cr0(struct vm *vm, uint64_t val)
{
	bool ug = vm->vcpu.proc2_ctls & SECONDARY_EXEC_UNRESTRICTED_GUEST;
	int err;

	if (val >> 32) {
		inject_gp(vm);
		return 0;
	}
	vm->vcpu.cr0_shadow = val;
	err = vmcs_write64(CR0_READ_SHADOW, val);
	err |= vmcs_write64(GUEST_CR0, vmx_fixed_cr0(&vmx_caps, val, ug));
	return err ? -EIO : 0;
}

static int set_cr4(struct vm *vm, uint64_t val)
{
	int err;

	if ((val & CR4_VMXE) || (val & ~vmx_caps.cr4_fixed1)) {
		inject_gp(vm);
		return 0;
	}
	vm->vcpu.cr4_shadow = val;
	err = vmcs_write64(CR4_READ_SHADOW, val);
	err |= vmcs_write64(GUEST_CR4, vmx_fixed_cr4(&vmx_caps, val));
	return err ? -EIO : 0;
}

static int mov_to_cr(struct vm *vm, struct vmexit *e)
{
	uint64_t val = gpr_value(vm, CR_QUAL_GPR(e->qual));

	switch (CR_QUAL_NUM(e->qual)) {
	case 0:
		return set_cr0(vm, val);
	case 4:
		return set_cr4(vm, val);
	default:
		vm_stop(vm, "MOV to CR%lu exit not expected with these controls",
			CR_QUAL_NUM(e->qual));
		return -EOPNOTSUPP;
	}
}

int exit_cr_access(struct vm *vm, struct vmexit *e);
int exit_cr_access(struct vm *vm, struct vmexit *e)
{
	int err;
	uint64_t cr0;

	switch (CR_QUAL_TYPE(e->qual)) {
	case CR_TYPE_MOV_TO:
		err = mov_to_cr(vm, e);
		break;
	case CR_TYPE_LMSW:
		/* LMSW can set PE but never clear it. */
		cr0 = vm->vcpu.cr0_shadow;
		cr0 = (cr0 & ~(CR0_LMSW_BITS & ~1ULL)) | (CR_QUAL_LMSW_DATA(e->qual) & CR0_LMSW_BITS);
		err = set_cr0(vm, cr0);
		break;
	default:
		vm_stop(vm, "CR access type %lu exit not expected", CR_QUAL_TYPE(e->qual));
		return -EOPNOTSUPP;
	}
	if (err || vm->vcpu.event.valid)
		return err;
	return skip_instruction(vm, e);
}
