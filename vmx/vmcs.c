/*
 * vmcs.c - checked VMCS accessors and the names the shell and the
 * diagnostics print.
 *
 * Context: pure, host-testable (VMX instructions through vmx_hw.h).
 */
#define pr_fmt(fmt) "vmcs: " fmt
#include "lib.h"
#include "log.h"
#include "vmcs.h"
#include "vmx_hw.h"

struct name_ent {
	unsigned int key;
	const char *name;
};

#define F(x) { x, #x }
static const struct name_ent field_names[] = {
	F(VIRTUAL_PROCESSOR_ID), F(GUEST_ES_SELECTOR), F(GUEST_CS_SELECTOR),
	F(GUEST_SS_SELECTOR), F(GUEST_DS_SELECTOR), F(GUEST_FS_SELECTOR),
	F(GUEST_GS_SELECTOR), F(GUEST_LDTR_SELECTOR), F(GUEST_TR_SELECTOR),
	F(HOST_CS_SELECTOR), F(HOST_TR_SELECTOR), F(IO_BITMAP_A), F(IO_BITMAP_B),
	F(MSR_BITMAP), F(TSC_OFFSET), F(EPT_POINTER), F(GUEST_PHYSICAL_ADDRESS),
	F(VMCS_LINK_POINTER), F(GUEST_IA32_PAT), F(GUEST_IA32_EFER),
	F(HOST_IA32_PAT), F(HOST_IA32_EFER), F(PIN_BASED_VM_EXEC_CONTROL),
	F(CPU_BASED_VM_EXEC_CONTROL), F(EXCEPTION_BITMAP), F(VM_EXIT_CONTROLS),
	F(VM_ENTRY_CONTROLS), F(VM_ENTRY_INTR_INFO_FIELD),
	F(VM_ENTRY_EXCEPTION_ERROR_CODE), F(VM_ENTRY_INSTRUCTION_LEN),
	F(SECONDARY_VM_EXEC_CONTROL), F(VM_INSTRUCTION_ERROR), F(VM_EXIT_REASON),
	F(VM_EXIT_INTR_INFO), F(VM_EXIT_INTR_ERROR_CODE), F(IDT_VECTORING_INFO_FIELD),
	F(IDT_VECTORING_ERROR_CODE), F(VM_EXIT_INSTRUCTION_LEN), F(VMX_INSTRUCTION_INFO),
	F(GUEST_CS_LIMIT), F(GUEST_CS_AR_BYTES), F(GUEST_SS_AR_BYTES), F(GUEST_TR_AR_BYTES),
	F(GUEST_INTERRUPTIBILITY_INFO), F(GUEST_ACTIVITY_STATE),
	F(VMX_PREEMPTION_TIMER_VALUE), F(CR0_GUEST_HOST_MASK), F(CR4_GUEST_HOST_MASK),
	F(CR0_READ_SHADOW), F(CR4_READ_SHADOW), F(EXIT_QUALIFICATION),
	F(GUEST_LINEAR_ADDRESS), F(GUEST_CR0), F(GUEST_CR3), F(GUEST_CR4),
	F(GUEST_CS_BASE), F(GUEST_GDTR_BASE), F(GUEST_IDTR_BASE), F(GUEST_RSP),
	F(GUEST_RIP), F(GUEST_RFLAGS), F(HOST_CR0), F(HOST_CR3), F(HOST_CR4),
	F(HOST_RSP), F(HOST_RIP),
};

static const char *const exit_names[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = "exception/NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "external interrupt",
	[EXIT_REASON_TRIPLE_FAULT] = "triple fault",
	[EXIT_REASON_INIT_SIGNAL] = "INIT",
	[EXIT_REASON_SIPI_SIGNAL] = "SIPI",
	[EXIT_REASON_INTERRUPT_WINDOW] = "interrupt window",
	[EXIT_REASON_NMI_WINDOW] = "NMI window",
	[EXIT_REASON_TASK_SWITCH] = "task switch",
	[EXIT_REASON_CPUID] = "CPUID",
	[EXIT_REASON_GETSEC] = "GETSEC",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",
	[EXIT_REASON_RDPMC] = "RDPMC",
	[EXIT_REASON_RDTSC] = "RDTSC",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",
	[EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",
	[EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",
	[EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMOFF] = "VMXOFF",
	[EXIT_REASON_VMON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "CR access",
	[EXIT_REASON_DR_ACCESS] = "DR access",
	[EXIT_REASON_IO_INSTRUCTION] = "I/O instruction",
	[EXIT_REASON_MSR_READ] = "RDMSR",
	[EXIT_REASON_MSR_WRITE] = "WRMSR",
	[EXIT_REASON_INVALID_STATE] = "entry failure: invalid guest state",
	[EXIT_REASON_MSR_LOAD_FAIL] = "entry failure: MSR loading",
	[EXIT_REASON_MWAIT_INSTRUCTION] = "MWAIT",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "monitor trap flag",
	[EXIT_REASON_MONITOR_INSTRUCTION] = "MONITOR",
	[EXIT_REASON_PAUSE_INSTRUCTION] = "PAUSE",
	[EXIT_REASON_MCE_DURING_VMENTRY] = "entry failure: machine check",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "TPR below threshold",
	[EXIT_REASON_APIC_ACCESS] = "APIC access",
	[EXIT_REASON_EOI_INDUCED] = "EOI induced",
	[EXIT_REASON_GDTR_IDTR] = "GDTR/IDTR access",
	[EXIT_REASON_LDTR_TR] = "LDTR/TR access",
	[EXIT_REASON_EPT_VIOLATION] = "EPT violation",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT misconfiguration",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",
	[EXIT_REASON_PREEMPTION_TIMER] = "VMX-preemption timer",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_WBINVD] = "WBINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_APIC_WRITE] = "APIC write",
	[EXIT_REASON_RDRAND] = "RDRAND",
	[EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
	[EXIT_REASON_ENCLS] = "ENCLS",
	[EXIT_REASON_RDSEED] = "RDSEED",
	[EXIT_REASON_PML_FULL] = "PML full",
	[EXIT_REASON_XSAVES] = "XSAVES",
	[EXIT_REASON_XRSTORS] = "XRSTORS",
};

/* SDM "VM-Instruction Error Numbers". */
static const char *const insn_errors[] = {
	[1] = "VMCALL in VMX root",
	[2] = "VMCLEAR with invalid address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "entry with invalid control field(s)",
	[8] = "entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with wrong VMCS revision",
	[12] = "VMREAD/VMWRITE of unsupported field",
	[13] = "VMWRITE to read-only field",
	[15] = "VMXON in VMX root",
	[16] = "entry with invalid executive-VMCS pointer",
	[17] = "entry with non-launched executive VMCS",
	[18] = "entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with wrong MSEG revision",
	[23] = "VMXOFF under dual-monitor treatment",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "entry with invalid VM-execution controls in executive VMCS",
	[26] = "entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmcs_field_name(enum vmcs_field f)
{
	for (size_t i = 0; i < ARRAY_SIZE(field_names); i++)
		if (field_names[i].key == (unsigned int)f)
			return field_names[i].name;
	return "(field)";
}

const char *exit_reason_name(unsigned int reason)
{
	reason = VMX_EXIT_REASON_BASIC(reason);
	if (reason < ARRAY_SIZE(exit_names) && exit_names[reason])
		return exit_names[reason];
	return "unknown";
}

const char *vm_instruction_error_name(unsigned int err)
{
	if (err < ARRAY_SIZE(insn_errors) && insn_errors[err])
		return insn_errors[err];
	return "unknown VM-instruction error";
}

/* vmx_insn_error: the VM-instruction error of the current VMCS, 0 if none. */
static unsigned int vmx_insn_error(void)
{
	uint64_t e = 0;
	if (hw_vmread(VM_INSTRUCTION_ERROR, &e))
		return 0;
	return (unsigned int)e;
}

int vmcs_read(enum vmcs_field f, uint64_t *v, const char *caller)
{
	int err = hw_vmread(f, v);
	if (err) {
		unsigned int ie = vmx_insn_error();
		pr_err("VMREAD %s (0x%x) failed in %s: error %u (%s)\n",
		       vmcs_field_name(f), f, caller, ie, vm_instruction_error_name(ie));
	}
	return err;
}

int vmcs_write(enum vmcs_field f, uint64_t v, const char *caller)
{
	int err = hw_vmwrite(f, v);
	if (err) {
		unsigned int ie = vmx_insn_error();
		pr_err("VMWRITE %s (0x%x) = 0x%lx failed in %s: error %u (%s)\n",
		       vmcs_field_name(f), f, v, caller, ie, vm_instruction_error_name(ie));
	}
	return err;
}

uint64_t vmcs_get(enum vmcs_field f)
{
	uint64_t v = 0;
	if (vmcs_read(f, &v, __func__))
		return 0;
	return v;
}
