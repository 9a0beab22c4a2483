/*
 * platform.c - the guest's virtual platform: which devices exist, where,
 * and how they are wired (IRQ lines, clocks, reset and exit callbacks).
 *
 * The platform is a PC with no PCI devices: two 8259 PICs feeding the
 * x2APIC's LINT0 (virtual wire), an I/O APIC at 0xfec00000 delivering to
 * the x2APIC, an 8254 PIT on ISA IRQ 0, a 16550 on 0x3f8 / IRQ 4, the
 * CMOS RTC, the ACPI PM block, and the ports firmware and Linux poke.
 * Devices drive ISA IRQ lines through the router (guest/virq.c), which
 * takes each line to both the 8259s and the I/O APIC, so the guest may
 * use either. Nothing is passed through, so every guest frame stays
 * Pagoda's.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "platform: " fmt
#include "errcode.h"
#include "guest_console.h"
#include "kalloc.h"
#include "log.h"
#include "platform.h"
#include "shell.h"
#include "vcmos.h"
#include "vintr.h"
#include "vioapic.h"
#include "virq.h"
#include "vlapic.h"
#include "vmisc.h"
#include "vpic.h"
#include "vpit.h"
#include "vpm.h"
#include "vuart.h"

#define COM1_PORT 0x3f8
/* The RTC starts at a fixed date, so test output does not depend on the host clock. */
#define RTC_EPOCH_2026_01_01 1767225600LL

static uint64_t vm_clock(void *ctx)
{
	return vm_clock_ns(ctx);
}

/* The i8042 reset line and port 0x92 both end the guest: Pagoda has no reboot for it. */
static void guest_reset(void *ctx)
{
	vm_stop(ctx, "guest asked for a reset (keyboard controller or port 0x92)");
}

static void guest_exit(void *ctx, int status)
{
	struct vm *vm = ctx;

	vm->exit_status = status;
	vm_stop(vm, "guest wrote to the test-exit port: status %d", status);
}

/* ACPI S5 is a clean power-off: status 0, as QEMU exits for it. */
static void guest_poweroff(void *ctx)
{
	struct vm *vm = ctx;

	vm->exit_status = 0;
	vm_stop(vm, "guest powered off (ACPI S5)");
}

static int alloc_devices(struct vm *vm)
{
	vm->pic = kzalloc(sizeof(*vm->pic));
	vm->pit = kzalloc(sizeof(*vm->pit));
	vm->uart = kzalloc(sizeof(*vm->uart));
	vm->cmos = kzalloc(sizeof(*vm->cmos));
	vm->misc = kzalloc(sizeof(*vm->misc));
	vm->lapic = kzalloc(sizeof(*vm->lapic));
	vm->pm = kzalloc(sizeof(*vm->pm));
	vm->ioapic = kzalloc(sizeof(*vm->ioapic));
	vm->virq = kzalloc(sizeof(*vm->virq));
	if (vm->pic && vm->pit && vm->uart && vm->cmos && vm->misc && vm->lapic && vm->pm &&
	    vm->ioapic && vm->virq)
		return 0;
	pr_err("no memory for the guest's devices\n");
	return -ENOMEM;
}

/* attach_irqchips: the PICs, the local APIC, the I/O APIC and the ISA router over them. */
static int attach_irqchips(struct vm *vm)
{
	struct vlapic_clock clk;
	struct vdev_table *t = &vm->vdev;
	int err;

	vlapic_clock_for_vm(&clk, vm);
	err = vpic_attach(t, vm->pic);
	err = err ?: vlapic_attach(vm->lapic, t, &clk);
	/* After the local APIC: the I/O APIC hooks its EOI broadcast. */
	err = err ?: vioapic_attach(t, vm->ioapic, vm->lapic);
	if (!err)
		virq_init(vm->virq, vm->pic, vm->ioapic);
	return err;
}

int vm_platform_init(struct vm *vm)
{
	struct vdev_table *t = &vm->vdev;
	int err = alloc_devices(vm);

	err = err ?: attach_irqchips(vm);
	err = err ?: vpit_attach(t, vm->pit, vm->virq, vm_clock, vm);
	err = err ?: vuart_attach(t, vm->uart, COM1_PORT, vm->virq, GUEST_COM1_IRQ,
				  gconsole_guest_output, NULL);
	err = err ?: vcmos_attach(t, vm->cmos, vm_clock, vm, vm->mem.size, RTC_EPOCH_2026_01_01);
	err = err ?: vmisc_attach(t, vm->misc, vm->virq, guest_reset, guest_exit, vm);
	err = err ?: vpm_attach(t, vm->pm, vm_clock, vm, guest_poweroff, vm);
	if (err)
		pr_err("attaching the guest's devices failed: %s\n", err_name(err));
	return err;
}

static void print_pic(const struct vpic *pic)
{
	for (int i = 0; i < 2; i++) {
		const struct vpic_chip *c = &pic->chip[i];
		printk("pic %s: base 0x%02x irr %02x isr %02x imr %02x elcr %02x%s\n",
		       i ? "slave " : "master", c->vector_base, c->irr, c->isr, c->imr, c->elcr,
		       c->init_step ? " (initialising)" : "");
	}
	printk("pic: delivered per IRQ:");
	for (int i = 0; i < VPIC_NR_IRQS; i++)
		if (pic->stats.acks[i])
			printk(" %d:%lu", i, pic->stats.acks[i]);
	printk("; spurious %lu\n", pic->stats.spurious);
}

/* devices: the guest's virtual devices, for chasing a stuck interrupt. */
static int cmd_devices(int argc, char **argv)
{
	struct vm *vm = &the_vm;
	const struct vuart *u = vm->uart;

	if (!vm->pic) {
		printk("devices: no guest\n");
		return 0;
	}
	print_pic(vm->pic);
	vioapic_dump(vm->ioapic);
	virq_dump(vm->virq);
	printk("pit: %lu IRQ0 edges (%lu reinjected late), %lu owed, %lu periods dropped\n",
	       vm->pit->stats.irqs, vm->pit->stats.late, vm->pit->owed, vm->pit->stats.missed);
	printk("uart 0x%x irq %u: ier %02x mcr %02x lcr %02x rx %u queued, tx %lu rx %lu "
	       "overruns %lu, THRE pending %d, line %d\n", u->base, u->irq, u->ier, u->mcr,
	       u->lcr, u->rx_count, u->stats.tx_bytes, u->stats.rx_bytes, u->stats.overruns,
	       u->thre_pending, u->irq_level);
	printk("interrupt to inject next: %d\n", vintr_pending(vm));
	return 0;
}
SHELL_COMMAND(devices, "devices", "the guest's PIC, I/O APIC, IRQ lines, PIT and UART state",
	      cmd_devices);
