/*
 * test_tsc.c - TSC frequency discovery (CPUID leaves 0x15/0x16, PIT
 * channel 2), time conversion and delays, against the fake hardware.
 *
 * The PIT is a port hook tied to the fake TSC: it notes the TSC when the
 * count's high byte is written and reports OUT2 high once enough TSC time
 * has passed at the frequency the test chose.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "errcode.h"
#include "hw_fake.h"
#include "pit.h"
#include "tsc.h"

/* ---- a fake 8254 channel 2 ---- */

static struct {
	uint64_t tsc_hz; /* the TSC frequency the fake PIT is timed by */
	bool gate;
	bool have_lo;
	uint32_t count;
	uint64_t load_tsc;
	unsigned int run; /* counts loads */
	bool stuck_low; /* a PIT that never reaches terminal count */
	uint64_t stall_run, stall_cycles; /* run stall_run: an SMI-like TSC jump */
	uint64_t rush_run, rush_cycles; /* run rush_run: OUT2 rises this much early */
	bool stalled;
} pit;

static uint64_t tsc_now(void)
{
	return hw_rdtsc(); /* advances the fake TSC by one step: time passes */
}

static bool pit_expired(void)
{
	uint64_t now = tsc_now(), need = (uint64_t)pit.count * pit.tsc_hz / PIT_HZ;
	bool expired;

	if (pit.run == pit.rush_run)
		need -= pit.rush_cycles;
	expired = !pit.stuck_low && pit.gate && now - pit.load_tsc >= need;
	if (expired && pit.run == pit.stall_run && !pit.stalled) {
		/* the poll that would see the edge is delayed */
		fake_tsc_set(now + pit.stall_cycles, pit.tsc_hz / 1000000);
		pit.stalled = true;
	}
	return expired;
}

static bool pit_hook(uint16_t port, bool write, uint32_t *val)
{
	if (port == PORT_SYS_CTRL_B && !write) {
		*val = pit_expired() ? SYS_CTRL_B_OUT2 : 0;
		return true;
	}
	if (port == PORT_SYS_CTRL_B)
		pit.gate = *val & SYS_CTRL_B_GATE2;
	if (port == PIT_MODE_CMD)
		pit.have_lo = false;
	if (port == PIT_CH2_DATA && !pit.have_lo) {
		pit.count = *val;
		pit.have_lo = true;
	} else if (port == PIT_CH2_DATA) {
		pit.count |= *val << 8;
		pit.load_tsc = tsc_now();
		pit.run++;
		pit.stalled = false;
	}
	return false; /* writes still go to the fake's log */
}

/* use_pit: a PIT timed by a TSC of tsc_hz, the TSC stepping 1 us per read. */
static void use_pit(uint64_t tsc_hz)
{
	memset(&pit, 0, sizeof(pit));
	pit.tsc_hz = tsc_hz;
	pit.stall_run = pit.rush_run = ~0ULL;
	fake_tsc_set(1000000, tsc_hz / 1000000);
	fake_port_hook_set(pit_hook);
}

static int setup(void **state)
{
	fake_hw_reset();
	fake_console_reset();
	tsc_khz = 0;
	return 0;
}

/* ---- CPUID sources ---- */

static void test_cpuid15(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x15, 0, 2, 200, 24000000, 0); /* 24 MHz * 100 */
	fake_cpuid_set(0x16, 0, 2100, 0, 0, 0);
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz, 2400000);
	assert_string_equal(tsc_source, "cpuid15");
}

/* No crystal frequency in leaf 0x15: no guess, leaf 0x16 instead. */
static void test_cpuid15_without_crystal_uses_16(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x15, 0, 2, 200, 0, 0);
	fake_cpuid_set(0x16, 0, 0xffff0834, 0, 0, 0); /* 2100 MHz; junk above bit 15 */
	assert_int_equal(tsc_init(), 0);
	assert_int_equal(tsc_khz, 2100000);
	assert_string_equal(tsc_source, "cpuid16");
	assert_null(strstr(fake_console_text(), "believable")); /* skipped, not refused */
}

/* A zero ratio must not divide by zero. */
static void test_cpuid15_zero_ratio(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x15, 0, 0, 200, 24000000, 0);
	fake_cpuid_set(0x16, 0, 3000, 0, 0, 0);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "cpuid16");
}

/* Leaves above the maximum are not trusted even if they answer. */
static void test_max_leaf_respected(void **state)
{
	fake_cpuid_set(0, 0, 0x15, 0, 0, 0);
	fake_cpuid_set(0x16, 0, 3000, 0, 0, 0);
	use_pit(2000000000);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "pit");
}

static void test_no_frequency_leaves(void **state)
{
	fake_cpuid_set(0, 0, 0x0d, 0, 0, 0);
	fake_cpuid_set(0x15, 0, 2, 200, 24000000, 0);
	fake_cpuid_set(0x16, 0, 3000, 0, 0, 0);
	use_pit(2000000000);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "pit");
}

static void test_unbelievable_value_skipped(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x15, 0, 1000, 1, 24000000, 0); /* 24 kHz */
	fake_cpuid_set(0x16, 0, 1800, 0, 0, 0);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "cpuid16");
	assert_non_null(strstr(fake_console_text(), "not believable"));
}

/* Bochs: leaf 0x16 claims 3.5 GHz, the TSC counts 100 M instructions/s. */
static void test_cpuid_checked_against_pit(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x16, 0, 3500, 0, 0, 0);
	use_pit(100000000ULL);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "pit");
	assert_true(tsc_khz > 99900 && tsc_khz < 100100);
	assert_non_null(strstr(fake_console_text(), "cpuid16 says 3500000 kHz but the PIT"));
}

/* Within 10%: CPUID is the exact one and is kept. */
static void test_cpuid_agrees_with_pit(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x16, 0, 2100, 0, 0, 0);
	use_pit(2300000000ULL);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "cpuid16");
	assert_int_equal(tsc_khz, 2100000);
	assert_int_equal(pit.run, 5); /* it was checked */
}

/* 15% apart is more than rounding: the PIT wins. */
static void test_cpuid_disagrees_by_15_percent(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x16, 0, 2000, 0, 0, 0);
	use_pit(2300000000ULL);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "pit");
}

/* ---- PIT calibration ---- */

/* A PIT that makes the TSC 200 GHz is broken, not fast. */
static void test_pit_unbelievable(void **state)
{
	use_pit(200000000000ULL);
	assert_int_equal(tsc_init(), -ENODEV);
	assert_non_null(strstr(fake_console_text(), "pit says"));
}

static void assert_khz_near(uint64_t want)
{
	uint64_t err = tsc_khz > want ? tsc_khz - want : want - tsc_khz;
	if (err * 1000 > want) /* 0.1% */
		fail_msg("tsc_khz %lu, want %lu", (unsigned long)tsc_khz, (unsigned long)want);
}

static void test_pit_calibration(void **state)
{
	const struct fake_port_write *w;
	unsigned int n;
	bool cmd = false;

	use_pit(3000000000ULL);
	assert_int_equal(tsc_init(), 0);
	assert_string_equal(tsc_source, "pit");
	assert_khz_near(3000000);
	assert_int_equal(pit.run, 5);
	n = fake_port_writes(&w);
	for (unsigned int i = 0; i + 2 < n; i++)
		if (w[i].port == PIT_MODE_CMD && w[i].val == 0xb0)
			cmd = true;
	assert_true(cmd);
	assert_false(pit.gate); /* closed again afterwards */
}

/* One run stretched (an SMI), one cut short: the median ignores both. */
static void test_pit_median_ignores_outliers(void **state)
{
	use_pit(2000000000ULL);
	pit.stall_run = 1;
	pit.stall_cycles = 8000000; /* +4 ms */
	pit.rush_run = 3;
	pit.rush_cycles = 6000000; /* -3 ms */
	assert_int_equal(tsc_init(), 0);
	assert_khz_near(2000000);
}

/* No PIT: port 0x61 reads all ones, OUT2 "high" at once. */
static void test_pit_absent(void **state)
{
	assert_int_equal(tsc_init(), -ENODEV);
	assert_int_equal(tsc_khz, 0);
	assert_string_equal(tsc_source, "none");
	assert_non_null(strstr(fake_console_text(), "does not count"));
}

static void test_pit_never_expires(void **state)
{
	use_pit(2000000000ULL);
	pit.stuck_low = true;
	assert_int_equal(tsc_init(), -ENODEV);
	assert_int_equal(tsc_khz, 0);
	assert_false(pit.gate);
}

/* ---- time ---- */

static void test_cycles_to_ns(void **state)
{
	uint64_t big = 1ULL << 62;

	assert_int_equal(tsc_cycles_to_ns(12345), 0); /* not calibrated */
	tsc_khz = 2000000;
	assert_int_equal(tsc_cycles_to_ns(3000000000ULL), 1500000000ULL);
	assert_int_equal(tsc_cycles_to_ns(1), 0);
	assert_int_equal(tsc_cycles_to_ns(big),
			 (uint64_t)((unsigned __int128)big * 1000000 / 2000000));
	tsc_khz = 2399999;
	assert_int_equal(tsc_cycles_to_ns(big),
			 (uint64_t)((unsigned __int128)big * 1000000 / 2399999));
}

/* ns -> cycles rounds up, so a timer armed from it never fires early. */
static void test_ns_to_cycles(void **state)
{
	tsc_khz = 0;
	assert_int_equal(tsc_ns_to_cycles(12345), 0);
	tsc_khz = 2000000;
	assert_int_equal(tsc_ns_to_cycles(1500000000ULL), 3000000000ULL);
	tsc_khz = 2399999; /* 2.399999 cycles per ns */
	assert_int_equal(tsc_ns_to_cycles(1), 3);
	assert_int_equal(tsc_ns_to_cycles(1000000), 2399999);
	assert_int_equal(tsc_ns_to_cycles(1000001), 2399999 + 3);
	assert_int_equal(tsc_ns_to_cycles(1ULL << 50),
			 (uint64_t)((((unsigned __int128)1 << 50) * 2399999 + 999999) / 1000000));
	/* round trip: cycles of ns, back in ns, is never less than ns */
	for (uint64_t ns = 1; ns < 100000000; ns = ns * 7 + 3)
		assert_true(tsc_cycles_to_ns(tsc_ns_to_cycles(ns)) >= ns);
}

static void test_now_ns_counts_from_init(void **state)
{
	fake_cpuid_set(0, 0, 0x16, 0, 0, 0);
	fake_cpuid_set(0x16, 0, 1000, 0, 0, 0); /* 1 GHz: 1 cycle = 1 ns */
	fake_tsc_set(5000000000ULL, 1000);
	assert_int_equal(tsc_init(), 0);
	fake_tsc_set(5000000000ULL + 7000000, 1000);
	assert_int_equal(tsc_now_ns(), 7000000);
}

static void test_delay(void **state)
{
	uint64_t t0, t1;

	tsc_khz = 1000000;
	fake_tsc_set(0, 1000);
	t0 = hw_rdtsc();
	tsc_delay_us(100);
	t1 = hw_rdtsc();
	assert_true(t1 - t0 >= 100000);
	assert_true(t1 - t0 <= 100000 + 3 * 1000);

	tsc_khz = 0; /* uncalibrated: assumes TSC_KHZ_ASSUMED, errs long */
	t0 = hw_rdtsc();
	tsc_delay_us(100);
	t1 = hw_rdtsc();
	assert_true(t1 - t0 >= 100 * TSC_KHZ_ASSUMED / 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cpuid15, setup),
		cmocka_unit_test_setup(test_cpuid15_without_crystal_uses_16, setup),
		cmocka_unit_test_setup(test_cpuid15_zero_ratio, setup),
		cmocka_unit_test_setup(test_max_leaf_respected, setup),
		cmocka_unit_test_setup(test_no_frequency_leaves, setup),
		cmocka_unit_test_setup(test_unbelievable_value_skipped, setup),
		cmocka_unit_test_setup(test_cpuid_checked_against_pit, setup),
		cmocka_unit_test_setup(test_cpuid_agrees_with_pit, setup),
		cmocka_unit_test_setup(test_cpuid_disagrees_by_15_percent, setup),
		cmocka_unit_test_setup(test_pit_unbelievable, setup),
		cmocka_unit_test_setup(test_pit_calibration, setup),
		cmocka_unit_test_setup(test_pit_median_ignores_outliers, setup),
		cmocka_unit_test_setup(test_pit_absent, setup),
		cmocka_unit_test_setup(test_pit_never_expires, setup),
		cmocka_unit_test_setup(test_cycles_to_ns, setup),
		cmocka_unit_test_setup(test_ns_to_cycles, setup),
		cmocka_unit_test_setup(test_now_ns_counts_from_init, setup),
		cmocka_unit_test_setup(test_delay, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
