/*
 * virq.c - the ISA interrupt router: a device's IRQ line goes to the
 * 8259 pair and to the I/O APIC, through the PC's wiring table.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "virq: " fmt
#include "lib.h"
#include "log.h"
#include "vioapic.h"
#include "virq.h"
#include "vpic.h"

/* ISA IRQ -> I/O APIC pin (GSI, base 0). IRQ 0 is on pin 2; IRQ 2 is the cascade. */
static const int8_t isa_gsi[VIRQ_NR_ISA] = {
	2, 1, VIRQ_NO_GSI, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

int virq_isa_to_gsi(unsigned int irq)
{
	return irq < VIRQ_NR_ISA ? isa_gsi[irq] : VIRQ_NO_GSI;
}

void virq_init(struct virq *r, struct vpic *pic, struct vioapic *ioapic)
{
	memset(r, 0, sizeof(*r));
	r->pic = pic;
	r->ioapic = ioapic;
}

void virq_set_isa(struct virq *r, unsigned int irq, bool level)
{
	int gsi = virq_isa_to_gsi(irq);

	if (gsi == VIRQ_NO_GSI) {
		r->stats.refused++;
		pr_ratelimited(LOG_ERR, "ISA IRQ %u cannot be driven: wiring bug\n", irq);
		return;
	}
	if (level && !(r->level & BIT(irq)))
		r->stats.raised[irq]++;
	if (level)
		r->level |= (uint16_t)BIT(irq);
	else
		r->level &= (uint16_t)~BIT(irq);
	if (r->pic)
		vpic_set_irq(r->pic, irq, level);
	if (r->ioapic)
		vioapic_set_pin(r->ioapic, (unsigned int)gsi, level);
}

bool virq_isa_waiting(const struct virq *r, unsigned int irq)
{
	int gsi = virq_isa_to_gsi(irq);

	if (r->pic && vpic_irq_waiting(r->pic, irq))
		return true;
	return r->ioapic && gsi != VIRQ_NO_GSI && vioapic_pin_waiting(r->ioapic, (unsigned int)gsi);
}

void virq_dump(const struct virq *r)
{
	printk("isa irq: lines high %04x; raised per IRQ:", r->level);
	for (unsigned int i = 0; i < VIRQ_NR_ISA; i++)
		if (r->stats.raised[i])
			printk(" %u:%lu", i, r->stats.raised[i]);
	printk("; refused %lu\n", r->stats.refused);
}
