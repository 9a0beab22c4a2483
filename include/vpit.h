/*
 * vpit.h - the guest's 8254 programmable interval timer and the channel 2
 * bits of System Control Port B (0x61).
 *
 * Counters are not ticked: each channel remembers when its count started
 * (guest nanoseconds) and computes the count and OUT from the guest clock
 * whenever the guest looks. Channel 0's OUT drives ISA IRQ0: the run loop
 * calls vpit_tick() with the guest time to deliver what has expired and
 * asks vpit_next_event_ns() when to come back.
 *
 * Modes 0-5 (6 and 7 alias 2 and 3), binary and BCD, LSB/MSB/LSB-then-MSB
 * access, the counter-latch and read-back commands. Channel 2's gate is
 * Port B bit 0 and its OUT is Port B bit 5, which is how Linux calibrates
 * the TSC (pit_calibrate_tsc, quick_pit_calibrate).
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VPIT_H
#define PAGODA_VPIT_H

#include "pit.h"
#include "types.h"
#include "vdev.h"

struct virq;

#define VPIT_PORT_CH0 0x40
#define VPIT_PORT_MODE 0x43
#define VPIT_NR_CHANNELS 3
#define VPIT_IRQ 0 /* channel 0's OUT */
#define VPIT_NO_EVENT UINT64_MAX

/* The mode/command byte written to 0x43 (8254 datasheet, "Control Word Format"). */
#define PIT_CW_SEL_SHIFT 6
#define PIT_CW_SEL_READBACK 3
#define PIT_CW_ACCESS_SHIFT 4
#define PIT_CW_ACCESS_MASK 0x30
#define PIT_CW_MODE_SHIFT 1
#define PIT_CW_MODE_MASK 0x0e
#define PIT_CW_BCD 0x01
#define PIT_ACCESS_LATCH 0
#define PIT_ACCESS_LSB 1
#define PIT_ACCESS_MSB 2
#define PIT_ACCESS_WORD 3 /* LSB then MSB */
/* Read-back command: 11 /COUNT /STATUS CNT2 CNT1 CNT0 0. */
#define PIT_RB_NO_COUNT 0x20
#define PIT_RB_NO_STATUS 0x10
#define PIT_RB_CH(n) (0x02u << (n))
/* The status byte read-back latches. */
#define PIT_STATUS_OUT 0x80
#define PIT_STATUS_NULL_COUNT 0x40

/* Port B bits the guest may write; the others are status. */
#define SYS_CTRL_B_WRITABLE 0x0f
#define SYS_CTRL_B_REFRESH BIT(4) /* toggles every 15.085 us */

struct vpit_channel {
	uint8_t mode; /* 0-5 */
	uint8_t access; /* PIT_ACCESS_*: how the count is read and written */
	bool bcd;
	uint32_t count; /* the count in use, 1..65536 (10000 in BCD) */
	uint16_t new_count; /* being written, byte by byte */
	bool write_msb_next; /* LSB written, MSB next (PIT_ACCESS_WORD) */
	bool read_msb_next;
	bool null_count; /* a count was written but not yet loaded */
	bool counting; /* a count is loaded and (gate permitting) running */
	bool gate;
	uint64_t base_ns; /* guest time at which `base_ticks` held */
	uint64_t base_ticks; /* input clocks counted until base_ns */
	uint16_t latch; /* the latched count, valid while latched_bytes */
	uint8_t latched_bytes; /* bytes of `latch` still to read: 0, 1 or 2 */
	bool status_latched;
	uint8_t status;
};

/* Owed periods kept at most: a second of ticks at 1000 Hz, the fastest OS tick. */
#define VPIT_MAX_OWED 1000

struct vpit_stats {
	uint64_t irqs; /* IRQ0 edges delivered */
	uint64_t late; /* of those, delivered after their period: reinjected */
	uint64_t missed; /* periods dropped: more than a second's worth owed */
};

struct vpit {
	struct vpit_channel ch[VPIT_NR_CHANNELS];
	uint8_t port_b; /* the writable bits of Port B */
	uint64_t irq_ticks; /* channel 0: ticks since its base up to which periods are counted */
	uint64_t owed; /* channel 0 periods ended whose IRQ0 edge has not gone out yet */
	struct virq *router; /* ISA IRQ0 goes here; may be NULL */
	vdev_clock_fn clock;
	void *clock_ctx;
	struct vpit_stats stats;
};

/*
 * vpit_attach: reset the PIT (all channels idle, gates 0 and 1 high, gate 2
 * low) and claim ports 0x40-0x43 and 0x61. `clock` gives guest time at
 * port accesses; `router` takes IRQ0 (may be NULL). -E* from registration.
 */
int vpit_attach(struct vdev_table *t, struct vpit *pit, struct virq *router, vdev_clock_fn clock,
		void *clock_ctx);
void vpit_reset(struct vpit *pit);
/*
 * vpit_tick: at guest time now_ns, count channel 0's periods (OUT's rising
 * edges) that ended since the last tick and raise IRQ0 (a pulse on an edge
 * input) for the oldest one owed, unless the previous edge still waits for
 * the CPU (virq_isa_waiting). That is KVM's PIT "reinject" policy: on
 * hardware the extra edges would merge and be lost, and a guest that
 * counts ticks (Linux's jiffies, early in boot) falls behind its TSC and
 * calls the TSC unstable. Under a hypervisor periods end unseen whenever
 * exits eat the guest's time, so each period gets its own interrupt, one
 * per acknowledgement, up to a second's worth owed (vpit_stats).
 */
void vpit_tick(struct vpit *pit, uint64_t now_ns);
/*
 * vpit_next_event_ns: guest time of channel 0's next IRQ, or VPIT_NO_EVENT;
 * a time already past when an owed edge can go out at once.
 */
uint64_t vpit_next_event_ns(const struct vpit *pit);
/* vpit_out: channel n's OUT pin at now_ns (n < 3). */
bool vpit_out(const struct vpit *pit, unsigned int n, uint64_t now_ns);
/* vpit_read_counter: the count channel n shows at now_ns (as a live read would). */
uint16_t vpit_read_counter(const struct vpit *pit, unsigned int n, uint64_t now_ns);

#endif
