/*
 * test_guest_mem.c - the guest's linear addresses: paging off, 32-bit,
 * PAE and 4-level walks of tables built in fake guest RAM; #PF error
 * codes for not-present, rights and reserved bits; accessed/dirty flags;
 * copies across page boundaries; tables outside guest RAM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "errcode.h"
#include "gmem.h"
#include "guest_mem.h"
#include "hw_fake.h"
#include "msr.h"
#include "ram_fake.h"
#include "vm.h"
#include "vmx_fake.h"

#define HOST_POOL MiB(48)
#define GUEST_RAM MiB(32)

#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PSE BIT(4)
#define CR4_PAE BIT(5)
#define CR4_LA57 BIT(12)
#define CR4_SMEP BIT(20)
#define CR4_SMAP BIT(21)
#define RFLAGS_AC BIT(18)
#define SS_AR_CPL3 (0x93 | (3u << 5))
#define P PTE_P
#define RW PTE_RW
#define US PTE_US

static uint8_t *pool;
static struct vm vm;

FAKE_RAM_GROUP(pool, HOST_POOL)

static int setup(void **state)
{
	assert_int_equal(fake_ram_reset(pool, HOST_POOL), 0);
	memset(&vm, 0, sizeof(vm));
	vm.use_ept = true;
	assert_int_equal(gmem_init(&vm.mem, GUEST_RAM), 0);
	fake_hw_reset();
	fake_vmx_reset();
	fake_console_reset();
	fake_vmcs_set(GUEST_SS_AR_BYTES, 0x93);
	return 0;
}

static int teardown(void **state)
{
	gmem_destroy(&vm.mem);
	return 0;
}

static void put64(uint64_t a, uint64_t v)
{
	assert_int_equal(gmem_write(&vm.mem, gpa(a), &v, 8), 0);
}

static void put32(uint64_t a, uint32_t v)
{
	assert_int_equal(gmem_write(&vm.mem, gpa(a), &v, 4), 0);
}

static uint64_t get64(uint64_t a)
{
	uint64_t v;

	assert_int_equal(gmem_read(&vm.mem, gpa(a), &v, 8), 0);
	return v;
}

static void paging(uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	fake_vmcs_set(GUEST_CR0, cr0);
	fake_vmcs_set(GUEST_CR3, cr3);
	fake_vmcs_set(GUEST_CR4, cr4);
	fake_vmcs_set(GUEST_IA32_EFER, efer);
}

/* translate: load the MMU from the fake VMCS and translate one address. */
static int translate(uint64_t va, unsigned int access, uint64_t *out, struct gva_walk *w)
{
	struct guest_mmu mmu;
	gpa_t g = gpa(~0ULL);
	int err;

	assert_int_equal(guest_mmu_load(&mmu, &vm), 0);
	err = gva_to_gpa(&mmu, gva(va), access, &g, w);
	if (out)
		*out = g.v;
	return err;
}

static void test_paging_off(void **state)
{
	struct guest_mmu mmu;
	uint64_t out;

	paging(CR0_PE, 0x1234000, 0, 0);
	assert_int_equal(guest_mmu_load(&mmu, &vm), 0);
	assert_string_equal(guest_paging_name(mmu.mode), "paging off");
	assert_int_equal(translate(0xfec00010, PFERR_WRITE_MASK, &out, NULL), 0);
	assert_int_equal(out, 0xfec00010);
	assert_int_equal(translate(0x1fec00010ULL, 0, &out, NULL), 0);
	assert_int_equal(out, 0xfec00010); /* physical addresses are 32 bits */
}

/*
 * 4-level tables: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000.
 *   0xffff800000201000 -> 0x300000 (4K, RW, supervisor)
 *   0xffff800000202000 -> 0x301000 (4K, read-only, user, NX)
 *   0xffff800000400000 -> 0x600000 (2M, RW, user)
 */
#define VA_4K 0xffff800000201000ULL
#define VA_RO 0xffff800000202000ULL
#define VA_2M 0xffff800000400000ULL

static void build_4level(uint64_t pte_extra)
{
	put64(0x10000 + 256 * 8, 0x11000 | P | RW | US);
	put64(0x11000 + 0 * 8, 0x12000 | P | RW | US);
	put64(0x12000 + 1 * 8, 0x13000 | P | RW | US);
	put64(0x12000 + 2 * 8, 0x600000 | P | RW | US | PTE_PS);
	put64(0x13000 + 1 * 8, 0x300000 | P | RW | pte_extra);
	put64(0x13000 + 2 * 8, 0x301000 | P | US | PTE_NX);
	paging(CR0_PE | CR0_PG | CR0_WP, 0x10000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NX);
}

static void test_4level_translations(void **state)
{
	struct gva_walk w;
	uint64_t out;

	build_4level(0);
	assert_int_equal(translate(VA_4K + 0x123, 0, &out, &w), 0);
	assert_int_equal(out, 0x300123);
	assert_int_equal(w.top, 4);
	assert_int_equal(w.res.level, 1);
	assert_int_equal(w.res.lvl[1].table, 0x13000);
	assert_int_equal(translate(VA_2M + 0x12345, PFERR_WRITE_MASK, &out, &w), 0);
	assert_int_equal(out, 0x612345);
	assert_int_equal(w.res.level, 2);
	/* not present: #PF with P = 0, at the address given */
	assert_int_equal(translate(VA_4K + 0x3000, PFERR_WRITE_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_WRITE_MASK);
	assert_int_equal(w.fault_addr.v, VA_4K + 0x3000);
	assert_int_equal(w.res.level, 1);
	/* non-canonical: #GP, not #PF */
	assert_int_equal(translate(0x0000800000000000ULL, 0, NULL, &w), -EINVAL);
	/* 5-level paging is refused, not guessed at */
	paging(CR0_PE | CR0_PG, 0x10000, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA);
	struct guest_mmu mmu;
	assert_int_equal(guest_mmu_load(&mmu, &vm), -EOPNOTSUPP);
}

static void test_4level_rights(void **state)
{
	struct gva_walk w;
	uint64_t out;

	build_4level(0);
	/* a read-only page: supervisor writes fault with CR0.WP, pass without */
	assert_int_equal(translate(VA_RO, PFERR_WRITE_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_WRITE_MASK);
	paging(CR0_PE | CR0_PG, 0x10000, CR4_PAE, EFER_LME | EFER_LMA | EFER_NX);
	assert_int_equal(translate(VA_RO, PFERR_WRITE_MASK, &out, NULL), 0);
	assert_int_equal(out, 0x301000);
	/* NX: a fetch faults with the I/D bit */
	assert_int_equal(translate(VA_RO, PFERR_FETCH_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_FETCH_MASK);
	/* CPL 3: the supervisor page faults with U, the user page is fine to read */
	fake_vmcs_set(GUEST_SS_AR_BYTES, SS_AR_CPL3);
	assert_int_equal(translate(VA_4K, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_USER_MASK);
	assert_int_equal(translate(VA_RO, 0, NULL, &w), 0);
	/* user writes to a read-only page fault even without CR0.WP */
	assert_int_equal(translate(VA_RO, PFERR_WRITE_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_WRITE_MASK | PFERR_USER_MASK);
	/* the shell looks without rights */
	assert_int_equal(translate(VA_4K, GACC_INSPECT | PFERR_WRITE_MASK, &out, NULL), 0);
	fake_vmcs_set(GUEST_SS_AR_BYTES, 0x93);
	/* SMEP: supervisor fetches from user pages; SMAP: data accesses unless AC */
	paging(CR0_PE | CR0_PG, 0x10000, CR4_PAE | CR4_SMEP | CR4_SMAP, EFER_LME | EFER_LMA);
	assert_int_equal(translate(VA_2M, PFERR_FETCH_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_FETCH_MASK);
	assert_int_equal(translate(VA_2M, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK);
	fake_vmcs_set(GUEST_RFLAGS, RFLAGS_AC);
	assert_int_equal(translate(VA_2M, PFERR_WRITE_MASK, &out, NULL), 0);
	assert_int_equal(translate(VA_4K, PFERR_FETCH_MASK, &out, NULL), 0);
}

static void test_4level_reserved_bits(void **state)
{
	struct gva_walk w;

	/* Bit 40 is above the default MAXPHYADDR of 36: reserved. */
	build_4level(BIT(40));
	assert_int_equal(translate(VA_4K, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
	/* ... not with a guest MAXPHYADDR of 46 */
	fake_cpuid_set(0x80000000, 0, 0x80000008, 0, 0, 0);
	fake_cpuid_set(0x80000008, 0, 46, 0, 0, 0);
	assert_int_equal(translate(VA_4K, 0, NULL, &w), 0);
	/* NX without EFER.NXE is a reserved bit */
	paging(CR0_PE | CR0_PG, 0x10000, CR4_PAE, EFER_LME | EFER_LMA);
	assert_int_equal(translate(VA_RO, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
	/* a 1 GiB PDPTE is reserved without 1 GiB pages in the guest's CPUID, fine with */
	put64(0x11000 + 1 * 8, 0x40000000 | P | RW | PTE_PS);
	assert_int_equal(translate(0xffff800040001000ULL, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
	fake_cpuid_set(0x80000001, 0, 0, 0, 0, BIT(26));
	uint64_t out;
	assert_int_equal(translate(0xffff800040001000ULL, 0, &out, NULL), 0);
	assert_int_equal(out, 0x40001000);
}

static void test_tables_outside_ram(void **state)
{
	struct gva_walk w;

	build_4level(0);
	/* A PD in device memory cannot be read: not a #PF, a refusal. */
	put64(0x11000 + 0 * 8, 0xfec00000 | P | RW);
	assert_int_equal(translate(VA_4K, 0, NULL, &w), -ENODEV);
	/* A table in guest RAM never touched reads as zeros: not present. */
	put64(0x11000 + 0 * 8, 0x1f00000 | P | RW);
	assert_int_equal(translate(VA_4K, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, 0);
	assert_int_equal(vm.mem.nr_backed, 4); /* the four tables: walking backed nothing */
}

static void test_accessed_dirty(void **state)
{
	uint64_t out;

	build_4level(0);
	assert_int_equal(translate(VA_4K, GACC_INSPECT, &out, NULL), 0);
	assert_int_equal(get64(0x13000 + 8) & (PTE_A | PTE_D), 0); /* the shell changes nothing */
	assert_int_equal(translate(VA_4K, 0, &out, NULL), 0);
	assert_int_equal(get64(0x10000 + 256 * 8) & PTE_A, PTE_A);
	assert_int_equal(get64(0x11000) & PTE_A, PTE_A);
	assert_int_equal(get64(0x12000 + 8) & PTE_A, PTE_A);
	assert_int_equal(get64(0x13000 + 8) & (PTE_A | PTE_D), PTE_A);
	assert_int_equal(translate(VA_4K, PFERR_WRITE_MASK, &out, NULL), 0);
	assert_int_equal(get64(0x13000 + 8) & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_int_equal(get64(0x12000 + 8) & PTE_D, 0); /* D only in the leaf */
	/* a failed access sets nothing */
	assert_int_equal(translate(VA_RO, PFERR_WRITE_MASK, &out, NULL), -EFAULT);
	assert_int_equal(get64(0x13000 + 16) & (PTE_A | PTE_D), 0);
}

/*
 * PAE: PDPTEs in the VMCS (EPT on), PD at 0x20000, PT at 0x21000.
 *   0xc0001000 -> 0x400000 (PDPTE 3, 4K, NX);  0xc0200000 -> 0x800000 (2M)
 */
static void build_pae(void)
{
	put64(0x20000 + 0 * 8, 0x21000 | P | RW);
	put64(0x20000 + 1 * 8, 0x800000 | P | RW | PTE_PS);
	put64(0x21000 + 1 * 8, 0x400000 | P | RW | PTE_NX);
	paging(CR0_PE | CR0_PG | CR0_WP, 0x5000, CR4_PAE, EFER_NX);
	fake_vmcs_set(GUEST_PDPTR3, 0x20000 | P);
}

static void test_pae(void **state)
{
	struct guest_mmu mmu;
	struct gva_walk w;
	uint64_t out;

	build_pae();
	assert_int_equal(guest_mmu_load(&mmu, &vm), 0);
	assert_string_equal(guest_paging_name(mmu.mode), "PAE paging");
	assert_int_equal(translate(0xc0001234, 0, &out, &w), 0);
	assert_int_equal(out, 0x400234);
	assert_int_equal(w.top, 3);
	assert_int_equal(w.res.lvl[3].e, 0x20000 | P);
	assert_int_equal(w.res.lvl[1].table, 0x21000);
	assert_int_equal(translate(0xc0212345, PFERR_WRITE_MASK, &out, NULL), 0);
	assert_int_equal(out, 0x812345);
	assert_int_equal(translate(0xc0001000, PFERR_FETCH_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_FETCH_MASK);
	/* PDPTE 0 is not present: #PF, and the walk shows the PDPTE */
	assert_int_equal(translate(0x1000, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, 0);
	assert_int_equal(w.res.level, 3);
	/* bits 62:MAXPHYADDR are reserved in PAE entries (ignored in 4-level ones) */
	put64(0x21000 + 1 * 8, 0x400000 | P | RW | BIT(55));
	assert_int_equal(translate(0xc0001000, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
	/* without EPT the PDPTEs are read where CR3 points */
	vm.use_ept = false;
	put64(0x5000 + 3 * 8, 0x20000 | P);
	assert_int_equal(translate(0xc0200000, 0, &out, NULL), 0);
	assert_int_equal(out, 0x800000);
	put64(0x5000 + 3 * 8, 0x20000 | P | BIT(5)); /* reserved in a PDPTE */
	assert_int_equal(translate(0xc0200000, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
}

/*
 * 32-bit paging: PD at 0x30000, PT at 0x31000.
 *   0x00401000 -> 0x500000 (4K, through PDE 1)
 *   0xc0000000 -> 0x1000000 (4 MiB with CR4.PSE)
 */
static void build_32bit(uint64_t cr4)
{
	put32(0x30000 + 1 * 4, 0x31000 | P | RW | US);
	put32(0x30000 + 0x300 * 4, 0x1000000 | P | RW | PTE_PS);
	put32(0x31000 + 1 * 4, 0x500000 | P | US);
	paging(CR0_PE | CR0_PG | CR0_WP, 0x30000, cr4, 0);
}

static void test_32bit(void **state)
{
	struct guest_mmu mmu;
	struct gva_walk w;
	uint64_t out;

	build_32bit(CR4_PSE);
	assert_int_equal(guest_mmu_load(&mmu, &vm), 0);
	assert_string_equal(guest_paging_name(mmu.mode), "32-bit paging");
	assert_int_equal(translate(0x00401abc, 0, &out, &w), 0);
	assert_int_equal(out, 0x500abc);
	assert_int_equal(w.top, 2);
	assert_int_equal(translate(0xc0123456, PFERR_WRITE_MASK, &out, &w), 0);
	assert_int_equal(out, 0x1123456);
	assert_int_equal(w.res.level, 2);
	/* D in a 4 MiB leaf, A and D as 32-bit entries (the neighbours untouched) */
	uint32_t pde[2];
	assert_int_equal(gmem_read(&vm.mem, gpa(0x30000 + 0x300 * 4), pde, 8), 0);
	assert_int_equal(pde[0] & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_int_equal(pde[1], 0);
	/* read-only page, WP: a write faults; no NX in 32-bit paging: fetch is fine */
	assert_int_equal(translate(0x00401000, PFERR_WRITE_MASK, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_WRITE_MASK);
	assert_int_equal(translate(0x00401000, PFERR_FETCH_MASK, &out, NULL), 0);
	/* PSE-36: PDE bits 16:13 are physical bits 35:32; bit 21 is reserved */
	put32(0x30000 + 0x301 * 4, 0x1400000 | P | PTE_PS | (1u << 13));
	assert_int_equal(translate(0xc0400000, 0, &out, NULL), 0);
	assert_int_equal(out, 0x101400000ULL);
	put32(0x30000 + 0x301 * 4, 0x1400000 | P | PTE_PS | (1u << 21));
	assert_int_equal(translate(0xc0400000, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.pf_error, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
	/* without CR4.PSE the PS bit is ignored: the PDE points to a table (zeros) */
	build_32bit(0);
	assert_int_equal(translate(0xc0123456, 0, NULL, &w), -EFAULT);
	assert_int_equal(w.res.level, 1);
	assert_int_equal(w.res.lvl[1].table, 0x1000000);
}

static void test_copy_across_pages(void **state)
{
	struct guest_mmu mmu;
	struct gva_walk w;
	uint8_t in[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8] = { 0 };
	uint64_t lo = 0, hi = 0;
	size_t done;

	/* two neighbouring virtual pages on non-contiguous frames */
	build_4level(0);
	put64(0x13000 + 2 * 8, 0x700000 | P | RW);
	assert_int_equal(guest_mmu_load(&mmu, &vm), 0);
	assert_int_equal(guest_write_gva(&mmu, gva(VA_4K + 0xffc), in, 8, 0, &done, NULL), 0);
	assert_int_equal(done, 8);
	assert_int_equal(gmem_read(&vm.mem, gpa(0x300ffc), &lo, 4), 0);
	assert_int_equal(gmem_read(&vm.mem, gpa(0x700000), &hi, 4), 0);
	assert_int_equal(lo, 0x04030201);
	assert_int_equal(hi, 0x08070605);
	assert_int_equal(guest_read_gva(&mmu, gva(VA_4K + 0xffc), out, 8, 0, &done, NULL), 0);
	assert_memory_equal(in, out, 8);
	/* the second page not present: the first part is done, the #PF names the second */
	assert_int_equal(guest_read_gva(&mmu, gva(VA_4K + 0x1ffe), out, 4, 0, &done, &w),
			 -EFAULT);
	assert_int_equal(done, 2);
	assert_int_equal(w.fault_addr.v, VA_4K + 0x2000);
	/* data outside guest RAM */
	put64(0x13000 + 3 * 8, 0xfec00000 | P | RW);
	assert_int_equal(guest_read_gva(&mmu, gva(VA_4K + 0x2000), out, 4, 0, &done, NULL),
			 -ENODEV);
	assert_int_equal(done, 0);
}

static void test_inject_and_dump(void **state)
{
	struct guest_mmu mmu;
	struct gva_walk w;
	gpa_t g;

	build_4level(0);
	assert_int_equal(guest_mmu_load(&mmu, &vm), 0);
	assert_int_equal(gva_to_gpa(&mmu, gva(VA_4K + 0x5000), PFERR_WRITE_MASK, &g, &w), -EFAULT);
	guest_inject_pf(&vm, &w);
	assert_true(vm.vcpu.event.valid);
	assert_int_equal(vm.vcpu.event.vector, 14);
	assert_int_equal(vm.vcpu.event.error_code, PFERR_WRITE_MASK);
	assert_int_equal(vm.vcpu.regs.cr2, VA_4K + 0x5000);
	gva_walk_dump(&mmu, &w);
	assert_non_null(strstr(fake_console_text(), "PML4E  @gpa 0x10000 = 0x0000000000011007"));
	assert_non_null(strstr(fake_console_text(), "PTE    @gpa 0x13000 = 0x0000000000000000"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_paging_off),
		T(test_4level_translations),
		T(test_4level_rights),
		T(test_4level_reserved_bits),
		T(test_tables_outside_ram),
		T(test_accessed_dirty),
		T(test_pae),
		T(test_32bit),
		T(test_copy_across_pages),
		T(test_inject_and_dump),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
