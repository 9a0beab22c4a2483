/*
 * test_vpm.c - the guest's ACPI PM block (guest/vpm.c) through the port
 * dispatcher, as ACPICA and Linux's acpi_pm clocksource use it: the PM
 * timer's rate, 24-bit wrap and exactness for huge clocks, TMR_STS,
 * SCI_EN, the S5 power-off path and other sleep types, PM1_EN, and every
 * access size at every offset.
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
#include "vdev.h"
#include "vpm.h"

#define NS_PER_SEC 1000000000ULL

static struct vdev_table t;
static struct vpm pm;
static uint64_t now; /* guest ns */
static unsigned int offs; /* power-off callbacks seen */
static void *off_ctx_seen;

static uint64_t fake_clock(void *ctx)
{
	return *(uint64_t *)ctx;
}

static void fake_off(void *ctx)
{
	offs++;
	off_ctx_seen = ctx;
}

static uint32_t in(uint16_t port, unsigned int size)
{
	return pio_dispatch_in(&t, port, size);
}

static void out(uint16_t port, unsigned int size, uint32_t val)
{
	pio_dispatch_out(&t, port, size, val);
}

/* The reference: floor(ns * 3579545 / 1e9) in 128-bit arithmetic. */
static uint64_t ref_ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PM_TMR_HZ / NS_PER_SEC);
}

static int setup(void **state)
{
	t = (struct vdev_table){ 0 };
	now = 1000000; /* not zero: catch code that forgets the base */
	offs = 0;
	off_ctx_seen = NULL;
	fake_console_reset();
	assert_int_equal(vpm_attach(&t, &pm, fake_clock, &now, fake_off, &offs), 0);
	return 0;
}

static void test_attach(void **state)
{
	struct vdev_table t2 = { 0 };
	struct vpm pm2;

	assert_int_equal(vpm_attach(&t2, &pm2, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(t2.nr_pio, 0);
	/* The block is claimed whole: a second one cannot overlap it. */
	assert_int_equal(vpm_attach(&t, &pm2, fake_clock, &now, NULL, NULL), -EEXIST);
	assert_non_null(vdev_find_pio(&t, VPM_PORT_BASE));
	assert_non_null(vdev_find_pio(&t, VPM_PORT_BASE + VPM_PORTS - 1));
	assert_null(vdev_find_pio(&t, VPM_PORT_BASE + VPM_PORTS));
	assert_null(vdev_find_pio(&t, VPM_PORT_BASE - 1));
}

static void test_timer_rate(void **state)
{
	uint32_t t0, t1;

	now = 5 * NS_PER_SEC;
	t0 = in(VPM_PM_TMR, 4);
	assert_int_equal(t0, (5 * PM_TMR_HZ) & PM_TMR_MASK);
	now += NS_PER_SEC;
	t1 = in(VPM_PM_TMR, 4);
	assert_int_equal((t1 - t0) & PM_TMR_MASK, PM_TMR_HZ);
	/* 1 ms is 3579.545 ticks: 3579 or 3580 depending on the phase. */
	for (unsigned int i = 0; i < 100; i++) {
		now += i * 7; /* another phase */
		t0 = in(VPM_PM_TMR, 4);
		now += 1000000;
		t1 = in(VPM_PM_TMR, 4);
		assert_true(((t1 - t0) & PM_TMR_MASK) >= 3579);
		assert_true(((t1 - t0) & PM_TMR_MASK) <= 3580);
	}
	/* The clock standing still: the timer does too. */
	assert_int_equal(in(VPM_PM_TMR, 4), t1);
}

/* Exact for any 64-bit clock, where ns * 3579545 overflows 64 bits. */
static void test_timer_exact_large(void **state)
{
	static const uint64_t samples[] = {
		0, 1, 279, 280, NS_PER_SEC - 1, NS_PER_SEC, 5153960755583ULL /* 2^64 / HZ */,
		5153960755584ULL, 123456789012345678ULL, 1ULL << 63, UINT64_MAX - 1, UINT64_MAX,
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(samples); i++) {
		assert_int_equal(vpm_timer_ticks(samples[i]), ref_ticks(samples[i]));
		now = samples[i];
		assert_int_equal(in(VPM_PM_TMR, 4), ref_ticks(samples[i]) & PM_TMR_MASK);
	}
	for (uint64_t ns = 1; ns < UINT64_MAX / 3; ns = ns * 3 + 12345)
		assert_int_equal(vpm_timer_ticks(ns), ref_ticks(ns));
}

/* ns of the first instant at which at least `ticks` have passed. */
static uint64_t ns_at(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * NS_PER_SEC + PM_TMR_HZ - 1) / PM_TMR_HZ);
}

static void test_timer_wrap(void **state)
{
	now = ns_at(PM_TMR_MASK);
	assert_int_equal(in(VPM_PM_TMR, 4), 0xffffff);
	now = ns_at(PM_TMR_MASK + 1);
	assert_int_equal(in(VPM_PM_TMR, 4), 0);
	now = ns_at(3 * (PM_TMR_MASK + 1) + 17);
	assert_int_equal(in(VPM_PM_TMR, 4), 17);
	/* TMR_VAL_EXT = 0: bits 31:24 always read 0. */
	for (now = 0; now < 100 * NS_PER_SEC; now += 999999937)
		assert_int_equal(in(VPM_PM_TMR, 4) >> 24, 0);
}

static void test_timer_read_only(void **state)
{
	uint32_t v = in(VPM_PM_TMR, 4);

	out(VPM_PM_TMR, 4, 0x12345678);
	out(VPM_PM_TMR, 1, 0);
	assert_int_equal(in(VPM_PM_TMR, 4), v);
}

/* TMR_STS: set when bit 23 flips, cleared by writing 1, not by writing 0. */
static void test_tmr_sts(void **state)
{
	/* Re-attaching resets the same struct vpm the table's handler points at. */
	now = 0;
	assert_int_equal(vpm_attach(&(struct vdev_table){ 0 }, &pm, fake_clock, &now, NULL, NULL),
			 0);
	assert_int_equal(in(VPM_PM1A_STS, 2) & ACPI_PM1_TMR, 0);
	now = ns_at(1u << 23) - 1;
	assert_int_equal(in(VPM_PM1A_STS, 2) & ACPI_PM1_TMR, 0);
	now = ns_at(1u << 23);
	assert_int_equal(in(VPM_PM1A_STS, 2), ACPI_PM1_TMR);
	out(VPM_PM1A_STS, 2, 0xfffe); /* every bit but TMR_STS */
	assert_int_equal(in(VPM_PM1A_STS, 2), ACPI_PM1_TMR);
	out(VPM_PM1A_EN, 2, ACPI_PM1_TMR); /* the enable register is not the status one */
	assert_int_equal(in(VPM_PM1A_STS, 2), ACPI_PM1_TMR);
	out(VPM_PM1A_STS, 2, ACPI_PM1_TMR);
	assert_int_equal(in(VPM_PM1A_STS, 2), 0);
	now = ns_at(2u << 23) - 1;
	assert_int_equal(in(VPM_PM1A_STS, 2), 0);
	now = ns_at(2u << 23);
	assert_int_equal(in(VPM_PM1A_STS, 1), ACPI_PM1_TMR);
	out(VPM_PM1A_STS, 1, 0xff); /* a byte write clears too */
	assert_int_equal(in(VPM_PM1A_STS, 2), 0);
	/* Attached late (the clock long past bit 23): clear until the next flip. */
	now = 10 * NS_PER_SEC;
	assert_int_equal(vpm_attach(&(struct vdev_table){ 0 }, &pm, fake_clock, &now, NULL, NULL),
			 0);
	assert_int_equal(in(VPM_PM1A_STS, 2), 0);
}

static void test_sci_en_reads_one(void **state)
{
	assert_int_equal(in(VPM_PM1A_CNT, 2), ACPI_PM1_SCI_EN);
	out(VPM_PM1A_CNT, 2, 0);
	assert_int_equal(in(VPM_PM1A_CNT, 2), ACPI_PM1_SCI_EN);
	assert_int_equal(in(VPM_PM1A_CNT, 1), ACPI_PM1_SCI_EN);
	/* SLP_TYP is kept, SLP_EN and GBL_RLS are write-only. */
	out(VPM_PM1A_CNT, 2, (3 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_GBL_RLS | ACPI_PM1_BM_RLD);
	assert_int_equal(in(VPM_PM1A_CNT, 2),
			 (3 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_BM_RLD | ACPI_PM1_SCI_EN);
	assert_int_equal(offs, 0);
}

/* ACPICA's acpi_hw_legacy_sleep: SLP_TYP first, then SLP_TYP | SLP_EN. */
static void test_s5_powers_off_once(void **state)
{
	uint16_t typ = VPM_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT;

	out(VPM_PM1A_CNT, 2, typ | ACPI_PM1_SCI_EN);
	assert_int_equal(offs, 0);
	out(VPM_PM1A_CNT, 2, typ | ACPI_PM1_SCI_EN | ACPI_PM1_SLP_EN);
	assert_int_equal(offs, 1);
	assert_ptr_equal(off_ctx_seen, &offs);
	assert_int_equal(pm.poweroffs, 1);
	assert_int_equal(in(VPM_PM1A_CNT, 2) & ACPI_PM1_SLP_EN, 0);
	assert_non_null(strstr(fake_console_text(), "S5"));
}

static void test_s5_byte_write(void **state)
{
	/* The high byte holds SLP_TYP and SLP_EN: (5 << 10 | 1 << 13) >> 8 = 0x34. */
	out(VPM_PM1A_CNT + 1, 1, 0x34);
	assert_int_equal(offs, 1);
	/* A dword write at 0x604 covers PM1a_CNT and the two unused ports. */
	out(VPM_PM1A_CNT, 4, 0xffff0000 | ACPI_PM1_SLP_EN | (5 << ACPI_PM1_SLP_TYP_SHIFT));
	assert_int_equal(offs, 2);
	/* A dword write at 0x602 puts PM1a_CNT in its high half. */
	out(VPM_PM1A_EN, 4, (uint32_t)(ACPI_PM1_SLP_EN | (5 << ACPI_PM1_SLP_TYP_SHIFT)) << 16);
	assert_int_equal(offs, 3);
	/* Writing the low byte alone never sets SLP_EN. */
	out(VPM_PM1A_CNT, 1, 0xff);
	assert_int_equal(offs, 3);
}

static void test_other_sleep_types_ignored(void **state)
{
	for (unsigned int typ = 0; typ < 8; typ++) {
		if (typ == VPM_SLP_TYP_S5)
			continue;
		out(VPM_PM1A_CNT, 2, (typ << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN);
	}
	assert_int_equal(offs, 0);
	assert_int_equal(pm.ignored_sleeps, 7);
	assert_non_null(strstr(fake_console_text(), "sleep type 3"));
	/* The same with no callback at all: counted, nothing called. */
	assert_int_equal(vpm_attach(&(struct vdev_table){ 0 }, &pm, fake_clock, &now, NULL, NULL),
			 0);
	out(VPM_PM1A_CNT, 2, (VPM_SLP_TYP_S5 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN);
	assert_int_equal(pm.poweroffs, 1);
	assert_int_equal(offs, 0);
}

/* PM1_EN keeps its defined bits; GBL_EN must stick for ACPICA's global lock probe. */
static void test_pm1_en(void **state)
{
	assert_int_equal(in(VPM_PM1A_EN, 2), 0);
	out(VPM_PM1A_EN, 2, ACPI_PM1_GBL);
	assert_int_equal(in(VPM_PM1A_EN, 2), ACPI_PM1_GBL);
	out(VPM_PM1A_EN, 2, 0xffff);
	assert_int_equal(in(VPM_PM1A_EN, 2), ACPI_PM1_EN_MASK);
	out(VPM_PM1A_EN + 1, 1, 0); /* the high byte only */
	assert_int_equal(in(VPM_PM1A_EN, 2), ACPI_PM1_EN_MASK & 0xff);
	out(VPM_PM1A_EN, 2, 0);
	assert_int_equal(in(VPM_PM1A_EN, 2), 0);
}

/* Every size at every offset reads exactly the bytes it covers. */
static void test_odd_sizes(void **state)
{
	uint8_t block[VPM_PORTS + 3];
	static const unsigned int sizes[] = { 1, 2, 4 };

	now = 7 * NS_PER_SEC + 12345;
	out(VPM_PM1A_STS, 2, ACPI_PM1_TMR);
	out(VPM_PM1A_EN, 2, ACPI_PM1_GBL | ACPI_PM1_PWRBTN);
	out(VPM_PM1A_CNT, 2, 6 << ACPI_PM1_SLP_TYP_SHIFT);
	for (unsigned int i = 0; i < VPM_PORTS; i++)
		block[i] = (uint8_t)in((uint16_t)(VPM_PORT_BASE + i), 1);
	memset(block + VPM_PORTS, 0xff, 3); /* past the block: nothing decodes */
	assert_int_equal(block[0] | block[1] << 8, 0);
	assert_int_equal(block[2] | block[3] << 8, ACPI_PM1_GBL | ACPI_PM1_PWRBTN);
	assert_int_equal(block[4] | block[5] << 8, (6 << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SCI_EN);
	assert_int_equal(block[6] | block[7] << 8, 0xffff);
	assert_int_equal(block[8] | block[9] << 8 | block[10] << 16 | block[11] << 24,
			 ref_ticks(now) & PM_TMR_MASK);
	for (unsigned int s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (unsigned int off = 0; off < VPM_PORTS; off++) {
			uint32_t want = 0;

			for (unsigned int i = 0; i < sizes[s]; i++)
				want |= (uint32_t)block[off + i] << (8 * i);
			assert_int_equal(in((uint16_t)(VPM_PORT_BASE + off), sizes[s]), want);
		}
	}
}

/* Bad sizes called directly (the dispatcher filters them first); unused ports. */
static void test_bad_sizes_and_gap(void **state)
{
	const struct pio_handler *h = vdev_find_pio(&t, VPM_PORT_BASE);
	uint32_t v = 0;

	assert_non_null(h);
	assert_int_equal(h->read(h->dev, VPM_PORT_BASE, 3, &v), -EINVAL);
	assert_int_equal(v, 0xffffffff);
	assert_int_equal(h->read(h->dev, VPM_PORT_BASE, 0, &v), -EINVAL);
	assert_int_equal(h->write(h->dev, VPM_PM1A_CNT, 8, 0xffffffff), -EINVAL);
	assert_int_equal(offs, 0);
	assert_int_equal(in(VPM_PORT_BASE, 3), 0xffffffff);
	/* Writes to 0x606/0x607 and past the timer go nowhere. */
	out(VPM_PORT_BASE + 6, 2, 0xffff);
	out(VPM_PM_TMR + 2, 4, 0xffffffff);
	assert_int_equal(in(VPM_PORT_BASE + 6, 2), 0xffff);
	assert_int_equal(in(VPM_PM1A_CNT, 2), ACPI_PM1_SCI_EN);
	assert_int_equal(in(VPM_PM1A_EN, 2), 0);
	assert_int_equal(offs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_attach, setup),
		cmocka_unit_test_setup(test_timer_rate, setup),
		cmocka_unit_test_setup(test_timer_exact_large, setup),
		cmocka_unit_test_setup(test_timer_wrap, setup),
		cmocka_unit_test_setup(test_timer_read_only, setup),
		cmocka_unit_test_setup(test_tmr_sts, setup),
		cmocka_unit_test_setup(test_sci_en_reads_one, setup),
		cmocka_unit_test_setup(test_s5_powers_off_once, setup),
		cmocka_unit_test_setup(test_s5_byte_write, setup),
		cmocka_unit_test_setup(test_other_sleep_types_ignored, setup),
		cmocka_unit_test_setup(test_pm1_en, setup),
		cmocka_unit_test_setup(test_odd_sizes, setup),
		cmocka_unit_test_setup(test_bad_sizes_and_gap, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
