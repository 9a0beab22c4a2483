/*
 * virq.h - the ISA interrupt router: one call raises or lowers an ISA
 * IRQ line, which reaches both interrupt controllers as on a PC.
 *
 * The analogue of KVM's kvm_set_irq() over its default routing: ISA IRQ
 * n drives 8259 input n and I/O APIC pin GSI(n), where GSI(n) = n except
 * ISA IRQ 0 (the PIT), which is wired to I/O APIC pin 2 as on every PC
 * chipset; the MADT's Interrupt Source Override says so. Pin 0 (the
 * 8259's INTR on real chipsets, for ExtINT) is not connected: Pagoda's
 * I/O APIC does not emulate ExtINT delivery. ISA IRQ 2 is the 8259
 * cascade and no device can drive it.
 *
 *   ISA IRQ:  0  1  2  3  4 ... 15
 *   8259 IR:  0  1  -  3  4 ... 15    (IR2 is the slave's INTR)
 *   I/O APIC: 2  1  -  3  4 ... 15
 *
 * Devices are level sources: they call virq_set_isa() with the level of
 * their output whenever it changes; a pulse (the PIT) is high then low.
 * One device per line: the router does not OR shared sources.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VIRQ_H
#define PAGODA_VIRQ_H

#include "types.h"

struct vpic;
struct vioapic;

#define VIRQ_NR_ISA 16
#define VIRQ_NO_GSI (-1)

struct virq_stats {
	uint64_t raised[VIRQ_NR_ISA]; /* low -> high transitions per ISA IRQ */
	uint64_t refused; /* IRQ 2 or >= 16: a device wiring bug */
};

struct virq {
	struct vpic *pic; /* may be NULL */
	struct vioapic *ioapic; /* may be NULL */
	uint16_t level; /* bit n: ISA IRQ n as last driven */
	struct virq_stats stats;
};

/* virq_init: a router to these controllers (either may be NULL), all lines low. */
void virq_init(struct virq *r, struct vpic *pic, struct vioapic *ioapic);
/*
 * virq_set_isa: drive ISA IRQ `irq` to `level`, on the 8259 and on the
 * I/O APIC. IRQ 2 and numbers above 15 are logged and ignored.
 */
void virq_set_isa(struct virq *r, unsigned int irq, bool level);
/*
 * virq_isa_waiting: an interrupt raised on ISA IRQ `irq` still waits for
 * the CPU in either controller (8259 IRR, or the local APIC's IRR for the
 * I/O APIC pin's vector). A source that must not lose interrupts (the
 * PIT's reinjection) raises its next one only when this is false: one
 * more edge now would merge with the waiting one.
 */
bool virq_isa_waiting(const struct virq *r, unsigned int irq);
/* virq_isa_to_gsi: the I/O APIC pin ISA IRQ `irq` is wired to, or VIRQ_NO_GSI. */
int virq_isa_to_gsi(unsigned int irq);
/* virq_dump: line levels and counters, for the `devices` command. */
void virq_dump(const struct virq *r);

#endif
