/*
 * fault.c - mb-fault: fail on purpose, for "a guest failure stops that guest".
 *
 * how=triple (default): load an IDT with limit 0 and execute INT3. The
 * breakpoint's gate is past the limit (#GP), so is #GP's (#DF), and so is
 * #DF's: a triple fault, i.e. shutdown. QEMU with -no-reboot then exits
 * with status 0 and no exit-port write; Pagoda sees a triple-fault VM exit.
 * how=ud: execute UD2 with the runtime's IDT in place; trap.c reports the
 * #UD and exits with MB_EXIT_TRAP (the guest's own IDT works).
 * If the CPU ever returns from either, that is reported and MB_EXIT_FAIL
 * returned.
 *
 * Context: 32-bit protected mode, paging off.
 */
#include "mb.h"

const char mb_name[] = "mb-fault";
const char *const mb_options[] = { "how", NULL };

static void triple_fault(void)
{
	mb_say("triple faulting now\n");
	mb_console_flush();
	mb_load_idt(0, 0);
	asm volatile("int3");
}

static void undefined_opcode(void)
{
	mb_say("executing ud2 now\n");
	asm volatile("ud2");
}

/* how= values and what each does; the first is the default. */
static const char *const how_names[] = { "triple", "ud", NULL };
static void (*const how_fns[])(void) = { triple_fault, undefined_opcode };

int mb_main(void)
{
	uint32_t how;

	if (mb_arg_choice("how", how_names, &how))
		return MB_EXIT_SETUP;
	how_fns[how]();
	mb_say("still running after %s (BAD)\n", how_names[how]);
	return MB_EXIT_FAIL;
}
