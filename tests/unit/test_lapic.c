/*
 * test_lapic.c - local APIC enabling and the timer, in x2APIC mode (fake
 * MSRs) and xAPIC mode (a host page standing in for the MMIO window).
 *
 * The driver registers its timer handler once for good, as the real trap
 * table keeps it: so the test where VEC_TIMER is already taken runs first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "errcode.h"
#include "hw_fake.h"
#include "lapic.h"
#include "msr.h"
#include "shell.h"
#include "trap_fake.h"
#include "tsc.h"

#define X2(reg) (MSR_IA32_X2APIC_BASE + ((reg) >> 4))
#define BASE_ADDR 0xfee00000ULL

static uint32_t *mmio; /* the xAPIC page */

static uint64_t msr(uint32_t m)
{
	uint64_t v = 0;
	if (!fake_msr_written(m, &v))
		fail_msg("MSR 0x%x not written", m);
	return v;
}

static uint32_t reg(uint32_t r)
{
	return mmio[r / 4];
}

static void x2apic_cpu(uint64_t apicbase, uint32_t maxlvt)
{
	fake_cpuid_set(1, 0, 0, 0, CPUID1_ECX_X2APIC, CPUID1_EDX_APIC);
	fake_msr_set(MSR_IA32_APICBASE, apicbase);
	fake_msr_set(X2(APIC_LVR), maxlvt << 16 | 0x14);
	fake_msr_set(X2(APIC_ID), 7);
}

static void xapic_cpu(uint64_t flags)
{
	fake_cpuid_set(1, 0, 0, 0, 0, CPUID1_EDX_APIC);
	fake_msr_set(MSR_IA32_APICBASE, (uintptr_t)mmio | flags);
	mmio[APIC_LVR / 4] = 5 << 16 | 0x14;
	mmio[APIC_ID / 4] = 3u << 24;
}

/* For the timer: a 1 GHz TSC stepping 1 us per read. */
static void clocks(uint32_t counted)
{
	tsc_khz = 1000000;
	fake_tsc_set(0, 1000);
	fake_msr_set(X2(APIC_TMCCT), UINT32_MAX - counted);
}

static int setup(void **state)
{
	fake_hw_reset();
	fake_console_reset();
	mmio = aligned_alloc(4096, 4096);
	memset(mmio, 0, 4096);
	tsc_khz = 0;
	return 0;
}

static int teardown(void **state)
{
	free(mmio);
	return 0;
}

/* ---- enabling ---- */

static void test_x2apic_from_disabled(void **state)
{
	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_BSP, 5);
	assert_int_equal(lapic_init(), 0);
	assert_int_equal(msr(MSR_IA32_APICBASE),
			 BASE_ADDR | MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE |
				 MSR_IA32_APICBASE_EXTD);
	assert_int_equal(msr(X2(APIC_SPIV)), APIC_SPIV_APIC_ENABLED | VEC_SPURIOUS);
	assert_int_equal(msr(X2(APIC_TASKPRI)), 0);
	assert_int_equal(msr(X2(APIC_LVTT)), APIC_LVT_MASKED | VEC_TIMER);
	assert_int_equal(msr(X2(APIC_LVT0)), APIC_LVT_MASKED);
	assert_int_equal(msr(X2(APIC_LVT1)), APIC_DM_NMI);
	assert_int_equal(msr(X2(APIC_LVTERR)), APIC_LVT_MASKED);
	assert_int_equal(msr(X2(APIC_LVTPC)), APIC_LVT_MASKED);
	assert_int_equal(msr(X2(APIC_LVTTHMR)), APIC_LVT_MASKED);
	assert_string_equal(lapic_mode(), "x2APIC");
	assert_int_equal(lapic_id(), 7);
}

/* Already in x2APIC mode: IA32_APIC_BASE is not written at all. */
static void test_x2apic_already_on(void **state)
{
	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD, 3);
	assert_int_equal(lapic_init(), 0);
	assert_false(fake_msr_written(MSR_IA32_APICBASE, NULL));
	/* LVTs the CPU lacks (maxlvt 3) are left alone: x2APIC would #GP */
	assert_false(fake_msr_written(X2(APIC_LVTPC), NULL));
	assert_false(fake_msr_written(X2(APIC_LVTTHMR), NULL));
}

static void test_xapic_mmio(void **state)
{
	xapic_cpu(MSR_IA32_APICBASE_BSP);
	assert_int_equal(lapic_init(), 0);
	assert_int_equal(msr(MSR_IA32_APICBASE),
			 (uintptr_t)mmio | MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE);
	assert_int_equal(reg(APIC_SPIV), APIC_SPIV_APIC_ENABLED | VEC_SPURIOUS);
	assert_int_equal(reg(APIC_LVT0), APIC_LVT_MASKED);
	assert_int_equal(reg(APIC_LVT1), APIC_DM_NMI);
	assert_int_equal(reg(APIC_LVTT), APIC_LVT_MASKED | VEC_TIMER);
	assert_string_equal(lapic_mode(), "xAPIC");
	assert_int_equal(lapic_id(), 3);
}

static void test_no_apic(void **state)
{
	fake_cpuid_set(1, 0, 0, 0, CPUID1_ECX_X2APIC, 0);
	fake_msr_set(MSR_IA32_APICBASE, BASE_ADDR);
	assert_int_equal(lapic_init(), -ENODEV);
	assert_string_equal(lapic_mode(), "off");
	assert_int_equal(lapic_timer_start(100), -ENODEV);
	lapic_eoi(); /* harmless when off */
	assert_false(fake_msr_written(X2(APIC_EOI), NULL));

	fake_cpuid_set(1, 0, 0, 0, 0, CPUID1_EDX_APIC);
	fake_msr_fault(MSR_IA32_APICBASE);
	assert_int_equal(lapic_init(), -ENODEV);
}

/* The spurious-vector register does not keep the enable bit: no APIC there. */
static void test_enable_does_not_stick(void **state)
{
	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE, 5);
	fake_msr_fault(X2(APIC_SPIV));
	assert_int_equal(lapic_init(), -ENODEV);
	assert_string_equal(lapic_mode(), "off");
}

/* ---- timer ---- */

static void someone_elses_handler(struct trap_frame *tf)
{
	fail_msg("not the timer's handler");
}

static void test_timer_vector_taken(void **state)
{
	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE, 5);
	assert_int_equal(lapic_init(), 0);
	clocks(62500);
	assert_int_equal(irq_register(VEC_TIMER, someone_elses_handler), 0);
	assert_int_equal(lapic_timer_start(100), -EBUSY);
	assert_int_equal(lapic_timer_hz(), 0);
	fake_irq_reset();
}

/* 62500 counts in 10 ms: 6.25 M/s, so 100 Hz needs an initial count of 62500. */
static void test_timer_x2apic(void **state)
{
	uint64_t count;

	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE, 5);
	assert_int_equal(lapic_init(), 0);
	clocks(62500);
	assert_int_equal(lapic_timer_start(100), 0);
	count = msr(X2(APIC_TMICT));
	assert_true(count > 62500 * 999 / 1000 && count <= 62500);
	assert_int_equal(msr(X2(APIC_TDCR)), APIC_TDR_DIV_16);
	assert_int_equal(msr(X2(APIC_LVTT)), APIC_LVT_TIMER_PERIODIC | VEC_TIMER);
	assert_int_equal(lapic_timer_hz(), 100);

	lapic_ticks = 0;
	fake_msr_set(X2(APIC_EOI), 0xdead);
	assert_true(fake_irq_raise(VEC_TIMER));
	assert_true(fake_irq_raise(VEC_TIMER));
	assert_int_equal(lapic_ticks, 2);
	assert_int_equal(msr(X2(APIC_EOI)), 0);

	/* a second start re-measures but does not register again */
	assert_int_equal(lapic_timer_start(1000), 0);
	count = msr(X2(APIC_TMICT));
	assert_true(count > 6250 * 999 / 1000 && count <= 6250);

	lapic_timer_stop();
	assert_int_equal(msr(X2(APIC_TMICT)), 0);
	assert_true(msr(X2(APIC_LVTT)) & APIC_LVT_MASKED);
	assert_int_equal(lapic_timer_hz(), 0);
}

static void test_timer_xapic(void **state)
{
	xapic_cpu(MSR_IA32_APICBASE_ENABLE);
	assert_int_equal(lapic_init(), 0);
	tsc_khz = 1000000;
	fake_tsc_set(0, 1000);
	mmio[APIC_TMCCT / 4] = UINT32_MAX - 125000; /* 12.5 M/s */
	assert_int_equal(lapic_timer_start(250), 0);
	assert_true(reg(APIC_TMICT) > 50000 * 999 / 1000 && reg(APIC_TMICT) <= 50000);
	assert_int_equal(reg(APIC_LVTT), APIC_LVT_TIMER_PERIODIC | VEC_TIMER);
	mmio[APIC_EOI / 4] = 0xdead;
	assert_true(fake_irq_raise(VEC_TIMER));
	assert_int_equal(reg(APIC_EOI), 0);
}

static void test_timer_refusals(void **state)
{
	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE, 5);
	assert_int_equal(lapic_init(), 0);

	fake_msr_set(X2(APIC_TMCCT), UINT32_MAX - 62500);
	assert_int_equal(lapic_timer_start(100), -ENODEV);
	assert_non_null(strstr(fake_console_text(), "TSC is not calibrated"));
	clocks(62500);
	assert_int_equal(lapic_timer_start(0), -EINVAL);
	assert_int_equal(lapic_timer_start(10000000), -ERANGE);
	clocks(0); /* the current count never moved */
	assert_int_equal(lapic_timer_start(100), -ENODEV);
	fake_msr_set(X2(APIC_TMCCT), 0); /* ran out: not a timer */
	assert_int_equal(lapic_timer_start(100), -ENODEV);
	assert_int_equal(lapic_timer_hz(), 0);
}

/* A slow APIC clock and a low rate: the count would not fit in 32 bits. */
static void test_timer_count_too_big(void **state)
{
	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE, 5);
	assert_int_equal(lapic_init(), 0);
	clocks(UINT32_MAX - 1); /* 4.29e9 counts in 10 ms */
	assert_int_equal(lapic_timer_start(1), -ERANGE);
}

static void test_clock_command(void **state)
{
	char line[] = "clock";

	x2apic_cpu(BASE_ADDR | MSR_IA32_APICBASE_ENABLE, 5);
	assert_int_equal(lapic_init(), 0);
	clocks(62500);
	assert_int_equal(lapic_timer_start(100), 0);
	lapic_ticks = 42;
	fake_console_reset();
	assert_int_equal(shell_exec(line), 0);
	assert_non_null(strstr(fake_console_text(), "TSC 1000000 kHz"));
	assert_non_null(strstr(fake_console_text(), "local APIC x2APIC, timer 100 Hz, 42 ticks"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_timer_vector_taken), /* first: see the file header */
		T(test_x2apic_from_disabled),
		T(test_x2apic_already_on),
		T(test_xapic_mmio),
		T(test_no_apic),
		T(test_enable_does_not_stick),
		T(test_timer_x2apic),
		T(test_timer_xapic),
		T(test_timer_refusals),
		T(test_timer_count_too_big),
		T(test_clock_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
