/*
 * vpic.h - the guest's 8259A interrupt controllers: a master and a slave
 * cascaded on the master's IR2, as in every PC.
 *
 * Devices raise ISA IRQs 0-15 with vpic_set_irq(); the run loop asks
 * vpic_has_intr() (the master's INTR pin) before a VM entry and takes the
 * vector with vpic_ack() (the INTA cycle) when it injects. The guest
 * programs both chips through ports 0x20/0x21, 0xa0/0xa1 and the PIIX
 * edge/level control registers (ELCR) at 0x4d0/0x4d1.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VPIC_H
#define PAGODA_VPIC_H

#include "types.h"
#include "vdev.h"

#define VPIC_MASTER_CMD 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD 0xa0
#define VPIC_SLAVE_DATA 0xa1
#define VPIC_ELCR_MASTER 0x4d0
#define VPIC_ELCR_SLAVE 0x4d1

#define VPIC_NR_IRQS 16
#define VPIC_CASCADE_IRQ 2 /* the master input the slave's INTR drives */

/* Command-port writes: bit 4 marks ICW1, bit 3 (without 4) OCW3, else OCW2. */
#define PIC_ICW1 0x10
#define PIC_ICW1_IC4 0x01 /* an ICW4 follows */
#define PIC_ICW1_SNGL 0x02 /* single chip: no ICW3 */
#define PIC_ICW1_LTIM 0x08 /* level-triggered inputs (ignored: the ELCR rules) */
#define PIC_ICW4_8086 0x01
#define PIC_ICW4_AEOI 0x02
#define PIC_ICW4_SFNM 0x10 /* special fully nested mode */
#define PIC_OCW3 0x08
#define PIC_OCW3_RIS 0x01 /* with RR: read ISR rather than IRR */
#define PIC_OCW3_RR 0x02 /* "read register" command */
#define PIC_OCW3_POLL 0x04
#define PIC_OCW3_SMM 0x20 /* with ESMM: special mask mode on/off */
#define PIC_OCW3_ESMM 0x40
#define PIC_OCW2_EOI 0x20 /* OCW2 bits 7:5: R, SL, EOI */
#define PIC_OCW2_SL 0x40
#define PIC_OCW2_R 0x80
#define PIC_POLL_INT 0x80 /* poll byte: an interrupt was pending */

/* One 8259A. Bit n of each mask is the chip's input IRn. */
struct vpic_chip {
	uint8_t irr; /* requests latched */
	uint8_t imr; /* masked (OCW1) */
	uint8_t isr; /* in service */
	uint8_t line; /* input levels as last driven (edge detection) */
	uint8_t elcr; /* level-triggered inputs (ELCR) */
	uint8_t elcr_mask; /* ELCR bits the chipset lets software set */
	uint8_t vector_base; /* ICW2, low 3 bits clear */
	uint8_t prio_base; /* IR with the highest priority (rotation) */
	uint8_t init_step; /* 0: running; 2, 3, 4: the next data byte is that ICW */
	bool need_icw4, single;
	bool auto_eoi, rotate_on_aeoi, sfnm, special_mask;
	bool poll; /* the next read is a poll (OCW3 P) */
	bool read_isr; /* command-port reads return ISR, not IRR */
};

struct vpic_stats {
	uint64_t acks[VPIC_NR_IRQS]; /* vectors delivered per IRQ */
	uint64_t spurious; /* INTA with nothing left to deliver */
	uint64_t bad_init; /* ICW sequences the model does not take */
};

struct vpic {
	struct vpic_chip chip[2]; /* [0] master, [1] slave */
	struct vpic_stats stats;
};

/* vpic_reset: both chips as after power-on (uninitialised, all inputs low). */
void vpic_reset(struct vpic *pic);
/* vpic_attach: reset and claim the six ports; -E* from registration. */
int vpic_attach(struct vdev_table *t, struct vpic *pic);

/*
 * vpic_set_irq: drive ISA input `irq` (0-15) to `level`. An edge-triggered
 * input latches a request on a rising edge; a level-triggered one (ELCR)
 * requests while high. IRQ 2 (the slave's output owns the master's IR2;
 * ISA IRQ2 devices use IRQ 9) and numbers above 15 are ignored.
 */
void vpic_set_irq(struct vpic *pic, unsigned int irq, bool level);
/*
 * vpic_irq_waiting: ISA input `irq` holds a request the CPU has not taken
 * yet (IRR set) that could still reach it (not masked in IMR). IRQ 2 and
 * numbers above 15 never wait.
 */
bool vpic_irq_waiting(const struct vpic *pic, unsigned int irq);
/* vpic_has_intr: whether the master asserts INTR (an unmasked request beats ISR). */
bool vpic_has_intr(const struct vpic *pic);
/*
 * vpic_ack: the INTA cycle. Returns the vector to inject and moves the
 * request from IRR to ISR (unless auto-EOI); a request that went away
 * gives the spurious IR7 vector of the chip that was asked.
 */
int vpic_ack(struct vpic *pic);

#endif
