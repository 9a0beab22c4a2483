/*
 * test_mmio.c - MMIO emulation and string I/O through the real exit path
 * (vmx_handle_exit -> ept_handle_violation -> mmio_handle_violation, and
 * the I/O exit), on the fake VMCS and fake guest RAM: a small register
 * device at 0xfec00000, guests in 64-bit mode with 4-level paging, in
 * 32-bit protected mode without paging, and in 16-bit code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "ept.h"
#include "errcode.h"
#include "gmem.h"
#include "guest_boot.h"
#include "guest_mem.h"
#include "hw_fake.h"
#include "msr.h"
#include "ram_fake.h"
#include "vdev.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"
#include "vmx_fake.h"

#define HOST_POOL MiB(48)
#define GUEST_RAM MiB(32)
#define DEV_BASE 0xfec00000ULL
#define DEV_SIZE 0x20
#define CODE 0x100000ULL /* RIP of most tests: identity-mapped RAM */
#define DATA 0x300000ULL
#define SPLIT 0x400000ULL /* linear 0x400000 -> 0x500000, 0x401000 -> 0x700000, 0x402000 absent */
#define NEAR_DEV 0xfea00000ULL /* the 2 MiB below the device: RAM at 0x200000 */

#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_CF BIT(0)
#define RFLAGS_PF BIT(2)
#define RFLAGS_DF BIT(10)
#define QUAL_GVA (EPT_VIOLATION_GVA_IS_VALID | EPT_VIOLATION_GVA_TRANSLATED)
#define QUAL_WRITE (EPT_VIOLATION_ACC_WRITE | QUAL_GVA)
#define QUAL_READ (EPT_VIOLATION_ACC_READ | QUAL_GVA)
#define P PTE_P
#define RW PTE_RW

static uint8_t *pool;
static struct vm vm;

/* ---- a register file at DEV_BASE ---- */
struct fake_dev {
	uint8_t regs[DEV_SIZE];
	unsigned int reads, writes;
	uint64_t off, val;
	unsigned int size;
	bool refuse;
};
static struct fake_dev dev;

static int dev_rd(void *d, uint64_t off, unsigned int size, uint64_t *val)
{
	struct fake_dev *f = d;

	assert_true(off + size <= DEV_SIZE); /* the emulator never hands out more */
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	f->reads++;
	if (f->refuse)
		return -EINVAL;
	*val = 0;
	memcpy(val, f->regs + off, size);
	return 0;
}

static int dev_wr(void *d, uint64_t off, unsigned int size, uint64_t val)
{
	struct fake_dev *f = d;

	assert_true(off + size <= DEV_SIZE);
	f->writes++;
	f->off = off;
	f->size = size;
	f->val = val;
	if (f->refuse)
		return -EINVAL;
	memcpy(f->regs + off, &val, size);
	return 0;
}

/* ---- ports: 0x3f8 collects bytes written, 0x60 reads 0x11, 0x22, ..., 0xf4 stops ---- */
static uint8_t port_out[8192];
static unsigned int nr_out, nr_in;

static int port_rd(void *d, uint16_t port, unsigned int size, uint32_t *val)
{
	nr_in++;
	*val = 0x11u * nr_in | (size > 1 ? 0xab00u : 0);
	return 0;
}

static int port_wr(void *d, uint16_t port, unsigned int size, uint32_t val)
{
	if (port == 0xf4) {
		vm_stop(&vm, "exit port");
		return 0;
	}
	for (unsigned int i = 0; i < size && nr_out < sizeof(port_out); i++)
		port_out[nr_out++] = (uint8_t)(val >> (8 * i));
	return 0;
}

FAKE_RAM_GROUP(pool, HOST_POOL)

static void put64(uint64_t a, uint64_t v)
{
	assert_int_equal(gmem_write(&vm.mem, gpa(a), &v, 8), 0);
}

static void put_bytes(uint64_t a, const void *b, size_t n)
{
	assert_int_equal(gmem_write(&vm.mem, gpa(a), b, n), 0);
}

/*
 * 4-level tables at 0x10000: the first 32 MiB identity-mapped with 2 MiB
 * pages, SPLIT with 4 KiB pages on scattered frames, 0xfea00000 -> RAM
 * 0x200000, and the device's 2 MiB identity-mapped.
 */
static void build_tables(void)
{
	put64(0x10000, 0x11000 | P | RW);
	put64(0x11000 + 0 * 8, 0x12000 | P | RW);
	put64(0x11000 + 3 * 8, 0x13000 | P | RW);
	for (uint64_t i = 0; i < 16; i++)
		put64(0x12000 + i * 8, (i * MiB(2)) | P | RW | PTE_PS);
	put64(0x12000 + 2 * 8, 0x14000 | P | RW); /* SPLIT's 2 MiB: a PT */
	put64(0x14000 + 0 * 8, 0x500000 | P | RW);
	put64(0x14000 + 1 * 8, 0x700000 | P | RW);
	put64(0x14000 + 3 * 8, 0x600000 | P); /* read-only */
	put64(0x13000 + 0x1f5 * 8, 0x200000 | P | RW | PTE_PS);
	put64(0x13000 + 0x1f6 * 8, DEV_BASE | P | RW | PTE_PS | PTE_PCD);
}

static void mode64(void)
{
	fake_vmcs_set(GUEST_CS_AR_BYTES, GUEST_AR_CODE64);
	fake_vmcs_set(GUEST_IA32_EFER, EFER_LME | EFER_LMA | EFER_NX);
	fake_vmcs_set(GUEST_CR0, CR0_PE | CR0_PG | CR0_WP);
	fake_vmcs_set(GUEST_CR3, 0x10000);
	fake_vmcs_set(GUEST_CR4, CR4_PAE);
}

static void mode32_flat(void)
{
	fake_vmcs_set(GUEST_CS_AR_BYTES, GUEST_AR_CODE32);
	fake_vmcs_set(GUEST_IA32_EFER, 0);
	fake_vmcs_set(GUEST_CR0, CR0_PE);
	fake_vmcs_set(GUEST_CR4, 0);
}

static int setup(void **state)
{
	struct mmio_handler h = { "fakedev", gpa(DEV_BASE), DEV_SIZE, dev_rd, dev_wr, &dev };
	struct pio_handler ph = { "fakeport", 0x3f8, 1, port_rd, port_wr, NULL };
	struct pio_handler kb = { "fakekbd", 0x60, 1, port_rd, port_wr, NULL };
	struct pio_handler ex = { "exitport", 0xf4, 1, port_rd, port_wr, NULL };

	assert_int_equal(fake_ram_reset(pool, HOST_POOL), 0);
	memset(&vm, 0, sizeof(vm));
	memset(&dev, 0, sizeof(dev));
	nr_out = nr_in = 0;
	vm.state = VM_RUNNING;
	vm.exit_status = -1;
	vm.use_ept = true;
	assert_int_equal(gmem_init(&vm.mem, GUEST_RAM), 0);
	assert_int_equal(vdev_register_mmio(&vm.vdev, &h), 0);
	assert_int_equal(vdev_register_pio(&vm.vdev, &ph), 0);
	assert_int_equal(vdev_register_pio(&vm.vdev, &kb), 0);
	assert_int_equal(vdev_register_pio(&vm.vdev, &ex), 0);
	fake_hw_reset();
	fake_vmx_reset();
	fake_console_reset();
	memset(&vmx_caps, 0, sizeof(vmx_caps));
	build_tables();
	mode64();
	fake_vmcs_set(GUEST_SS_AR_BYTES, GUEST_AR_DATA);
	fake_vmcs_set(GUEST_DS_AR_BYTES, GUEST_AR_DATA);
	fake_vmcs_set(GUEST_ES_AR_BYTES, GUEST_AR_DATA);
	fake_vmcs_set(GUEST_RFLAGS, RFLAGS_FIXED);
	fake_vmcs_set(GUEST_RIP, CODE);
	return 0;
}

static int teardown(void **state)
{
	gmem_destroy(&vm.mem);
	return 0;
}

/*
 * ept_exit: the guest ran the instruction `code` at RIP (copied to gpa
 * code_gpa) and touched gpa. The VM-exit instruction length is garbage
 * on purpose: it is undefined for EPT violations.
 */
static int ept_exit(uint64_t code_gpa, const void *code, size_t n, uint64_t at, uint64_t qual)
{
	if (n)
		put_bytes(code_gpa, code, n);
	fake_vmcs_set(VM_EXIT_REASON, EXIT_REASON_EPT_VIOLATION);
	fake_vmcs_set(EXIT_QUALIFICATION, qual);
	fake_vmcs_set(GUEST_PHYSICAL_ADDRESS, at);
	fake_vmcs_set(VM_EXIT_INSTRUCTION_LEN, 13);
	return vmx_handle_exit(&vm);
}

#define EXIT_AT(a, qual, ...)                                                    \
	ept_exit(CODE, (const uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), \
		 a, qual)

static uint64_t *gpr = vm.vcpu.regs.gpr;

static void assert_ran(uint64_t rip)
{
	assert_int_equal(vm.state, VM_RUNNING);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), rip);
}

static void test_mov_store(void **state)
{
	gpr[REG_RDX] = DEV_BASE;
	gpr[REG_RAX] = 0xdead000012345678ULL;
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x89, 0x02), 0); /* mov %eax,(%rdx) */
	assert_ran(CODE + 2);
	assert_int_equal(dev.writes, 1);
	assert_int_equal(dev.reads, 0);
	assert_int_equal(dev.off, 0);
	assert_int_equal(dev.size, 4);
	assert_int_equal(dev.val, 0x12345678);
	assert_int_equal(vm.stats.mmio_exits, 1);
	/* 64-bit store from a REX.W register */
	fake_vmcs_set(GUEST_RIP, CODE);
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x48, 0x89, 0x02), 0);
	assert_int_equal(dev.val, 0xdead000012345678ULL);
	assert_int_equal(dev.size, 8);
}

static void test_mov_load_extends(void **state)
{
	memcpy(dev.regs + 0x10, "\xbe\xba\xfe\xca", 4);
	gpr[REG_RAX] = DEV_BASE + 0x10;
	assert_int_equal(EXIT_AT(DEV_BASE + 0x10, QUAL_READ, 0x8b, 0x00), 0); /* mov (%rax),%eax */
	assert_ran(CODE + 2);
	assert_int_equal(gpr[REG_RAX], 0xcafebabeULL); /* a 32-bit load zero-extends */
	/* 16-bit load through RSP (in the VMCS) merges */
	fake_vmcs_set(GUEST_RIP, CODE);
	fake_vmcs_set(GUEST_RSP, DEV_BASE + 0x10);
	gpr[REG_RAX] = ~0ULL;
	assert_int_equal(EXIT_AT(DEV_BASE + 0x10, QUAL_READ, 0x66, 0x8b, 0x04, 0x24), 0);
	assert_int_equal(gpr[REG_RAX], 0xffffffffffffbabeULL);
	/* mov 0x10(%rbx),%ah: the high byte of RAX */
	fake_vmcs_set(GUEST_RIP, CODE);
	gpr[REG_RBX] = DEV_BASE;
	gpr[REG_RAX] = 0x1111;
	assert_int_equal(EXIT_AT(DEV_BASE + 0x10, QUAL_READ, 0x8a, 0x63, 0x10), 0);
	assert_int_equal(gpr[REG_RAX], 0xbe11);
	/* movsbl (%rdx),%ecx and movswq 2(%rdx),%r10 */
	dev.regs[0] = 0x80;
	dev.regs[2] = 0x34;
	dev.regs[3] = 0x92;
	gpr[REG_RDX] = DEV_BASE;
	gpr[REG_RCX] = ~0ULL;
	fake_vmcs_set(GUEST_RIP, CODE);
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_READ, 0x0f, 0xbe, 0x0a), 0);
	assert_int_equal(gpr[REG_RCX], 0xffffff80ULL);
	fake_vmcs_set(GUEST_RIP, CODE);
	assert_int_equal(EXIT_AT(DEV_BASE + 2, QUAL_READ, 0x4c, 0x0f, 0xbf, 0x52, 0x02), 0);
	assert_int_equal(gpr[REG_R10], 0xffffffffffff9234ULL);
	/* movzbl */
	fake_vmcs_set(GUEST_RIP, CODE);
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_READ, 0x0f, 0xb6, 0x0a), 0);
	assert_int_equal(gpr[REG_RCX], 0x80);
	assert_int_equal(vm.stats.mmio_exits, 6);
}

static void test_store_immediate_and_rsp(void **state)
{
	gpr[REG_RAX] = DEV_BASE;
	/* movl $0xfec00000,0x10(%rax): the sign-extended immediate is cut to 4 bytes */
	assert_int_equal(EXIT_AT(DEV_BASE + 0x10, QUAL_WRITE, 0xc7, 0x40, 0x10, 0x00, 0x00, 0xc0,
				 0xfe), 0);
	assert_ran(CODE + 7);
	assert_int_equal(dev.off, 0x10);
	assert_int_equal(dev.val, 0xfec00000ULL);
	/* mov %eax,(%rsp) */
	fake_vmcs_set(GUEST_RIP, CODE);
	fake_vmcs_set(GUEST_RSP, DEV_BASE + 8);
	gpr[REG_RSP] = 0; /* a stale copy: RSP is the VMCS's */
	gpr[REG_RAX] = 0x55;
	assert_int_equal(EXIT_AT(DEV_BASE + 8, QUAL_WRITE, 0x89, 0x04, 0x24), 0);
	assert_int_equal(dev.off, 8);
	assert_int_equal(dev.val, 0x55);
}

static void test_read_modify_write(void **state)
{
	uint32_t v;

	memcpy(dev.regs, "\x01\x00\x00\x80", 4); /* 0x80000001 */
	gpr[REG_RAX] = DEV_BASE;
	/* orl $0x10000,(%rax) */
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x81, 0x08, 0x00, 0x00, 0x01, 0x00), 0);
	assert_ran(CODE + 6);
	memcpy(&v, dev.regs, 4);
	assert_int_equal(v, 0x80010001);
	assert_int_equal(dev.reads, 1);
	assert_int_equal(dev.writes, 1);
	assert_int_equal(fake_vmcs_get(GUEST_RFLAGS), RFLAGS_FIXED | RFLAGS_SF);
	/* andl $0xfffeffff,(%rdi): clear bit 16 again; CF/OF cleared, PF from the low byte */
	fake_vmcs_set(GUEST_RIP, CODE);
	fake_vmcs_set(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_CF | RFLAGS_ZF);
	gpr[REG_RDI] = DEV_BASE;
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x81, 0x27, 0xff, 0xff, 0xfe, 0xff), 0);
	memcpy(&v, dev.regs, 4);
	assert_int_equal(v, 0x80000001);
	assert_int_equal(fake_vmcs_get(GUEST_RFLAGS), RFLAGS_FIXED | RFLAGS_SF);
	/* test %eax,(%rdx) with no common bit: ZF and PF set, nothing written */
	fake_vmcs_set(GUEST_RIP, CODE);
	gpr[REG_RDX] = DEV_BASE;
	gpr[REG_RAX] = 0x7ffffffe;
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_READ, 0x85, 0x02), 0);
	assert_int_equal(dev.writes, 2);
	assert_int_equal(fake_vmcs_get(GUEST_RFLAGS), RFLAGS_FIXED | RFLAGS_ZF | RFLAGS_PF);
	/* xor (%rdx),%cl: into the register, flags too */
	fake_vmcs_set(GUEST_RIP, CODE);
	gpr[REG_RCX] = 0x1234;
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_READ, 0x32, 0x0a), 0);
	assert_int_equal(gpr[REG_RCX], 0x1235);
	/* xchg %ebx,0x4(%rdx) */
	fake_vmcs_set(GUEST_RIP, CODE);
	memcpy(dev.regs + 4, "\x44\x33\x22\x11", 4);
	gpr[REG_RBX] = 0xffffffffaabbccddULL;
	assert_int_equal(EXIT_AT(DEV_BASE + 4, QUAL_WRITE, 0x87, 0x5a, 0x04), 0);
	assert_int_equal(gpr[REG_RBX], 0x11223344);
	assert_int_equal(dev.val, 0xaabbccdd);
	assert_int_equal(vm.stats.mmio_exits, 5);
}

/* The VM-exit length is ignored; the STI shadow ends like after any emulated instruction. */
static void test_rip_and_interrupt_shadow(void **state)
{
	fake_vmcs_set(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI | GUEST_INTR_STATE_NMI);
	gpr[REG_RDX] = DEV_BASE;
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x64, 0x89, 0x02), 0); /* %fs: base 0 */
	assert_ran(CODE + 3);
	assert_int_equal(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO), GUEST_INTR_STATE_NMI);
}

/* In 64-bit mode only FS and GS have a base. */
static void test_segment_bases_64(void **state)
{
	fake_vmcs_set(GUEST_DS_BASE, 0x1010); /* ignored, */
	fake_vmcs_set(GUEST_CS_BASE, 0x20); /* as is this */
	fake_vmcs_set(GUEST_FS_BASE, DEV_BASE);
	gpr[REG_RDX] = 8;
	assert_int_equal(EXIT_AT(DEV_BASE + 8, QUAL_WRITE, 0x64, 0x89, 0x02), 0);
	assert_ran(CODE + 3);
	assert_int_equal(dev.off, 8);
	fake_vmcs_set(GUEST_RIP, CODE);
	gpr[REG_RDX] = DEV_BASE + 4;
	assert_int_equal(EXIT_AT(DEV_BASE + 4, QUAL_WRITE, 0x3e, 0x89, 0x02), 0); /* %ds: */
	assert_int_equal(dev.off, 4);
}

/* RIP-relative, with the code on a page whose gpa differs from its linear address. */
static void test_rip_relative_and_split_fetch(void **state)
{
	/* mov 0xa(%rip),%ecx at 0xfebffff0: 0xfebffff6 + 0xa = the device */
	fake_vmcs_set(GUEST_RIP, NEAR_DEV + 0x1ffff0);
	memcpy(dev.regs, "\x78\x56\x34\x12", 4);
	assert_int_equal(ept_exit(0x200000 + 0x1ffff0,
				  (const uint8_t[]){ 0x8b, 0x0d, 0x0a, 0, 0, 0 }, 6, DEV_BASE,
				  QUAL_READ), 0);
	assert_ran(NEAR_DEV + 0x1ffff6);
	assert_int_equal(gpr[REG_RCX], 0x12345678);
	/* an instruction split over two pages on scattered frames */
	gpr[REG_RAX] = DEV_BASE;
	fake_vmcs_set(GUEST_RIP, SPLIT + 0xffd);
	put_bytes(0x500ffd, (const uint8_t[]){ 0xc7, 0x40, 0x10 }, 3);
	assert_int_equal(ept_exit(0x700000, (const uint8_t[]){ 0x00, 0x00, 0xc0, 0xfe }, 4,
				  DEV_BASE + 0x10, QUAL_WRITE), 0);
	assert_ran(SPLIT + 0x1004);
	assert_int_equal(dev.val, 0xfec00000ULL);
	/* an instruction ending right before an unmapped page: fine */
	fake_vmcs_set(GUEST_RIP, SPLIT + 0x1ffe);
	gpr[REG_RDX] = DEV_BASE;
	assert_int_equal(ept_exit(0x700ffe, (const uint8_t[]){ 0x89, 0x02 }, 2, DEV_BASE,
				  QUAL_WRITE), 0);
	assert_ran(SPLIT + 0x2000);
	/* ... and one running into it: stopped, not guessed */
	fake_vmcs_set(GUEST_RIP, SPLIT + 0x1ffe);
	assert_int_not_equal(ept_exit(0x700ffe, (const uint8_t[]){ 0x64, 0x89 }, 2, DEV_BASE,
				      QUAL_WRITE), 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "instruction not readable"));
	assert_non_null(strstr(vm.stop_reason, "insn 64 89"));
}

static void test_unclaimed_address_stops(void **state)
{
	gpr[REG_RAX] = 0xfed00000;
	assert_int_not_equal(EXIT_AT(0xfed00000, QUAL_READ, 0x8b, 0x00, 0x90, 0x90), 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "no device there"));
	assert_non_null(strstr(vm.stop_reason, "32 MiB"));
	assert_non_null(strstr(vm.stop_reason, "gpa 0xfed00000"));
	assert_non_null(strstr(vm.stop_reason, "RIP 0x100000"));
	/* the decoded instruction only, not the bytes after it */
	assert_non_null(strstr(vm.stop_reason, "insn 8b 00"));
	assert_null(strstr(vm.stop_reason, "insn 8b 00 90"));
	assert_int_equal(fake_vmcs_get(GUEST_RIP), CODE);
	assert_int_equal(vm.stats.mmio_exits, 0);
}

static void test_not_emulated_stops(void **state)
{
	gpr[REG_RDX] = DEV_BASE;
	assert_int_not_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x01, 0x02), 0); /* add %eax,(%rdx) */
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "fakedev: instruction not emulated"));
	assert_non_null(strstr(vm.stop_reason, "insn 01 02"));
	assert_int_equal(dev.reads + dev.writes, 0);
}

static void test_straddles_stop(void **state)
{
	/* past the end of the device */
	gpr[REG_RDX] = DEV_BASE + DEV_SIZE - 2;
	assert_int_not_equal(EXIT_AT(DEV_BASE + DEV_SIZE - 2, QUAL_WRITE, 0x89, 0x02), 0);
	assert_non_null(strstr(vm.stop_reason, "runs past the end of the device"));
	assert_int_equal(dev.writes, 0);
	/* from the RAM page below into the device: the exit names the device page */
	vm.state = VM_RUNNING;
	gpr[REG_RDX] = DEV_BASE - 2;
	assert_int_not_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x89, 0x02), 0);
	assert_non_null(strstr(vm.stop_reason, "begins outside the device page"));
	assert_int_equal(dev.writes, 0);
}

static void test_odd_exits_stop(void **state)
{
	gpr[REG_RDX] = DEV_BASE;
	assert_int_not_equal(EXIT_AT(DEV_BASE, EPT_VIOLATION_ACC_INSTR, 0x89, 0x02), 0);
	assert_non_null(strstr(vm.stop_reason, "instruction fetch from device memory"));
	vm.state = VM_RUNNING;
	assert_int_not_equal(EXIT_AT(DEV_BASE, EPT_VIOLATION_ACC_READ |
						   EPT_VIOLATION_GVA_IS_VALID, 0x89, 0x02), 0);
	assert_non_null(strstr(vm.stop_reason, "page-table walk"));
	vm.state = VM_RUNNING;
	fake_vmcs_set(IDT_VECTORING_INFO_FIELD,
		      INTR_INFO_VALID_MASK | 14 | INTR_TYPE_HARD_EXCEPTION);
	assert_int_not_equal(EXIT_AT(DEV_BASE, QUAL_WRITE, 0x89, 0x02), 0);
	assert_non_null(strstr(vm.stop_reason, "delivering an event"));
	assert_int_equal(dev.reads + dev.writes, 0);
}

static void test_device_refusal_is_not_fatal(void **state)
{
	dev.refuse = true;
	gpr[REG_RAX] = DEV_BASE;
	assert_int_equal(EXIT_AT(DEV_BASE, QUAL_READ, 0x8b, 0x00), 0);
	assert_ran(CODE + 2);
	assert_int_equal(gpr[REG_RAX], 0xffffffffULL); /* reads all ones */
	assert_non_null(strstr(fake_console_text(), "fakedev: refused 4-byte read"));
}

/* A multiboot-style guest: 32-bit, paging off, CS based away from 0. */
static void test_32bit_no_paging(void **state)
{
	mode32_flat();
	fake_vmcs_set(GUEST_CS_BASE, 0x10000);
	fake_vmcs_set(GUEST_RIP, 0x100);
	memcpy(dev.regs + 0x10, "\x01\x02\x03\x04", 4);
	gpr[REG_RAX] = 0xffffffff00000000ULL;
	/* mov 0xfec00010,%eax */
	assert_int_equal(ept_exit(0x10100, (const uint8_t[]){ 0xa1, 0x10, 0x00, 0xc0, 0xfe }, 5,
				  DEV_BASE + 0x10, QUAL_READ), 0);
	assert_ran(0x105);
	assert_int_equal(gpr[REG_RAX], 0x04030201);
	/* 40 is INC here, not a REX prefix: not emulated */
	fake_vmcs_set(GUEST_RIP, 0x100);
	assert_int_not_equal(ept_exit(0x10100, (const uint8_t[]){ 0x40, 0x89, 0x02 }, 3,
				      DEV_BASE, QUAL_WRITE), 0);
	assert_non_null(strstr(vm.stop_reason, "insn 40 89 02"));
}

/* 16-bit code, with a data segment based at the device. */
static void test_16bit_segment_base(void **state)
{
	mode32_flat();
	fake_vmcs_set(GUEST_CS_AR_BYTES, 0x9b);
	fake_vmcs_set(GUEST_DS_BASE, DEV_BASE);
	gpr[REG_RBX] = 0xffff0010;
	gpr[REG_RSI] = 0x4;
	gpr[REG_RAX] = 0xabcd;
	/* mov %ax,(%bx,%si) */
	assert_int_equal(EXIT_AT(DEV_BASE + 0x14, QUAL_WRITE, 0x89, 0x00), 0);
	assert_ran(CODE + 2);
	assert_int_equal(dev.off, 0x14);
	assert_int_equal(dev.size, 2);
	assert_int_equal(dev.val, 0xabcd);
}

/* ---- string I/O ---- */

#define IO_QUAL(port, size, in, rep)                                          \
	(((uint64_t)(port) << 16) | ((size) - 1) | ((in) ? BIT(3) : 0) | BIT(4) | \
	 ((rep) ? BIT(5) : 0))

/* io_exit: a string I/O exit with the CPU's linear address and instruction length. */
static int io_exit(uint64_t qual, uint64_t lin, uint32_t len)
{
	fake_vmcs_set(VM_EXIT_REASON, EXIT_REASON_IO_INSTRUCTION);
	fake_vmcs_set(EXIT_QUALIFICATION, qual);
	fake_vmcs_set(GUEST_LINEAR_ADDRESS, lin);
	fake_vmcs_set(VM_EXIT_INSTRUCTION_LEN, len);
	return vmx_handle_exit(&vm);
}

/* The CPU reports address size and segment (IA32_VMX_BASIC[54]). */
static void info_reported(unsigned int asz_code, unsigned int seg)
{
	vmx_caps.basic |= VMX_BASIC_INOUT;
	fake_vmcs_set(VMX_INSTRUCTION_INFO, (asz_code << 7) | (seg << 15));
}

static void test_rep_outsb(void **state)
{
	info_reported(2, 3); /* 64-bit, DS */
	put_bytes(DATA, "hello", 5);
	gpr[REG_RSI] = DATA;
	gpr[REG_RCX] = 5;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA, 2), 0);
	assert_ran(CODE + 2);
	assert_int_equal(nr_out, 5);
	assert_memory_equal(port_out, "hello", 5);
	assert_int_equal(gpr[REG_RSI], DATA + 5);
	assert_int_equal(gpr[REG_RCX], 0);
	/* OUTSD without REP: one element, RCX untouched */
	gpr[REG_RCX] = 77;
	fake_vmcs_set(GUEST_RIP, CODE);
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 4, false, false), DATA + 5, 1), 0);
	assert_ran(CODE + 1);
	assert_int_equal(nr_out, 9);
	assert_int_equal(gpr[REG_RSI], DATA + 9);
	assert_int_equal(gpr[REG_RCX], 77);
}

/* A long REP is done a page at a time; RIP stays until rCX is 0. */
static void test_rep_batches(void **state)
{
	info_reported(2, 3);
	gpr[REG_RSI] = DATA + 0xff0;
	gpr[REG_RCX] = 0x1100;
	fake_vmcs_set(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA + 0xff0, 2), 0);
	assert_ran(CODE);
	assert_int_equal(nr_out, 0x10);
	assert_int_equal(gpr[REG_RSI], DATA + 0x1000);
	assert_int_equal(gpr[REG_RCX], 0x10f0);
	assert_int_equal(fake_vmcs_get(GUEST_INTERRUPTIBILITY_INFO), 0); /* interrupts may come */
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA + 0x1000, 2), 0);
	assert_ran(CODE);
	assert_int_equal(nr_out, 0x1010);
	assert_int_equal(gpr[REG_RCX], 0xf0);
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA + 0x2000, 2), 0);
	assert_ran(CODE + 2);
	assert_int_equal(gpr[REG_RCX], 0);
	assert_int_equal(nr_out, 0x1100);
}

static void test_outs_backwards(void **state)
{
	info_reported(2, 3);
	put_bytes(DATA, "hello", 5);
	fake_vmcs_set(GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_DF);
	gpr[REG_RSI] = DATA + 4;
	gpr[REG_RCX] = 5;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA + 4, 2), 0);
	assert_ran(CODE + 2);
	assert_memory_equal(port_out, "olleh", 5);
	assert_int_equal(gpr[REG_RSI], DATA - 1);
}

static void test_rep_insw(void **state)
{
	uint8_t buf[6];

	info_reported(2, 0);
	gpr[REG_RDI] = DATA;
	gpr[REG_RCX] = 3;
	assert_int_equal(io_exit(IO_QUAL(0x60, 2, true, true), DATA, 3), 0);
	assert_ran(CODE + 3);
	assert_int_equal(gmem_read(&vm.mem, gpa(DATA), buf, 6), 0);
	assert_memory_equal(buf, "\x11\xab\x22\xab\x33\xab", 6);
	assert_int_equal(gpr[REG_RDI], DATA + 6);
	assert_int_equal(gpr[REG_RCX], 0);
}

/* INS into a read-only page: #PF with W, before any port is read. */
static void test_ins_page_fault(void **state)
{
	info_reported(2, 0);
	gpr[REG_RDI] = SPLIT + 0x3000;
	gpr[REG_RCX] = 4;
	assert_int_equal(io_exit(IO_QUAL(0x60, 1, true, true), SPLIT + 0x3000, 2), 0);
	assert_int_equal(vm.state, VM_RUNNING);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), CODE);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.event.vector, 14);
	assert_int_equal(vm.vcpu.event.error_code, PFERR_PRESENT_MASK | PFERR_WRITE_MASK);
	assert_int_equal(vm.vcpu.regs.cr2, SPLIT + 0x3000);
	assert_int_equal(nr_in, 0);
	assert_int_equal(gpr[REG_RCX], 4);
}

/* An element across two pages (scattered frames); one into an absent page faults first. */
static void test_straddling_element(void **state)
{
	uint8_t lo, hi;

	info_reported(2, 0);
	gpr[REG_RDI] = SPLIT + 0xfff;
	assert_int_equal(io_exit(IO_QUAL(0x60, 2, true, false), SPLIT + 0xfff, 2), 0);
	assert_ran(CODE + 2);
	assert_int_equal(gmem_read(&vm.mem, gpa(0x500fff), &lo, 1), 0);
	assert_int_equal(gmem_read(&vm.mem, gpa(0x700000), &hi, 1), 0);
	assert_int_equal(lo, 0x11);
	assert_int_equal(hi, 0xab);
	assert_int_equal(gpr[REG_RDI], SPLIT + 0x1001);
	fake_vmcs_set(GUEST_RIP, CODE);
	gpr[REG_RDI] = SPLIT + 0x1fff;
	assert_int_equal(io_exit(IO_QUAL(0x60, 2, true, false), SPLIT + 0x1fff, 2), 0);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.regs.cr2, SPLIT + 0x2000);
	assert_int_equal(nr_in, 1); /* the second element read no port */
}

static void test_outs_from_device_memory_stops(void **state)
{
	info_reported(2, 3);
	gpr[REG_RSI] = DEV_BASE;
	gpr[REG_RCX] = 1;
	assert_int_not_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DEV_BASE, 2), 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_non_null(strstr(vm.stop_reason, "not guest RAM"));
	assert_int_equal(nr_out, 0);
}

/* No instruction information: the address size comes from decoding (67: ESI). */
static void test_decoded_address_size(void **state)
{
	put_bytes(CODE, (const uint8_t[]){ 0x67, 0xf3, 0x6e }, 3);
	put_bytes(DATA, "abc", 3);
	gpr[REG_RSI] = 0xdead000000000000ULL | DATA;
	gpr[REG_RCX] = 0xffffffff00000003ULL;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA, 3), 0);
	assert_ran(CODE + 3);
	assert_memory_equal(port_out, "abc", 3);
	assert_int_equal(gpr[REG_RSI], DATA + 3); /* a 32-bit address register zero-extends */
	assert_int_equal(gpr[REG_RCX], 0);
	/* bytes that are not OUTS: stopped */
	fake_vmcs_set(GUEST_RIP, CODE);
	put_bytes(CODE, (const uint8_t[]){ 0x89, 0x02 }, 2);
	assert_int_not_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA, 2), 0);
	assert_non_null(strstr(vm.stop_reason, "no INS/OUTS decoded"));
}

/* 16-bit addresses wrap within the segment: the batch stops at the wrap; SI merges. */
static void test_16bit_wrap(void **state)
{
	mode32_flat();
	fake_vmcs_set(GUEST_CS_AR_BYTES, 0x9b);
	fake_vmcs_set(GUEST_DS_BASE, DATA);
	info_reported(0, 3);
	put_bytes(DATA + 0xfffe, "xy", 2);
	put_bytes(DATA, "zw", 2);
	gpr[REG_RSI] = 0x5555fffe;
	gpr[REG_RCX] = 0x77770004;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA + 0xfffe, 2), 0);
	assert_ran(CODE);
	assert_int_equal(gpr[REG_RSI], 0x55550000);
	assert_int_equal(gpr[REG_RCX], 0x77770002);
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), DATA, 2), 0);
	assert_ran(CODE + 2);
	assert_memory_equal(port_out, "xyzw", 4);
}

static void test_rep_zero_and_unusable_segments(void **state)
{
	info_reported(2, 3);
	gpr[REG_RCX] = 0;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), 0xdead, 2), 0);
	assert_ran(CODE + 2);
	assert_int_equal(nr_out, 0);
	/* 64-bit mode, null DS: the field is undefined, the address is RSI */
	fake_vmcs_set(GUEST_RIP, CODE);
	fake_vmcs_set(GUEST_DS_AR_BYTES, VMX_AR_UNUSABLE);
	put_bytes(DATA, "q", 1);
	gpr[REG_RSI] = DATA;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, false), 0xdeadbeef, 1), 0);
	assert_ran(CODE + 1);
	assert_int_equal(port_out[0], 'q');
	/* elsewhere an unusable segment is #GP(0), once there is an element to move */
	mode32_flat();
	fake_vmcs_set(GUEST_RIP, CODE);
	gpr[REG_RCX] = 0;
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, true), 0, 2), 0);
	assert_ran(CODE + 2);
	assert_false(vm.vcpu.event.valid);
	fake_vmcs_set(GUEST_RIP, CODE);
	assert_int_equal(io_exit(IO_QUAL(0x3f8, 1, false, false), 0, 1), 0);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.event.vector, 13);
	assert_int_equal(fake_vmcs_get(GUEST_RIP), CODE);
}

/* The exit port stops the guest mid-batch: the rest is not done. */
static void test_exit_port_mid_batch(void **state)
{
	info_reported(2, 3);
	put_bytes(DATA, "12345", 5);
	gpr[REG_RSI] = DATA;
	gpr[REG_RCX] = 5;
	assert_int_equal(io_exit(IO_QUAL(0xf4, 1, false, true), DATA, 2), 0);
	assert_int_equal(vm.state, VM_STOPPED);
	assert_int_equal(gpr[REG_RSI], DATA + 1);
	assert_int_equal(gpr[REG_RCX], 4);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_mov_store),
		T(test_mov_load_extends),
		T(test_store_immediate_and_rsp),
		T(test_read_modify_write),
		T(test_rip_and_interrupt_shadow),
		T(test_segment_bases_64),
		T(test_rip_relative_and_split_fetch),
		T(test_unclaimed_address_stops),
		T(test_not_emulated_stops),
		T(test_straddles_stop),
		T(test_odd_exits_stop),
		T(test_device_refusal_is_not_fatal),
		T(test_32bit_no_paging),
		T(test_16bit_segment_base),
		T(test_rep_outsb),
		T(test_rep_batches),
		T(test_outs_backwards),
		T(test_rep_insw),
		T(test_ins_page_fault),
		T(test_straddling_element),
		T(test_outs_from_device_memory_stops),
		T(test_decoded_address_size),
		T(test_16bit_wrap),
		T(test_rep_zero_and_unusable_segments),
		T(test_exit_port_mid_batch),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
