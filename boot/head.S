/*
 * head.S - multiboot2 header and the 32-bit entry into long mode.
 *
 * GRUB enters _start in 32-bit protected mode, paging off, with EAX =
 * multiboot2 magic and EBX = physical address of the boot information.
 * We check for long mode, build early page tables identity-mapping the
 * first 4 GiB with 2 MiB pages (enough for the image, the boot
 * information, GRUB's modules and the local APIC), enable PAE, long mode
 * and NX, and jump to 64-bit code which calls kmain(magic, mbi).
 * mm/paging.c replaces these tables once the memory map is known.
 *
 * Context: boot, single CPU, interrupts off.
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define BOOT_STACK_SIZE 16384

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* information request: ask for mmap, modules, cmdline, ACPI RSDPs */
	.balign 8
mb2_info_req:
	.word 1, 0
	.long mb2_info_req_end - mb2_info_req
	.long 1, 3, 6, 14, 15
mb2_info_req_end:
	/* end tag */
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, %edi			/* magic: first argument of kmain */
	movl %ebx, %esi			/* mbi: second argument */

	/* CPUID 0x80000001 EDX bit 29: long mode */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebp			/* keep: bit 20 says NX exists */

	call build_early_tables

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $early_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	btl $20, %ebp
	jnc 1f
	orl $EFER_NXE, %eax
1:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0

	lgdt early_gdt_desc
	ljmp $0x08, $long_mode_entry

/* Identity-map 0..4 GiB: PML4[0] -> PDPT[0..3] -> 4 PDs of 512 x 2 MiB. */
build_early_tables:
	movl $early_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, early_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $early_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, early_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	xorl %ecx, %ecx			/* 2048 entries, entry i maps i * 2 MiB */
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, early_pd(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax			/* high dword: bits 32+ of the address */
	movl %eax, early_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b
	ret

/* No long mode: say so on COM1 and stop. The 16550 is not set up yet, but
 * BIOS left it at 115200 8N1 for GRUB's serial console. */
no_long_mode:
	movl $no_lm_msg, %esi
1:	lodsb
	testb %al, %al
	jz 3f
	movb %al, %bl
	movw $0x3fd, %dx
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movw $0x3f8, %dx
	movb %bl, %al
	outb %al, %dx
	jmp 1b
3:	hlt
	jmp 3b

	.code64
long_mode_entry:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorq %rbp, %rbp
	/* edi, esi still hold magic and mbi; zero-extend them */
	movl %edi, %edi
	movl %esi, %esi
	call kmain
4:	cli
	hlt
	jmp 4b

	.section .rodata
no_lm_msg:
	.asciz "pagoda: this CPU has no long mode (x86-64); stopping\r\n"

	.balign 8
early_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
early_gdt_end:
early_gdt_desc:
	.word early_gdt_end - early_gdt - 1
	.long early_gdt

	.section .bss
	.balign 4096
early_pml4:	.skip 4096
early_pdpt:	.skip 4096
early_pd:	.skip 4 * 4096
	.globl boot_stack_top
	.balign 16
boot_stack:	.skip BOOT_STACK_SIZE
boot_stack_top:
