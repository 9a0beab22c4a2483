/*
 * hw_x86.c - the real hardware layer: every inline asm Pagoda's generic
 * code needs, behind the functions of include/hw.h.
 *
 * RDMSR/WRMSR of an MSR that may not exist are listed in the exception
 * fixup table (section __extable): the #GP handler resumes at the fixup
 * label with rax = -EIO instead of stopping Pagoda. That is how probing
 * IA32_FEATURE_CONTROL on AMD, or IA32_VMX_EPT_VPID_CAP on a CPU without
 * EPT, stays harmless.
 *
 * Context: any Pagoda context (VMX root or before VMXON).
 */
#include "errcode.h"
#include "hw.h"
#include "power.h"
#include "trap.h"

uint8_t hw_inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint16_t hw_inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

uint32_t hw_inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

void hw_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

void hw_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

void hw_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

void hw_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	__asm__ volatile("cpuid"
			 : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx), "=d"(r->edx)
			 : "a"(leaf), "c"(subleaf));
}

/* The fixup entry records the faulting instruction and where to resume. */
int hw_rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	int64_t err = 0;

	__asm__ volatile("1: rdmsr\n\t"
			 "2:\n\t"
			 ".pushsection __extable, \"a\"\n\t"
			 ".balign 8\n\t"
			 ".quad 1b, 2b\n\t"
			 ".popsection"
			 : "=a"(lo), "=d"(hi), "+S"(err)
			 : "c"(msr));
	if (err)
		return -EIO;
	*val = ((uint64_t)hi << 32) | lo;
	return 0;
}

int hw_wrmsr_safe(uint32_t msr, uint64_t val)
{
	int64_t err = 0;

	__asm__ volatile("1: wrmsr\n\t"
			 "2:\n\t"
			 ".pushsection __extable, \"a\"\n\t"
			 ".balign 8\n\t"
			 ".quad 1b, 2b\n\t"
			 ".popsection"
			 : "+S"(err)
			 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
	return err ? -EIO : 0;
}

uint64_t hw_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void hw_wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

uint64_t hw_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define READ_CR(n)                                                    \
	uint64_t hw_read_cr##n(void)                                  \
	{                                                             \
		uint64_t v;                                           \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));     \
		return v;                                             \
	}
#define WRITE_CR(n)                                                          \
	void hw_write_cr##n(uint64_t v)                                      \
	{                                                                    \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");   \
	}
READ_CR(0)
READ_CR(2)
READ_CR(3)
READ_CR(4)
WRITE_CR(0)
WRITE_CR(3)
WRITE_CR(4)

uint64_t hw_read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

void hw_cli(void) { __asm__ volatile("cli" ::: "memory"); }
void hw_sti(void) { __asm__ volatile("sti" ::: "memory"); }
void hw_pause(void) { __asm__ volatile("pause"); }

/* sti;hlt back to back: an interrupt cannot slip in between the two. */
void hw_halt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

/* The instruction after STI still runs with interrupts blocked: hence the NOP. */
void hw_irq_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }

void hw_invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

void hw_stop(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* A zero-limit IDT makes the next exception a triple fault: the CPU resets. */
void hw_triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __packed null_idt = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(null_idt));
	hw_stop();
}

uint32_t hw_mmio_read32(hpa_t a)
{
	return *(volatile uint32_t *)hpa_to_ptr(a);
}

void hw_mmio_write32(hpa_t a, uint32_t v)
{
	*(volatile uint32_t *)hpa_to_ptr(a) = v;
}

extern const struct extable_entry __start_extable[], __stop_extable[];

/* extable_fixup: if tf->rip is a listed instruction, resume at its fixup
 * with rsi = -EIO (the "err" operand above). True if it was listed. */
bool extable_fixup(struct trap_frame *tf)
{
	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++) {
		if (e->insn == tf->rip) {
			tf->rip = e->fixup;
			tf->rsi = (uint64_t)-EIO;
			return true;
		}
	}
	return false;
}
