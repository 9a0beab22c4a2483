/*
 * platform.c - the guest's virtual platform: which devices exist, where,
 * and how they are wired (IRQ lines, clocks, reset and exit callbacks).
 *
 * The platform is a PC with no PCI devices and no ACPI: two 8259 PICs
 * feeding the x2APIC's LINT0 (virtual wire), an 8254 PIT on IRQ 0, a
 * 16550 on 0x3f8 / IRQ 4, the CMOS RTC, and the ports firmware and Linux
 * poke. Nothing is passed through, so every guest frame stays Pagoda's.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "platform: " fmt
#include "errcode.h"
#include "guest_console.h"
#include "kalloc.h"
#include "log.h"
#include "platform.h"
#include "vcmos.h"
#include "vlapic.h"
#include "vmisc.h"
#include "vpic.h"
#include "vpit.h"
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

static int alloc_devices(struct vm *vm)
{
	vm->pic = kzalloc(sizeof(*vm->pic));
	vm->pit = kzalloc(sizeof(*vm->pit));
	vm->uart = kzalloc(sizeof(*vm->uart));
	vm->cmos = kzalloc(sizeof(*vm->cmos));
	vm->misc = kzalloc(sizeof(*vm->misc));
	vm->lapic = kzalloc(sizeof(*vm->lapic));
	if (vm->pic && vm->pit && vm->uart && vm->cmos && vm->misc && vm->lapic)
		return 0;
	pr_err("no memory for the guest's devices\n");
	return -ENOMEM;
}

int vm_platform_init(struct vm *vm)
{
	struct vlapic_clock clk;
	struct vdev_table *t = &vm->vdev;
	int err = alloc_devices(vm);

	err = err ?: vpic_attach(t, vm->pic);
	err = err ?: vpit_attach(t, vm->pit, vm->pic, vm_clock, vm);
	err = err ?: vuart_attach(t, vm->uart, COM1_PORT, vm->pic, GUEST_COM1_IRQ,
				  gconsole_guest_output, NULL);
	err = err ?: vcmos_attach(t, vm->cmos, vm_clock, vm, vm->mem.size, RTC_EPOCH_2026_01_01);
	err = err ?: vmisc_attach(t, vm->misc, guest_reset, guest_exit, vm);
	if (!err) {
		vlapic_clock_for_vm(&clk, vm);
		err = vlapic_attach(vm->lapic, t, &clk);
	}
	if (err)
		pr_err("attaching the guest's devices failed: %s\n", err_name(err));
	return err;
}
