/*
 * trap.c - the kernels' IDT: expected faults are fixed up, others end the run.
 *
 * Vectors 0..31 go to head.S's stubs and then to mb_trap(). A fault at an
 * instruction listed in `fixups` (RDMSR of an MSR that may not exist) is
 * counted and skipped, as Linux's exception table does for rdmsr_safe.
 * Any other exception prints the vector, error code and EIP and exits
 * with MB_EXIT_TRAP, so a broken guest path reads as a diagnostic rather
 * than a silent triple fault.
 *
 * Context: 32-bit protected mode, paging off, interrupts off.
 */
#include "mb.h"

#define X86_TRAP_GP 13
#define RDMSR_INSN_LEN 2 /* 0f 32 */

/* A 32-bit interrupt gate (SDM "IDT Descriptors"). */
struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t type_attr;
	uint16_t offset_hi;
} __packed;
static_assert(sizeof(struct idt_gate) == 8, "IDT gate is 8 bytes");

#define IDT_GATE_INTR32 0x0e /* interrupts stay off in the handler */
#define IDT_GATE_PRESENT 0x80

struct idt_ptr {
	uint16_t limit;
	uint32_t base;
} __packed;
static_assert(sizeof(struct idt_ptr) == 6, "IDTR image is 6 bytes");

/* head.S */
extern const char mb_trap_stubs[];
extern const char mb_rdmsr_insn[];
uint64_t mb_rdmsr_raw(uint32_t msr);
void mb_trap(struct mb_trap_frame *f);

struct fixup {
	const char *insn;
	uint32_t vector;
	uint32_t len; /* bytes to skip */
};

static const struct fixup fixups[] = {
	{ mb_rdmsr_insn, X86_TRAP_GP, RDMSR_INSN_LEN },
};

static const char *const trap_names[MB_NR_TRAPS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#TF", "#SS", "#GP", "#PF", "r15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static struct idt_gate idt[MB_NR_TRAPS] __aligned(8);
static volatile uint32_t fixup_count; /* bumped by mb_trap() */
static volatile uint32_t trap_depth;

void mb_load_idt(uint32_t base, uint16_t limit)
{
	struct idt_ptr p = { .limit = limit, .base = base };

	asm volatile("lidt %0" : : "m"(p));
}

void mb_trap_init(void)
{
	for (uint32_t v = 0; v < MB_NR_TRAPS; v++) {
		uint32_t stub = (uint32_t)(uintptr_t)mb_trap_stubs + v * MB_TRAP_STUB_SIZE;

		idt[v].offset_lo = (uint16_t)stub;
		idt[v].selector = MB_CS;
		idt[v].zero = 0;
		idt[v].type_attr = IDT_GATE_PRESENT | IDT_GATE_INTR32;
		idt[v].offset_hi = (uint16_t)(stub >> 16);
	}
	mb_load_idt((uint32_t)(uintptr_t)idt, sizeof(idt) - 1);
}

/* Returns the fixup for this fault, or NULL when it was not expected. */
static const struct fixup *find_fixup(const struct mb_trap_frame *f)
{
	for (uint32_t i = 0; i < ARRAY_SIZE(fixups); i++)
		if (f->vector == fixups[i].vector &&
		    f->eip == (uint32_t)(uintptr_t)fixups[i].insn)
			return &fixups[i];
	return NULL;
}

/* Called by head.S's trap_common with the frame it built. */
void mb_trap(struct mb_trap_frame *f)
{
	const struct fixup *fx = find_fixup(f);
	const char *name;

	if (fx) {
		fixup_count++;
		f->eip += fx->len;
		return;
	}
	/* A fault while reporting a fault: just leave, the port still works. */
	if (trap_depth++)
		mb_exit(MB_EXIT_TRAP);
	name = f->vector < MB_NR_TRAPS && trap_names[f->vector] ? trap_names[f->vector] : "?";
	mb_say("unexpected exception %u (%s) error=0x%x eip=0x%08x eflags=0x%x\n", f->vector,
	       name, f->error, f->eip, f->eflags);
	mb_exit(MB_EXIT_TRAP);
}

int mb_rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t before = fixup_count;
	uint64_t v = mb_rdmsr_raw(msr);

	if (fixup_count != before)
		return -EIO;
	*val = v;
	return 0;
}
