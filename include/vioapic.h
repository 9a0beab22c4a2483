/*
 * vioapic.h - the guest's I/O APIC: an 82093AA (as KVM's ioapic.c
 * emulates it) at 0xfec00000, 24 input pins, GSI 0-23.
 *
 * Two memory-mapped registers: IOREGSEL (offset 0x00) selects an
 * indirect register, IOWIN (offset 0x10) reads or writes it. Indirect
 * registers: ID (0x00, bits 27:24), version (0x01: 0x11, max redirection
 * entry 23), arbitration (0x02: the ID, read-only) and the redirection
 * table (0x10-0x3f, two dwords per pin, low dword first).
 *
 *   63      56 55          17  16   15   14   13   12   11  10  8 7      0
 *  +----------+--------------+----+----+----+----+----+----+-----+--------+
 *  |   dest   |   reserved   |mask|trig|RIRR|pol |stat|dstm| dm  | vector |
 *  +----------+--------------+----+----+----+----+----+----+-----+--------+
 *
 * Pins are wires the platform drives (vioapic_set_pin, from guest/virq.c).
 * A pin is asserted when its input is high, or low if its polarity is
 * active-low. An edge pin delivers on a rising edge of "asserted" while
 * unmasked (edges on a masked pin are lost, as the datasheet says); a
 * level pin delivers while asserted, unmasked and Remote IRR clear, sets
 * Remote IRR, and waits for the local APIC's EOI of its vector
 * (vioapic_eoi) to clear it and deliver again if still asserted.
 *
 * Deliveries go to the one local APIC: physical destination 0 (its ID)
 * or 0xff, or a logical destination that matches its x2APIC LDR. Only
 * Fixed and LowestPriority are emulated; SMI, NMI, INIT and ExtINT are
 * dropped, counted and logged (a delivery Pagoda cannot make right is
 * refused rather than turned into a fixed interrupt). Delivery is
 * instant, so Delivery Status always reads 0. There is no EOI register
 * (version 0x11): Linux clears a Remote IRR by switching the pin to edge
 * and back, which this model honours.
 *
 * Only 32-bit accesses to IOREGSEL and IOWIN exist; anything else reads
 * 0 and ignores writes, logged rate-limited and counted.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VIOAPIC_H
#define PAGODA_VIOAPIC_H

#include "types.h"
#include "vdev.h"

struct vlapic;

#define VIOAPIC_BASE_GPA 0xfec00000ULL
#define VIOAPIC_MMIO_SIZE 0x1000ULL /* the page; registers at 0x00 and 0x10 only */
#define VIOAPIC_NR_PINS 24
#define VIOAPIC_ID 1 /* the MADT's I/O APIC entry says the same */
#define VIOAPIC_VERSION 0x11 /* 82093AA: no EOI register */

/* Direct registers: offsets in the page. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REGSEL_MASK 0xffu /* bits 31:8 are reserved */

/* Indirect registers (through IOREGSEL/IOWIN). */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_TABLE 0x10 /* pin n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define IOAPIC_REG_TABLE_END (IOAPIC_REG_TABLE + 2 * VIOAPIC_NR_PINS - 1)
#define IOAPIC_ID_SHIFT 24
#define IOAPIC_ID_MASK GENMASK(27, 24)
#define IOAPIC_VER_MAX_REDIR_SHIFT 16

/* Redirection table entry (82093AA datasheet, "IOREDTBL"). */
#define IOAPIC_VECTOR_MASK GENMASK(7, 0)
#define IOAPIC_DM_MASK GENMASK(10, 8)
#define IOAPIC_DM_SHIFT 8
#define IOAPIC_DM_FIXED (0ULL << 8)
#define IOAPIC_DM_LOWEST (1ULL << 8)
#define IOAPIC_DM_SMI (2ULL << 8)
#define IOAPIC_DM_NMI (4ULL << 8)
#define IOAPIC_DM_INIT (5ULL << 8)
#define IOAPIC_DM_EXTINT (7ULL << 8)
#define IOAPIC_DEST_LOGICAL BIT(11)
#define IOAPIC_DELIVERY_STATUS BIT(12) /* read-only; always 0 here */
#define IOAPIC_POLARITY_LOW BIT(13)
#define IOAPIC_REMOTE_IRR BIT(14) /* read-only */
#define IOAPIC_LEVEL_TRIGGER BIT(15)
#define IOAPIC_MASKED BIT(16)
#define IOAPIC_DEST_SHIFT 56
#define IOAPIC_DEST_MASK GENMASK(63, 56)
/* What software can set: everything but the read-only and reserved bits. */
#define IOAPIC_RTE_WRITABLE                                                        \
	(IOAPIC_VECTOR_MASK | IOAPIC_DM_MASK | IOAPIC_DEST_LOGICAL | IOAPIC_POLARITY_LOW | \
	 IOAPIC_LEVEL_TRIGGER | IOAPIC_MASKED | IOAPIC_DEST_MASK)
#define IOAPIC_DEST_BROADCAST 0xff

struct vioapic_stats {
	uint64_t delivered[VIOAPIC_NR_PINS]; /* interrupts the local APIC accepted */
	uint64_t dropped; /* no local APIC matched the destination, or it refused */
	uint64_t bad_mode; /* SMI/NMI/INIT/ExtINT/reserved deliveries, not emulated */
	uint64_t eois; /* EOIs that cleared a Remote IRR */
	uint64_t bad_access; /* accesses outside IOREGSEL/IOWIN as dwords, bad registers */
};

struct vioapic {
	uint32_t regsel; /* IOREGSEL */
	uint8_t id; /* bits 27:24 of the ID register */
	uint64_t rte[VIOAPIC_NR_PINS]; /* redirection table */
	uint32_t line; /* bit n: pin n's input as last driven (high = 1) */
	struct vlapic *lapic; /* where deliveries go; may be NULL */
	struct vioapic_stats stats;
};

/*
 * vioapic_attach: reset the I/O APIC, wire its deliveries to `lapic` (and
 * the local APIC's EOI broadcast back), claim its page at
 * VIOAPIC_BASE_GPA. lapic may be NULL (every delivery is dropped).
 * Returns 0 or the registration's -E*.
 */
int vioapic_attach(struct vdev_table *t, struct vioapic *io, struct vlapic *lapic);
/* vioapic_reset: every pin masked, edge, vector 0; ID VIOAPIC_ID; inputs kept. */
void vioapic_reset(struct vioapic *io);
/*
 * vioapic_set_pin: drive input `pin` high or low and deliver what that
 * causes. A pin outside 0-23 is a Pagoda wiring bug: logged, ignored.
 */
void vioapic_set_pin(struct vioapic *io, unsigned int pin, bool level);
/*
 * vioapic_eoi: the local APIC's EOI broadcast for a level-triggered
 * `vector`: each pin with that vector and Remote IRR set gets it cleared,
 * and delivers again if it is still asserted and unmasked.
 */
void vioapic_eoi(struct vioapic *io, uint8_t vector);
/* vioapic_asserted: whether pin's input is active under its polarity. */
bool vioapic_asserted(const struct vioapic *io, unsigned int pin);
/* vioapic_dump: the registers, pins and counters, for the `devices` command. */
void vioapic_dump(const struct vioapic *io);
/*
 * vioapic_pin_waiting: pin is unmasked and its vector sits in the local
 * APIC's IRR: an interrupt it delivered that the CPU has not taken yet.
 */
bool vioapic_pin_waiting(const struct vioapic *io, unsigned int pin);

#endif
