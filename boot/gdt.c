/*
 * gdt.c - Pagoda's own GDT, TSS (with IST stacks) and IDT.
 *
 * GRUB's GDT and the early one in head.S are not ours to keep; the VMCS
 * host state needs stable selectors and a TSS, and #DF, NMI and #MC need
 * known-good stacks (IST) so a fault on a bad stack still gets reported.
 *
 * Context: boot, single CPU, interrupts off.
 */
#include "desc.h"
#include "hw.h"
#include "lib.h"

uint64_t gdt[GDT_ENTRIES] __aligned(16);
struct tss64 tss __aligned(16);
struct idt_gate idt[256] __aligned(16);

static uint8_t ist_stacks[3][IST_STACK_SIZE] __aligned(16);
extern const uint64_t isr_stub_table[256]; /* boot/isr.S */

#define SEG_CODE64 0x00af9a000000ffffULL /* P, DPL0, code RX, L */
#define SEG_DATA 0x00cf92000000ffffULL /* P, DPL0, data RW, 4 GiB */
#define TSS_TYPE_AVAIL 0x89ULL /* P, 64-bit TSS available */
#define GATE_INTERRUPT 0x8e /* P, DPL0, 64-bit interrupt gate */

static void gdt_set_tss(void)
{
	uint64_t base = (uintptr_t)&tss, limit = sizeof(tss) - 1;

	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (TSS_TYPE_AVAIL << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
}

/* lgdt, reload segment registers and the task register. */
static void gdt_load(void)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (uintptr_t)gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS),
			   "r"(GDT_TSS)
			 : "rax", "memory");
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = SEG_CODE64;
	gdt[2] = SEG_DATA;
	memset(&tss, 0, sizeof(tss));
	tss.ist[IST_DF - 1] = (uintptr_t)&ist_stacks[0][IST_STACK_SIZE];
	tss.ist[IST_NMI - 1] = (uintptr_t)&ist_stacks[1][IST_STACK_SIZE];
	tss.ist[IST_MC - 1] = (uintptr_t)&ist_stacks[2][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
	gdt_set_tss();
	gdt_load();
}

static uint8_t ist_for_vector(unsigned int v)
{
	if (v == 8)
		return IST_DF;
	if (v == 2)
		return IST_NMI;
	if (v == 18)
		return IST_MC;
	return 0;
}

void idt_init(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uintptr_t)idt };

	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = isr_stub_table[v];
		idt[v] = (struct idt_gate){
			.offset_lo = a & 0xffff,
			.selector = GDT_KERNEL_CS,
			.ist = ist_for_vector(v),
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (a >> 16) & 0xffff,
			.offset_hi = a >> 32,
		};
	}
	__asm__ volatile("lidt %0" : : "m"(p));
}
