/*
 * desc.h - Pagoda's GDT, TSS and IDT: selectors and descriptor formats.
 *
 * The VMCS host-state area refers to these selectors, so they are fixed.
 *
 * Context: pure definitions.
 */
#ifndef PAGODA_DESC_H
#define PAGODA_DESC_H

#include "types.h"

#define GDT_NULL 0x00
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS 0x18 /* 16-byte system descriptor: slots 3 and 4 */
#define GDT_ENTRIES 5

/* IST slots (1-based in the IDT gate). */
#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3
#define IST_STACK_SIZE 8192

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;
static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;
static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;
static_assert(sizeof(struct desc_ptr) == 10, "GDTR/IDTR image is 10 bytes");

extern uint64_t gdt[GDT_ENTRIES];
extern struct tss64 tss;
extern struct idt_gate idt[256];

void gdt_init(void);
void idt_init(void);

#endif
