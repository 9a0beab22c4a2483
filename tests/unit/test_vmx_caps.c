/*
 * test_vmx_caps.c - the VMX capability probe, control adjustment, CR
 * fixed bits and the `cpu` command.
 *
 * The fake CPUs carry the capability MSRs measured on Bochs 2.7
 * (corei7_skylake_x, core2_penryn_t9600; see shared/reference/platform.md)
 * with the SDM default1 values as allowed-0 halves, plus an AMD CPU and
 * Intel CPUs with IA32_FEATURE_CONTROL locked off, unlocked and missing.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "console_fake.h"
#include "errcode.h"
#include "hw_fake.h"
#include "log.h"
#include "msr.h"
#include "shell.h"
#include "vmx_caps.h"
#include "vmx_defs.h"

/* Skylake-X under Bochs: measured high halves, SDM default1 low halves. */
#define SKL_BASIC 0x00D810000000002BULL
#define SKL_PIN 0x0000007F00000016ULL
#define SKL_PROC 0xFFF9FFFE0401E172ULL
#define SKL_TRUE_PROC 0xFFF9FFFE04006172ULL /* CR3 exits may be off */
#define SKL_EXIT 0x01FFFFFF00036DFFULL
#define SKL_TRUE_EXIT 0x01FFFFFF00036DFBULL
#define SKL_ENTRY 0x0003FFFF000011FFULL
#define SKL_TRUE_ENTRY 0x0003FFFF000011FBULL
#define SKL_PROC2 0x02177FFF00000000ULL
#define SKL_EPT_VPID 0x00000F0106334141ULL

/* Penryn under Bochs: no TRUE MSRs (BASIC bit 55 clear). */
#define PNR_BASIC 0x005A08000000000DULL
#define PNR_PIN 0x0000003F00000016ULL
#define PNR_PROC 0xF7F9FFFE0401E172ULL
#define PNR_EXIT 0x0003FFFF00036DFFULL
#define PNR_ENTRY 0x00003FFF000011FFULL
#define PNR_PROC2 0x0000004100000000ULL

static void set_vendor(const char *v)
{
	uint32_t r[3];

	memcpy(r, v, 12);
	fake_cpuid_set(0, 0, 0x16, r[0], r[2], r[1]);
}

/* The 48-byte brand string; `raw` bytes are copied as they are. */
static void set_brand_raw(const char raw[48])
{
	uint32_t r[12];

	memcpy(r, raw, 48);
	for (unsigned int i = 0; i < 3; i++)
		fake_cpuid_set(0x80000002 + i, 0, r[i * 4], r[i * 4 + 1], r[i * 4 + 2],
			       r[i * 4 + 3]);
}

static void set_brand(const char *s)
{
	char raw[48] = {0};

	memcpy(raw, s, strlen(s) < 48 ? strlen(s) : 48);
	set_brand_raw(raw);
}

static void set_ext(uint32_t ext1_edx, uint32_t ext7_edx)
{
	fake_cpuid_set(0x80000000, 0, 0x80000008, 0, 0, 0);
	fake_cpuid_set(0x80000001, 0, 0, 0, 0, ext1_edx);
	fake_cpuid_set(0x80000007, 0, 0, 0, 0, ext7_edx);
}

#define ECX_VMX (1U << 5)
#define ECX_PCID (1U << 17)
#define ECX_X2APIC (1U << 21)
#define ECX_TSC_DL (1U << 24)
#define ECX_XSAVE (1U << 26)
#define ECX_HYPERVISOR (1U << 31)
#define EDX_NX (1U << 20)
#define EDX_1G (1U << 26)
#define EDX_LM (1U << 29)

static void load_common_vmx(void)
{
	fake_msr_set(MSR_IA32_VMX_CR0_FIXED0, 0x80000021);
	fake_msr_set(MSR_IA32_VMX_CR0_FIXED1, 0xFFFFFFFF);
	fake_msr_set(MSR_IA32_VMX_CR4_FIXED0, 0x2000);
	fake_msr_set(MSR_IA32_VMX_CR4_FIXED1, 0x003767FF);
}

static void load_skylake(void)
{
	set_vendor("GenuineIntel");
	fake_cpuid_set(1, 0, 0x00050654, 0,
		       ECX_VMX | ECX_PCID | ECX_X2APIC | ECX_TSC_DL | ECX_XSAVE, 0);
	set_ext(EDX_NX | EDX_1G | EDX_LM, 0);
	set_brand("Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz");
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0x5);
	fake_msr_set(MSR_IA32_VMX_BASIC, SKL_BASIC);
	fake_msr_set(MSR_IA32_VMX_PINBASED_CTLS, SKL_PIN);
	fake_msr_set(MSR_IA32_VMX_TRUE_PINBASED_CTLS, SKL_PIN);
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS, SKL_PROC);
	fake_msr_set(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, SKL_TRUE_PROC);
	fake_msr_set(MSR_IA32_VMX_EXIT_CTLS, SKL_EXIT);
	fake_msr_set(MSR_IA32_VMX_TRUE_EXIT_CTLS, SKL_TRUE_EXIT);
	fake_msr_set(MSR_IA32_VMX_ENTRY_CTLS, SKL_ENTRY);
	fake_msr_set(MSR_IA32_VMX_TRUE_ENTRY_CTLS, SKL_TRUE_ENTRY);
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, SKL_PROC2);
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, SKL_EPT_VPID);
	fake_msr_set(MSR_IA32_VMX_MISC, 0x401E5); /* rate 5, HLT/shutdown/SIPI, 4 CR3 */
	fake_msr_set(MSR_IA32_VMX_VMCS_ENUM, 0x2E);
	load_common_vmx();
}

static void load_penryn(void)
{
	set_vendor("GenuineIntel");
	fake_cpuid_set(1, 0, 0x0001067A, 0, ECX_VMX, 0);
	set_ext(EDX_NX | EDX_LM, 0);
	set_brand("   Intel(R) Core(TM)2 Duo CPU T9600 @ 2.80GHz");
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0x5);
	fake_msr_set(MSR_IA32_VMX_BASIC, PNR_BASIC);
	fake_msr_set(MSR_IA32_VMX_PINBASED_CTLS, PNR_PIN);
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS, PNR_PROC);
	fake_msr_set(MSR_IA32_VMX_EXIT_CTLS, PNR_EXIT);
	fake_msr_set(MSR_IA32_VMX_ENTRY_CTLS, PNR_ENTRY);
	/* Decoys: with BASIC bit 55 clear these must not be used. */
	fake_msr_set(MSR_IA32_VMX_TRUE_PINBASED_CTLS, 0x000000FF00000000ULL);
	fake_msr_set(MSR_IA32_VMX_TRUE_PROCBASED_CTLS, 0xFFFFFFFF00000000ULL);
	fake_msr_set(MSR_IA32_VMX_TRUE_EXIT_CTLS, 0xFFFFFFFF00000000ULL);
	fake_msr_set(MSR_IA32_VMX_TRUE_ENTRY_CTLS, 0xFFFFFFFF00000000ULL);
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, PNR_PROC2);
	fake_msr_fault(MSR_IA32_VMX_EPT_VPID_CAP);
	fake_msr_set(MSR_IA32_VMX_MISC, 0x401C0);
	fake_msr_set(MSR_IA32_VMX_VMCS_ENUM, 0x2C);
	load_common_vmx();
}

static void load_amd(void)
{
	set_vendor("AuthenticAMD");
	fake_cpuid_set(1, 0, 0x00A00F11, 0, ECX_X2APIC | ECX_HYPERVISOR, 0);
	set_ext(EDX_NX | EDX_1G | EDX_LM, 1U << 8);
	set_brand("AMD EPYC 7B13 64-Core Processor");
	/* IA32_FEATURE_CONTROL and the VMX MSRs are unset: they fault. */
}

static int setup(void **state)
{
	fake_hw_reset();
	fake_console_reset();
	log_level = LOG_INFO;
	return 0;
}

/* True if `line` appears in text as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* ---- probe ---- */

static void test_probe_skylake(void **state)
{
	struct vmx_caps c;

	load_skylake();
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_null(vmx_unavailable_reason(&c));
	assert_string_equal(c.vendor, "GenuineIntel");
	assert_string_equal(c.brand, "Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz");
	assert_int_equal(c.family, 6);
	assert_int_equal(c.model, 0x55);
	assert_int_equal(c.stepping, 4);
	assert_int_equal(vmx_basic_vmcs_revision_id(c.basic), 0x2B);
	assert_int_equal(vmx_basic_vmcs_size(c.basic), 4096);
	assert_int_equal(vmx_basic_vmcs_mem_type(c.basic), X86_MEMTYPE_WB);
	assert_true(c.basic & VMX_BASIC_INOUT);
	assert_true(c.fc_present);
	assert_false(c.fc_needs_enable);
	assert_true(vmx_has_ept(&c));
	assert_true(vmx_has_vpid(&c));
	assert_true(vmx_has_unrestricted_guest(&c));
	assert_true(vmx_has_preemption_timer(&c));
	assert_false(vmx_has_posted_interrupts(&c));
	assert_true(vmx_has_msr_bitmaps(&c));
	assert_null(vmx_limitation(&c));
	assert_int_equal(c.misc, 0x401E5);
	assert_int_equal(c.vmcs_enum, 0x2E);
}

/* BASIC bit 55 set: each field comes from its TRUE MSR. */
static void test_probe_uses_true_msrs(void **state)
{
	struct vmx_caps c;

	load_skylake();
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_int_equal(c.ctls[VMX_CTL_PIN].msr, MSR_IA32_VMX_TRUE_PINBASED_CTLS);
	assert_int_equal(c.ctls[VMX_CTL_PROC].msr, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
	assert_int_equal(c.ctls[VMX_CTL_PROC].val, SKL_TRUE_PROC);
	assert_int_equal(c.ctls_plain[VMX_CTL_PROC], SKL_PROC);
	assert_int_equal(c.ctls[VMX_CTL_EXIT].val, SKL_TRUE_EXIT);
	assert_int_equal(c.ctls[VMX_CTL_ENTRY].val, SKL_TRUE_ENTRY);
	/* The secondary controls have no TRUE MSR. */
	assert_int_equal(c.ctls[VMX_CTL_PROC2].msr, MSR_IA32_VMX_PROCBASED_CTLS2);
	assert_int_equal(c.ctls[VMX_CTL_PROC2].val, SKL_PROC2);
	assert_true(c.ept_vpid_valid);
	assert_int_equal(c.ept_vpid_cap, SKL_EPT_VPID);
}

/* Penryn: plain MSRs (decoy TRUE ones ignored), EPT_VPID_CAP faults. */
static void test_probe_penryn(void **state)
{
	struct vmx_caps c;

	load_penryn();
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_string_equal(c.brand, "Intel(R) Core(TM)2 Duo CPU T9600 @ 2.80GHz");
	assert_int_equal(c.model, 0x17);
	assert_int_equal(c.stepping, 0xA);
	assert_int_equal(c.ctls[VMX_CTL_PIN].msr, MSR_IA32_VMX_PINBASED_CTLS);
	assert_int_equal(c.ctls[VMX_CTL_PIN].val, PNR_PIN);
	assert_int_equal(c.ctls[VMX_CTL_PROC].val, PNR_PROC);
	assert_int_equal(c.ctls[VMX_CTL_EXIT].val, PNR_EXIT);
	assert_int_equal(c.ctls[VMX_CTL_ENTRY].val, PNR_ENTRY);
	assert_int_equal(c.ctls[VMX_CTL_PROC2].val, PNR_PROC2);
	assert_false(c.ept_vpid_valid);
	assert_false(vmx_has_ept(&c));
	assert_false(vmx_has_vpid(&c));
	assert_false(vmx_has_unrestricted_guest(&c));
	assert_false(vmx_has_preemption_timer(&c));
	assert_string_equal(vmx_limitation(&c),
			    "no EPT and no unrestricted guest: shadow paging only");
}

static void test_probe_amd(void **state)
{
	struct vmx_caps c;

	load_amd();
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_string_equal(
	    vmx_unavailable_reason(&c),
	    "VMX not supported by this CPU (CPUID.1:ECX.VMX=0, vendor AuthenticAMD)");
	assert_int_equal(c.family, 0x19);
	assert_int_equal(c.model, 1);
	assert_false(c.basic_valid);
	assert_false(c.fc_present);
	assert_false(vmx_has_ept(&c));
	assert_false(vmx_has_preemption_timer(&c));
	assert_null(vmx_limitation(&c));
	assert_non_null(strstr(fake_console_text(), "vmx: unavailable: VMX not supported"));
}

static void test_probe_firmware_disabled(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FEAT_CTL_LOCKED);
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_string_equal(
	    vmx_unavailable_reason(&c),
	    "VMX disabled by firmware (IA32_FEATURE_CONTROL locked with VMX outside SMX off)");
	/* Features exist but are not usable while VMX is off. */
	assert_true(vmx_ctl_allowed(&c, VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_EPT));
	assert_false(vmx_has_ept(&c));
	assert_false(vmx_has_preemption_timer(&c));
}

/* Locked with only the inside-SMX enable: still unusable outside SMX. */
static void test_probe_inside_smx_only(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_INSIDE_SMX);
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_non_null(strstr(vmx_unavailable_reason(&c), "disabled by firmware"));
}

static void test_probe_unlocked(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0);
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_true(c.fc_needs_enable);
	assert_true(vmx_has_ept(&c));
	/* The probe only records; the write happens at VMXON time. */
	assert_false(fake_msr_written(MSR_IA32_FEATURE_CONTROL, NULL));
}

static void test_probe_feature_control_faults(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_fault(MSR_IA32_FEATURE_CONTROL);
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_non_null(strstr(vmx_unavailable_reason(&c), "IA32_FEATURE_CONTROL unreadable"));
	assert_false(c.fc_present);
}

static void test_probe_true_msr_faults(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_fault(MSR_IA32_VMX_TRUE_EXIT_CTLS);
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_string_equal(vmx_unavailable_reason(&c),
			    "VMX capability MSR 0x48f unreadable (RDMSR faulted)");
	assert_int_equal(c.ctls[VMX_CTL_EXIT].msr, 0);
	assert_false(vmx_has_ept(&c));
}

static void test_probe_basic_faults(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_fault(MSR_IA32_VMX_BASIC);
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_string_equal(vmx_unavailable_reason(&c),
			    "VMX capability MSR 0x480 unreadable (RDMSR faulted)");
	assert_false(c.basic_valid);
}

/* Malformed VMX_BASIC values Pagoda cannot work with. */
static void test_probe_bad_basic(void **state)
{
	static const struct {
		uint64_t basic;
		const char *reason;
	} cases[] = {
	    {0x00D800000000002BULL, "VMCS size 0 not supported (IA32_VMX_BASIC)"},
	    {0x00D818000000002BULL, "VMCS size 6144 not supported (IA32_VMX_BASIC)"},
	    {0x00C010000000002BULL, "VMCS memory type 0 is not write-back (IA32_VMX_BASIC)"},
	    {0x00D910000000002BULL,
	     "VMX limited to 32-bit physical addresses (IA32_VMX_BASIC bit 48)"},
	};
	struct vmx_caps c;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fake_hw_reset();
		load_skylake();
		fake_msr_set(MSR_IA32_VMX_BASIC, cases[i].basic);
		assert_int_equal(vmx_caps_probe(&c), -ENODEV);
		assert_string_equal(vmx_unavailable_reason(&c), cases[i].reason);
	}
}

static void test_probe_no_64bit_host_exit(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_set(MSR_IA32_VMX_TRUE_EXIT_CTLS,
		     SKL_TRUE_EXIT & ~((uint64_t)VM_EXIT_HOST_ADDR_SPACE_SIZE << 32) &
			 ~(uint64_t)VM_EXIT_HOST_ADDR_SPACE_SIZE);
	assert_int_equal(vmx_caps_probe(&c), -ENODEV);
	assert_non_null(strstr(vmx_unavailable_reason(&c), "64-bit host"));
}

/* PROCBASED_CTLS2 is read only when primary bit 31 may be 1. */
static void test_probe_no_secondary(void **state)
{
	struct vmx_caps c;

	load_penryn();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS, PNR_PROC & ~(1ULL << 63));
	fake_msr_fault(MSR_IA32_VMX_PROCBASED_CTLS2);
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_int_equal(c.ctls[VMX_CTL_PROC2].msr, 0);
	assert_false(vmx_ctl_allowed(&c, VMX_CTL_PROC2, 0));
	assert_false(vmx_has_ept(&c));
}

/* EPT_VPID_CAP is read only when the secondary controls allow EPT or VPID. */
static void test_probe_ept_vpid_cap_not_read(void **state)
{
	struct vmx_caps c;

	load_penryn();
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, SKL_EPT_VPID);
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_false(c.ept_vpid_valid);
	/* VPID alone is enough to make it exist. */
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2, (uint64_t)SECONDARY_EXEC_ENABLE_VPID << 32);
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_true(c.ept_vpid_valid);
	assert_true(vmx_has_vpid(&c));
	assert_false(vmx_has_ept(&c));
}

/* Secondary bits count only while the primary field may activate them. */
static void test_secondary_needs_primary_bit(void **state)
{
	struct vmx_caps c;

	load_skylake();
	assert_int_equal(vmx_caps_probe(&c), 0);
	c.ctls[VMX_CTL_PROC].val &= ~((uint64_t)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS << 32);
	assert_false(vmx_ctl_allowed(&c, VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_EPT));
	assert_false(vmx_has_ept(&c));
	assert_false(vmx_has_vpid(&c));
}

/* Secondary claims EPT but EPT_VPID_CAP faults: EPT off, VMX still fine. */
static void test_probe_ept_cap_faults(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_fault(MSR_IA32_VMX_EPT_VPID_CAP);
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_false(vmx_has_ept(&c));
	assert_false(vmx_has_vpid(&c));
	assert_false(vmx_has_unrestricted_guest(&c));
}

/* EPT needs 4-level walks, WB tables and an INVEPT type; VPID an INVVPID type. */
static void test_ept_vpid_requirements(void **state)
{
	static const uint64_t drop[] = {VMX_EPT_PAGE_WALK_4_BIT, VMX_EPTP_WB_BIT,
					VMX_EPT_INVEPT_BIT,
					VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT};
	struct vmx_caps c;

	for (size_t i = 0; i < ARRAY_SIZE(drop); i++) {
		load_skylake();
		fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, SKL_EPT_VPID & ~drop[i]);
		assert_int_equal(vmx_caps_probe(&c), 0);
		assert_false(vmx_has_ept(&c));
		assert_false(vmx_has_unrestricted_guest(&c));
		assert_true(vmx_has_vpid(&c));
	}
	load_skylake();
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP, SKL_EPT_VPID & ~VMX_EPT_EXTENT_GLOBAL_BIT);
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_true(vmx_has_ept(&c)); /* single-context alone is enough */
	fake_msr_set(MSR_IA32_VMX_EPT_VPID_CAP,
		     SKL_EPT_VPID & ~(VMX_VPID_EXTENT_SINGLE_CONTEXT_CAP |
				      VMX_VPID_EXTENT_GLOBAL_CONTEXT_CAP));
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_false(vmx_has_vpid(&c));
	assert_true(vmx_has_ept(&c));
}

/* Unrestricted guest without EPT is not usable (SDM VM-entry checks). */
static void test_unrestricted_needs_ept(void **state)
{
	struct vmx_caps c;

	load_skylake();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2,
		     SKL_PROC2 & ~((uint64_t)SECONDARY_EXEC_ENABLE_EPT << 32));
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_true(vmx_ctl_allowed(&c, VMX_CTL_PROC2, SECONDARY_EXEC_UNRESTRICTED_GUEST));
	assert_false(vmx_has_unrestricted_guest(&c));
	assert_string_equal(vmx_limitation(&c),
			    "no EPT and no unrestricted guest: shadow paging only");
	/* EPT without unrestricted guest: a different limit. */
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS2,
		     SKL_PROC2 & ~((uint64_t)SECONDARY_EXEC_UNRESTRICTED_GUEST << 32));
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_true(vmx_has_ept(&c));
	assert_non_null(strstr(vmx_limitation(&c), "no unrestricted guest"));
}

/* Hostile CPUID: unprintable brand bytes, no NUL, bogus extended max leaf. */
static void test_cpuid_hostile(void **state)
{
	char raw[48];
	struct vmx_caps c;

	load_skylake();
	memset(raw, 'A', sizeof(raw));
	raw[3] = '\x1b';
	raw[7] = '\xff';
	set_brand_raw(raw);
	vmx_caps_read(&c);
	assert_int_equal(strlen(c.brand), 48);
	assert_int_equal(c.brand[3], '?');
	assert_int_equal(c.brand[7], '?');
	fake_cpuid_set(0x80000000, 0, 0x12, 0, 0, 0);
	vmx_caps_read(&c);
	assert_string_equal(c.brand, "");
	assert_int_equal(c.ext1_edx, 0);
	fake_cpuid_set(0, 0, 0, 0x756e6547, 0x6c65741b, 0x49656e69);
	vmx_caps_read(&c);
	assert_string_equal(c.vendor, "GenuineI?tel");
	assert_int_equal(c.family, 0); /* max leaf 0: leaf 1 not read */
	assert_false(c.cpuid_vmx);
}

/* ---- IA32_FEATURE_CONTROL ---- */

static void test_fc_enable_unlocked(void **state)
{
	uint64_t v;

	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 1ULL << 18); /* SGX enable kept */
	assert_int_equal(vmx_feature_control_enable(), 0);
	assert_true(fake_msr_written(MSR_IA32_FEATURE_CONTROL, &v));
	assert_int_equal(v, (1ULL << 18) | FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
}

static void test_fc_enable_already_on(void **state)
{
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0x5);
	assert_int_equal(vmx_feature_control_enable(), 0);
	assert_false(fake_msr_written(MSR_IA32_FEATURE_CONTROL, NULL));
}

static void test_fc_enable_locked_off(void **state)
{
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FEAT_CTL_LOCKED);
	assert_int_equal(vmx_feature_control_enable(), -EPERM);
	assert_false(fake_msr_written(MSR_IA32_FEATURE_CONTROL, NULL));
	assert_non_null(strstr(fake_console_text(), "disabled by firmware"));
}

static void test_fc_enable_absent(void **state)
{
	assert_int_equal(vmx_feature_control_enable(), -ENODEV);
	fake_msr_fault(MSR_IA32_FEATURE_CONTROL);
	assert_int_equal(vmx_feature_control_enable(), -ENODEV);
}

/* ---- control adjustment ---- */

static void test_adjust_forces_allowed0(void **state)
{
	uint32_t out = 0;

	assert_int_equal(
	    vmx_adjust_controls(SKL_PIN, PIN_BASED_EXT_INTR_MASK, 0, &out, "pin-based"), 0);
	assert_int_equal(out, 0x16 | PIN_BASED_EXT_INTR_MASK);
	assert_int_equal(vmx_adjust_controls(SKL_PROC, 0, 0, &out, "x"), 0);
	assert_int_equal(out, CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR);
}

static void test_adjust_optional_dropped(void **state)
{
	uint32_t out = 0;

	assert_int_equal(
	    vmx_adjust_controls(PNR_PIN, PIN_BASED_NMI_EXITING,
				PIN_BASED_VMX_PREEMPTION_TIMER | PIN_BASED_VIRTUAL_NMIS, &out,
				"pin-based"),
	    0);
	assert_int_equal(out, 0x16 | PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS);
	assert_int_equal(
	    vmx_adjust_controls(SKL_PIN, 0, PIN_BASED_VMX_PREEMPTION_TIMER, &out, "pin-based"), 0);
	assert_int_equal(out, 0x16 | PIN_BASED_VMX_PREEMPTION_TIMER);
}

static void test_adjust_required_missing(void **state)
{
	uint32_t out = 0xdead;
	const char *log;

	assert_int_equal(vmx_adjust_controls(PNR_PIN,
					     PIN_BASED_VMX_PREEMPTION_TIMER | PIN_BASED_POSTED_INTR,
					     0, &out, "pin-based"),
			 -EOPNOTSUPP);
	assert_int_equal(out, 0xdead);
	log = fake_console_text();
	assert_non_null(strstr(log, "pin-based controls: required 0x000000c0"));
	assert_non_null(strstr(log, "VMX-preemption timer, posted interrupts"));
	/* A name we do not know still logs the mask. */
	fake_console_reset();
	assert_int_equal(vmx_adjust_controls(0, 1U << 21, 0, &out, "mystery"), -EOPNOTSUPP);
	assert_non_null(strstr(fake_console_text(), "mystery controls: required 0x00200000"));
	assert_int_equal(vmx_adjust_controls(0, 1, 0, &out, NULL), -EOPNOTSUPP);
}

/* A capability forcing a bit to 1 that it does not allow is garbage. */
static void test_adjust_inconsistent_msr(void **state)
{
	uint32_t out = 0xdead;

	assert_int_equal(vmx_adjust_controls(0x0000000100000016ULL, 0, 0, &out, "pin-based"), -EIO);
	assert_int_equal(out, 0xdead);
}

static void test_adjust_ctl_uses_probe(void **state)
{
	struct vmx_caps c;
	uint32_t out;

	load_skylake();
	assert_int_equal(vmx_caps_probe(&c), 0);
	/* TRUE MSR: CR3-load/store exiting need not be on. */
	assert_int_equal(vmx_adjust_ctl(&c, VMX_CTL_PROC, 0, 0, &out), 0);
	assert_int_equal(out, 0x04006172);
	assert_int_equal(
	    vmx_adjust_ctl(&c, VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_EPT,
			   SECONDARY_EXEC_ENABLE_PML | SECONDARY_EXEC_MODE_BASED_EPT_EXEC, &out),
	    0);
	assert_int_equal(out, SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_PML);
	assert_int_equal(vmx_adjust_ctl(&c, VMX_CTL_NR, 0, 0, &out), -EINVAL);

	fake_hw_reset();
	load_penryn();
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_int_equal(vmx_adjust_ctl(&c, VMX_CTL_PROC, 0, 0, &out), 0);
	assert_int_equal(out, CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR);
	assert_int_equal(vmx_adjust_ctl(&c, VMX_CTL_PROC2, SECONDARY_EXEC_ENABLE_EPT, 0, &out),
			 -EOPNOTSUPP);
	assert_non_null(
	    strstr(fake_console_text(), "secondary processor-based controls: required 0x00000002"));
	assert_non_null(strstr(fake_console_text(), ": EPT\n"));
}

/* Without secondary controls the field allows nothing at all. */
static void test_adjust_ctl_absent_field(void **state)
{
	struct vmx_caps c;
	uint32_t out = 0;

	load_penryn();
	fake_msr_set(MSR_IA32_VMX_PROCBASED_CTLS, PNR_PROC & ~(1ULL << 63));
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_int_equal(vmx_adjust_ctl(&c, VMX_CTL_PROC2, 0, SECONDARY_EXEC_WBINVD_EXITING, &out),
			 0);
	assert_int_equal(out, 0);
	assert_int_equal(vmx_adjust_ctl(&c, VMX_CTL_PROC2, SECONDARY_EXEC_WBINVD_EXITING, 0, &out),
			 -EOPNOTSUPP);
}

/* ---- CR fixed bits ---- */

static void test_fixed_cr(void **state)
{
	struct vmx_caps c;

	load_skylake();
	assert_int_equal(vmx_caps_probe(&c), 0);
	assert_int_equal(vmx_fixed_cr0(&c, 0, false), 0x80000021);
	/* Unrestricted guest: PE and PG may stay 0; NE is still forced. */
	assert_int_equal(vmx_fixed_cr0(&c, 0, true), 0x20);
	assert_int_equal(vmx_fixed_cr0(&c, 0x80000011, true), 0x80000031);
	/* Bits outside FIXED1 are cleared. */
	assert_int_equal(vmx_fixed_cr0(&c, 0xF00000000ULL | 0x1, false), 0x80000021);
	assert_int_equal(vmx_fixed_cr4(&c, 0), 0x2000);
	assert_int_equal(vmx_fixed_cr4(&c, 0x20 | (1ULL << 23)), 0x2020);
}

/* ---- the `cpu` command ---- */

static const struct shell_cmd *find_cpu_cmd(void)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, "cpu") == 0)
			return c;
	return NULL;
}

static int run_cpu(const char *arg)
{
	const struct shell_cmd *cmd = find_cpu_cmd();
	char name[] = "cpu", extra[16];
	char *argv[3] = {name, NULL, NULL};

	assert_non_null(cmd);
	if (arg) {
		snprintf(extra, sizeof(extra), "%s", arg);
		argv[1] = extra;
	}
	fake_console_reset();
	return cmd->fn(arg ? 2 : 1, argv);
}

/* No line of the dump is longer than a terminal, but for the reason. */
static void assert_lines_short(const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		if (strncmp(p, "VMX: unavailable: ", 18) != 0)
			assert_in_range(nl - p, 0, 80);
		p = nl + 1;
	}
}

static void test_cpu_skylake(void **state)
{
	const char *out;

	load_skylake();
	assert_int_equal(run_cpu(NULL), 0);
	out = fake_console_text();
	assert_true(has_line(out, "VMX: supported"));
	assert_true(has_line(out, "EPT: yes"));
	assert_true(has_line(out, "VPID: yes"));
	assert_true(has_line(out, "unrestricted guest: yes"));
	assert_true(has_line(out, "VMX-preemption timer: yes"));
	assert_non_null(strstr(out, "CPU: GenuineIntel family 6 model 85 (0x55) stepping 4\n"));
	assert_non_null(strstr(out, "brand: Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz\n"));
	assert_non_null(
	    strstr(out, "CPUID features:\n  +VMX +x2APIC +TSC-deadline -invariant-TSC +1G-pages"));
	assert_non_null(strstr(out, " +NX +PCID +XSAVE"));
	assert_non_null(strstr(out, "-hypervisor"));
	assert_non_null(strstr(out, "revision 0x2b, VMCS 4096 bytes, memory type WB"));
	assert_non_null(strstr(
	    out,
	    "pin-based controls (MSR 0x48d):\n"
	    "  allowed-0 0x00000016, allowed-1 0x0000007f:\n"
	    "  external-interrupt exiting, NMI exiting, virtual NMIs, VMX-preemption timer\n"));
	assert_non_null(strstr(out, " unrestricted guest,"));
	assert_non_null(strstr(out, "TSC scaling"));
	assert_null(strstr(out, "posted interrupts"));
	assert_null(strstr(out, "ENCLS exiting"));
	assert_non_null(strstr(out, "EPT/VPID capabilities: 0x00000f0106334141\n"));
	assert_non_null(
	    strstr(out, "execute-only, page-walk length 4, UC memory type, WB memory type"));
	assert_non_null(strstr(out, "INVEPT single-context, INVEPT all-context"));
	assert_non_null(strstr(out, "INVVPID single-context-retaining-globals"));
	assert_null(strstr(out, "page-walk length 5"));
	assert_non_null(
	    strstr(out, "preemption timer rate 5 (1 tick per 32 TSC)\n  CR3 targets 4,"));
	assert_non_null(strstr(out, "activity states: HLT shutdown wait-for-SIPI\n"));
	assert_non_null(strstr(out, "CR0 fixed0 0x0000000080000021 fixed1 0x00000000ffffffff\n"));
	assert_null(strstr(out, "limit:"));
	assert_lines_short(out);
}

static void test_cpu_penryn(void **state)
{
	const char *out;

	load_penryn();
	assert_int_equal(run_cpu(NULL), 0);
	out = fake_console_text();
	assert_true(has_line(out, "VMX: supported"));
	assert_true(has_line(out, "EPT: no"));
	assert_true(has_line(out, "VPID: no"));
	assert_true(has_line(out, "unrestricted guest: no"));
	assert_true(has_line(out, "VMX-preemption timer: no"));
	assert_true(has_line(out, "limit: no EPT and no unrestricted guest: shadow paging only"));
	assert_non_null(strstr(out, "pin-based controls (MSR 0x481)"));
	assert_non_null(strstr(out, "secondary processor-based controls (MSR 0x48b):\n"
				    "  allowed-0 0x00000000, allowed-1 0x00000041:\n"
				    "  virtualize APIC accesses, WBINVD exiting\n"));
	assert_true(has_line(out, "EPT/VPID capabilities: absent"));
	assert_lines_short(out);
}

static void test_cpu_amd(void **state)
{
	const char *out;

	load_amd();
	assert_int_equal(run_cpu(NULL), 0);
	out = fake_console_text();
	assert_true(has_line(out, "VMX: unavailable: VMX not supported by this CPU "
				  "(CPUID.1:ECX.VMX=0, vendor AuthenticAMD)"));
	assert_true(has_line(out, "EPT: no"));
	assert_true(has_line(out, "VMX-preemption timer: no"));
	assert_non_null(strstr(out, "-VMX +x2APIC"));
	assert_non_null(strstr(out, "+invariant-TSC"));
	assert_non_null(strstr(out, "+hypervisor"));
	assert_null(strstr(out, "VMX_BASIC"));
	assert_null(strstr(out, "IA32_FEATURE_CONTROL"));
	assert_lines_short(out);
}

static void test_cpu_firmware_disabled(void **state)
{
	const char *out;

	load_skylake();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, FEAT_CTL_LOCKED);
	assert_int_equal(run_cpu(NULL), 0);
	out = fake_console_text();
	assert_true(has_line(out, "VMX: unavailable: VMX disabled by firmware "
				  "(IA32_FEATURE_CONTROL locked with VMX outside SMX off)"));
	assert_true(has_line(out, "EPT: no"));
	assert_true(has_line(out, "IA32_FEATURE_CONTROL: 0x1 (locked, VMX outside SMX off)"));
	/* The capabilities are still shown, to help the user. */
	assert_non_null(strstr(out, "VMX_BASIC: 0x00d810000000002b"));
}

static void test_cpu_unlocked(void **state)
{
	load_skylake();
	fake_msr_set(MSR_IA32_FEATURE_CONTROL, 0);
	assert_int_equal(run_cpu(NULL), 0);
	assert_true(has_line(fake_console_text(), "VMX: supported"));
	assert_non_null(strstr(fake_console_text(),
			       "IA32_FEATURE_CONTROL: 0x0 (unlocked, VMX outside SMX off): "
			       "Pagoda will enable VMX and lock it\n"));
}

/* A caps struct never probed (all zero) dumps without reading garbage. */
static void test_dump_zero_caps(void **state)
{
	struct vmx_caps c;

	memset(&c, 0, sizeof(c));
	vmx_caps_dump(&c);
	assert_true(has_line(fake_console_text(), "VMX: supported"));
	assert_true(has_line(fake_console_text(), "EPT: no"));
	assert_true(has_line(fake_console_text(), "brand: (none)"));
}

static void test_cpu_bad_args(void **state)
{
	load_skylake();
	assert_int_equal(run_cpu("extra"), -EINVAL);
}

/* The field table names bits at the SDM positions. */
static void test_ctl_names(void **state)
{
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PIN, 6), "VMX-preemption timer");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PIN, 7), "posted interrupts");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC, 31), "secondary controls");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC2, 1), "EPT");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC2, 5), "VPID");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_PROC2, 7), "unrestricted guest");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_EXIT, 9), "host address-space size");
	assert_string_equal(vmx_ctl_bit_name(VMX_CTL_ENTRY, 9), "IA-32e mode guest");
	assert_null(vmx_ctl_bit_name(VMX_CTL_PIN, 1));
	assert_null(vmx_ctl_bit_name(VMX_CTL_PIN, 32));
	assert_null(vmx_ctl_bit_name(VMX_CTL_NR, 0));
	assert_string_equal(vmx_ctl_name(VMX_CTL_NR), "?");
	assert_int_equal(vmx_ctl_default1(VMX_CTL_EXIT), 0x00036dff);
	/* A few bit positions of vmx_defs.h against the SDM. */
	assert_int_equal(__builtin_ctz(SECONDARY_EXEC_UNRESTRICTED_GUEST), 7);
	assert_int_equal(__builtin_ctz(VM_EXIT_SAVE_VMX_PREEMPTION_TIMER), 22);
	assert_int_equal(__builtin_ctz(VM_ENTRY_LOAD_IA32_EFER), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_probe_skylake, setup),
	    cmocka_unit_test_setup(test_probe_uses_true_msrs, setup),
	    cmocka_unit_test_setup(test_probe_penryn, setup),
	    cmocka_unit_test_setup(test_probe_amd, setup),
	    cmocka_unit_test_setup(test_probe_firmware_disabled, setup),
	    cmocka_unit_test_setup(test_probe_inside_smx_only, setup),
	    cmocka_unit_test_setup(test_probe_unlocked, setup),
	    cmocka_unit_test_setup(test_probe_feature_control_faults, setup),
	    cmocka_unit_test_setup(test_probe_true_msr_faults, setup),
	    cmocka_unit_test_setup(test_probe_basic_faults, setup),
	    cmocka_unit_test_setup(test_probe_bad_basic, setup),
	    cmocka_unit_test_setup(test_probe_no_64bit_host_exit, setup),
	    cmocka_unit_test_setup(test_probe_no_secondary, setup),
	    cmocka_unit_test_setup(test_probe_ept_vpid_cap_not_read, setup),
	    cmocka_unit_test_setup(test_secondary_needs_primary_bit, setup),
	    cmocka_unit_test_setup(test_probe_ept_cap_faults, setup),
	    cmocka_unit_test_setup(test_ept_vpid_requirements, setup),
	    cmocka_unit_test_setup(test_unrestricted_needs_ept, setup),
	    cmocka_unit_test_setup(test_cpuid_hostile, setup),
	    cmocka_unit_test_setup(test_fc_enable_unlocked, setup),
	    cmocka_unit_test_setup(test_fc_enable_already_on, setup),
	    cmocka_unit_test_setup(test_fc_enable_locked_off, setup),
	    cmocka_unit_test_setup(test_fc_enable_absent, setup),
	    cmocka_unit_test_setup(test_adjust_forces_allowed0, setup),
	    cmocka_unit_test_setup(test_adjust_optional_dropped, setup),
	    cmocka_unit_test_setup(test_adjust_required_missing, setup),
	    cmocka_unit_test_setup(test_adjust_inconsistent_msr, setup),
	    cmocka_unit_test_setup(test_adjust_ctl_uses_probe, setup),
	    cmocka_unit_test_setup(test_adjust_ctl_absent_field, setup),
	    cmocka_unit_test_setup(test_fixed_cr, setup),
	    cmocka_unit_test_setup(test_cpu_skylake, setup),
	    cmocka_unit_test_setup(test_cpu_penryn, setup),
	    cmocka_unit_test_setup(test_cpu_amd, setup),
	    cmocka_unit_test_setup(test_cpu_firmware_disabled, setup),
	    cmocka_unit_test_setup(test_cpu_unlocked, setup),
	    cmocka_unit_test_setup(test_dump_zero_caps, setup),
	    cmocka_unit_test_setup(test_cpu_bad_args, setup),
	    cmocka_unit_test_setup(test_ctl_names, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
