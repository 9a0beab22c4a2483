/*
 * pic.c - silence the legacy 8259 PIC pair.
 *
 * The BIOS leaves the master PIC on vectors 0x08-0x0f, on top of CPU
 * exceptions: an unmasked IRQ would look like a #DF or #GP to Pagoda.
 * Pagoda uses only its local APIC, so the PICs are re-initialised onto
 * vectors 0x30-0x3f (well clear of exceptions) and fully masked.
 *
 * Context: boot, interrupts off; pure (ports through hw.h).
 */
#include "hw.h"
#include "pic.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01

void pic_disable(void)
{
	hw_outb(PIC1_CMD, ICW1_INIT_ICW4);
	hw_outb(PIC2_CMD, ICW1_INIT_ICW4);
	hw_outb(PIC1_DATA, PIC_VECTOR_BASE);
	hw_outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	hw_outb(PIC1_DATA, 1 << 2); /* slave on IRQ2 */
	hw_outb(PIC2_DATA, 2); /* cascade identity */
	hw_outb(PIC1_DATA, ICW4_8086);
	hw_outb(PIC2_DATA, ICW4_8086);
	hw_outb(PIC1_DATA, 0xff);
	hw_outb(PIC2_DATA, 0xff);
}
