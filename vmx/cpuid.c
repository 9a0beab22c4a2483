/*
 * cpuid.c - the CPUID the guest sees.
 *
 * Host values filtered through a table: per leaf, the register bits the
 * guest may see and the bits Pagoda forces on. The rule is "advertise
 * nothing Pagoda does not virtualize": no VMX (no nested), no PMU, no
 * machine-check architecture, no MTRRs, no XSAVE/AVX state (Pagoda does
 * not switch extended state), no MONITOR/MWAIT, no TSX, no speculation
 * control MSRs. The hypervisor bit and the KVM signature leaves are set
 * so Linux detects "KVM" and uses its paravirtual features.
 *
 * Context: pure, host-testable (CPUID through hw.h).
 */
#include "hw.h"
#include "lib.h"
#include "tsc.h"
#include "vmexit.h"
#include "vmx_defs.h"

#define KVM_CPUID_SIGNATURE 0x40000000
#define KVM_CPUID_FEATURES 0x40000001
#define KVM_SIGNATURE_EBX 0x4b4d564b /* "KVMK" */
#define KVM_SIGNATURE_ECX 0x564b4d56 /* "VMKV" */
#define KVM_SIGNATURE_EDX 0x0000004d /* "M\0\0\0" */

/* CPUID.1 */
#define C1_ECX_ALLOWED (BIT(0) | BIT(1) | BIT(9) | BIT(13) | BIT(17) | BIT(19) | \
			BIT(20) | BIT(22) | BIT(23) | BIT(25) | BIT(30))
#define C1_ECX_X2APIC BIT(21)
#define C1_ECX_TSC_DEADLINE BIT(24)
#define C1_ECX_HYPERVISOR BIT(31)
#define C1_EDX_ALLOWED (BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(8) | \
			BIT(9) | BIT(11) | BIT(13) | BIT(15) | BIT(16) | BIT(17) | BIT(19) | \
			BIT(23) | BIT(24) | BIT(25) | BIT(26))
/* CPUID.7.0:EBX: FSGSBASE, BMI1, SMEP, BMI2, ERMS, INVPCID, ADX, SMAP, CLFLUSHOPT */
#define C7_EBX_ALLOWED (BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(10) | BIT(19) | \
			BIT(20) | BIT(23))
/* CPUID.80000001: LAHF, ABM/LZCNT, PREFETCHW; SYSCALL, NX, 1G pages, RDTSCP, LM */
#define E1_ECX_ALLOWED (BIT(0) | BIT(5) | BIT(8))
#define E1_EDX_ALLOWED (BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29))

struct cpuid_rule {
	uint32_t leaf;
	uint32_t and_mask[4]; /* eax, ebx, ecx, edx */
	uint32_t or_mask[4];
};

#define ALL 0xffffffffu
static const struct cpuid_rule rules[] = {
	{ 0x0, { ALL, ALL, ALL, ALL }, { 0 } },
	/* EBX: one logical processor, APIC ID 0; keep CLFLUSH line size */
	{ 0x1, { ALL, 0x0000ff00, C1_ECX_ALLOWED, C1_EDX_ALLOWED },
	  { 0, 0x00010000, C1_ECX_X2APIC | C1_ECX_TSC_DEADLINE | C1_ECX_HYPERVISOR, 0 } },
	{ 0x2, { ALL, ALL, ALL, ALL }, { 0 } },
	{ 0x7, { 0, C7_EBX_ALLOWED, 0, 0 }, { 0 } },
	{ 0x15, { 0, 0, 0, 0 }, { 0 } }, /* filled in by tsc_leaf() */
	{ 0x16, { 0, 0, 0, 0 }, { 0 } }, /* nominal MHz: not offered */
	{ 0x80000000, { ALL, 0, 0, 0 }, { 0 } },
	{ 0x80000001, { 0, 0, E1_ECX_ALLOWED, E1_EDX_ALLOWED }, { 0 } },
	{ 0x80000002, { ALL, ALL, ALL, ALL }, { 0 } },
	{ 0x80000003, { ALL, ALL, ALL, ALL }, { 0 } },
	{ 0x80000004, { ALL, ALL, ALL, ALL }, { 0 } },
	{ 0x80000006, { ALL, ALL, ALL, ALL }, { 0 } },
	{ 0x80000007, { 0, 0, 0, BIT(8) }, { 0 } }, /* invariant TSC */
	{ 0x80000008, { 0xffff, 0, 0, 0 }, { 0 } }, /* address sizes */
};

static const struct cpuid_rule *find_rule(uint32_t leaf)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (rules[i].leaf == leaf)
			return &rules[i];
	return NULL;
}

/* KVM's leaves: the signature, and the paravirtual features offered. */
static bool kvm_leaf(uint32_t leaf, uint32_t out[4])
{
	if (leaf == KVM_CPUID_SIGNATURE) {
		out[0] = KVM_CPUID_FEATURES;
		out[1] = KVM_SIGNATURE_EBX;
		out[2] = KVM_SIGNATURE_ECX;
		out[3] = KVM_SIGNATURE_EDX;
		return true;
	}
	if (leaf == KVM_CPUID_FEATURES) {
		out[0] = out[1] = out[2] = out[3] = 0;
		return true;
	}
	return false;
}

/*
 * tsc_leaf: CPUID.15H says TSC = ECX * EBX / EAX Hz. The host's own leaves
 * can be wrong (an emulator's TSC need not tick at the advertised rate), so
 * the guest gets the frequency Pagoda measured: a 1 MHz "crystal" times
 * tsc_khz / 1000. Linux then trusts it (TSC_KNOWN_FREQ) instead of
 * calibrating against the PIT.
 */
static void tsc_leaf(uint32_t out[4])
{
	if (!tsc_khz || tsc_khz > UINT32_MAX)
		return;
	out[0] = 1000;
	out[1] = (uint32_t)tsc_khz;
	out[2] = 1000000;
}

/* Leaf 0 caps the basic leaves the guest may ask for. */
#define GUEST_MAX_BASIC_LEAF 0x15u

void guest_cpuid(const struct vm *vm, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	const struct cpuid_rule *r = find_rule(leaf);
	struct cpuid_regs h;

	out[0] = out[1] = out[2] = out[3] = 0;
	if (kvm_leaf(leaf, out) || !r)
		return;
	if (leaf == 0x15) {
		tsc_leaf(out);
		return;
	}
	/* A basic leaf past the host's maximum would return another leaf's data. */
	hw_cpuid(leaf & 0x80000000, 0, &h);
	if (leaf > h.eax)
		return;
	hw_cpuid(leaf, subleaf, &h);
	out[0] = (h.eax & r->and_mask[0]) | r->or_mask[0];
	out[1] = (h.ebx & r->and_mask[1]) | r->or_mask[1];
	out[2] = (h.ecx & r->and_mask[2]) | r->or_mask[2];
	out[3] = (h.edx & r->and_mask[3]) | r->or_mask[3];
	if (leaf == 0)
		out[0] = GUEST_MAX_BASIC_LEAF; /* 0x15 is Pagoda's own, whatever the host has */
	if (leaf == 7 && subleaf != 0)
		out[0] = out[1] = out[2] = out[3] = 0;
	if (leaf == 7 && !(vm->vcpu.proc2_ctls & SECONDARY_EXEC_ENABLE_INVPCID))
		out[1] &= ~BIT(10);
	if (leaf == 0x80000001 && !(vm->vcpu.proc2_ctls & SECONDARY_EXEC_ENABLE_RDTSCP))
		out[3] &= ~BIT(27);
}
