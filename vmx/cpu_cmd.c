/*
 * cpu_cmd.c - the `cpu` shell command: CPU identity, key CPUID features and
 * the decoded VMX capabilities.
 *
 * The output starts with a fixed summary block ("VMX: supported", "EPT:
 * yes", ...) that tests and users grep for; the details follow, one
 * control field at a time with the names of the bits the CPU allows.
 *
 * Context: pure, host-testable; shell context, before or after VMXON.
 */
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "shell.h"
#include "vmx_caps.h"
#include "vmx_defs.h"

#define LINE_WIDTH 78

/* CPUID feature bits worth a glance, by where they live in struct vmx_caps. */
static const struct {
	size_t reg; /* offsetof the register copy */
	unsigned int bit;
	const char *name;
} cpu_features[] = {
    {offsetof(struct vmx_caps, cpuid1_ecx), 5, "VMX"},
    {offsetof(struct vmx_caps, cpuid1_ecx), 21, "x2APIC"},
    {offsetof(struct vmx_caps, cpuid1_ecx), 24, "TSC-deadline"},
    {offsetof(struct vmx_caps, ext7_edx), 8, "invariant-TSC"},
    {offsetof(struct vmx_caps, ext1_edx), 26, "1G-pages"},
    {offsetof(struct vmx_caps, ext1_edx), 20, "NX"},
    {offsetof(struct vmx_caps, cpuid1_ecx), 17, "PCID"},
    {offsetof(struct vmx_caps, cpuid1_ecx), 26, "XSAVE"},
    {offsetof(struct vmx_caps, cpuid1_ecx), 31, "hypervisor"},
};

static const struct {
	uint64_t bit;
	const char *name;
} ept_vpid_names[] = {
    {VMX_EPT_EXECUTE_ONLY_BIT, "execute-only"},
    {VMX_EPT_PAGE_WALK_4_BIT, "page-walk length 4"},
    {VMX_EPT_PAGE_WALK_5_BIT, "page-walk length 5"},
    {VMX_EPTP_UC_BIT, "UC memory type"},
    {VMX_EPTP_WB_BIT, "WB memory type"},
    {VMX_EPT_2MB_PAGE_BIT, "2M pages"},
    {VMX_EPT_1GB_PAGE_BIT, "1G pages"},
    {VMX_EPT_INVEPT_BIT, "INVEPT"},
    {VMX_EPT_AD_BIT, "EPT A/D bits"},
    {VMX_EPT_EXTENT_CONTEXT_BIT, "INVEPT single-context"},
    {VMX_EPT_EXTENT_GLOBAL_BIT, "INVEPT all-context"},
    {VMX_VPID_INVVPID_CAP, "INVVPID"},
    {VMX_VPID_EXTENT_INDIVIDUAL_ADDR_CAP, "INVVPID individual-address"},
    {VMX_VPID_EXTENT_SINGLE_CONTEXT_CAP, "INVVPID single-context"},
    {VMX_VPID_EXTENT_GLOBAL_CONTEXT_CAP, "INVVPID all-context"},
    {VMX_VPID_EXTENT_SINGLE_NON_GLOBAL_CAP, "INVVPID single-context-retaining-globals"},
};

/* A list of names joined by sep, wrapped and indented by two spaces. */
struct name_list {
	const char *sep; /* ", " or " " */
	char line[2 * LINE_WIDTH];
	size_t len;
};

static void list_flush(struct name_list *l)
{
	if (l->len)
		printk("  %s\n", l->line);
	l->len = 0;
	l->line[0] = '\0';
}

static void list_add(struct name_list *l, const char *name)
{
	const char *sep = l->len ? l->sep : "";

	/* Wrap before a name that would pass the width; a comma stays. */
	if (l->len && 2 + l->len + strlen(sep) + strlen(name) > LINE_WIDTH) {
		if (sep[0] == ',')
			snprintf(l->line + l->len, sizeof(l->line) - l->len, ",");
		list_flush(l);
		sep = "";
	}
	snprintf(l->line + l->len, sizeof(l->line) - l->len, "%s%s", sep, name);
	l->len = strnlen(l->line, sizeof(l->line) - 1);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void dump_identity(const struct vmx_caps *c)
{
	struct name_list l = {" ", "", 0};
	char item[24];

	printk("CPU: %s family %u model %u (0x%x) stepping %u\n", c->vendor, c->family, c->model,
	       c->model, c->stepping);
	printk("brand: %s\n", c->brand[0] ? c->brand : "(none)");
	printk("CPUID features:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cpu_features); i++) {
		uint32_t reg = *(const uint32_t *)((const char *)c + cpu_features[i].reg);

		snprintf(item, sizeof(item), "%c%s", (reg & BIT(cpu_features[i].bit)) ? '+' : '-',
			 cpu_features[i].name);
		list_add(&l, item);
	}
	list_flush(&l);
}

/* The block the integration tests grep: exact phrases, one per line. */
static void dump_summary(const struct vmx_caps *c)
{
	const char *reason = vmx_unavailable_reason(c);
	const char *limit = vmx_limitation(c);

	if (reason)
		printk("VMX: unavailable: %s\n", reason);
	else
		printk("VMX: supported\n");
	printk("EPT: %s\n", yes_no(vmx_has_ept(c)));
	printk("VPID: %s\n", yes_no(vmx_has_vpid(c)));
	printk("unrestricted guest: %s\n", yes_no(vmx_has_unrestricted_guest(c)));
	printk("VMX-preemption timer: %s\n", yes_no(vmx_has_preemption_timer(c)));
	if (limit)
		printk("limit: %s\n", limit);
}

static void dump_feature_control(const struct vmx_caps *c)
{
	uint64_t fc = c->feature_control;

	if (!c->fc_present) {
		printk("IA32_FEATURE_CONTROL: absent (RDMSR faulted)\n");
		return;
	}
	printk("IA32_FEATURE_CONTROL: 0x%lx (%s, VMX outside SMX %s)%s\n", fc,
	       (fc & FEAT_CTL_LOCKED) ? "locked" : "unlocked",
	       (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? "on" : "off",
	       c->fc_needs_enable ? ": Pagoda will enable VMX and lock it" : "");
}

static void dump_basic(const struct vmx_caps *c)
{
	uint64_t b = c->basic;
	uint32_t mt = vmx_basic_vmcs_mem_type(b);

	printk("VMX_BASIC: 0x%016lx: revision 0x%x, VMCS %u bytes, memory type %s\n", b,
	       vmx_basic_vmcs_revision_id(b), vmx_basic_vmcs_size(b),
	       mt == X86_MEMTYPE_WB   ? "WB"
	       : mt == X86_MEMTYPE_UC ? "UC"
				      : "reserved");
	printk("  INS/OUTS info %s, TRUE controls %s, 32-bit addresses %s, dual-monitor %s\n",
	       yes_no(b & VMX_BASIC_INOUT), yes_no(b & VMX_BASIC_TRUE_CTLS),
	       yes_no(b & VMX_BASIC_32BIT_PHYS_ADDR_ONLY),
	       yes_no(b & VMX_BASIC_DUAL_MONITOR_TREATMENT));
}

/*
 * A field's masks and the names of the bits that may be 1. Unnamed bits
 * are shown as bitN, except the SDM default1 bits, which are reserved.
 */
static void dump_ctl(const struct vmx_caps *c, enum vmx_ctl ctl)
{
	const struct vmx_ctl_cap *cap = &c->ctls[ctl];
	uint32_t allowed1 = vmx_cap_allowed1(cap->val);
	struct name_list l = {", ", "", 0};
	char bitname[8];

	if (!vmx_ctl_allowed(c, ctl, 0)) {
		printk("%s controls: absent\n", vmx_ctl_name(ctl));
		return;
	}
	printk("%s controls (MSR 0x%x):\n", vmx_ctl_name(ctl), cap->msr);
	printk("  allowed-0 0x%08x, allowed-1 0x%08x:\n", vmx_cap_allowed0(cap->val), allowed1);
	for (unsigned int bit = 0; bit < 32; bit++) {
		const char *name = vmx_ctl_bit_name(ctl, bit);

		if (!(allowed1 & BIT(bit)) || (!name && (vmx_ctl_default1(ctl) & BIT(bit))))
			continue;
		if (!name) {
			snprintf(bitname, sizeof(bitname), "bit%u", bit);
			name = bitname;
		}
		list_add(&l, name);
	}
	list_flush(&l);
}

static void dump_ept_vpid(const struct vmx_caps *c)
{
	struct name_list l = {", ", "", 0};

	if (!c->ept_vpid_valid) {
		printk("EPT/VPID capabilities: absent\n");
		return;
	}
	printk("EPT/VPID capabilities: 0x%016lx\n", c->ept_vpid_cap);
	for (size_t i = 0; i < ARRAY_SIZE(ept_vpid_names); i++)
		if (c->ept_vpid_cap & ept_vpid_names[i].bit)
			list_add(&l, ept_vpid_names[i].name);
	list_flush(&l);
}

static void dump_misc(const struct vmx_caps *c)
{
	uint64_t m = c->misc;
	unsigned int rate = vmx_misc_preemption_timer_rate(m);

	printk("VMX_MISC: 0x%016lx: preemption timer rate %u (1 tick per %u TSC)\n", m, rate,
	       1U << rate);
	printk("  CR3 targets %u, max MSR list %u, EFER.LMA saved %s\n", vmx_misc_cr3_count(m),
	       VMX_MISC_MSR_LIST_MULTIPLIER * (vmx_misc_max_msr(m) + 1),
	       yes_no(m & VMX_MISC_SAVE_EFER_LMA));
	printk("  activity states:%s%s%s\n", (m & VMX_MISC_ACTIVITY_HLT) ? " HLT" : "",
	       (m & VMX_MISC_ACTIVITY_SHUTDOWN) ? " shutdown" : "",
	       (m & VMX_MISC_ACTIVITY_WAIT_SIPI) ? " wait-for-SIPI" : " (active only)");
	printk("CR0 fixed0 0x%016lx fixed1 0x%016lx\n", c->cr0_fixed0, c->cr0_fixed1);
	printk("CR4 fixed0 0x%016lx fixed1 0x%016lx\n", c->cr4_fixed0, c->cr4_fixed1);
	printk("VMCS_ENUM: 0x%lx (highest field index %u)\n", c->vmcs_enum,
	       (unsigned int)((c->vmcs_enum & VMX_VMCS_ENUM_MAX_INDEX_MASK) >> 1));
}

void vmx_caps_dump(const struct vmx_caps *c)
{
	dump_identity(c);
	dump_summary(c);
	if (!c->cpuid_vmx)
		return;
	dump_feature_control(c);
	if (!c->basic_valid)
		return;
	dump_basic(c);
	for (unsigned int ctl = 0; ctl < VMX_CTL_NR; ctl++)
		dump_ctl(c, (enum vmx_ctl)ctl);
	dump_ept_vpid(c);
	dump_misc(c);
}

static int cmd_cpu(int argc, char **argv)
{
	struct vmx_caps c;

	if (argc > 1)
		return -EINVAL;
	vmx_caps_read(&c);
	vmx_caps_dump(&c);
	return 0;
}
SHELL_COMMAND(cpu, "cpu", "CPU identity, features and VMX capabilities", cmd_cpu);
