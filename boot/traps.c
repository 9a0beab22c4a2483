/*
 * traps.c - exception and interrupt dispatch, panic and the panic shell.
 *
 * An exception in Pagoda itself is a Pagoda bug (guest faults arrive as VM
 * exits, not here), so it prints everything needed to find the bug and
 * drops into the panic shell, which keeps answering commands on the
 * serial line. Expected faults (probing MSRs) are resumed through the
 * fixup table first.
 *
 * Context: interrupt/exception context, interrupts off.
 */
#define pr_fmt(fmt) "trap: " fmt
#include "console.h"
#include "errcode.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "shell.h"
#include "trap.h"

static irq_handler_t irq_handlers[256];
static uint64_t irq_counts[256];
static bool in_panic;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization exception",
	"#CP control protection",
};

int irq_register(uint8_t vector, irq_handler_t fn)
{
	if (vector < 32 || !fn)
		return -EINVAL;
	if (irq_handlers[vector])
		return -EBUSY;
	irq_handlers[vector] = fn;
	return 0;
}

static void dump_frame(const struct trap_frame *tf)
{
	const char *name = tf->vector < 32 && exception_names[tf->vector]
				   ? exception_names[tf->vector]
				   : "interrupt";

	printk("\n*** Pagoda exception: vector %lu (%s), error code 0x%lx\n",
	       tf->vector, name, tf->error_code);
	printk("RIP %016lx CS %04lx RFLAGS %016lx\n", tf->rip, tf->cs, tf->rflags);
	printk("RSP %016lx SS %04lx CR2 %016lx\n", tf->rsp, tf->ss, hw_read_cr2());
	printk("RAX %016lx RBX %016lx RCX %016lx\n", tf->rax, tf->rbx, tf->rcx);
	printk("RDX %016lx RSI %016lx RDI %016lx\n", tf->rdx, tf->rsi, tf->rdi);
	printk("RBP %016lx R8  %016lx R9  %016lx\n", tf->rbp, tf->r8, tf->r9);
	printk("R10 %016lx R11 %016lx R12 %016lx\n", tf->r10, tf->r11, tf->r12);
	printk("R13 %016lx R14 %016lx R15 %016lx\n", tf->r13, tf->r14, tf->r15);
	printk("CR0 %016lx CR3 %016lx CR4 %016lx\n", hw_read_cr0(), hw_read_cr3(),
	       hw_read_cr4());
}

/*
 * panic_shell: the last stop. Interrupts stay off; the shell is polled so
 * it answers even when the timer or the heap is what broke.
 */
static void __noreturn panic_shell(void)
{
	int c;

	printk("pagoda: stopped. The panic shell still answers (try 'help').\n");
	shell_prompt();
	for (;;) {
		c = console_getc();
		if (c < 0) {
			hw_pause();
			continue;
		}
		shell_input((char)c);
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;

	hw_cli();
	printk("\n*** Pagoda panic: ");
	va_start(ap, fmt);
	log_vprintf(LOG_ERR, fmt, ap);
	va_end(ap);
	printk("\n");
	if (in_panic)
		hw_stop();
	in_panic = true;
	panic_shell();
}

static void exception(struct trap_frame *tf)
{
	if (tf->vector == VEC_GP && extable_fixup(tf))
		return;
	dump_frame(tf);
	if (in_panic) {
		printk("pagoda: exception inside the panic shell; halting\n");
		hw_stop();
	}
	in_panic = true;
	panic_shell();
}

void trap_dispatch(struct trap_frame *tf);
void trap_dispatch(struct trap_frame *tf)
{
	uint8_t v = (uint8_t)tf->vector;

	irq_counts[v]++;
	if (v < 32) {
		exception(tf);
		return;
	}
	if (irq_handlers[v])
		irq_handlers[v](tf);
	else if (v != VEC_SPURIOUS)
		pr_warn_ratelimited("unexpected interrupt, vector %u\n", v);
}

/* irqs: how often each vector arrived, for finding interrupt storms. */
static int cmd_irqs(int argc, char **argv)
{
	for (unsigned int v = 0; v < 256; v++)
		if (irq_counts[v])
			printk("vector %3u: %lu%s\n", v, irq_counts[v],
			       irq_handlers[v] ? "" : " (no handler)");
	return 0;
}
SHELL_COMMAND(irqs, "irqs", "interrupt and exception counts by vector", cmd_irqs);
