/*
 * test_vintr.c - the guest's interrupt arbitration between the 8259 pair
 * (through LINT0) and the x2APIC, with the real vpic, vlapic and vpit
 * wired into a struct vm as the run loop sees them.
 *
 * The PIC is programmed as Linux's init_8259A() does (vectors 0x30-0x3f);
 * the APIC is driven through its MSRs.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "console_fake.h"
#include "tsc.h"
#include "vintr.h"
#include "vlapic.h"
#include "virq.h"
#include "vm.h"
#include "vmx.h"
#include "vpic.h"
#include "vpit.h"

#define PIC_VECTOR0 0x30 /* Linux's ISA_IRQ_VECTOR(0) */
#define TIMER_VECTOR 0xec

static struct vm vm; /* static: struct vm is large */
static struct vpic pic;
static struct virq router;
static struct vlapic lapic;
static struct vpit pit;
static uint64_t now, tsc;

static uint64_t fake_now(void *ctx)
{
	return now;
}

static uint64_t fake_tsc(void *ctx)
{
	return tsc;
}

static void outb(uint16_t port, uint8_t val)
{
	pio_dispatch_out(&vm.vdev, port, 1, val);
}

static void wr(uint32_t msr, uint64_t val)
{
	assert_int_equal(msr_dispatch_write(&vm.vdev, msr, val), 0);
}

/* init_8259A(): ICW1-4 on both chips, vectors 0x30 and 0x38, all unmasked. */
static void pic_linux_init(void)
{
	static const uint8_t seq[][2] = {
		{ 0x21, 0xff }, { 0xa1, 0xff }, { 0x20, 0x11 }, { 0x21, 0x30 },
		{ 0x21, 0x04 }, { 0x21, 0x01 }, { 0xa0, 0x11 }, { 0xa1, 0x38 },
		{ 0xa1, 0x02 }, { 0xa1, 0x01 }, { 0x21, 0x00 }, { 0xa1, 0x00 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(seq); i++)
		outb(seq[i][0], seq[i][1]);
}

static int setup(void **state)
{
	const struct vlapic_clock clk = { fake_now, fake_tsc, NULL, 1000000 };

	memset(&vm, 0, sizeof(vm));
	now = 1000;
	tsc = 5000;
	fake_console_reset();
	assert_int_equal(vpic_attach(&vm.vdev, &pic), 0);
	assert_int_equal(vlapic_attach(&lapic, &vm.vdev, &clk), 0);
	virq_init(&router, &pic, NULL);
	assert_int_equal(vpit_attach(&vm.vdev, &pit, &router, fake_now, NULL), 0);
	vm.pic = &pic;
	vm.lapic = &lapic;
	vm.pit = &pit;
	pic_linux_init();
	return 0;
}

/* Linux's setup_local_APIC() with no I/O APIC: enabled, LINT0 ExtINT. */
static void apic_virtual_wire(void)
{
	wr(X2APIC_MSR(APIC_SPIV), APIC_SPIV_APIC_ENABLED | 0xff);
	wr(X2APIC_MSR(APIC_LVT0), APIC_DM_EXTINT);
}

/* At start, LINT0 carries the PIC (virtual wire): IRQ0 is vector 0x30. */
static void test_pic_through_lint0(void **state)
{
	assert_int_equal(vintr_pending(&vm), -1);
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0);
	/* Looking is not acknowledging. */
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0);
	assert_int_equal(pic.chip[0].isr, 0);
	assert_int_equal(pic.chip[0].irr, 1);
	vintr_ack(&vm, PIC_VECTOR0);
	assert_int_equal(pic.chip[0].isr, 1);
	assert_int_equal(vintr_pending(&vm), -1);
	assert_int_equal(pic.stats.acks[0], 1);
}

/* Slave IRQ 12 (PS/2 mouse) arrives through the cascade as vector 0x3c. */
static void test_pic_slave_vector(void **state)
{
	vpic_set_irq(&pic, 12, true);
	assert_int_equal(vintr_pending(&vm), 0x3c);
	vintr_ack(&vm, 0x3c);
	assert_int_equal(pic.chip[1].isr, 1u << 4);
	assert_int_equal(pic.chip[0].isr, 1u << 2);
}

/* Both pending: ExtINT goes to the core before IRR is looked at (KVM's order). */
static void test_pic_before_apic(void **state)
{
	apic_virtual_wire();
	vlapic_set_irq(&lapic, TIMER_VECTOR);
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0);
	vintr_ack(&vm, PIC_VECTOR0);
	assert_int_equal(lapic.isr[TIMER_VECTOR / 32], 0);
	assert_int_equal(vintr_pending(&vm), TIMER_VECTOR);
	vintr_ack(&vm, TIMER_VECTOR);
	assert_true(lapic.isr[TIMER_VECTOR / 32] & (1u << (TIMER_VECTOR % 32)));
	assert_int_equal(vintr_pending(&vm), -1);
	assert_int_equal(pic.stats.acks[0], 1);
	assert_null(strstr(fake_console_text(), "ack of vector"));
}

/* ExtINT ignores the APIC's priorities: TPR and ISR do not hold the PIC back. */
static void test_pic_ignores_ppr(void **state)
{
	apic_virtual_wire();
	wr(X2APIC_MSR(APIC_TASKPRI), 0xf0);
	vpic_set_irq(&pic, 1, true);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0 + 1);
	vlapic_set_irq(&lapic, 0x40);
	vintr_ack(&vm, PIC_VECTOR0 + 1);
	assert_int_equal(vintr_pending(&vm), -1); /* 0x40 is below the TPR */
}

/* LVT0 masked: the PIC's INTR goes nowhere; the APIC still delivers. */
static void test_lint0_masked(void **state)
{
	apic_virtual_wire();
	wr(X2APIC_MSR(APIC_LVT0), APIC_DM_EXTINT | APIC_LVT_MASKED);
	vpic_set_irq(&pic, 0, true);
	assert_int_equal(vintr_pending(&vm), -1);
	vlapic_set_irq(&lapic, 0x41);
	assert_int_equal(vintr_pending(&vm), 0x41);
	vintr_ack(&vm, 0x41);
	assert_int_equal(pic.chip[0].isr, 0); /* the PIC was not asked */
	/* LINT0 as a fixed interrupt pin is not ExtINT either. */
	wr(X2APIC_MSR(APIC_LVT0), APIC_DM_FIXED | 0x50);
	assert_int_equal(vintr_pending(&vm), -1);
	/* Unmasked ExtINT again: the request the PIC held all along comes through. */
	wr(X2APIC_MSR(APIC_LVT0), APIC_DM_EXTINT);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0);
}

/* Software-disabled (SVR): LVT0 is masked, new APIC interrupts are refused. */
static void test_apic_software_disabled(void **state)
{
	apic_virtual_wire();
	wr(X2APIC_MSR(APIC_SPIV), 0xff);
	vpic_set_irq(&pic, 0, true);
	vlapic_set_irq(&lapic, 0x42);
	wr(X2APIC_MSR(APIC_SELF_IPI), 0x43);
	assert_int_equal(vintr_pending(&vm), -1);
	/* Enabled again: the LVT masks stay until the guest clears them. */
	wr(X2APIC_MSR(APIC_SPIV), APIC_SPIV_APIC_ENABLED | 0xff);
	assert_int_equal(vintr_pending(&vm), -1);
	wr(X2APIC_MSR(APIC_LVT0), APIC_DM_EXTINT);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0);
}

/* Globally disabled (IA32_APIC_BASE.EN = 0): the PIC is wired to INTR. */
static void test_apic_globally_disabled(void **state)
{
	apic_virtual_wire();
	wr(X2APIC_MSR(APIC_LVT0), APIC_DM_EXTINT | APIC_LVT_MASKED);
	vlapic_set_irq(&lapic, 0x44);
	wr(MSR_IA32_APICBASE, 0xfee00000ULL | MSR_IA32_APICBASE_BSP);
	assert_int_equal(vintr_pending(&vm), -1); /* the APIC's IRR went with it */
	vpic_set_irq(&pic, 3, true);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0 + 3);
	vintr_ack(&vm, PIC_VECTOR0 + 3);
	assert_int_equal(pic.chip[0].isr, 1u << 3);
}

/* A machine without a local APIC, or without a PIC. */
static void test_missing_controllers(void **state)
{
	vm.lapic = NULL;
	vpic_set_irq(&pic, 4, true);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0 + 4);
	vintr_ack(&vm, PIC_VECTOR0 + 4);
	assert_int_equal(vintr_pending(&vm), -1);

	vm.lapic = &lapic;
	vm.pic = NULL;
	apic_virtual_wire();
	assert_int_equal(vintr_pending(&vm), -1);
	vlapic_set_irq(&lapic, 0x45);
	assert_int_equal(vintr_pending(&vm), 0x45);
	vintr_ack(&vm, 0x45);
	assert_int_equal(vintr_pending(&vm), -1);

	vm.lapic = NULL;
	assert_int_equal(vintr_pending(&vm), -1);
	vintr_ack(&vm, -1); /* nothing to ack: no harm */
	assert_int_equal(vintr_next_event_ns(&vm), vpit_next_event_ns(&pit));
}

/* An ack that does not match what is pending is logged, not obeyed blindly. */
static void test_ack_mismatch(void **state)
{
	apic_virtual_wire();
	vintr_ack(&vm, 0x50);
	assert_non_null(strstr(fake_console_text(), "ack of vector 80, but -1"));
	vlapic_set_irq(&lapic, 0x60);
	vintr_ack(&vm, 0x61);
	assert_int_equal(lapic.isr[3], 0);
	assert_int_equal(vintr_pending(&vm), 0x60);
}

/* The next timer event: the earlier of the APIC timer and PIT channel 0. */
static void test_next_event(void **state)
{
	const uint16_t latch = 1193; /* ~1 ms */
	uint64_t pit_next;

	apic_virtual_wire();
	assert_int_equal(vintr_next_event_ns(&vm), VINTR_NO_EVENT);
	/* APIC one-shot, 5 ms at divide 1. */
	wr(X2APIC_MSR(APIC_TDCR), APIC_TDR_DIV_1);
	wr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR);
	wr(X2APIC_MSR(APIC_TMICT), 5000000);
	assert_int_equal(vintr_next_event_ns(&vm), now + 5000000);
	/* PIT channel 0, mode 2, as Linux's PIT clockevent: the PIT is sooner. */
	outb(0x43, 0x34);
	outb(0x40, latch & 0xff);
	outb(0x40, latch >> 8);
	pit_next = vpit_next_event_ns(&pit);
	assert_true(pit_next < now + 5000000);
	assert_int_equal(vintr_next_event_ns(&vm), pit_next);
	/* Without the PIT, the APIC's. */
	vm.pit = NULL;
	assert_int_equal(vintr_next_event_ns(&vm), now + 5000000);
	/* An APIC timer sooner than the PIT wins. */
	vm.pit = &pit;
	wr(X2APIC_MSR(APIC_TMICT), 100);
	assert_int_equal(vintr_next_event_ns(&vm), now + 100);
}

/*
 * The VMX-preemption timer value for the next guest timer event: TSC
 * cycles of the distance, divided by 2^rate and rounded up (never early);
 * 0 when due; all ones with nothing armed or beyond 32 bits.
 */
static void test_preemption_timer_value(void **state)
{
	uint64_t saved_khz = tsc_khz;

	tsc_khz = 2000000; /* 2 GHz: 2 cycles per ns */
	vmx_caps.misc = 5; /* one count per 32 TSC cycles */
	apic_virtual_wire();
	assert_int_equal(vm_preemption_timer_value(&vm, now), UINT32_MAX);
	wr(X2APIC_MSR(APIC_TDCR), APIC_TDR_DIV_1);
	wr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR);
	wr(X2APIC_MSR(APIC_TMICT), 1000000); /* 1 ms at 1 GHz */
	assert_int_equal(vm_preemption_timer_value(&vm, now), 2000000 / 32);
	assert_int_equal(vm_preemption_timer_value(&vm, now + 999984), 1); /* 32 cycles */
	assert_int_equal(vm_preemption_timer_value(&vm, now + 999990), 1); /* 20: rounds up */
	assert_int_equal(vm_preemption_timer_value(&vm, now + 1000000), 0);
	assert_int_equal(vm_preemption_timer_value(&vm, now + 5000000), 0);
	vmx_caps.misc = 0; /* rate 0: one count per cycle */
	assert_int_equal(vm_preemption_timer_value(&vm, now + 999999), 2);
	wr(X2APIC_MSR(APIC_TMICT), 0xffffffff); /* ~4.3 s: 8.6e9 cycles, over 32 bits */
	assert_int_equal(vm_preemption_timer_value(&vm, now), UINT32_MAX);
	tsc_khz = saved_khz;
}

/* Halt polling: only an event due within one host tick is polled for. */
static void test_idle_poll(void **state)
{
	const uint64_t tick = 1000000;

	apic_virtual_wire();
	assert_int_equal(vm_idle_poll_ns(&vm, now, tick), 0); /* nothing armed: sleep */
	wr(X2APIC_MSR(APIC_TDCR), APIC_TDR_DIV_1);
	wr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR);
	wr(X2APIC_MSR(APIC_TMICT), 4000000); /* 4 ms */
	assert_int_equal(vm_idle_poll_ns(&vm, now, tick), 0);
	assert_int_equal(vm_idle_poll_ns(&vm, now + 3000000, tick), 0); /* exactly a tick */
	assert_int_equal(vm_idle_poll_ns(&vm, now + 3000001, tick), 999999);
	assert_int_equal(vm_idle_poll_ns(&vm, now + 3999999, tick), 1);
	assert_int_equal(vm_idle_poll_ns(&vm, now + 4000000, tick), 0); /* due: no wait */
}

/* The whole path: PIT IRQ0 and the APIC timer both fire; the PIC goes first. */
static void test_timers_end_to_end(void **state)
{
	apic_virtual_wire();
	wr(X2APIC_MSR(APIC_LVTT), TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 1000); /* 1 us at 1 GHz */
	outb(0x43, 0x34);
	outb(0x40, 2); /* 2 PIT clocks: ~1.7 us */
	outb(0x40, 0);
	now += 5000;
	tsc += 5000;
	vpit_tick(&pit, now);
	vlapic_tick(&lapic, now);
	assert_int_equal(vintr_pending(&vm), PIC_VECTOR0);
	vintr_ack(&vm, PIC_VECTOR0);
	assert_int_equal(vintr_pending(&vm), TIMER_VECTOR);
	vintr_ack(&vm, TIMER_VECTOR);
	assert_int_equal(vintr_pending(&vm), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pic_through_lint0, setup),
		cmocka_unit_test_setup(test_pic_slave_vector, setup),
		cmocka_unit_test_setup(test_pic_before_apic, setup),
		cmocka_unit_test_setup(test_pic_ignores_ppr, setup),
		cmocka_unit_test_setup(test_lint0_masked, setup),
		cmocka_unit_test_setup(test_apic_software_disabled, setup),
		cmocka_unit_test_setup(test_apic_globally_disabled, setup),
		cmocka_unit_test_setup(test_missing_controllers, setup),
		cmocka_unit_test_setup(test_ack_mismatch, setup),
		cmocka_unit_test_setup(test_next_event, setup),
		cmocka_unit_test_setup(test_timers_end_to_end, setup),
		cmocka_unit_test_setup(test_preemption_timer_value, setup),
		cmocka_unit_test_setup(test_idle_poll, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
