/*
 * vpic.c - the guest's 8259A pair: init sequence, masks, priorities, EOI,
 * cascade, edge/level triggering and the INTA cycle.
 *
 * The model follows the Intel 8259A datasheet as Linux and PC firmware use
 * it: ICW1-ICW4 through the two ports of each chip, OCW1 (mask), OCW2
 * (EOI, rotation, priority), OCW3 (IRR/ISR read select, poll, special
 * mask). Priorities rotate around prio_base: prio_base has the highest,
 * prio_base-1 the lowest. The slave's INTR output is wired to the master's
 * IR2 input and driven after every change on the slave. Guest writes that
 * make no sense (ICWs out of order, MCS-80 mode) never fail: the chip
 * takes what it can and counts the rest in stats.bad_init.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vpic: " fmt

#include "errcode.h"
#include "log.h"
#include "vpic.h"

#define MASTER 0
#define SLAVE 1
#define NO_IRQ (-1)
#define SPURIOUS_IR 7

/* The PIIX4 ELCR: IRQ0-2 (timer, keyboard, cascade), 8 (RTC), 13 (FPU) are edge only. */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE 0xde

static void chip_reset(struct vpic_chip *c)
{
	/* ICW1 forgets everything but the ELCR and level requests still held. */
	uint8_t elcr = c->elcr, mask = c->elcr_mask, irr = c->irr & c->elcr;

	*c = (struct vpic_chip){ .elcr = elcr, .elcr_mask = mask, .irr = irr };
}

void vpic_reset(struct vpic *pic)
{
	*pic = (struct vpic){ 0 };
	pic->chip[MASTER].elcr_mask = ELCR_MASK_MASTER;
	pic->chip[SLAVE].elcr_mask = ELCR_MASK_SLAVE;
}

/* The rank (0 = highest) of the best-placed bit of `mask`; 8 when none. */
static unsigned int chip_priority(const struct vpic_chip *c, uint8_t mask)
{
	for (unsigned int p = 0; p < 8; p++)
		if (mask & BIT((p + c->prio_base) & 7))
			return p;
	return 8;
}

/* The IR the chip would deliver now, or NO_IRQ. */
static int chip_pending(const struct vpic_chip *c, bool master)
{
	unsigned int req = chip_priority(c, c->irr & ~c->imr);
	uint8_t busy = c->isr;

	if (req == 8)
		return NO_IRQ;
	if (c->special_mask)
		busy &= ~c->imr; /* masked in-service levels do not block others */
	if (master && c->sfnm)
		busy &= ~BIT(VPIC_CASCADE_IRQ); /* the slave may nest its own IRQs */
	if (req >= chip_priority(c, busy))
		return NO_IRQ;
	return (int)((req + c->prio_base) & 7);
}

/* Drive input `ir` of a chip; the ELCR decides edge or level. */
static void chip_set_input(struct vpic_chip *c, unsigned int ir, bool level)
{
	uint8_t bit = (uint8_t)BIT(ir);

	if (c->elcr & bit) {
		c->irr = level ? c->irr | bit : c->irr & ~bit;
	} else if (level && !(c->line & bit)) {
		c->irr |= bit; /* a rising edge latches until INTA */
	}
	c->line = level ? c->line | bit : c->line & ~bit;
}

/*
 * The slave's INTR output follows its state; the master's IR2 request
 * follows that output as a level (an 8259 drops a request whose input
 * falls before INTA), so a slave request that goes away before INTA never
 * reaches the CPU.
 */
static void vpic_update(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[MASTER];
	uint8_t bit = (uint8_t)BIT(VPIC_CASCADE_IRQ);

	if (chip_pending(&pic->chip[SLAVE], false) != NO_IRQ) {
		m->irr |= bit;
		m->line |= bit;
	} else {
		m->irr &= (uint8_t)~bit;
		m->line &= (uint8_t)~bit;
	}
}

void vpic_set_irq(struct vpic *pic, unsigned int irq, bool level)
{
	/* IR2 belongs to the slave's output: ISA IRQ2 is wired to IRQ9. */
	if (irq >= VPIC_NR_IRQS || irq == VPIC_CASCADE_IRQ)
		return;
	chip_set_input(&pic->chip[irq >> 3], irq & 7, level);
	vpic_update(pic);
}

bool vpic_irq_waiting(const struct vpic *pic, unsigned int irq)
{
	const struct vpic_chip *c;
	uint8_t bit;

	if (irq >= VPIC_NR_IRQS || irq == 2)
		return false;
	c = &pic->chip[irq < 8 ? MASTER : SLAVE];
	bit = (uint8_t)BIT(irq % 8);
	return (c->irr & bit) && !(c->imr & bit);
}

bool vpic_has_intr(const struct vpic *pic)
{
	return chip_pending(&pic->chip[MASTER], true) != NO_IRQ;
}

/* INTA on one chip: IRR -> ISR (or auto-EOI), edge requests consumed. */
static void chip_intack(struct vpic_chip *c, int ir)
{
	uint8_t bit = (uint8_t)BIT(ir);

	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_on_aeoi)
		c->prio_base = (uint8_t)((ir + 1) & 7);
	if (!(c->elcr & bit))
		c->irr &= ~bit;
}

/* The slave's half of an INTA the master routed to IR2: its vector. */
static int slave_ack(struct vpic *pic)
{
	struct vpic_chip *s = &pic->chip[SLAVE];
	int ir = chip_pending(s, false);

	if (ir == NO_IRQ) {
		pic->stats.spurious++;
		return s->vector_base + SPURIOUS_IR;
	}
	chip_intack(s, ir);
	pic->stats.acks[8 + ir]++;
	return s->vector_base + ir;
}

int vpic_ack(struct vpic *pic)
{
	struct vpic_chip *m = &pic->chip[MASTER];
	int ir = chip_pending(m, true), vector;

	if (ir == NO_IRQ) {
		/* The request went away before INTA: the 8259 answers IR7, ISR untouched. */
		pic->stats.spurious++;
		return m->vector_base + SPURIOUS_IR;
	}
	chip_intack(m, ir);
	if (ir == VPIC_CASCADE_IRQ) {
		vector = slave_ack(pic);
	} else {
		pic->stats.acks[ir]++;
		vector = m->vector_base + ir;
	}
	vpic_update(pic);
	return vector;
}

/* A poll read (OCW3 P): like INTA on this chip alone, as a byte. */
static uint8_t chip_poll(struct vpic_chip *c, bool master)
{
	int ir = chip_pending(c, master);

	c->poll = false;
	if (ir == NO_IRQ)
		return 0;
	chip_intack(c, ir);
	return (uint8_t)(PIC_POLL_INT | ir);
}

static void write_icw1(struct vpic_chip *c, uint8_t val, struct vpic_stats *st)
{
	chip_reset(c);
	c->need_icw4 = val & PIC_ICW1_IC4;
	c->single = val & PIC_ICW1_SNGL;
	c->init_step = 2;
	if (val & (PIC_ICW1_LTIM | PIC_ICW1_SNGL))
		st->bad_init++; /* the PC wiring is fixed: cascaded, ELCR triggering */
}

/* OCW2: EOIs (non-specific or specific, optionally rotating) and priority. */
static void write_ocw2(struct vpic_chip *c, uint8_t val)
{
	unsigned int ir = val & 7;

	if (val & PIC_OCW2_EOI) {
		if (!(val & PIC_OCW2_SL)) {
			ir = chip_priority(c, c->isr);
			if (ir == 8)
				return; /* nothing in service: EOI is a no-op */
			ir = (ir + c->prio_base) & 7;
		}
		c->isr &= (uint8_t)~BIT(ir);
		if (val & PIC_OCW2_R)
			c->prio_base = (uint8_t)((ir + 1) & 7);
	} else if (val & PIC_OCW2_SL) {
		if (val & PIC_OCW2_R) /* "set priority": ir becomes the lowest */
			c->prio_base = (uint8_t)((ir + 1) & 7);
	} else {
		c->rotate_on_aeoi = val & PIC_OCW2_R;
	}
}

static void write_ocw3(struct vpic_chip *c, uint8_t val)
{
	if (val & PIC_OCW3_POLL)
		c->poll = true;
	if (val & PIC_OCW3_RR)
		c->read_isr = val & PIC_OCW3_RIS;
	if (val & PIC_OCW3_ESMM)
		c->special_mask = val & PIC_OCW3_SMM;
}

static void write_cmd(struct vpic *pic, struct vpic_chip *c, uint8_t val)
{
	if (val & PIC_ICW1)
		write_icw1(c, val, &pic->stats);
	else if (val & PIC_OCW3)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
}

static void write_icw4(struct vpic *pic, struct vpic_chip *c, uint8_t val)
{
	c->auto_eoi = val & PIC_ICW4_AEOI;
	c->sfnm = val & PIC_ICW4_SFNM;
	if (!(val & PIC_ICW4_8086))
		pic->stats.bad_init++; /* MCS-80 mode: run as 8086 anyway */
	c->init_step = 0;
}

/* The data port: OCW1 when running, else the next ICW of the sequence. */
static void write_data(struct vpic *pic, struct vpic_chip *c, bool master, uint8_t val)
{
	if (c->init_step == 0) {
		c->imr = val;
	} else if (c->init_step == 2) {
		c->vector_base = val & 0xf8;
		c->init_step = c->single ? 4 : 3;
	} else if (c->init_step == 3) {
		/* Master: a mask of slave inputs; slave: its ID. PCs use IR2 / ID 2. */
		if (val != (master ? BIT(VPIC_CASCADE_IRQ) : VPIC_CASCADE_IRQ))
			pic->stats.bad_init++;
		c->init_step = 4;
	} else {
		write_icw4(pic, c, val);
		return;
	}
	if (c->init_step == 4 && !c->need_icw4)
		c->init_step = 0;
}

static uint8_t read_cmd(struct vpic_chip *c, bool master)
{
	if (c->poll)
		return chip_poll(c, master);
	return c->read_isr ? c->isr : c->irr;
}

/* One byte from ports 0x20/0x21/0xa0/0xa1/0x4d0/0x4d1. */
static uint8_t vpic_read8(void *dev, uint16_t port)
{
	struct vpic *pic = dev;
	uint8_t val = 0xff;

	if (port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE)
		return pic->chip[port & 1].elcr;
	if (port == VPIC_MASTER_CMD || port == VPIC_SLAVE_CMD) {
		val = read_cmd(&pic->chip[port == VPIC_SLAVE_CMD], port == VPIC_MASTER_CMD);
	} else if (port == VPIC_MASTER_DATA || port == VPIC_SLAVE_DATA) {
		struct vpic_chip *c = &pic->chip[port == VPIC_SLAVE_DATA];
		val = c->poll ? chip_poll(c, port == VPIC_MASTER_DATA) : c->imr;
	} else {
		return 0xff;
	}
	vpic_update(pic); /* a poll may have acknowledged an interrupt */
	return val;
}

static void vpic_write8(void *dev, uint16_t port, uint8_t val)
{
	struct vpic *pic = dev;
	bool slave = port == VPIC_SLAVE_CMD || port == VPIC_SLAVE_DATA;
	struct vpic_chip *c = &pic->chip[slave];

	if (port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE) {
		c = &pic->chip[port & 1];
		c->elcr = val & c->elcr_mask;
	} else if (port == VPIC_MASTER_CMD || port == VPIC_SLAVE_CMD) {
		write_cmd(pic, c, val);
	} else if (port == VPIC_MASTER_DATA || port == VPIC_SLAVE_DATA) {
		write_data(pic, c, !slave, val);
	} else {
		return;
	}
	vpic_update(pic);
}

static int vpic_pio_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return pio_read_bytes(dev, port, size, val, vpic_read8);
}

static int vpic_pio_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	return pio_write_bytes(dev, port, size, val, vpic_write8);
}

int vpic_attach(struct vdev_table *t, struct vpic *pic)
{
	const struct pio_handler h[] = {
		{ "pic-master", VPIC_MASTER_CMD, 2, vpic_pio_read, vpic_pio_write, pic },
		{ "pic-slave", VPIC_SLAVE_CMD, 2, vpic_pio_read, vpic_pio_write, pic },
		{ "pic-elcr", VPIC_ELCR_MASTER, 2, vpic_pio_read, vpic_pio_write, pic },
	};
	int err;

	vpic_reset(pic);
	for (unsigned int i = 0; i < ARRAY_SIZE(h); i++) {
		err = vdev_register_pio(t, &h[i]);
		if (err)
			return err;
	}
	return 0;
}
