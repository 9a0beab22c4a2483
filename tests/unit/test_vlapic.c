/*
 * test_vlapic.c - the guest's x2APIC, driven through the MSR table as
 * Linux drives it: the x2APIC init sequence of setup_local_APIC(), the
 * timer calibration, TSC-deadline and one-shot timers; priority and EOI
 * nesting, self-IPIs, the accesses that must raise #GP, and what the
 * I/O APIC needs: TMR, the EOI broadcast, destination matching.
 *
 * The clock is two variables: guest ns and guest TSC at 2 GHz, moved
 * together by advance().
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
#include "errcode.h"
#include "shell.h"
#include "vlapic.h"
#include "vm.h"

#define TSC_KHZ 2000000ULL /* 2 GHz: 2 cycles a ns */
#define LOCAL_TIMER_VECTOR 0xec /* Linux's vectors */
#define ERROR_APIC_VECTOR 0xfe
#define SPURIOUS_APIC_VECTOR 0xff

#define MSR_ID X2APIC_MSR(APIC_ID)
#define MSR_LVR X2APIC_MSR(APIC_LVR)
#define MSR_TPR X2APIC_MSR(APIC_TASKPRI)
#define MSR_PPR X2APIC_MSR(APIC_PROCPRI)
#define MSR_EOI X2APIC_MSR(APIC_EOI)
#define MSR_LDR X2APIC_MSR(APIC_LDR)
#define MSR_SVR X2APIC_MSR(APIC_SPIV)
#define MSR_ISR0 X2APIC_MSR(APIC_ISR)
#define MSR_TMR0 X2APIC_MSR(APIC_TMR)
#define MSR_IRR0 X2APIC_MSR(APIC_IRR)
#define MSR_ESR X2APIC_MSR(APIC_ESR)
#define MSR_ICR X2APIC_MSR(APIC_ICR)
#define MSR_LVTT X2APIC_MSR(APIC_LVTT)
#define MSR_LVTTHMR X2APIC_MSR(APIC_LVTTHMR)
#define MSR_LVTPC X2APIC_MSR(APIC_LVTPC)
#define MSR_LVT0 X2APIC_MSR(APIC_LVT0)
#define MSR_LVT1 X2APIC_MSR(APIC_LVT1)
#define MSR_LVTERR X2APIC_MSR(APIC_LVTERR)
#define MSR_TMICT X2APIC_MSR(APIC_TMICT)
#define MSR_TMCCT X2APIC_MSR(APIC_TMCCT)
#define MSR_TDCR X2APIC_MSR(APIC_TDCR)
#define MSR_SELF_IPI X2APIC_MSR(APIC_SELF_IPI)

static struct vdev_table t;
static struct vlapic a;
static uint64_t now, tsc;

static uint64_t fake_now(void *ctx)
{
	return now;
}

static uint64_t fake_tsc(void *ctx)
{
	return tsc;
}

static void advance(uint64_t ns)
{
	now += ns;
	tsc += ns * (TSC_KHZ / 1000000);
}

static uint64_t rd(uint32_t msr)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(msr_dispatch_read(&t, msr, &v), 0);
	return v;
}

static void wr(uint32_t msr, uint64_t v)
{
	assert_int_equal(msr_dispatch_write(&t, msr, v), 0);
}

static int rd_err(uint32_t msr)
{
	uint64_t v;

	return msr_dispatch_read(&t, msr, &v);
}

static int wr_err(uint32_t msr, uint64_t v)
{
	return msr_dispatch_write(&t, msr, v);
}

static int setup(void **state)
{
	const struct vlapic_clock clk = { fake_now, fake_tsc, NULL, TSC_KHZ };

	t = (struct vdev_table){ 0 };
	now = 1000000;
	tsc = 123456789;
	fake_console_reset();
	assert_int_equal(vlapic_attach(&a, &t, &clk), 0);
	return 0;
}

static void sw_enable(void)
{
	wr(MSR_SVR, APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR);
}

/* The state firmware that enabled x2APIC leaves, as the header promises. */
static void test_start_state(void **state)
{
	assert_int_equal(rd(MSR_IA32_APICBASE), 0xfee00000ULL | MSR_IA32_APICBASE_BSP |
							MSR_IA32_APICBASE_ENABLE |
							MSR_IA32_APICBASE_EXTD);
	assert_int_equal(rd(MSR_ID), 0);
	assert_int_equal(rd(MSR_LVR), 0x00050014);
	assert_int_equal(rd(MSR_LDR), 1);
	assert_int_equal(rd(MSR_SVR), 0xff);
	assert_int_equal(rd(MSR_TPR), 0);
	assert_int_equal(rd(MSR_PPR), 0);
	assert_int_equal(rd(MSR_LVTT), APIC_LVT_MASKED);
	assert_int_equal(rd(MSR_LVT0), APIC_DM_EXTINT);
	assert_int_equal(rd(MSR_LVT1), APIC_LVT_MASKED);
	assert_int_equal(rd(MSR_LVTERR), APIC_LVT_MASKED);
	assert_int_equal(rd(MSR_TMCCT), 0);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), 0);
	assert_true(vlapic_lint0_extint(&a));
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
}

/* setup_local_APIC() and lapic_setup_esr() of Linux 6.1, x2APIC, no I/O APIC. */
static void test_linux_init_sequence(void **state)
{
	uint64_t v = rd(MSR_IA32_APICBASE);

	assert_true(v & MSR_IA32_APICBASE_EXTD); /* "x2apic enabled by BIOS" */
	/* apic_pending_intr_clear(): nothing in ISR or IRR to EOI away. */
	for (int i = 7; i >= 0; i--) {
		assert_int_equal(rd(MSR_ISR0 + i), 0);
		assert_int_equal(rd(MSR_IRR0 + i), 0);
	}
	wr(MSR_TPR, (rd(MSR_TPR) & ~0xffULL) | 0x10);
	v = rd(MSR_SVR) & ~APIC_VECTOR_MASK;
	wr(MSR_SVR, v | APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR);
	assert_int_equal(rd(MSR_LVT0) & APIC_LVT_MASKED, 0);
	wr(MSR_LVT0, APIC_DM_EXTINT); /* "enabled ExtINT on CPU#0" */
	wr(MSR_LVT1, APIC_DM_NMI);
	/* lapic_setup_esr(): maxlvt > 3, so the ESR writes happen. */
	assert_int_equal((rd(MSR_LVR) >> 16) & 0xff, 5);
	wr(MSR_ESR, 0);
	assert_int_equal(rd(MSR_ESR), 0);
	wr(MSR_LVTERR, ERROR_APIC_VECTOR);
	wr(MSR_ESR, 0);
	assert_int_equal(rd(MSR_ESR), 0);
	/* The clockevent: TSC-deadline, unmasked. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);

	assert_int_equal(rd(MSR_SVR), 0x1ff);
	assert_int_equal(rd(MSR_TPR), 0x10);
	assert_int_equal(rd(MSR_PPR), 0x10);
	assert_int_equal(rd(MSR_LVT0), APIC_DM_EXTINT);
	assert_int_equal(rd(MSR_LVT1), APIC_DM_NMI);
	assert_int_equal(rd(MSR_LVTERR), ERROR_APIC_VECTOR);
	assert_int_equal(rd(MSR_LVTT), LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	assert_true(vlapic_lint0_extint(&a));
	assert_int_equal(a.stats.refused, 0);
}

/*
 * calibrate_APIC_clock(): a masked periodic timer, divide by 16, initial
 * count 0xffffffff / 16, the current count read as time passes; then
 * lapic_timer_shutdown().
 */
static void test_linux_timer_calibration(void **state)
{
	const uint32_t initial = 0xffffffffu / 16;
	uint64_t v;

	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED);
	v = rd(MSR_TDCR);
	wr(MSR_TDCR, (v & ~(APIC_TDR_DIV_1 | 0x4ULL)) | APIC_TDR_DIV_16);
	wr(MSR_TMICT, initial);
	assert_int_equal(rd(MSR_TMICT), initial);
	assert_int_equal(rd(MSR_TMCCT), initial);
	advance(16 * 1000); /* 1000 timer ticks at 1 GHz / 16 */
	assert_int_equal(rd(MSR_TMCCT), initial - 1000);
	advance(16 * 5000 + 15);
	assert_int_equal(rd(MSR_TMCCT), initial - 6000);
	/* Masked: the count runs but nothing is delivered. */
	advance((uint64_t)initial * 16);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_true(a.stats.timer_fires >= 1);
	assert_int_equal(rd(MSR_TMCCT), initial - 6000); /* reloaded: same phase */
	/* lapic_timer_shutdown() */
	wr(MSR_LVTT, rd(MSR_LVTT) | APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	wr(MSR_TMICT, 0);
	assert_int_equal(rd(MSR_TMCCT), 0);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
}

/* lapic_next_deadline(): arm, fire once at the TSC, disarm. */
static void test_tsc_deadline_fires(void **state)
{
	uint64_t t0 = now;

	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 2000); /* 1000 ns at 2 GHz */
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), tsc + 2000);
	assert_int_equal(vlapic_next_event_ns(&a), t0 + 1000);
	vlapic_tick(&a, t0 + 999);
	assert_int_equal(vlapic_pending(&a), -1);
	advance(1000);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	/* TMICT is ignored and TMCCT reads 0 in TSC-deadline mode. */
	wr(MSR_TMICT, 5000);
	assert_int_equal(rd(MSR_TMICT), 0);
	assert_int_equal(rd(MSR_TMCCT), 0);
}

static void test_tsc_deadline_edges(void **state)
{
	sw_enable();
	/* Not in TSC-deadline mode: writes vanish, reads are 0. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 100);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), 0);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	/* A deadline in the past fires at the next tick. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc - 1);
	assert_int_equal(vlapic_next_event_ns(&a), now);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	vlapic_ack(&a, LOCAL_TIMER_VECTOR);
	wr(MSR_EOI, 0);
	/* Half a nanosecond away rounds up: a deadline never fires early. */
	wr(MSR_IA32_TSC_DEADLINE, tsc + 1);
	assert_int_equal(vlapic_next_event_ns(&a), now + 1);
	/* 0 disarms. */
	wr(MSR_IA32_TSC_DEADLINE, tsc + 10);
	wr(MSR_IA32_TSC_DEADLINE, 0);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	/* The farthest deadline is far, but armed, and does not overflow. */
	wr(MSR_IA32_TSC_DEADLINE, UINT64_MAX);
	assert_true(vlapic_next_event_ns(&a) > now + 1000000000000000ULL);
	assert_true(vlapic_next_event_ns(&a) != VLAPIC_NO_EVENT);
	/* Leaving TSC-deadline mode disarms and clears the deadline. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	assert_int_equal(a.tsc_deadline, 0); /* the shell shows no stale deadline */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), 0);
}

/* lapic_next_event() in one-shot mode: TMICT counts down once, divide by 1. */
static void test_oneshot(void **state)
{
	uint64_t t0 = now;

	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	wr(MSR_TDCR, APIC_TDR_DIV_1);
	wr(MSR_TMICT, 1000);
	assert_int_equal(vlapic_next_event_ns(&a), t0 + 1000);
	advance(400);
	assert_int_equal(rd(MSR_TMCCT), 600);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), -1);
	advance(600);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	assert_int_equal(rd(MSR_TMCCT), 0);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	/* Once only. */
	vlapic_ack(&a, LOCAL_TIMER_VECTOR);
	advance(5000);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(a.stats.timer_fires, 1);
}

/*
 * An expiry a register access overtakes is not lost: it happened before
 * the access, whether or not the run loop ticked in between.
 */
static void test_expired_before_access(void **state)
{
	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	wr(MSR_TDCR, APIC_TDR_DIV_1);
	wr(MSR_TMICT, 100);
	advance(200); /* nobody ticked */
	wr(MSR_TDCR, APIC_TDR_DIV_16);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	vlapic_ack(&a, LOCAL_TIMER_VECTOR);
	wr(MSR_EOI, 0);
	/* A read shows it in IRR. */
	wr(MSR_TMICT, 10);
	advance(1000);
	assert_int_equal(rd(MSR_IRR0 + LOCAL_TIMER_VECTOR / 32), 1u << (LOCAL_TIMER_VECTOR % 32));
	vlapic_ack(&a, LOCAL_TIMER_VECTOR);
	wr(MSR_EOI, 0);
	/* A new TSC deadline comes after the old one fired. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 20);
	advance(100);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 2000);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	assert_int_equal(vlapic_next_event_ns(&a), now + 1000);
}

/* Timer mode changes: same mode keeps the timer, one-shot done stays done. */
static void test_timer_mode_changes(void **state)
{
	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 2000);
	/* Masking the timer in the same mode keeps the deadline armed. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE | APIC_LVT_MASKED);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), tsc + 2000);
	assert_int_equal(vlapic_next_event_ns(&a), now + 1000);
	/* A one-shot that ran out does not restart when made periodic. */
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	wr(MSR_TDCR, APIC_TDR_DIV_1);
	wr(MSR_TMICT, 100);
	assert_int_equal(vlapic_timer_count(&a, now + 1000), 0); /* before any tick */
	advance(100);
	vlapic_tick(&a, now);
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
	advance(50);
	assert_int_equal(rd(MSR_TMCCT), 0);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	/* A running one-shot made periodic goes on, then reloads. */
	wr(MSR_TMICT, 1000000);
	advance(400000);
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED);
	assert_int_equal(rd(MSR_TMCCT), 600000);
	advance(600000);
	assert_int_equal(rd(MSR_TMCCT), 1000000);
}

static void test_periodic(void **state)
{
	const uint32_t count = 1000000; /* 1 ms at divide 1 */

	sw_enable();
	wr(MSR_TDCR, APIC_TDR_DIV_1);
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC);
	wr(MSR_TMICT, count);
	advance(count);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	assert_int_equal(vlapic_next_event_ns(&a), now + count);
	vlapic_ack(&a, LOCAL_TIMER_VECTOR);
	wr(MSR_EOI, 0);
	/* Three periods late: one interrupt, next expiry on the period grid. */
	advance(3 * count + 10);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), LOCAL_TIMER_VECTOR);
	assert_int_equal(vlapic_next_event_ns(&a), now - 10 + count);
	assert_int_equal(a.stats.timer_fires, 2);
	/* A tiny period is slowed to the minimum, the first and every next one. */
	wr(MSR_TMICT, 1);
	assert_int_equal(vlapic_next_event_ns(&a), now + VLAPIC_MIN_PERIOD_NS);
	advance(VLAPIC_MIN_PERIOD_NS);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_next_event_ns(&a), now + VLAPIC_MIN_PERIOD_NS);
}

/* Changing the divider mid-count keeps the count and changes the rate. */
static void test_divide_change(void **state)
{
	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	wr(MSR_TDCR, APIC_TDR_DIV_1);
	wr(MSR_TMICT, 1000);
	advance(400);
	wr(MSR_TDCR, 0x8); /* divide by 32 */
	assert_int_equal(rd(MSR_TMCCT), 600);
	advance(32 * 100);
	assert_int_equal(rd(MSR_TMCCT), 500);
	assert_int_equal(vlapic_next_event_ns(&a), now + 32 * 500);
}

/* Two nested interrupts of different classes, TPR, and EOI order. */
static void test_priority_and_eoi_nesting(void **state)
{
	sw_enable();
	vlapic_set_irq(&a, 0x30);
	assert_int_equal(vlapic_pending(&a), 0x30);
	vlapic_ack(&a, 0x30);
	assert_int_equal(rd(MSR_ISR0 + 1), 1u << 16);
	assert_int_equal(rd(MSR_PPR), 0x30);
	vlapic_set_irq(&a, 0x35); /* same class as in service: waits */
	assert_int_equal(vlapic_pending(&a), -1);
	vlapic_set_irq(&a, 0x41); /* higher class: nests */
	assert_int_equal(vlapic_pending(&a), 0x41);
	assert_int_equal(rd(MSR_IRR0 + 2), 1u << 1);
	vlapic_ack(&a, 0x41);
	assert_int_equal(rd(MSR_PPR), 0x40);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(MSR_EOI, 0); /* ends 0x41, the highest in service */
	assert_int_equal(rd(MSR_ISR0 + 2), 0);
	assert_int_equal(rd(MSR_ISR0 + 1), 1u << 16);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(MSR_EOI, 0);
	assert_int_equal(rd(MSR_PPR), 0);
	assert_int_equal(vlapic_pending(&a), 0x35);
	/* TPR: class 5 blocks 0x35 and 0x50, not 0x61; PPR shows the TPR. */
	wr(MSR_TPR, 0x50);
	vlapic_set_irq(&a, 0x50);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(rd(MSR_PPR), 0x50);
	vlapic_set_irq(&a, 0x61);
	assert_int_equal(vlapic_pending(&a), 0x61);
	wr(MSR_TPR, 0);
	/* An EOI with nothing in service is harmless. */
	vlapic_ack(&a, 0x61);
	wr(MSR_EOI, 0);
	wr(MSR_EOI, 0);
	assert_int_equal(vlapic_pending(&a), 0x50);
	/* An ack of a vector not in IRR changes nothing. */
	vlapic_ack(&a, 0x99);
	assert_int_equal(rd(MSR_ISR0 + 4), 0);
}

/* The EOI listener (the I/O APIC): the vectors it heard, and what it saw then. */
static uint8_t heard[8];
static unsigned int nr_heard;
static bool isr_clear_when_heard;

static void listener(void *ctx, uint8_t vector)
{
	assert_ptr_equal(ctx, &a);
	isr_clear_when_heard = !(a.isr[vector / 32] & (1u << (vector % 32)));
	if (nr_heard < ARRAY_SIZE(heard))
		heard[nr_heard++] = vector;
}

/*
 * Fixed interrupts from the I/O APIC: level sets TMR, edge clears it; the
 * EOI of a TMR vector goes to the listener after ISR is cleared, the EOI
 * of an edge vector goes nowhere.
 */
static void test_level_tmr_and_eoi_broadcast(void **state)
{
	nr_heard = 0;
	vlapic_set_eoi_listener(&a, listener, &a);
	sw_enable();
	assert_true(vlapic_accept_irq(&a, 0x39, true));
	assert_int_equal(rd(MSR_TMR0 + 1), 1u << 25);
	assert_int_equal(vlapic_pending(&a), 0x39);
	vlapic_ack(&a, 0x39);
	wr(MSR_EOI, 0);
	assert_int_equal(nr_heard, 1);
	assert_int_equal(heard[0], 0x39);
	assert_true(isr_clear_when_heard);
	assert_int_equal(a.stats.level_eois, 1);
	/* The same vector arriving edge-triggered clears TMR: its EOI is not heard. */
	assert_true(vlapic_accept_irq(&a, 0x39, false));
	assert_int_equal(rd(MSR_TMR0 + 1), 0);
	vlapic_ack(&a, 0x39);
	wr(MSR_EOI, 0);
	assert_int_equal(nr_heard, 1);
	/* Self-IPIs and the timer are edge: TMR stays clear. */
	assert_true(vlapic_accept_irq(&a, 0x45, true));
	wr(MSR_SELF_IPI, 0x45);
	assert_int_equal(rd(MSR_TMR0 + 2), 0);
	/* A refused interrupt says so and leaves TMR alone. */
	assert_false(vlapic_accept_irq(&a, 0x0e, true));
	assert_int_equal(rd(MSR_TMR0), 0);
	/* An EOI with nothing in service tells nobody. */
	vlapic_ack(&a, 0x45);
	wr(MSR_EOI, 0);
	wr(MSR_EOI, 0);
	assert_int_equal(nr_heard, 1);
}

/* The listener is wiring: disabling the APIC (a register reset) keeps it. */
static void test_eoi_listener_survives_reset(void **state)
{
	vlapic_set_eoi_listener(&a, listener, &a);
	wr(MSR_IA32_APICBASE, 0xfee00000ULL | MSR_IA32_APICBASE_BSP);
	assert_ptr_equal(a.eoi_fn, listener);
	assert_ptr_equal(a.eoi_ctx, &a);
	/* Disabled: it accepts nothing and matches no destination. */
	assert_false(vlapic_accept_irq(&a, 0x39, true));
	assert_false(vlapic_match_dest(&a, 0, false));
	assert_false(vlapic_match_dest(&a, 0xff, false));
	/* No listener: a level EOI is counted and goes nowhere. */
	setup(state);
	sw_enable();
	vlapic_accept_irq(&a, 0x39, true);
	vlapic_ack(&a, 0x39);
	wr(MSR_EOI, 0);
	assert_int_equal(a.stats.level_eois, 1);
}

/* 8-bit I/O APIC destinations: physical ID 0 or 0xff; logical sets meeting LDR 0x1. */
static void test_match_dest(void **state)
{
	assert_true(vlapic_match_dest(&a, 0, false));
	assert_true(vlapic_match_dest(&a, 0xff, false));
	assert_false(vlapic_match_dest(&a, 1, false));
	assert_false(vlapic_match_dest(&a, 0x10, false));
	assert_true(vlapic_match_dest(&a, 0x01, true));
	assert_true(vlapic_match_dest(&a, 0x81, true));
	assert_true(vlapic_match_dest(&a, 0xff, true));
	assert_false(vlapic_match_dest(&a, 0x02, true));
	assert_false(vlapic_match_dest(&a, 0x00, true));
	/* Another ID, another logical bit (x2APIC LDR: 1 << (id & 15)). */
	a.id = 3;
	assert_true(vlapic_match_dest(&a, 3, false));
	assert_false(vlapic_match_dest(&a, 0, false));
	assert_true(vlapic_match_dest(&a, 0x08, true));
	assert_false(vlapic_match_dest(&a, 0x01, true));
	/* ID 16 is cluster 1, which no 8-bit destination can name but broadcast. */
	a.id = 16;
	assert_false(vlapic_match_dest(&a, 0x01, true));
	assert_true(vlapic_match_dest(&a, 0xff, true));
}

static void test_self_ipi(void **state)
{
	sw_enable();
	wr(MSR_SELF_IPI, 0x40);
	assert_int_equal(vlapic_pending(&a), 0x40);
	/* ICR, shorthand "self", fixed: the destination field does not matter. */
	wr(MSR_ICR, (7ULL << 32) | APIC_DEST_SELF | 0x51);
	assert_int_equal(rd(MSR_ICR), (7ULL << 32) | APIC_DEST_SELF | 0x51);
	assert_int_equal(vlapic_pending(&a), 0x51);
	/* ICR, physical destination 0 (this vCPU). */
	wr(MSR_ICR, (0ULL << 32) | 0x62);
	assert_int_equal(vlapic_pending(&a), 0x62);
	/* Logical destination: cluster 0, bit 0 is this vCPU. */
	wr(MSR_ICR, (1ULL << 32) | APIC_DEST_LOGICAL | 0x73);
	assert_int_equal(vlapic_pending(&a), 0x73);
	/* All including self: this vCPU too. */
	wr(MSR_ICR, (5ULL << 32) | APIC_DEST_ALLINC | 0x84);
	assert_int_equal(vlapic_pending(&a), 0x84);
	/* Physical broadcast. */
	wr(MSR_ICR, (0xffffffffULL << 32) | 0x95);
	assert_int_equal(vlapic_pending(&a), 0x95);
	assert_int_equal(a.stats.self_ipis, 6);
	assert_int_equal(a.stats.ipis_dropped, 0);
}

static void test_ipi_dropped(void **state)
{
	sw_enable();
	wr(MSR_ICR, (1ULL << 32) | 0x40); /* APIC ID 1: no such vCPU */
	wr(MSR_ICR, (2ULL << 32) | APIC_DEST_LOGICAL | 0x40); /* logical bit 1 */
	wr(MSR_ICR, (1ULL << 48) | (1ULL << 32) | APIC_DEST_LOGICAL | 0x40); /* cluster 1 */
	wr(MSR_ICR, APIC_DEST_ALLBUT | 0x40);
	wr(MSR_ICR, APIC_DEST_SELF | APIC_DM_INIT);
	wr(MSR_ICR, APIC_DEST_SELF | APIC_DM_STARTUP | 0x10);
	wr(MSR_ICR, APIC_DEST_SELF | APIC_DM_NMI);
	assert_int_equal(vlapic_pending(&a), -1);
	for (int i = 0; i < 8; i++)
		assert_int_equal(a.irr[i], 0);
	assert_int_equal(a.stats.ipis_dropped, 7);
	assert_non_null(strstr(fake_console_text(), "dropped"));
}

/* Vectors 0-15 are illegal: ESR records it, the LVT error vector fires. */
static void test_illegal_vector(void **state)
{
	sw_enable();
	wr(MSR_LVTERR, ERROR_APIC_VECTOR);
	wr(MSR_SELF_IPI, 0x05);
	assert_int_equal(vlapic_pending(&a), ERROR_APIC_VECTOR);
	assert_int_equal(a.irr[0], 0);
	assert_int_equal(rd(MSR_ESR), 0); /* not latched before an ESR write */
	wr(MSR_ESR, 0);
	assert_int_equal(rd(MSR_ESR), APIC_ESR_SENDILL | APIC_ESR_RECVILL);
	wr(MSR_ESR, 0);
	assert_int_equal(rd(MSR_ESR), 0);
	/* A masked LVT error: the error is recorded, nothing is raised. */
	vlapic_ack(&a, ERROR_APIC_VECTOR);
	wr(MSR_EOI, 0);
	wr(MSR_LVTERR, ERROR_APIC_VECTOR | APIC_LVT_MASKED);
	vlapic_set_irq(&a, 0x02);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(MSR_ESR, 0);
	assert_int_equal(rd(MSR_ESR), APIC_ESR_RECVILL);
	/* An illegal error vector only sets the bit (no recursion). */
	wr(MSR_LVTERR, 0x03);
	vlapic_set_irq(&a, 0x01);
	wr(MSR_ESR, 0);
	assert_int_equal(rd(MSR_ESR), APIC_ESR_RECVILL);
}

/* Every register's #GP rule: read-only, write-only, absent, reserved bits. */
static void test_gp_cases(void **state)
{
	static const uint32_t read_only[] = {
		MSR_ID, MSR_LVR, MSR_PPR, MSR_LDR, MSR_ISR0, MSR_ISR0 + 7, MSR_TMR0,
		MSR_IRR0, MSR_IRR0 + 7, MSR_TMCCT,
	};
	static const uint32_t absent[] = {
		0x800, 0x801, 0x809, 0x80c, 0x80e, 0x82f /* CMCI */, 0x831, 0x83a, 0x840,
		0x8ff,
	};
	struct {
		uint32_t msr;
		uint64_t val;
	} reserved[] = {
		{ MSR_EOI, 1 },	{ MSR_ESR, 1 },	 { MSR_TPR, 0x100 },
		{ MSR_TPR, 1ULL << 32 }, { MSR_SVR, 0x1000 | 0x1ff }, { MSR_SVR, 1ULL << 40 },
		{ MSR_LVTT, BIT(19) }, { MSR_LVTT, APIC_LVT_TIMER_RESERVED },
		{ MSR_LVTT, APIC_DM_NMI }, { MSR_LVTERR, APIC_LVT_LEVEL_TRIGGER },
		{ MSR_LVT0, BIT(17) }, { MSR_TDCR, 0x4 }, { MSR_TDCR, 0x10 },
		{ MSR_ICR, BIT(12) | 0x40 }, { MSR_ICR, BIT(13) | 0x40 },
		{ MSR_ICR, BIT(16) | 0x40 }, { MSR_SELF_IPI, 0x140 },
		{ MSR_TMICT, 1ULL << 32 }, /* 63:32 reserved outside the ICR */
	};

	sw_enable();
	for (size_t i = 0; i < ARRAY_SIZE(read_only); i++) {
		(void)rd(read_only[i]);
		assert_int_equal(wr_err(read_only[i], 0), -EINVAL);
	}
	assert_int_equal(rd_err(MSR_EOI), -EINVAL);
	assert_int_equal(rd_err(MSR_SELF_IPI), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++) {
		assert_int_equal(rd_err(absent[i]), -EINVAL);
		assert_int_equal(wr_err(absent[i], 0), -EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		assert_int_equal(wr_err(reserved[i].msr, reserved[i].val), -EINVAL);
	/* None of it changed anything. */
	assert_int_equal(rd(MSR_TPR), 0);
	assert_int_equal(rd(MSR_SVR), 0x1ff);
	assert_int_equal(rd(MSR_LVTT), APIC_LVT_MASKED);
	assert_int_equal(rd(MSR_TDCR), 0);
	assert_int_equal(rd(MSR_TMICT), 0);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_true(a.stats.refused >= ARRAY_SIZE(reserved));
}

/* IA32_APIC_BASE: the x2APIC state machine without xAPIC mode. */
static void test_apic_base_transitions(void **state)
{
	const uint64_t base = rd(MSR_IA32_APICBASE);
	const uint64_t addr = base & APIC_BASE_ADDR_MASK;

	assert_int_equal(wr_err(MSR_IA32_APICBASE, addr | MSR_IA32_APICBASE_ENABLE), -EINVAL);
	assert_non_null(strstr(fake_console_text(), "xAPIC"));
	assert_int_equal(wr_err(MSR_IA32_APICBASE, addr | MSR_IA32_APICBASE_EXTD), -EINVAL);
	assert_int_equal(wr_err(MSR_IA32_APICBASE, base | BIT(9)), -EINVAL);
	assert_int_equal(wr_err(MSR_IA32_APICBASE, base | 0x1), -EINVAL);
	assert_int_equal(wr_err(MSR_IA32_APICBASE, base | BIT(52)), -EINVAL);
	assert_int_equal(wr_err(MSR_IA32_APICBASE, base | BIT(63)), -EINVAL);
	assert_int_equal(rd(MSR_IA32_APICBASE), base);
	/* Staying in x2APIC mode is allowed (and so is moving the unused base). */
	wr(MSR_IA32_APICBASE, base);
	wr(MSR_IA32_APICBASE, (base & ~APIC_BASE_ADDR_MASK) | 0xfed00000);
	assert_int_equal(rd(MSR_IA32_APICBASE) & APIC_BASE_ADDR_MASK, 0xfed00000);
	assert_int_equal(rd(MSR_ID), 0);
}

/* x2APIC -> disabled resets the APIC; the way back is #GP; the PIC takes INTR. */
static void test_disable_resets(void **state)
{
	const uint64_t base = rd(MSR_IA32_APICBASE);
	const uint64_t off = base & ~(MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD);

	sw_enable();
	wr(MSR_TPR, 0x20);
	wr(MSR_LVT0, APIC_DM_EXTINT | APIC_LVT_MASKED);
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	wr(MSR_TMICT, 100000);
	vlapic_set_irq(&a, 0x80);
	assert_false(vlapic_lint0_extint(&a));
	wr(MSR_IA32_APICBASE, off);
	assert_int_equal(rd(MSR_IA32_APICBASE), off);
	assert_true(vlapic_lint0_extint(&a)); /* no APIC in the INTR path */
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(rd_err(MSR_TPR), -EINVAL);
	assert_int_equal(wr_err(MSR_SELF_IPI, 0x40), -EINVAL);
	vlapic_set_irq(&a, 0x90);
	assert_int_equal(vlapic_pending(&a), -1);
	assert_int_equal(vlapic_next_event_ns(&a), VLAPIC_NO_EVENT);
	/* Registers are back at their RESET values. */
	assert_int_equal(a.tpr, 0);
	assert_int_equal(a.svr, 0xff);
	assert_int_equal(a.irr[4], 0);
	assert_int_equal(a.lvt[LVT_TIMER], APIC_LVT_MASKED);
	/* disabled -> x2APIC is illegal, disabled -> xAPIC is not offered. */
	assert_int_equal(wr_err(MSR_IA32_APICBASE, base), -EINVAL);
	assert_int_equal(wr_err(MSR_IA32_APICBASE, off | MSR_IA32_APICBASE_ENABLE), -EINVAL);
	assert_int_equal(rd(MSR_IA32_APICBASE), off);
	/* TSC deadline: reads 0, writes vanish. */
	wr(MSR_IA32_TSC_DEADLINE, tsc + 5);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), 0);
}

/* Software-disabled: LVTs stay masked, interrupts are not accepted. */
static void test_software_disabled(void **state)
{
	assert_int_equal(rd(MSR_SVR) & APIC_SPIV_APIC_ENABLED, 0);
	vlapic_set_irq(&a, 0x40);
	wr(MSR_SELF_IPI, 0x41);
	assert_int_equal(vlapic_pending(&a), -1);
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR); /* the mask cannot be cleared */
	assert_int_equal(rd(MSR_LVTT), LOCAL_TIMER_VECTOR | APIC_LVT_MASKED);
	wr(MSR_TMICT, 10);
	advance(100);
	vlapic_tick(&a, now);
	assert_int_equal(vlapic_pending(&a), -1);
	/* Enabled, then disabled through SVR: every LVT gets masked, LINT0 too. */
	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR);
	assert_int_equal(rd(MSR_LVTT), LOCAL_TIMER_VECTOR);
	assert_true(vlapic_lint0_extint(&a));
	wr(MSR_SVR, SPURIOUS_APIC_VECTOR);
	assert_true(rd(MSR_LVTT) & APIC_LVT_MASKED);
	assert_true(rd(MSR_LVT0) & APIC_LVT_MASKED);
	assert_false(vlapic_lint0_extint(&a));
	/* LINT0 in a mode other than ExtINT does not carry the PIC either. */
	sw_enable();
	wr(MSR_LVT0, APIC_DM_FIXED | 0x31);
	assert_false(vlapic_lint0_extint(&a));
	wr(MSR_LVT0, APIC_DM_EXTINT);
	assert_true(vlapic_lint0_extint(&a));
}

/* A slow TSC (Bochs's can be 1 MHz): the farthest deadline must not wrap. */
static void test_tsc_deadline_slow_tsc(void **state)
{
	const struct vlapic_clock slow = { fake_now, fake_tsc, NULL, 1000 };

	t = (struct vdev_table){ 0 };
	assert_int_equal(vlapic_attach(&a, &t, &slow), 0);
	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 3);
	assert_int_equal(vlapic_next_event_ns(&a), now + 3000);
	wr(MSR_IA32_TSC_DEADLINE, UINT64_MAX);
	assert_true(vlapic_next_event_ns(&a) > now + 1000000000000000000ULL);
	assert_true(vlapic_next_event_ns(&a) != VLAPIC_NO_EVENT);
	/* 570 years away: in ns, one past 2^64 (plus 448384) if computed naively. */
	wr(MSR_IA32_TSC_DEADLINE, tsc + 18446744073710000ULL);
	assert_true(vlapic_next_event_ns(&a) > now + 1000000000000000000ULL);
}

static void test_attach_errors(void **state)
{
	const struct vlapic_clock no_rate = { fake_now, fake_tsc, NULL, 0 };
	const struct vlapic_clock no_tsc = { fake_now, NULL, NULL, TSC_KHZ };
	const struct vlapic_clock ok = { fake_now, fake_tsc, NULL, TSC_KHZ };
	struct vlapic b;
	struct vdev_table t2 = { 0 };

	assert_int_equal(vlapic_attach(&b, &t2, NULL), -EINVAL);
	assert_int_equal(vlapic_attach(&b, &t2, &no_rate), -EINVAL);
	assert_int_equal(vlapic_attach(&b, &t2, &no_tsc), -EINVAL);
	assert_int_equal(t2.nr_msr, 0);
	/* The MSRs are taken already. */
	assert_int_equal(vlapic_attach(&b, &t, &ok), -EEXIST);
	assert_int_equal(vlapic_attach(&b, &t2, &ok), 0);
	assert_int_equal(t2.nr_msr, 3);
}

static void test_shell_lapic(void **state)
{
	char line[32];

	the_vm.lapic = NULL;
	strcpy(line, "lapic");
	assert_int_equal(shell_exec(line), 0);
	assert_non_null(strstr(fake_console_text(), "no guest"));

	sw_enable();
	wr(MSR_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_TSCDEADLINE);
	wr(MSR_IA32_TSC_DEADLINE, tsc + 2000);
	vlapic_set_irq(&a, 0x40);
	vlapic_set_irq(&a, 0x41);
	vlapic_ack(&a, 0x41);
	the_vm.lapic = &a;
	fake_console_reset();
	strcpy(line, "lapic");
	assert_int_equal(shell_exec(line), 0);
	const char *out = fake_console_text();
	assert_non_null(strstr(out, "x2APIC"));
	assert_non_null(strstr(out, "SVR 1ff (enabled"));
	assert_non_null(strstr(out, "LVT LINT0   00000700 ExtINT"));
	assert_non_null(strstr(out, "LVT timer   000400ec TSC-deadline"));
	assert_non_null(strstr(out, "fires in 1000 ns"));
	assert_non_null(strstr(out, "IRR: 0x40\n"));
	assert_non_null(strstr(out, "ISR: 0x41\n"));
	strcpy(line, "lapic extra");
	assert_int_equal(shell_exec(line), -EINVAL);
	the_vm.lapic = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_start_state, setup),
		cmocka_unit_test_setup(test_linux_init_sequence, setup),
		cmocka_unit_test_setup(test_linux_timer_calibration, setup),
		cmocka_unit_test_setup(test_tsc_deadline_fires, setup),
		cmocka_unit_test_setup(test_tsc_deadline_edges, setup),
		cmocka_unit_test_setup(test_oneshot, setup),
		cmocka_unit_test_setup(test_expired_before_access, setup),
		cmocka_unit_test_setup(test_timer_mode_changes, setup),
		cmocka_unit_test_setup(test_periodic, setup),
		cmocka_unit_test_setup(test_divide_change, setup),
		cmocka_unit_test_setup(test_priority_and_eoi_nesting, setup),
		cmocka_unit_test_setup(test_level_tmr_and_eoi_broadcast, setup),
		cmocka_unit_test_setup(test_eoi_listener_survives_reset, setup),
		cmocka_unit_test_setup(test_match_dest, setup),
		cmocka_unit_test_setup(test_self_ipi, setup),
		cmocka_unit_test_setup(test_ipi_dropped, setup),
		cmocka_unit_test_setup(test_illegal_vector, setup),
		cmocka_unit_test_setup(test_gp_cases, setup),
		cmocka_unit_test_setup(test_apic_base_transitions, setup),
		cmocka_unit_test_setup(test_disable_resets, setup),
		cmocka_unit_test_setup(test_software_disabled, setup),
		cmocka_unit_test_setup(test_tsc_deadline_slow_tsc, setup),
		cmocka_unit_test_setup(test_attach_errors, setup),
		cmocka_unit_test_setup(test_shell_lapic, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
