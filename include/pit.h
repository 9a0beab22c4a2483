/*
 * pit.h - the 8254 programmable interval timer, channel 2 only: a
 * one-shot reference interval for calibrating the TSC.
 *
 * Channel 2 is the one whose gate and output software can reach through
 * System Control Port B (0x61), so it can be polled without interrupts.
 *
 * Context: pure, host-testable (ports through hw.h); boot, interrupts off.
 */
#ifndef PAGODA_PIT_H
#define PAGODA_PIT_H

#include "types.h"

#define PIT_HZ 1193182 /* the 8254's input clock: 14.31818 MHz / 12 */

#define PIT_CH2_DATA 0x42
#define PIT_MODE_CMD 0x43
#define PORT_SYS_CTRL_B 0x61 /* "NMI status and control" on Intel chipsets */
#define SYS_CTRL_B_GATE2 BIT(0) /* channel 2 gate */
#define SYS_CTRL_B_SPKR BIT(1) /* speaker data enable: keep off */
#define SYS_CTRL_B_OUT2 BIT(5) /* channel 2 output, read-only */

/* Mode/command byte: channel (7:6), access (5:4), mode (3:1), BCD (0). */
#define PIT_SEL_CH2 (2u << 6)
#define PIT_ACCESS_LOHI (3u << 4)
#define PIT_MODE0 (0u << 1) /* interrupt on terminal count: OUT goes high at 0 */

/* pit_ch2_start: count `count` PIT ticks; OUT2 is low until they have passed. */
void pit_ch2_start(uint16_t count);
/* pit_ch2_done: whether OUT2 is high (the count ran out, or no PIT answers). */
bool pit_ch2_done(void);
/* pit_ch2_stop: close the gate, speaker off. */
void pit_ch2_stop(void);

#endif
