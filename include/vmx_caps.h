/*
 * vmx_caps.h - what this CPU can do for VMX, read once from CPUID and the
 * VMX capability MSRs, and the rules for choosing VMCS controls from it.
 *
 * Every VMX control Pagoda sets is derived from these capabilities with
 * vmx_adjust_controls(), following the SDM appendix "VMX Capability
 * Reporting Facility", never from what an emulator happens to accept.
 * vmx_unavailable_reason() says when VMX cannot be used at all;
 * vmx_has_*() report feature limits that only change how Pagoda works
 * (no EPT: shadow paging).
 *
 * Context: pure, host-testable (hardware is reached through hw.h).
 */
#ifndef PAGODA_VMX_CAPS_H
#define PAGODA_VMX_CAPS_H

#include "types.h"

/* The five VM-execution/exit/entry control fields with a capability MSR. */
enum vmx_ctl {
	VMX_CTL_PIN,
	VMX_CTL_PROC,
	VMX_CTL_PROC2,
	VMX_CTL_EXIT,
	VMX_CTL_ENTRY,
	VMX_CTL_NR,
};

struct vmx_ctl_cap {
	uint64_t val; /* low 32: allowed-0 (must be 1), high 32: allowed-1 */
	uint32_t msr; /* the MSR it was read from; 0 when absent */
};

struct vmx_caps {
	/* CPUID */
	char vendor[13];
	char brand[49];
	unsigned int family, model, stepping;
	uint32_t max_leaf, max_ext_leaf;
	uint32_t cpuid1_ecx, cpuid1_edx;
	uint32_t ext1_edx; /* CPUID.80000001h:EDX */
	uint32_t ext7_edx; /* CPUID.80000007h:EDX */
	bool cpuid_vmx;
	/* IA32_FEATURE_CONTROL */
	bool fc_present; /* false when RDMSR faulted */
	uint64_t feature_control;
	bool fc_needs_enable; /* unlocked: Pagoda must lock it with VMX on */
	/* VMX capability MSRs: valid only when the matching flag is set */
	bool basic_valid;
	uint64_t basic;
	struct vmx_ctl_cap ctls[VMX_CTL_NR]; /* TRUE_* when BASIC bit 55 */
	uint64_t ctls_plain[VMX_CTL_NR];     /* the non-TRUE MSRs, for the dump */
	bool ept_vpid_valid;
	uint64_t ept_vpid_cap;
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t vmcs_enum;
	/* Why VMX cannot be used; empty when it can. */
	char reason[128];
};

/*
 * vmx_caps_probe: fill *c from CPUID and the capability MSRs, reading
 * only the MSRs the SDM says exist. Returns 0 when VMX is usable, or
 * -ENODEV (reason logged, and kept for vmx_unavailable_reason()).
 */
int vmx_caps_probe(struct vmx_caps *c);
/* vmx_caps_read: the same without logging (the `cpu` command). */
void vmx_caps_read(struct vmx_caps *c);
/* The fatal reason found by the probe, or NULL when VMX is usable. */
const char *vmx_unavailable_reason(const struct vmx_caps *c);
/* A non-fatal limit worth telling the user (shadow paging only), or NULL. */
const char *vmx_limitation(const struct vmx_caps *c);

/*
 * vmx_feature_control_enable: make VMXON legal outside SMX. If
 * IA32_FEATURE_CONTROL is unlocked, set VMX-outside-SMX and the lock, then
 * read it back. Returns 0, -EPERM (locked by firmware with VMX off),
 * -ENODEV (the MSR does not exist) or -EIO (write failed or did not stick).
 */
int vmx_feature_control_enable(void);

/* Allowed-0 / allowed-1 halves of a control capability MSR value. */
static inline uint32_t vmx_cap_allowed0(uint64_t cap)
{
	return (uint32_t)cap;
}
static inline uint32_t vmx_cap_allowed1(uint64_t cap)
{
	return (uint32_t)(cap >> 32);
}

/*
 * vmx_adjust_controls: choose a control field value: required and
 * optional bits the CPU allows, plus the bits it forces to 1. Returns 0
 * with *out set, -EOPNOTSUPP if a required bit is not allowed, -EIO if the
 * MSR value is self-contradictory (a bit forced to 1 but not allowed to
 * be 1). `what` names the field in the log.
 */
int vmx_adjust_controls(uint64_t cap_msr, uint32_t required, uint32_t optional, uint32_t *out,
			const char *what);
/* The same, for field `ctl` of *c, named from the field table. */
int vmx_adjust_ctl(const struct vmx_caps *c, enum vmx_ctl ctl, uint32_t required, uint32_t optional,
		   uint32_t *out);

/*
 * vmx_fixed_cr0/cr4: cr with the bits VMX operation fixes to 1 set and
 * those it fixes to 0 cleared. With unrestricted guest, PE and PG are
 * left as given (the SDM exempts them in the guest CR0).
 */
uint64_t vmx_fixed_cr0(const struct vmx_caps *c, uint64_t cr0, bool unrestricted);
uint64_t vmx_fixed_cr4(const struct vmx_caps *c, uint64_t cr4);

/* True if every bit in `bits` may be 1 in control field `ctl`. */
bool vmx_ctl_allowed(const struct vmx_caps *c, enum vmx_ctl ctl, uint32_t bits);
/* True if IA32_VMX_EPT_VPID_CAP was read and has every bit in `bits`. */
bool vmx_ept_vpid_cap(const struct vmx_caps *c, uint64_t bits);

/* EPT usable by Pagoda: the control, 4-level walks, WB tables, INVEPT. */
bool vmx_has_ept(const struct vmx_caps *c);
/* VPID usable: the control and INVVPID single- or all-context. */
bool vmx_has_vpid(const struct vmx_caps *c);
/* Unrestricted guest (the SDM also requires EPT for it). */
bool vmx_has_unrestricted_guest(const struct vmx_caps *c);
bool vmx_has_preemption_timer(const struct vmx_caps *c);
bool vmx_has_posted_interrupts(const struct vmx_caps *c);
bool vmx_has_msr_bitmaps(const struct vmx_caps *c);

/* The field table: names for the log and the `cpu` dump. */
const char *vmx_ctl_name(enum vmx_ctl ctl);
/* Name of bit `bit` of field `ctl`, or NULL for a bit without a name. */
const char *vmx_ctl_bit_name(enum vmx_ctl ctl, unsigned int bit);
/* The SDM "default1" bits of a field (fixed to 1 without TRUE MSRs). */
uint32_t vmx_ctl_default1(enum vmx_ctl ctl);

/* `cpu` shell command body: print the decoded capabilities of *c. */
void vmx_caps_dump(const struct vmx_caps *c);

#endif
