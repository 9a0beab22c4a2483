/*
 * test_vmexit.c - the VM-exit handlers against a fake VMCS and fake CPU:
 * dispatch, CPUID policy, MSR policy, I/O, CR accesses, and that guest
 * misbehaviour stops only the guest or becomes an injected fault.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "errcode.h"
#include "hw_fake.h"
#include "msr.h"
#include "tsc.h"
#include "vdev.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"
#include "vmx_fake.h"

static struct vm vm;

static int setup(void **state)
{
	fake_hw_reset();
	fake_vmx_reset();
	fake_console_reset();
	memset(&vm, 0, sizeof(vm));
	vm.state = VM_RUNNING;
	vm.exit_status = -1;
	fake_vmcs_set(GUEST_RIP, 0x1000);
	/* A host CPU: Intel, max leaf 0xd, VMX and MCE present. */
	fake_cpuid_set(0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69);
	fake_cpuid_set(1, 0, 0x906ea, 0x00100800, (1u << 5) | (1u << 0), (1u << 7) | (1u << 9));
	fake_cpuid_set(0x80000000, 0, 0x80000008, 0, 0, 0);
	tsc_khz = 2000000;
	return 0;
}

/* exit: make the fake VMCS describe one exit, and handle it. */
static int exit_with(uint32_t reason, uint64_t qual, uint32_t len)
{
	fake_vmcs_set(VM_EXIT_REASON, reason);
	fake_vmcs_set(EXIT_QUALIFICATION, qual);
	fake_vmcs_set(VM_EXIT_INSTRUCTION_LEN, len);
	return vmx_handle_exit(&vm);
}

static void test_cpuid_policy(void **state)
{
	uint32_t out[4];

	guest_cpuid(&vm, 1, 0, out);
	assert_int_equal(out[2] & (1u << 5), 0); /* VMX hidden */
	assert_true(out[2] & (1u << 31)); /* hypervisor */
	assert_true(out[2] & (1u << 21)); /* x2APIC */
	assert_int_equal(out[3] & (1u << 7), 0); /* MCE hidden */
	assert_true(out[3] & (1u << 9)); /* APIC kept */
	assert_int_equal((out[1] >> 16) & 0xff, 1); /* one logical CPU */
	guest_cpuid(&vm, 0x40000000, 0, out);
	assert_int_equal(out[1], 0x4b4d564b);
	assert_int_equal(out[2], 0x564b4d56);
	assert_int_equal(out[3], 0x4d);
	guest_cpuid(&vm, 0, 0, out);
	assert_int_equal(out[0], 0x15);
	/* Leaf 0x15 carries Pagoda's measured TSC: ECX * EBX / EAX Hz. */
	guest_cpuid(&vm, 0x15, 0, out);
	assert_int_equal((uint64_t)out[2] * out[1] / out[0], 2000000000ULL);
	/* Leaf 7 is past this host's... no: 7 <= 0xd; leaf 0x14 is not in the table. */
	guest_cpuid(&vm, 0x14, 0, out);
	assert_int_equal(out[0] | out[1] | out[2] | out[3], 0);
}

static void test_cpuid_exit_sets_registers(void **state)
{
	vm.vcpu.regs.gpr[REG_RAX] = 0x40000000;
	assert_int_equal(exit_with(EXIT_REASON_CPUID, 0, 2), 0);
	assert_int_equal(vm.vcpu.regs.gpr[REG_RBX], 0x4b4d564b);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1002);
	assert_int_equal(vm.stats.exits_by_reason[EXIT_REASON_CPUID], 1);
}

static void test_skip_clears_sti_shadow(void **state)
{
	fake_vmcs_set(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI | GUEST_INTR_STATE_NMI);
	exit_with(EXIT_REASON_HLT, 0, 1);
	assert_int_equal(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_NMI);
	assert_true(vm.vcpu.halted);
}

static void test_vmx_instructions_get_ud(void **state)
{
	assert_int_equal(exit_with(EXIT_REASON_VMON, 0, 4), 0);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.event.vector, 6);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1000); /* a fault: RIP stays */
	assert_int_equal(vm.state, VM_RUNNING);
}

static void test_vmcall_enosys(void **state)
{
	vm.vcpu.regs.gpr[REG_RAX] = 99;
	exit_with(EXIT_REASON_VMCALL, 0, 3);
	assert_int_equal((int64_t)vm.vcpu.regs.gpr[REG_RAX], -1000);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1003);
}

static void test_unknown_exit_stops_guest_only(void **state)
{
	assert_int_not_equal(exit_with(EXIT_REASON_TASK_SWITCH, 0x55, 0), 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "task switch"));
	assert_int_not_equal(exit_with(999, 0, 0), 0); /* out of the table's range */
}

static void test_triple_fault_and_failed_entry(void **state)
{
	exit_with(EXIT_REASON_TRIPLE_FAULT, 0, 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "triple fault"));
	vm.state = VM_RUNNING;
	exit_with(VMX_EXIT_REASON_FAILED_ENTRY | EXIT_REASON_INVALID_STATE, 0, 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "VM entry failed"));
}

/* An exit in the middle of an IRET that unblocked NMIs re-blocks them (virtual NMIs only). */
static void test_nmi_blocking_restored_after_iret(void **state)
{
	uint32_t pf = INTR_INFO_VALID_MASK | INTR_INFO_UNBLOCK_NMI | (3u << 8) | 14;

	vm.vcpu.pin_ctls = PIN_BASED_VIRTUAL_NMIS;
	fake_vmcs_set(VM_EXIT_INTR_INFO, pf);
	exit_with(EXIT_REASON_EXCEPTION_NMI, 0, 0);
	assert_true(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STATE_NMI);

	/* An event was being delivered: the IRET did not complete its unblocking. */
	fake_vmcs_set(GUEST_INTERRUPTIBILITY_INFO, 0);
	fake_vmcs_set(IDT_VECTORING_INFO_FIELD, INTR_INFO_VALID_MASK | 0x20);
	exit_with(EXIT_REASON_EXCEPTION_NMI, 0, 0);
	assert_int_equal(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO), 0);

	/* EPT violation: the bit is in the qualification (the gpa is outside RAM here). */
	fake_vmcs_set(IDT_VECTORING_INFO_FIELD, 0);
	fake_vmcs_set(VM_EXIT_INTR_INFO, 0);
	exit_with(EXIT_REASON_EPT_VIOLATION, EPT_VIOLATION_NMI_UNBLOCKING | 1, 0);
	assert_true(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO) & GUEST_INTR_STATE_NMI);

	/* Without virtual NMIs the bit means nothing. */
	vm.state = VM_RUNNING;
	vm.vcpu.pin_ctls = 0;
	fake_vmcs_set(GUEST_INTERRUPTIBILITY_INFO, 0);
	exit_with(EXIT_REASON_EPT_VIOLATION, EPT_VIOLATION_NMI_UNBLOCKING | 1, 0);
	assert_int_equal(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO), 0);
	(void)state;
}

static void test_msr_policy(void **state)
{
	uint64_t v;

	assert_int_equal(guest_msr_read(&vm, MSR_IA32_FEATURE_CONTROL, &v), 0);
	assert_int_equal(v, FEAT_CTL_LOCKED); /* locked, VMX off */
	assert_int_not_equal(guest_msr_write(&vm, MSR_IA32_FEATURE_CONTROL, 5), 0);
	assert_int_equal(guest_msr_write(&vm, MSR_EFER, EFER_SCE | EFER_LME | EFER_NX), 0);
	assert_int_equal(fake_vmcs_get(GUEST_IA32_EFER), EFER_SCE | EFER_LME | EFER_NX);
	assert_int_not_equal(guest_msr_write(&vm, MSR_EFER, 1ULL << 15), 0); /* reserved */
	assert_int_not_equal(guest_msr_write(&vm, MSR_IA32_PAT, 0x0202020202020202ULL), 0);
	assert_int_equal(guest_msr_write(&vm, MSR_IA32_PAT, 0x0007040600070406ULL), 0);
	assert_int_not_equal(guest_msr_read(&vm, 0x12345678, &v), 0); /* unknown: #GP */
	assert_int_equal(guest_msr_write(&vm, 0x12, 0x1234), 0); /* legacy kvmclock: dropped */
}

static void test_msr_exits_inject_gp(void **state)
{
	vm.vcpu.regs.gpr[REG_RCX] = 0x12345678;
	exit_with(EXIT_REASON_MSR_READ, 0, 2);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.event.vector, 13);
	assert_true(vm.vcpu.event.has_error);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1000);
	vm.vcpu.event.valid = false;
	vm.vcpu.regs.gpr[REG_RCX] = MSR_IA32_FEATURE_CONTROL;
	exit_with(EXIT_REASON_MSR_READ, 0, 2);
	assert_false(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.regs.gpr[REG_RAX], 1);
	assert_int_equal(vm.vcpu.regs.gpr[REG_RDX], 0);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1002);
}

static uint32_t port_value;
static int port_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	*val = port_value;
	return 0;
}
static int port_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	port_value = val;
	return 0;
}

static void test_io_exits(void **state)
{
	struct pio_handler h = { "t", 0x70, 2, port_read, port_write, NULL };

	assert_int_equal(vdev_register_pio(&vm.vdev, &h), 0);
	/* OUT 0x70, AL: size 1, port in bits 31:16 */
	vm.vcpu.regs.gpr[REG_RAX] = 0xabcd12;
	exit_with(EXIT_REASON_IO_INSTRUCTION, (0x70u << 16) | 0, 1);
	assert_int_equal(port_value, 0x12);
	/* IN AL, 0x71 merges into RAX's low byte */
	port_value = 0x7f;
	exit_with(EXIT_REASON_IO_INSTRUCTION, (0x71u << 16) | (1u << 3), 1);
	assert_int_equal(vm.vcpu.regs.gpr[REG_RAX], 0xabcd7f);
	/* IN EAX from an unclaimed port: all ones, zero-extended */
	vm.vcpu.regs.gpr[REG_RAX] = ~0ULL;
	exit_with(EXIT_REASON_IO_INSTRUCTION, (0x1234u << 16) | (1u << 3) | 3, 1);
	assert_int_equal(vm.vcpu.regs.gpr[REG_RAX], 0xffffffffULL);
	/* String I/O with no guest memory behind it (the fake has none) stops
	 * the guest, never crashes Pagoda; test_mmio.c covers the real path. */
	exit_with(EXIT_REASON_IO_INSTRUCTION, (0x70u << 16) | (1u << 4), 2);
	assert_int_equal(vm.state, VM_STOPPED);
}

static void test_cr_exits(void **state)
{
	memset(&vmx_caps, 0, sizeof(vmx_caps));
	vmx_caps.cr0_fixed0 = 0x80000021; /* PG, NE, PE */
	vmx_caps.cr0_fixed1 = 0xffffffff;
	vmx_caps.cr4_fixed0 = 1u << 13;
	vmx_caps.cr4_fixed1 = 0x3767ff;
	vm.vcpu.proc2_ctls = SECONDARY_EXEC_UNRESTRICTED_GUEST;
	/* MOV CR0, RBX (qual: CR 0, type 0, GPR 3) with NE clear */
	vm.vcpu.regs.gpr[REG_RBX] = 0x80000011;
	exit_with(EXIT_REASON_CR_ACCESS, (3u << 8), 3);
	assert_int_equal(fake_vmcs_get(CR0_READ_SHADOW), 0x80000011);
	assert_int_equal(fake_vmcs_get(GUEST_CR0), 0x80000031); /* NE forced */
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1003);
	/* MOV CR4 with VMXE: #GP, nothing written */
	vm.vcpu.regs.gpr[REG_RCX] = (1u << 13) | (1u << 5);
	exit_with(EXIT_REASON_CR_ACCESS, 4 | (1u << 8), 3);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.event.vector, 13);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), 0x1003);
}

static void test_failed_vmwrite_is_reported(void **state)
{
	fake_vmcs_fail(GUEST_RIP, 13);
	exit_with(EXIT_REASON_CPUID, 0, 2);
	assert_non_null(strstr(fake_console_text(), "VMWRITE GUEST_RIP"));
	assert_non_null(strstr(fake_console_text(), "read-only"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cpuid_policy, setup),
		cmocka_unit_test_setup(test_cpuid_exit_sets_registers, setup),
		cmocka_unit_test_setup(test_skip_clears_sti_shadow, setup),
		cmocka_unit_test_setup(test_vmx_instructions_get_ud, setup),
		cmocka_unit_test_setup(test_vmcall_enosys, setup),
		cmocka_unit_test_setup(test_unknown_exit_stops_guest_only, setup),
		cmocka_unit_test_setup(test_triple_fault_and_failed_entry, setup),
		cmocka_unit_test_setup(test_nmi_blocking_restored_after_iret, setup),
		cmocka_unit_test_setup(test_msr_policy, setup),
		cmocka_unit_test_setup(test_msr_exits_inject_gp, setup),
		cmocka_unit_test_setup(test_io_exits, setup),
		cmocka_unit_test_setup(test_cr_exits, setup),
		cmocka_unit_test_setup(test_failed_vmwrite_is_reported, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
