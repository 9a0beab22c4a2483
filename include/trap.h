/*
 * trap.h - the frame saved by every exception and interrupt stub, and the
 * registration of interrupt handlers.
 *
 * Context: VMX root (or pre-VMX), interrupts off inside handlers.
 */
#ifndef PAGODA_TRAP_H
#define PAGODA_TRAP_H

#include "types.h"

/* Layout fixed by boot/isr.S: general registers pushed by the stub, then
 * vector and error code, then what the CPU pushed. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame layout");

#define VEC_DE 0
#define VEC_NMI 2
#define VEC_BP 3
#define VEC_UD 6
#define VEC_DF 8
#define VEC_GP 13
#define VEC_PF 14
#define VEC_MC 18
/* Pagoda's own interrupt vectors. */
#define VEC_TIMER 0x20
#define VEC_SPURIOUS 0xff

typedef void (*irq_handler_t)(struct trap_frame *tf);

/* irq_register: route vector (>= 32) to fn. Returns 0, -EINVAL or -EBUSY. */
int irq_register(uint8_t vector, irq_handler_t fn);

/*
 * Exception fixups: an instruction that may fault on purpose (RDMSR of an
 * MSR that may not exist) is listed with the address to resume at; the
 * #GP handler then sets rax = -EIO and resumes there instead of panicking.
 */
struct extable_entry {
	uint64_t insn, fixup;
};
bool extable_fixup(struct trap_frame *tf);

void trap_init(void);

#endif
