/*
 * msr.c - the guest's architectural MSRs that no device owns.
 *
 * A table, one line per MSR: state that the VMCS keeps (EFER, PAT,
 * SYSENTER) is read and written there; harmless identification MSRs
 * answer constants; writes Linux makes for features Pagoda does not
 * offer are accepted and dropped only where Linux is known to do them
 * unconditionally (MSR 0x12, see docs). Everything else goes to the
 * device table (x2APIC, TSC deadline, paravirtual MSRs) and, unclaimed,
 * becomes #GP as on hardware without that MSR.
 *
 * Context: VMX root, interrupts off; pure (host-testable with the fake VMCS).
 */
#define pr_fmt(fmt) "msr: " fmt
#include "errcode.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vdev.h"
#include "vmexit.h"

#define MSR_IA32_TSC 0x00000010
#define MSR_IA32_PLATFORM_ID 0x00000017
#define MSR_KVM_SYSTEM_TIME_LEGACY 0x00000012
#define MSR_IA32_UCODE_REV 0x0000008b
#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)
#define MISC_ENABLE_FAST_STRING 1ULL

struct msr_rule {
	uint32_t msr;
	int (*read)(struct vm *vm, uint32_t msr, uint64_t *val);
	int (*write)(struct vm *vm, uint32_t msr, uint64_t val);
	enum vmcs_field field; /* for VMCS-backed MSRs */
};

static const struct msr_rule *find_rule(uint32_t msr);

static int rd_vmcs(struct vm *vm, uint32_t msr, uint64_t *val)
{
	return vmcs_read64(find_rule(msr)->field, val);
}

static int wr_vmcs(struct vm *vm, uint32_t msr, uint64_t val)
{
	return vmcs_write64(find_rule(msr)->field, val);
}

static int rd_zero(struct vm *vm, uint32_t msr, uint64_t *val)
{
	*val = 0;
	return 0;
}

static int wr_ignore(struct vm *vm, uint32_t msr, uint64_t val)
{
	return 0;
}

static int wr_refuse(struct vm *vm, uint32_t msr, uint64_t val)
{
	return -EINVAL;
}

static int rd_tsc(struct vm *vm, uint32_t msr, uint64_t *val)
{
	*val = hw_rdtsc();
	return 0;
}

/* Locked, VMX off: the guest must not think it can run VMX. */
static int rd_feature_control(struct vm *vm, uint32_t msr, uint64_t *val)
{
	*val = FEAT_CTL_LOCKED;
	return 0;
}

static int rd_misc_enable(struct vm *vm, uint32_t msr, uint64_t *val)
{
	*val = MISC_ENABLE_FAST_STRING;
	return 0;
}

/* EFER: only bits Pagoda's CPUID offers; LMA follows the CPU, not the guest. */
static int wr_efer(struct vm *vm, uint32_t msr, uint64_t val)
{
	uint64_t cur = vmcs_get(GUEST_IA32_EFER);

	if (val & ~EFER_VALID)
		return -EINVAL;
	val = (val & ~EFER_LMA) | (cur & EFER_LMA);
	return vmcs_write64(GUEST_IA32_EFER, val);
}

/* PAT: each of the 8 entries must be a defined memory type (0,1,4,5,6,7). */
static int wr_pat(struct vm *vm, uint32_t msr, uint64_t val)
{
	for (int i = 0; i < 8; i++) {
		unsigned int t = (val >> (i * 8)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return -EINVAL;
	}
	return vmcs_write64(GUEST_IA32_PAT, val);
}

static const struct msr_rule rules[] = {
	{ MSR_IA32_TSC, rd_tsc, wr_ignore, 0 },
	{ MSR_KVM_SYSTEM_TIME_LEGACY, rd_zero, wr_ignore, 0 },
	{ MSR_IA32_PLATFORM_ID, rd_zero, wr_refuse, 0 },
	{ MSR_IA32_FEATURE_CONTROL, rd_feature_control, wr_refuse, 0 },
	{ MSR_IA32_UCODE_REV, rd_zero, wr_ignore, 0 },
	{ MSR_IA32_MISC_ENABLE, rd_misc_enable, wr_ignore, 0 },
	{ MSR_IA32_SYSENTER_CS, rd_vmcs, wr_vmcs, GUEST_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, rd_vmcs, wr_vmcs, GUEST_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, rd_vmcs, wr_vmcs, GUEST_SYSENTER_EIP },
	{ MSR_IA32_PAT, rd_vmcs, wr_pat, GUEST_IA32_PAT },
	{ MSR_EFER, rd_vmcs, wr_efer, GUEST_IA32_EFER },
	{ MSR_FS_BASE, rd_vmcs, wr_vmcs, GUEST_FS_BASE },
	{ MSR_GS_BASE, rd_vmcs, wr_vmcs, GUEST_GS_BASE },
};

static const struct msr_rule *find_rule(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].msr == msr)
			return &rules[i];
	return NULL;
}

int guest_msr_read(struct vm *vm, uint32_t msr, uint64_t *val)
{
	const struct msr_rule *r = find_rule(msr);
	int err = r ? r->read(vm, msr, val) : msr_dispatch_read(&vm->vdev, msr, val);

	if (err)
		pr_info_ratelimited("guest RDMSR 0x%x refused: #GP\n", msr);
	return err;
}

int guest_msr_write(struct vm *vm, uint32_t msr, uint64_t val)
{
	const struct msr_rule *r = find_rule(msr);
	int err = r ? r->write(vm, msr, val) : msr_dispatch_write(&vm->vdev, msr, val);

	if (err)
		pr_info_ratelimited("guest WRMSR 0x%x = 0x%lx refused: #GP\n", msr, val);
	return err;
}
