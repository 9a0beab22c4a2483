/*
 * exit.c - mb-exit: the simplest check of the exit-port path.
 *
 * Prints one line and exits with code=N (0..255, default 0x42). Under
 * QEMU's isa-debug-exit the emulator's status is then (N << 1) | 1, cut
 * to 8 bits by the host OS (0x42 -> 133); under Pagoda the guest stops
 * with code N.
 *
 * Context: 32-bit protected mode, paging off.
 */
#include "mb.h"

#define DEFAULT_CODE 0x42

const char mb_name[] = "mb-exit";
const char *const mb_options[] = { "code", NULL };

int mb_main(void)
{
	uint32_t code;

	if (mb_arg_u32("code", DEFAULT_CODE, 0, 0xff, &code))
		return MB_EXIT_SETUP;
	mb_say("hello from the guest, exiting with code 0x%x\n", code);
	return (int)code;
}
