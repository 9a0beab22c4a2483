/*
 * caps.c - the VMX capability probe and the rules for choosing controls.
 *
 * Owns struct vmx_caps: the CPU identity from CPUID, IA32_FEATURE_CONTROL,
 * and the VMX capability MSRs, each read only when the SDM appendix "VMX
 * Capability Reporting Facility" says it exists (an MSR that does not
 * exist faults, e.g. IA32_VMX_EPT_VPID_CAP on Bochs core2_penryn). Also
 * owns the control-field table (names of every control bit) used by the
 * log and by the `cpu` command, and vmx_adjust_controls(), through which
 * every VMCS control value must pass.
 *
 * Context: pure, host-testable; runs before VMXON.
 */
#define pr_fmt(fmt) "vmx: " fmt

#include "errcode.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vmx_caps.h"
#include "vmx_defs.h"

#define CPUID1_ECX_VMX BIT(5)
#define CR0_PE BIT(0)
#define CR0_PG BIT(31)
#define VMCS_MAX_SIZE 4096

/* One control field: its MSRs, SDM default1 bits and the names of its bits. */
struct ctl_field {
	const char *name;
	uint32_t msr, true_msr; /* true_msr 0: the field has no TRUE MSR */
	uint32_t default1;
	const char *bits[32];
};

/* One block per field reads better than clang-format's one name per line. */
/* clang-format off */
static const struct ctl_field ctl_fields[VMX_CTL_NR] = {
	[VMX_CTL_PIN] = {
		"pin-based", MSR_IA32_VMX_PINBASED_CTLS,
		MSR_IA32_VMX_TRUE_PINBASED_CTLS, PIN_BASED_ALWAYSON_WITHOUT_TRUE_MSR,
		{ [0] = "external-interrupt exiting", [3] = "NMI exiting",
		  [5] = "virtual NMIs", [6] = "VMX-preemption timer",
		  [7] = "posted interrupts" },
	},
	[VMX_CTL_PROC] = {
		"primary processor-based", MSR_IA32_VMX_PROCBASED_CTLS,
		MSR_IA32_VMX_TRUE_PROCBASED_CTLS, CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR,
		{ [2] = "interrupt-window exiting", [3] = "TSC offsetting",
		  [7] = "HLT exiting", [9] = "INVLPG exiting", [10] = "MWAIT exiting",
		  [11] = "RDPMC exiting", [12] = "RDTSC exiting",
		  [15] = "CR3-load exiting", [16] = "CR3-store exiting",
		  [17] = "tertiary controls", [19] = "CR8-load exiting",
		  [20] = "CR8-store exiting", [21] = "TPR shadow",
		  [22] = "NMI-window exiting", [23] = "MOV-DR exiting",
		  [24] = "unconditional I/O exiting", [25] = "I/O bitmaps",
		  [27] = "monitor trap flag", [28] = "MSR bitmaps",
		  [29] = "MONITOR exiting", [30] = "PAUSE exiting",
		  [31] = "secondary controls" },
	},
	[VMX_CTL_PROC2] = {
		"secondary processor-based", MSR_IA32_VMX_PROCBASED_CTLS2, 0, 0,
		{ [0] = "virtualize APIC accesses", [1] = "EPT",
		  [2] = "descriptor-table exiting", [3] = "RDTSCP",
		  [4] = "virtualize x2APIC mode", [5] = "VPID",
		  [6] = "WBINVD exiting", [7] = "unrestricted guest",
		  [8] = "APIC-register virtualization",
		  [9] = "virtual-interrupt delivery", [10] = "PAUSE-loop exiting",
		  [11] = "RDRAND exiting", [12] = "INVPCID", [13] = "VM functions",
		  [14] = "VMCS shadowing", [15] = "ENCLS exiting",
		  [16] = "RDSEED exiting", [17] = "PML", [18] = "EPT-violation #VE",
		  [19] = "conceal VMX from PT", [20] = "XSAVES/XRSTORS",
		  [22] = "mode-based execute control for EPT",
		  [23] = "sub-page write permissions",
		  [24] = "PT uses guest-physical addresses", [25] = "TSC scaling",
		  [26] = "user wait and pause", [27] = "PCONFIG",
		  [28] = "ENCLV exiting", [30] = "bus-lock detection",
		  [31] = "instruction timeout" },
	},
	[VMX_CTL_EXIT] = {
		"VM-exit", MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
		VM_EXIT_ALWAYSON_WITHOUT_TRUE_MSR,
		{ [2] = "save debug controls", [9] = "host address-space size",
		  [12] = "load IA32_PERF_GLOBAL_CTRL",
		  [15] = "acknowledge interrupt on exit", [18] = "save IA32_PAT",
		  [19] = "load IA32_PAT", [20] = "save IA32_EFER",
		  [21] = "load IA32_EFER", [22] = "save VMX-preemption timer",
		  [23] = "clear IA32_BNDCFGS", [24] = "conceal VMX from PT",
		  [25] = "clear IA32_RTIT_CTL", [26] = "clear IA32_LBR_CTL",
		  [27] = "clear UINV", [28] = "load CET state", [29] = "load PKRS",
		  [30] = "save IA32_PERF_GLOBAL_CTL",
		  [31] = "secondary exit controls" },
	},
	[VMX_CTL_ENTRY] = {
		"VM-entry", MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
		VM_ENTRY_ALWAYSON_WITHOUT_TRUE_MSR,
		{ [2] = "load debug controls", [9] = "IA-32e mode guest",
		  [10] = "entry to SMM", [11] = "deactivate dual-monitor treatment",
		  [13] = "load IA32_PERF_GLOBAL_CTRL", [14] = "load IA32_PAT",
		  [15] = "load IA32_EFER", [16] = "load IA32_BNDCFGS",
		  [17] = "conceal VMX from PT", [18] = "load IA32_RTIT_CTL",
		  [19] = "load UINV", [20] = "load CET state",
		  [21] = "load IA32_LBR_CTL", [22] = "load PKRS" },
	},
};
/* clang-format on */

const char *vmx_ctl_name(enum vmx_ctl ctl)
{
	return (unsigned int)ctl < VMX_CTL_NR ? ctl_fields[ctl].name : "?";
}

const char *vmx_ctl_bit_name(enum vmx_ctl ctl, unsigned int bit)
{
	if ((unsigned int)ctl >= VMX_CTL_NR || bit >= 32)
		return NULL;
	return ctl_fields[ctl].bits[bit];
}

uint32_t vmx_ctl_default1(enum vmx_ctl ctl)
{
	return (unsigned int)ctl < VMX_CTL_NR ? ctl_fields[ctl].default1 : 0;
}

static void set_reason(struct vmx_caps *c, const char *fmt, ...) __printf(2, 3);

/* The first reason found wins: later ones are usually consequences. */
static void set_reason(struct vmx_caps *c, const char *fmt, ...)
{
	va_list ap;

	if (c->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

/* ---- CPUID ---- */

/* Copy 4 register bytes, replacing what a serial line should not see. */
static void put_regs_text(char *dst, const uint32_t *regs, unsigned int n)
{
	for (unsigned int i = 0; i < n * 4; i++) {
		char ch = (char)(regs[i / 4] >> (8 * (i % 4)));
		dst[i] = (ch == 0 || (ch >= 0x20 && ch < 0x7f)) ? ch : '?';
	}
	dst[n * 4] = '\0';
}

/* Family/model per the SDM's CPUID "Version Information" rules. */
static void decode_signature(struct vmx_caps *c, uint32_t eax)
{
	unsigned int family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;

	c->stepping = eax & 0xf;
	c->family = family == 0xf ? family + ((eax >> 20) & 0xff) : family;
	c->model = (family == 6 || family == 0xf) ? (((eax >> 16) & 0xf) << 4) | model : model;
}

/* The brand string (leaves 80000002h-80000004h), leading blanks dropped. */
static void read_brand(struct vmx_caps *c)
{
	uint32_t regs[12];
	struct cpuid_regs r;
	char raw[49];
	size_t skip = 0;

	for (unsigned int i = 0; i < 3; i++) {
		hw_cpuid(0x80000002 + i, 0, &r);
		regs[i * 4] = r.eax;
		regs[i * 4 + 1] = r.ebx;
		regs[i * 4 + 2] = r.ecx;
		regs[i * 4 + 3] = r.edx;
	}
	put_regs_text(raw, regs, 12);
	while (raw[skip] == ' ')
		skip++;
	memcpy(c->brand, raw + skip, sizeof(raw) - skip);
}

static void read_cpuid(struct vmx_caps *c)
{
	struct cpuid_regs r;

	hw_cpuid(0, 0, &r);
	c->max_leaf = r.eax;
	put_regs_text(c->vendor, (uint32_t[]){r.ebx, r.edx, r.ecx}, 3);
	if (c->max_leaf >= 1) {
		hw_cpuid(1, 0, &r);
		decode_signature(c, r.eax);
		c->cpuid1_ecx = r.ecx;
		c->cpuid1_edx = r.edx;
	}
	hw_cpuid(0x80000000, 0, &r);
	/* A value below 80000000h means there are no extended leaves. */
	c->max_ext_leaf = r.eax >= 0x80000000 ? r.eax : 0;
	if (c->max_ext_leaf >= 0x80000001) {
		hw_cpuid(0x80000001, 0, &r);
		c->ext1_edx = r.edx;
	}
	if (c->max_ext_leaf >= 0x80000004)
		read_brand(c);
	if (c->max_ext_leaf >= 0x80000007) {
		hw_cpuid(0x80000007, 0, &r);
		c->ext7_edx = r.edx;
	}
	c->cpuid_vmx = c->cpuid1_ecx & CPUID1_ECX_VMX;
}

/* ---- capability MSRs ---- */

/* Read an MSR the SDM says exists here; a fault makes VMX unusable. */
static bool read_cap(struct vmx_caps *c, uint32_t msr, uint64_t *val)
{
	if (hw_rdmsr_safe(msr, val) == 0)
		return true;
	set_reason(c, "VMX capability MSR 0x%x unreadable (RDMSR faulted)", msr);
	return false;
}

static void read_feature_control(struct vmx_caps *c)
{
	uint64_t fc;

	if (hw_rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc)) {
		/* VMXON faults while the lock bit is clear: fatal with VMX. */
		set_reason(c, "IA32_FEATURE_CONTROL unreadable (RDMSR faulted): VMXON would fault");
		return;
	}
	c->fc_present = true;
	c->feature_control = fc;
	if (!(fc & FEAT_CTL_LOCKED))
		c->fc_needs_enable = true;
	else if (!(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		set_reason(c, "VMX disabled by firmware (IA32_FEATURE_CONTROL locked with VMX "
			      "outside SMX off)");
}

/*
 * One control field: the TRUE MSR when VMX_BASIC bit 55 says it exists
 * (it may allow default1 bits to be 0), else the plain one.
 */
static void read_ctl(struct vmx_caps *c, enum vmx_ctl ctl)
{
	const struct ctl_field *f = &ctl_fields[ctl];
	bool use_true = f->true_msr && (c->basic & VMX_BASIC_TRUE_CTLS);
	uint32_t msr = use_true ? f->true_msr : f->msr;

	if (!read_cap(c, f->msr, &c->ctls_plain[ctl]))
		return;
	if (!use_true) {
		c->ctls[ctl] = (struct vmx_ctl_cap){c->ctls_plain[ctl], msr};
		return;
	}
	if (read_cap(c, msr, &c->ctls[ctl].val))
		c->ctls[ctl].msr = msr;
}

/* MSRs that exist on every CPU with VMX. */
static const struct {
	uint32_t msr;
	size_t off;
} plain_caps[] = {
    {MSR_IA32_VMX_MISC, offsetof(struct vmx_caps, misc)},
    {MSR_IA32_VMX_CR0_FIXED0, offsetof(struct vmx_caps, cr0_fixed0)},
    {MSR_IA32_VMX_CR0_FIXED1, offsetof(struct vmx_caps, cr0_fixed1)},
    {MSR_IA32_VMX_CR4_FIXED0, offsetof(struct vmx_caps, cr4_fixed0)},
    {MSR_IA32_VMX_CR4_FIXED1, offsetof(struct vmx_caps, cr4_fixed1)},
    {MSR_IA32_VMX_VMCS_ENUM, offsetof(struct vmx_caps, vmcs_enum)},
};

/*
 * EPT_VPID_CAP exists only if the secondary controls allow EPT or VPID.
 * When they claim to but the read faults, treat EPT and VPID as absent
 * rather than fatal: shadow paging still works.
 */
static void read_ept_vpid(struct vmx_caps *c)
{
	if (!vmx_ctl_allowed(c, VMX_CTL_PROC2, 0) ||
	    !(vmx_cap_allowed1(c->ctls[VMX_CTL_PROC2].val) &
	      (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID)))
		return;
	if (hw_rdmsr_safe(MSR_IA32_VMX_EPT_VPID_CAP, &c->ept_vpid_cap)) {
		c->ept_vpid_cap = 0;
		return;
	}
	c->ept_vpid_valid = true;
}

static void read_vmx_msrs(struct vmx_caps *c)
{
	if (!read_cap(c, MSR_IA32_VMX_BASIC, &c->basic))
		return;
	c->basic_valid = true;
	read_ctl(c, VMX_CTL_PIN);
	read_ctl(c, VMX_CTL_PROC);
	read_ctl(c, VMX_CTL_EXIT);
	read_ctl(c, VMX_CTL_ENTRY);
	for (size_t i = 0; i < ARRAY_SIZE(plain_caps); i++)
		read_cap(c, plain_caps[i].msr, (uint64_t *)((char *)c + plain_caps[i].off));
	/* PROCBASED_CTLS2 exists only if primary bit 31 may be 1. */
	if (vmx_cap_allowed1(c->ctls[VMX_CTL_PROC].val) & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		read_ctl(c, VMX_CTL_PROC2);
	read_ept_vpid(c);
}

/* What Pagoda itself needs from VMX_BASIC and the exit controls. */
static void check_basic(struct vmx_caps *c)
{
	uint32_t size = vmx_basic_vmcs_size(c->basic);

	if (!c->basic_valid)
		return;
	if (size == 0 || size > VMCS_MAX_SIZE)
		set_reason(c, "VMCS size %u not supported (IA32_VMX_BASIC)", size);
	/* Pagoda maps all RAM write-back, VMCS and VMXON regions included. */
	if (vmx_basic_vmcs_mem_type(c->basic) != X86_MEMTYPE_WB)
		set_reason(c, "VMCS memory type %u is not write-back (IA32_VMX_BASIC)",
			   vmx_basic_vmcs_mem_type(c->basic));
	if (c->basic & VMX_BASIC_32BIT_PHYS_ADDR_ONLY)
		set_reason(c, "VMX limited to 32-bit physical addresses (IA32_VMX_BASIC bit 48)");
	if (c->ctls[VMX_CTL_EXIT].msr &&
	    !vmx_ctl_allowed(c, VMX_CTL_EXIT, VM_EXIT_HOST_ADDR_SPACE_SIZE))
		set_reason(c, "VM exit to a 64-bit host not allowed (VM-exit control host "
			      "address-space size)");
}

void vmx_caps_read(struct vmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	read_cpuid(c);
	if (!c->cpuid_vmx) {
		set_reason(c, "VMX not supported by this CPU (CPUID.1:ECX.VMX=0, vendor %s)",
			   c->vendor);
		return;
	}
	read_feature_control(c);
	read_vmx_msrs(c);
	check_basic(c);
}

int vmx_caps_probe(struct vmx_caps *c)
{
	vmx_caps_read(c);
	if (c->reason[0]) {
		pr_warn("unavailable: %s\n", c->reason);
		return -ENODEV;
	}
	if (c->fc_needs_enable)
		pr_info("IA32_FEATURE_CONTROL unlocked: will enable VMX and lock it\n");
	return 0;
}

const char *vmx_unavailable_reason(const struct vmx_caps *c)
{
	return c->reason[0] ? c->reason : NULL;
}

const char *vmx_limitation(const struct vmx_caps *c)
{
	if (c->reason[0])
		return NULL;
	if (!vmx_has_ept(c))
		return "no EPT and no unrestricted guest: shadow paging only";
	if (!vmx_has_unrestricted_guest(c))
		return "no unrestricted guest: real-mode and paging-off guest code must be "
		       "emulated";
	return NULL;
}

/* ---- IA32_FEATURE_CONTROL ---- */

int vmx_feature_control_enable(void)
{
	const uint64_t want = FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	uint64_t fc;

	if (hw_rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc)) {
		pr_err("IA32_FEATURE_CONTROL unreadable: cannot enable VMX\n");
		return -ENODEV;
	}
	if (fc & FEAT_CTL_LOCKED) {
		if (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)
			return 0;
		pr_err("VMX disabled by firmware (IA32_FEATURE_CONTROL 0x%lx locked)\n", fc);
		return -EPERM;
	}
	/* Keep the other enables (SGX, SENTER) the firmware chose. */
	if (hw_wrmsr_safe(MSR_IA32_FEATURE_CONTROL, fc | want) ||
	    hw_rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc) || (fc & want) != want) {
		pr_err("IA32_FEATURE_CONTROL: enabling VMX did not stick (now 0x%lx)\n", fc);
		return -EIO;
	}
	pr_info("IA32_FEATURE_CONTROL locked with VMX outside SMX on\n");
	return 0;
}

/* ---- choosing controls ---- */

/* "name, name, bitN" for the bits of mask, into buf. */
static void format_bits(enum vmx_ctl ctl, uint32_t mask, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int bit = 0; bit < 32 && len < size; bit++) {
		const char *name = vmx_ctl_bit_name(ctl, bit);
		const char *sep = len ? ", " : "";

		if (!(mask & BIT(bit)))
			continue;
		if (name)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", sep, name);
		else
			len += (size_t)snprintf(buf + len, size - len, "%sbit%u", sep, bit);
	}
}

static enum vmx_ctl ctl_by_name(const char *what)
{
	for (unsigned int i = 0; i < VMX_CTL_NR; i++)
		if (what && strcmp(what, ctl_fields[i].name) == 0)
			return (enum vmx_ctl)i;
	return VMX_CTL_NR;
}

/*
 * The SDM's algorithm: bits in allowed-0 must be 1, bits outside allowed-1
 * must be 0; a wanted bit is kept only if allowed-1 has it.
 */
int vmx_adjust_controls(uint64_t cap_msr, uint32_t required, uint32_t optional, uint32_t *out,
			const char *what)
{
	uint32_t allowed0 = vmx_cap_allowed0(cap_msr), allowed1 = vmx_cap_allowed1(cap_msr);
	char names[160] = "";

	what = what ? what : "controls";
	if (allowed0 & ~allowed1) {
		pr_err("%s: capability 0x%016lx forces bits 0x%08x to 1 but does not allow them\n",
		       what, cap_msr, allowed0 & ~allowed1);
		return -EIO;
	}
	if (required & ~allowed1) {
		enum vmx_ctl ctl = ctl_by_name(what);

		if (ctl != VMX_CTL_NR)
			format_bits(ctl, required & ~allowed1, names, sizeof(names));
		pr_err(
		    "%s controls: required 0x%08x not allowed by the CPU (allowed-1 0x%08x)%s%s\n",
		    what, required & ~allowed1, allowed1, names[0] ? ": " : "", names);
		return -EOPNOTSUPP;
	}
	if (optional & ~allowed1)
		pr_debug("%s controls: optional 0x%08x not available\n", what,
			 optional & ~allowed1);
	*out = ((required | optional) & allowed1) | allowed0;
	return 0;
}

int vmx_adjust_ctl(const struct vmx_caps *c, enum vmx_ctl ctl, uint32_t required, uint32_t optional,
		   uint32_t *out)
{
	if ((unsigned int)ctl >= VMX_CTL_NR) {
		pr_err("adjust: bad control field %d\n", (int)ctl);
		return -EINVAL;
	}
	/* An absent field (no secondary controls) allows nothing. */
	return vmx_adjust_controls(vmx_ctl_allowed(c, ctl, 0) ? c->ctls[ctl].val : 0, required,
				   optional, out, ctl_fields[ctl].name);
}

uint64_t vmx_fixed_cr0(const struct vmx_caps *c, uint64_t cr0, bool unrestricted)
{
	uint64_t fixed0 = c->cr0_fixed0;

	if (unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (cr0 | fixed0) & c->cr0_fixed1;
}

uint64_t vmx_fixed_cr4(const struct vmx_caps *c, uint64_t cr4)
{
	return (cr4 | c->cr4_fixed0) & c->cr4_fixed1;
}

/* ---- predicates ---- */

bool vmx_ctl_allowed(const struct vmx_caps *c, enum vmx_ctl ctl, uint32_t bits)
{
	if ((unsigned int)ctl >= VMX_CTL_NR || !c->ctls[ctl].msr)
		return false;
	/* Secondary controls act only when the primary control enables them. */
	if (ctl == VMX_CTL_PROC2 &&
	    !vmx_ctl_allowed(c, VMX_CTL_PROC, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		return false;
	return (vmx_cap_allowed1(c->ctls[ctl].val) & bits) == bits;
}

bool vmx_ept_vpid_cap(const struct vmx_caps *c, uint64_t bits)
{
	return c->ept_vpid_valid && (c->ept_vpid_cap & bits) == bits;
}

static bool usable(const struct vmx_caps *c)
{
	return c->reason[0] == '\0' && c->basic_valid;
}

bool vmx_has_ept(const struct vmx_caps *c)
{
	return usable(c) && vmx_ctl_allowed(c, VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_EPT) &&
	       vmx_ept_vpid_cap(c,
				VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_WB_BIT | VMX_EPT_INVEPT_BIT) &&
	       (vmx_ept_vpid_cap(c, VMX_EPT_EXTENT_CONTEXT_BIT) ||
		vmx_ept_vpid_cap(c, VMX_EPT_EXTENT_GLOBAL_BIT));
}

bool vmx_has_vpid(const struct vmx_caps *c)
{
	return usable(c) && vmx_ctl_allowed(c, VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_VPID) &&
	       vmx_ept_vpid_cap(c, VMX_VPID_INVVPID_CAP) &&
	       (vmx_ept_vpid_cap(c, VMX_VPID_EXTENT_SINGLE_CONTEXT_CAP) ||
		vmx_ept_vpid_cap(c, VMX_VPID_EXTENT_GLOBAL_CONTEXT_CAP));
}

/* The SDM's VM-entry checks require "enable EPT" with "unrestricted guest". */
bool vmx_has_unrestricted_guest(const struct vmx_caps *c)
{
	return vmx_has_ept(c) &&
	       vmx_ctl_allowed(c, VMX_CTL_PROC2, SECONDARY_EXEC_UNRESTRICTED_GUEST);
}

bool vmx_has_preemption_timer(const struct vmx_caps *c)
{
	return usable(c) && vmx_ctl_allowed(c, VMX_CTL_PIN, PIN_BASED_VMX_PREEMPTION_TIMER);
}

bool vmx_has_posted_interrupts(const struct vmx_caps *c)
{
	return usable(c) && vmx_ctl_allowed(c, VMX_CTL_PIN, PIN_BASED_POSTED_INTR);
}

bool vmx_has_msr_bitmaps(const struct vmx_caps *c)
{
	return usable(c) && vmx_ctl_allowed(c, VMX_CTL_PROC, CPU_BASED_USE_MSR_BITMAPS);
}
