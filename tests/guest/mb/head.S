/*
 * head.S - multiboot v1 header, 32-bit entry and exception stubs.
 *
 * The loader leaves us in 32-bit protected mode, paging off, with flat
 * segments but a GDTR we may not trust (Multiboot Specification, "Machine
 * state"), so we load our own GDT first. Then .bss is cleared (a short
 * ELF loader may not zero memsz beyond filesz), the stack set, and
 * mb_c_entry(magic, mbi) called; it never returns.
 *
 * Context: 32-bit protected mode, paging off, interrupts off.
 */
#include "multiboot.h"

#define MB_HEADER_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)
#define MB_CS 0x08
#define MB_DS 0x10
#define STACK_SIZE 16384
#define MB_TRAP_STUB_SIZE 16	/* as in mb.h */

	.section .multiboot, "a"
	.align MULTIBOOT_HEADER_ALIGN
	.globl mb_header
mb_header:
	.long MULTIBOOT_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MULTIBOOT_HEADER_MAGIC + MB_HEADER_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%eax, %esi		/* magic; %ebx (mbi) survives the clear */
	lgdt	gdt_desc
	ljmp	$MB_CS, $1f
1:	mov	$MB_DS, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %fs
	mov	%eax, %gs
	mov	%eax, %ss
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$stack_top, %esp
	xor	%ebp, %ebp
	push	%ebx			/* mbi physical address */
	push	%esi			/* EAX at entry */
	call	mb_c_entry
2:	cli
	hlt
	jmp	2b

/*
 * uint64_t mb_rdmsr_raw(uint32_t msr): EDX:EAX = the MSR, or 0 when RDMSR
 * faulted: trap.c's #GP handler recognises mb_rdmsr_insn and resumes
 * after its two bytes.
 */
	.text
	.globl mb_rdmsr_raw, mb_rdmsr_insn
mb_rdmsr_raw:
	mov	4(%esp), %ecx
	xor	%eax, %eax
	xor	%edx, %edx
mb_rdmsr_insn:
	rdmsr
	ret

/*
 * Exception stubs, one per vector 0..31, each MB_TRAP_STUB_SIZE bytes so
 * trap.c finds stub n at mb_trap_stubs + MB_TRAP_STUB_SIZE * n. Vectors without an error
 * code push a 0 so every frame has the same layout (struct mb_trap_frame).
 */
/* A fixed-size jmp rel32 (E9), so each stub's length is known to the assembler. */
.macro JMP32 target
	.byte	0xe9
	.long	\target - (. + 4)
.endm
.macro TRAP_NOERR vec
1:	push	$0
	push	$\vec
	JMP32	trap_common
	.fill	MB_TRAP_STUB_SIZE - (. - 1b), 1, 0xcc
.endm
.macro TRAP_ERR vec
1:	push	$\vec
	JMP32	trap_common
	.fill	MB_TRAP_STUB_SIZE - (. - 1b), 1, 0xcc
.endm

	.align 16
	.globl mb_trap_stubs
mb_trap_stubs:
	TRAP_NOERR 0
	TRAP_NOERR 1
	TRAP_NOERR 2
	TRAP_NOERR 3
	TRAP_NOERR 4
	TRAP_NOERR 5
	TRAP_NOERR 6
	TRAP_NOERR 7
	TRAP_ERR 8
	TRAP_NOERR 9
	TRAP_ERR 10
	TRAP_ERR 11
	TRAP_ERR 12
	TRAP_ERR 13
	TRAP_ERR 14
	TRAP_NOERR 15
	TRAP_NOERR 16
	TRAP_ERR 17
	TRAP_NOERR 18
	TRAP_NOERR 19
	TRAP_NOERR 20
	TRAP_ERR 21
	TRAP_NOERR 22
	TRAP_NOERR 23
	TRAP_NOERR 24
	TRAP_NOERR 25
	TRAP_NOERR 26
	TRAP_NOERR 27
	TRAP_NOERR 28
	TRAP_ERR 29
	TRAP_ERR 30
	TRAP_NOERR 31
mb_trap_stubs_end:
.if (mb_trap_stubs_end - mb_trap_stubs) != 32 * MB_TRAP_STUB_SIZE
.error "trap stubs must be 16 bytes each"
.endif

trap_common:
	pusha
	cld
	push	%esp			/* struct mb_trap_frame * */
	call	mb_trap
	add	$4, %esp
	popa
	add	$8, %esp		/* vector, error code */
	iret

	.section .rodata
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* MB_CS: code, base 0, limit 4 GiB, 32-bit */
	.quad 0x00cf92000000ffff	/* MB_DS: data, base 0, limit 4 GiB */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.align 16
stack:
	.skip STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
