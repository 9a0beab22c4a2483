/*
 * isr.S - one stub per interrupt vector, and the common entry.
 *
 * Each stub pushes a dummy error code when the CPU does not push one
 * (so the frame is uniform), then the vector, then jumps to the common
 * code, which saves all general registers into a struct trap_frame
 * (include/trap.h) and calls trap_dispatch(frame).
 *
 * Context: any Pagoda context; interrupts are off on entry (interrupt gates).
 */
	.text

	.altmacro
	.macro stub v
	.balign 16
isr_\v:
	.if !((\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp isr_common
	.endm

	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp			/* the ABI wants a 16-byte aligned call */
	call trap_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq

	.macro stubaddr v
	.quad isr_\v
	.endm

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	.set i, 0
	.rept 256
	stubaddr %i
	.set i, i + 1
	.endr
