/*
 * cpuid.c - mb-cpuid: what CPUID and RDMSR look like from inside the guest.
 *
 * Prints CPUID leaves 0, 1, 0x40000000 (hypervisor signature as text) and
 * 0x40000001, then checks:
 *  - with CPUID.1:ECX.HYPERVISOR set, CPUID.1:ECX.VMX must read 0 (a
 *    hypervisor hides VMX it does not virtualize); without the hypervisor
 *    bit (bare metal, Bochs) the check is skipped and says so. QEMU TCG
 *    sets the hypervisor bit and hides VMX, so the check runs and passes;
 *  - RDMSR of an MSR that exists (goodmsr=, default IA32_APIC_BASE) works;
 *  - RDMSR of one that does not (badmsr=, default 0x12345678) raises #GP,
 *    which trap.c catches and skips. QEMU 7.2's TCG never raises #GP on
 *    RDMSR (unknown MSRs read 0), so under its "TCGTCGTCGTCG" signature
 *    this check is skipped and says so; everywhere else it counts.
 * Ends with "mb-cpuid: done fails=K"; exit MB_EXIT_FAIL when K > 0.
 * goodmsr= and badmsr= also let a test make each MSR check fail on purpose.
 *
 * Context: 32-bit protected mode, paging off.
 */
#include "mb.h"
#include "msr.h"

#define CPUID_1_ECX_VMX BIT(5)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_HV_BASE 0x40000000U
#define CPUID_HV_FEATURES 0x40000001U
#define MSR_NONEXISTENT 0x12345678U
#define TCG_SIGNATURE "TCGTCGTCGTCG"

const char mb_name[] = "mb-cpuid";
const char *const mb_options[] = { "goodmsr", "badmsr", NULL };

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs cpuid(uint32_t leaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(0));
	return r;
}

/* Copies the 12 signature bytes of @a, @b, @c into @out, '.' for unprintables. */
static void signature(uint32_t a, uint32_t b, uint32_t c, char out[13])
{
	const uint32_t words[3] = { a, b, c };

	for (uint32_t i = 0; i < 12; i++) {
		char ch = (char)(words[i / 4] >> (8 * (i % 4)));

		out[i] = ch >= ' ' && ch <= '~' ? ch : '.';
	}
	out[12] = '\0';
}

static void print_leaf(uint32_t leaf, const struct cpuid_regs *r)
{
	mb_say("leaf 0x%08x: eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x\n", leaf, r->eax, r->ebx,
	       r->ecx, r->edx);
}

/* Prints leaf 1 and returns its ECX. */
static uint32_t basic_leaves(void)
{
	struct cpuid_regs r = cpuid(0);
	char sig[13];

	signature(r.ebx, r.edx, r.ecx, sig);
	mb_say("leaf 0: max=0x%x vendor \"%s\"\n", r.eax, sig);
	r = cpuid(1);
	print_leaf(1, &r);
	return r.ecx;
}

/* Prints leaves 0x40000000/1; fills @sig with the signature ("" without @hv). */
static void hypervisor_leaves(bool hv, char sig[13])
{
	struct cpuid_regs r = cpuid(CPUID_HV_BASE);

	signature(r.ebx, r.ecx, r.edx, sig);
	mb_say("leaf 0x40000000: max=0x%x signature \"%s\"%s\n", r.eax, sig,
	       hv ? "" : " (no hypervisor bit: not a hypervisor leaf)");
	if (!hv)
		sig[0] = '\0';
	if (!hv || r.eax < CPUID_HV_FEATURES || r.eax >= CPUID_HV_BASE + 0x100) {
		mb_say("leaf 0x40000001: absent\n");
		return;
	}
	r = cpuid(CPUID_HV_FEATURES);
	print_leaf(CPUID_HV_FEATURES, &r);
}

static bool str_eq(const char *a, const char *b)
{
	for (; *a && *a == *b; a++)
		b++;
	return *a == *b;
}

/* Returns 1 when a hypervisor shows VMX, else 0. */
static uint32_t check_vmx_hidden(uint32_t ecx)
{
	bool vmx = ecx & CPUID_1_ECX_VMX;

	if (!(ecx & CPUID_1_ECX_HYPERVISOR)) {
		mb_say("no hypervisor bit (bare metal or an emulator): VMX-hidden check skipped, "
		       "vmx=%u\n",
		       (uint32_t)vmx);
		return 0;
	}
	mb_say("hypervisor bit set, VMX bit %u: %s\n", (uint32_t)vmx,
	       vmx ? "shown (BAD)" : "hidden ok");
	return vmx;
}

/* Returns 1 when RDMSR of @msr, which must exist, faulted. */
static uint32_t check_msr_present(uint32_t msr)
{
	uint64_t v;

	if (mb_rdmsr_safe(msr, &v)) {
		mb_say("rdmsr 0x%x -> #GP (BAD)\n", msr);
		return 1;
	}
	mb_say("rdmsr 0x%x -> 0x%016llx ok\n", msr, v);
	return 0;
}

/* Returns 1 when RDMSR of @msr, which must not exist, did not fault. */
static uint32_t check_msr_absent(uint32_t msr, const char *hv_sig)
{
	uint64_t v;

	if (mb_rdmsr_safe(msr, &v)) {
		mb_say("rdmsr 0x%x -> #GP ok\n", msr);
		return 0;
	}
	if (str_eq(hv_sig, TCG_SIGNATURE)) {
		mb_say("rdmsr 0x%x -> no fault: QEMU TCG never raises #GP on RDMSR, check "
		       "skipped\n", msr);
		return 0;
	}
	mb_say("rdmsr 0x%x -> no fault (BAD) value=0x%016llx\n", msr, v);
	return 1;
}

int mb_main(void)
{
	uint32_t good, bad, ecx, fails = 0;
	char hv_sig[13];

	if (mb_arg_u32("goodmsr", MSR_IA32_APICBASE, 0, UINT32_MAX, &good) ||
	    mb_arg_u32("badmsr", MSR_NONEXISTENT, 0, UINT32_MAX, &bad))
		return MB_EXIT_SETUP;
	ecx = basic_leaves();
	hypervisor_leaves(ecx & CPUID_1_ECX_HYPERVISOR, hv_sig);
	fails += check_vmx_hidden(ecx);
	fails += check_msr_present(good);
	fails += check_msr_absent(bad, hv_sig);
	mb_say("done fails=%u\n", fails);
	return fails ? MB_EXIT_FAIL : MB_EXIT_PASS;
}
