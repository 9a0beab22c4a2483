/*
 * pit.c - the 8254 PIT's channel 2 as a polled one-shot reference.
 *
 * Mode 0 ("interrupt on terminal count") drives OUT2 low when the count is
 * written and high when it reaches zero; Port B shows OUT2 in bit 5, so the
 * end of the interval is seen without an interrupt. An absent PIT reads as
 * all ones, which looks like an interval that ended at once: callers check
 * pit_ch2_done() right after pit_ch2_start() to tell.
 *
 * Context: pure, host-testable; boot, interrupts off.
 */
#include "hw.h"
#include "pit.h"

void pit_ch2_start(uint16_t count)
{
	uint8_t b = hw_inb(PORT_SYS_CTRL_B);

	/* Gate low while programming, then high: the count starts from the write. */
	b &= (uint8_t)~(SYS_CTRL_B_SPKR | SYS_CTRL_B_GATE2);
	hw_outb(PORT_SYS_CTRL_B, b);
	hw_outb(PIT_MODE_CMD, PIT_SEL_CH2 | PIT_ACCESS_LOHI | PIT_MODE0);
	hw_outb(PORT_SYS_CTRL_B, b | SYS_CTRL_B_GATE2);
	hw_outb(PIT_CH2_DATA, count & 0xff);
	hw_outb(PIT_CH2_DATA, count >> 8);
}

bool pit_ch2_done(void)
{
	return hw_inb(PORT_SYS_CTRL_B) & SYS_CTRL_B_OUT2;
}

void pit_ch2_stop(void)
{
	uint8_t b = hw_inb(PORT_SYS_CTRL_B);

	hw_outb(PORT_SYS_CTRL_B, b & (uint8_t)~(SYS_CTRL_B_SPKR | SYS_CTRL_B_GATE2));
}
