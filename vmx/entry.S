/*
 * entry.S - VM entry and the VM-exit landing point.
 *
 * vmx_vmenter(regs, launched) saves Pagoda's callee-saved registers and
 * the regs pointer on its stack, points HOST_RSP there, loads the guest's
 * general registers and CR2, and executes VMRESUME (or VMLAUNCH the first
 * time). A VM exit lands at vmx_exit (HOST_RIP) with RSP = HOST_RSP:
 * it stores the guest registers back and returns 0 to the caller as if
 * vmx_vmenter had returned normally. If the entry instruction itself
 * fails it falls through and returns 1 (the caller reads
 * VM_INSTRUCTION_ERROR).
 *
 * Context: VMX root, interrupts off.
 */
#define HOST_RSP 0x6c14
#define CR2_OFF 128

	.text
	.globl vmx_vmenter
vmx_vmenter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi			/* regs pointer, found at (%rsp) on exit */

	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
	jbe .Lfail_vmwrite

	movq CR2_OFF(%rdi), %rax
	movq %rax, %cr2

	cmpl $0, %esi			/* flags survive the MOVs below */
	movq 0*8(%rdi), %rax
	movq 1*8(%rdi), %rcx
	movq 2*8(%rdi), %rdx
	movq 3*8(%rdi), %rbx
	movq 5*8(%rdi), %rbp
	movq 6*8(%rdi), %rsi
	movq 8*8(%rdi), %r8
	movq 9*8(%rdi), %r9
	movq 10*8(%rdi), %r10
	movq 11*8(%rdi), %r11
	movq 12*8(%rdi), %r12
	movq 13*8(%rdi), %r13
	movq 14*8(%rdi), %r14
	movq 15*8(%rdi), %r15
	movq 7*8(%rdi), %rdi
	je .Llaunch
	vmresume
	jmp .Lfail
.Llaunch:
	vmlaunch
.Lfail:
	/* Entry failed: we are still on our stack, guest values in registers. */
.Lfail_vmwrite:
	popq %rdi
	movl $1, %eax
	jmp .Lout

	.globl vmx_exit
vmx_exit:
	pushq %rdi			/* guest rdi; regs pointer now at 8(%rsp) */
	movq 8(%rsp), %rdi
	movq %rax, 0*8(%rdi)
	movq %rcx, 1*8(%rdi)
	movq %rdx, 2*8(%rdi)
	movq %rbx, 3*8(%rdi)
	movq %rbp, 5*8(%rdi)
	movq %rsi, 6*8(%rdi)
	movq %r8, 8*8(%rdi)
	movq %r9, 9*8(%rdi)
	movq %r10, 10*8(%rdi)
	movq %r11, 11*8(%rdi)
	movq %r12, 12*8(%rdi)
	movq %r13, 13*8(%rdi)
	movq %r14, 14*8(%rdi)
	movq %r15, 15*8(%rdi)
	popq %rax
	movq %rax, 7*8(%rdi)
	movq %cr2, %rax
	movq %rax, CR2_OFF(%rdi)
	popq %rdi			/* the regs pointer */
	xorl %eax, %eax
.Lout:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
