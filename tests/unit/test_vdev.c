/*
 * test_vdev.c - the port/MSR dispatch tables, the CMOS/RTC and the small
 * ISA devices (POST, PCI conf1, i8042, port 0x92, isa-debug-exit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "errcode.h"
#include "log.h"
#include "vcmos.h"
#include "vdev.h"
#include "virq.h"
#include "vmisc.h"

static struct vdev_table t;
static uint64_t now;

static uint64_t fake_clock(void *ctx)
{
	return *(uint64_t *)ctx;
}

static void outb(uint16_t port, uint8_t val)
{
	pio_dispatch_out(&t, port, 1, val);
}

static uint8_t inb(uint16_t port)
{
	return (uint8_t)pio_dispatch_in(&t, port, 1);
}

static int setup_table(void **state)
{
	t = (struct vdev_table){ 0 };
	fake_console_reset();
	now = 0;
	return 0;
}

/* ---- dispatch ---- */

static uint32_t dev_reg;
static int dev_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	*val = dev_reg;
	return 0;
}
static int dev_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	dev_reg = val;
	return 0;
}
static int dev_refuse_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	*val = 0x1234;
	return -EINVAL;
}

static uint64_t msr_reg;
static int msr_read(void *dev, uint32_t msr, uint64_t *val)
{
	*val = msr_reg;
	return 0;
}
static int msr_write(void *dev, uint32_t msr, uint64_t val)
{
	if (val >> 63)
		return -EINVAL; /* a reserved bit */
	msr_reg = val;
	return 0;
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* First in the file: the rate limiter's budget per call site is per binary. */
static void test_unclaimed_ports(void **state)
{
	assert_int_equal(pio_dispatch_in(&t, 0x1234, 1), 0xff);
	assert_non_null(strstr(fake_console_text(), "vdev: unclaimed port 0x1234 read"));
	assert_int_equal(pio_dispatch_in(&t, 0x1234, 2), 0xffff);
	assert_int_equal(pio_dispatch_in(&t, 0x1234, 4), 0xffffffff);
	pio_dispatch_out(&t, 0x2f8, 1, 0x41);
	assert_non_null(strstr(fake_console_text(), "vdev: unclaimed port 0x2f8 write"));
	/* A guest looping on an empty port cannot flood the line. */
	for (int i = 0; i < 1000; i++)
		(void)pio_dispatch_in(&t, 0x3e8, 1);
	assert_true(count_lines(fake_console_text(), "unclaimed port 0x") <= RATELIMIT_BURST + 1);
}

static void test_register_and_find(void **state)
{
	struct pio_handler h = { "a", 0x100, 8, dev_read, dev_write, NULL };

	assert_int_equal(vdev_register_pio(&t, &h), 0);
	h.name = "overlap-end";
	h.base = 0x107;
	h.count = 1;
	assert_int_equal(vdev_register_pio(&t, &h), -EEXIST);
	h.base = 0xfc;
	h.count = 5;
	assert_int_equal(vdev_register_pio(&t, &h), -EEXIST);
	h.base = 0xf8;
	h.count = 0x20; /* covers the whole of "a" */
	assert_int_equal(vdev_register_pio(&t, &h), -EEXIST);
	h.base = 0x108; /* adjacent is fine */
	h.count = 2;
	assert_int_equal(vdev_register_pio(&t, &h), 0);
	h.base = 0xffff;
	h.count = 2; /* past the end of port space */
	assert_int_equal(vdev_register_pio(&t, &h), -EINVAL);
	h.base = 0x200;
	h.count = 0;
	assert_int_equal(vdev_register_pio(&t, &h), -EINVAL);
	assert_int_equal(vdev_register_pio(&t, NULL), -EINVAL);
	assert_int_equal(t.nr_pio, 2);

	assert_null(vdev_find_pio(&t, 0xff));
	assert_string_equal(vdev_find_pio(&t, 0x100)->name, "a");
	assert_string_equal(vdev_find_pio(&t, 0x107)->name, "a");
	assert_string_equal(vdev_find_pio(&t, 0x109)->name, "overlap-end");
	assert_null(vdev_find_pio(&t, 0x10a));

	/* Fill the table: the one past the end is refused. */
	for (unsigned int i = t.nr_pio; i < VDEV_MAX_PIO; i++) {
		h.base = (uint16_t)(0x1000 + i * 4);
		h.count = 4;
		assert_int_equal(vdev_register_pio(&t, &h), 0);
	}
	h.base = 0x8000;
	assert_int_equal(vdev_register_pio(&t, &h), -ENOSPC);
}

static int mmio_rd(void *dev, uint64_t off, unsigned int size, uint64_t *val)
{
	(void)dev;
	*val = off + size;
	return 0;
}

static int mmio_wr(void *dev, uint64_t off, unsigned int size, uint64_t val)
{
	(void)dev, (void)off, (void)size, (void)val;
	return 0;
}

static void test_register_mmio(void **state)
{
	struct mmio_handler h = { "ioapic", { 0xfec00000 }, 0x1000, mmio_rd, mmio_wr, NULL };

	(void)state;
	assert_int_equal(vdev_register_mmio(&t, &h), 0);
	h.name = "overlap";
	h.base.v = 0xfec00fff;
	h.size = 1;
	assert_int_equal(vdev_register_mmio(&t, &h), -EEXIST);
	h.base.v = 0xfebff000;
	h.size = 0x1001;
	assert_int_equal(vdev_register_mmio(&t, &h), -EEXIST);
	h.size = 0x1000; /* adjacent below */
	assert_int_equal(vdev_register_mmio(&t, &h), 0);
	h.base.v = ~0ull - 0xfff; /* wraps past 2^64 */
	h.size = 0x2000;
	assert_int_equal(vdev_register_mmio(&t, &h), -EINVAL);
	h.base.v = 0x1000;
	h.size = 0;
	assert_int_equal(vdev_register_mmio(&t, &h), -EINVAL);
	h.size = 0x1000;
	h.read = NULL;
	assert_int_equal(vdev_register_mmio(&t, &h), -EINVAL);
	assert_int_equal(vdev_register_mmio(&t, NULL), -EINVAL);
	h.read = mmio_rd;
	for (unsigned int i = t.nr_mmio; i < VDEV_MAX_MMIO; i++) {
		h.base.v = 0x10000 * (i + 1);
		assert_int_equal(vdev_register_mmio(&t, &h), 0);
	}
	h.base.v = 0x100000;
	assert_int_equal(vdev_register_mmio(&t, &h), -ENOSPC);

	assert_null(vdev_find_mmio(&t, (gpa_t){ 0xfebfefff }));
	assert_string_equal(vdev_find_mmio(&t, (gpa_t){ 0xfebff000 })->name, "overlap");
	assert_string_equal(vdev_find_mmio(&t, (gpa_t){ 0xfec00000 })->name, "ioapic");
	assert_string_equal(vdev_find_mmio(&t, (gpa_t){ 0xfec00fff })->name, "ioapic");
	assert_null(vdev_find_mmio(&t, (gpa_t){ 0xfec01000 }));
}

static void test_dispatch_sizes(void **state)
{
	struct pio_handler h = { "dev", 0x500, 4, dev_read, dev_write, NULL };
	struct pio_handler r = { "refuser", 0x510, 1, dev_refuse_read, NULL, NULL };
	struct pio_handler n = { "null", 0x520, 1, NULL, NULL, NULL };

	assert_int_equal(vdev_register_pio(&t, &h), 0);
	assert_int_equal(vdev_register_pio(&t, &r), 0);
	assert_int_equal(vdev_register_pio(&t, &n), 0);
	dev_reg = 0x12345678;
	assert_int_equal(pio_dispatch_in(&t, 0x500, 1), 0x78);
	assert_int_equal(pio_dispatch_in(&t, 0x502, 2), 0x5678);
	assert_int_equal(pio_dispatch_in(&t, 0x503, 4), 0x12345678);
	assert_int_equal(pio_dispatch_in(&t, 0x500, 3), 0xffffffff);
	assert_int_equal(pio_dispatch_in(&t, 0x500, 0), 0xffffffff);
	assert_int_equal(pio_dispatch_in(&t, 0x500, 8), 0xffffffff);
	pio_dispatch_out(&t, 0x500, 2, 0xabcdef01);
	assert_int_equal(dev_reg, 0xef01); /* only the bytes written reach the device */
	pio_dispatch_out(&t, 0x500, 3, 0x99);
	assert_int_equal(dev_reg, 0xef01);
	assert_int_equal(pio_dispatch_in(&t, 0x510, 2), 0xffff); /* refused: empty */
	assert_int_equal(pio_dispatch_in(&t, 0x520, 1), 0xff);
	pio_dispatch_out(&t, 0x520, 1, 0); /* no write function: dropped */
}

/* Every dispatched access is counted against its range or as unclaimed,
 * and `vm` lists them busiest first. */
static void test_hits(void **state)
{
	struct pio_handler a = { "alpha", 0x500, 4, dev_read, dev_write, NULL };
	struct pio_handler b = { "beta", 0x510, 1, dev_read, dev_write, NULL };
	struct msr_handler m = { "m", 0x4b564d00, 8, msr_read, msr_write, NULL };
	struct mmio_handler io = { "mmdev", { 0xfec00000 }, 0x1000, mmio_rd, mmio_wr, NULL };
	uint64_t v;
	const char *text, *pb, *pa;

	assert_int_equal(vdev_register_pio(&t, &a), 0);
	assert_int_equal(vdev_register_pio(&t, &b), 0);
	assert_int_equal(vdev_register_msr(&t, &m), 0);
	assert_int_equal(vdev_register_mmio(&t, &io), 0);
	(void)pio_dispatch_in(&t, 0x500, 1);
	for (int i = 0; i < 3; i++)
		pio_dispatch_out(&t, 0x510, 1, 0);
	(void)pio_dispatch_in(&t, 0x600, 1);
	pio_dispatch_out(&t, 0x600, 8, 0); /* a bad size still reached the bus */
	(void)msr_dispatch_read(&t, 0x4b564d01, &v);
	(void)msr_dispatch_read(&t, 0x12345678, &v);
	vdev_count_mmio(&t, vdev_find_mmio(&t, gpa(0xfec00010)));
	vdev_count_mmio(&t, vdev_find_mmio(&t, gpa(0xfe000000)));
	assert_int_equal(t.hits.pio[0], 1);
	assert_int_equal(t.hits.pio[1], 3);
	assert_int_equal(t.hits.pio_unclaimed, 2);
	assert_int_equal(t.hits.msr[0], 1);
	assert_int_equal(t.hits.msr_unclaimed, 1);
	assert_int_equal(t.hits.mmio[0], 1);
	assert_int_equal(t.hits.mmio_unclaimed, 1);

	vdev_dump_hits(&t);
	text = fake_console_text();
	assert_non_null(strstr(text, "ports: beta 3, alpha 1, unclaimed 2\n"));
	assert_non_null(strstr(text, "MSRs: m 1, unclaimed 1\n"));
	assert_non_null(strstr(text, "MMIO: mmdev 1, unclaimed 1\n"));
	pb = strstr(text, "beta");
	pa = strstr(text, "alpha");
	assert_true(pb && pa && pb < pa);
}

static void test_msr_dispatch(void **state)
{
	struct msr_handler h = { "m", 0x4b564d00, 8, msr_read, msr_write, NULL };
	uint64_t v = 0;

	assert_int_equal(vdev_register_msr(&t, &h), 0);
	assert_int_equal(vdev_register_msr(&t, &h), -EEXIST);
	h.base = 0xfffffffe;
	h.count = 4;
	assert_int_equal(vdev_register_msr(&t, &h), -EINVAL);
	assert_int_equal(msr_dispatch_write(&t, 0x4b564d02, 42), 0);
	assert_int_equal(msr_dispatch_read(&t, 0x4b564d07, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(msr_dispatch_write(&t, 0x4b564d02, 1ull << 63), -EINVAL);
	assert_int_equal(msr_dispatch_read(&t, 0x4b564d08, &v), -EINVAL);
	assert_int_equal(msr_dispatch_write(&t, 0xc0000080, 0), -EINVAL);
	assert_non_null(strstr(fake_console_text(), "vdev: unclaimed MSR 0x4b564d08 read"));

	for (unsigned int i = t.nr_msr; i < VDEV_MAX_MSR; i++) {
		h.base = 0x1000 + i * 16;
		h.count = 16;
		assert_int_equal(vdev_register_msr(&t, &h), 0);
	}
	h.base = 0x9000;
	assert_int_equal(vdev_register_msr(&t, &h), -ENOSPC);
}

/* ---- CMOS / RTC ---- */

static struct vcmos cmos;
#define EPOCH_LEAP_EVE 1709251199 /* 2024-02-29 23:59:59 UTC, a Thursday */

static int setup_cmos(void **state)
{
	setup_table(state);
	assert_int_equal(vcmos_attach(&t, &cmos, fake_clock, &now, MiB(512), EPOCH_LEAP_EVE), 0);
	return 0;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t val)
{
	outb(0x70, reg);
	outb(0x71, val);
}

struct linux_rtc {
	uint8_t sec, min, hour, mday, mon, year, ctrl;
	int loops;
};

/* mc146818_avoid_UIP() with mc146818_get_time()'s callback, udelay = guest time. */
static bool linux_read_rtc(struct linux_rtc *r)
{
	for (r->loops = 0; r->loops < 10000; r->loops++) {
		uint8_t seconds = cmos_read(RTC_SECONDS);
		if (cmos_read(RTC_REG_A) & RTC_UIP) {
			now += 100000; /* udelay(100) */
			continue;
		}
		if (seconds != cmos_read(RTC_SECONDS))
			continue;
		r->sec = seconds;
		r->min = cmos_read(RTC_MINUTES);
		r->hour = cmos_read(RTC_HOURS);
		r->mday = cmos_read(RTC_DAY_OF_MONTH);
		r->mon = cmos_read(RTC_MONTH);
		r->year = cmos_read(RTC_YEAR);
		r->ctrl = cmos_read(RTC_REG_B);
		if (cmos_read(RTC_REG_A) & RTC_UIP) {
			now += 100000;
			continue;
		}
		if (seconds != cmos_read(RTC_SECONDS))
			continue;
		return true;
	}
	return false;
}

static void test_rtc_read_across_uip(void **state)
{
	struct linux_rtc r;

	/* Inside the last 244 us of the second: UIP is up, the read must wait. */
	now = 1000000000ull - 200000;
	assert_true(cmos_read(RTC_REG_A) & RTC_UIP);
	assert_int_equal(cmos_read(RTC_REG_A) & 0x7f, 0x26);
	assert_true(linux_read_rtc(&r));
	assert_true(r.loops >= 1);
	assert_int_equal(r.ctrl, RTC_24H); /* 24-hour BCD */
	/* 2024-03-01 00:00:00: the leap day rolled over, in BCD. */
	assert_int_equal(r.year, 0x24);
	assert_int_equal(r.mon, 0x03);
	assert_int_equal(r.mday, 0x01);
	assert_int_equal(r.hour, 0x00);
	assert_int_equal(r.min, 0x00);
	assert_int_equal(r.sec, 0x00);
	assert_int_equal(cmos_read(RTC_DAY_OF_WEEK), 6); /* Friday */
	assert_int_equal(cmos_read(RTC_CENTURY), 0x20);
	assert_false(cmos_read(RTC_REG_A) & RTC_UIP);

	/* Before the roll-over: 23:59:59 on the 29th. */
	now = 500000000;
	assert_true(linux_read_rtc(&r));
	assert_int_equal(r.loops, 0);
	assert_int_equal(r.hour, 0x23);
	assert_int_equal(r.mday, 0x29);
	assert_int_equal(r.mon, 0x02);
	assert_int_equal(r.sec, 0x59);
	assert_int_equal(cmos_read(RTC_REG_C), 0);
	assert_int_equal(cmos_read(RTC_REG_D), RTC_VRT);
}

static void test_rtc_modes_and_set(void **state)
{
	now = 3600ull * 1000000000ull; /* 00:59:59 on March 1st */
	cmos_write(RTC_REG_B, RTC_24H | RTC_DM_BINARY);
	assert_int_equal(cmos_read(RTC_MINUTES), 59);
	assert_int_equal(cmos_read(RTC_YEAR), 24);
	cmos_write(RTC_REG_B, 0); /* 12-hour BCD: 00:59 is 12:59 AM */
	assert_int_equal(cmos_read(RTC_HOURS), 0x12);
	now += 13 * 3600ull * 1000000000ull; /* 13:59:59 = 1:59 PM */
	assert_int_equal(cmos_read(RTC_HOURS), RTC_HOUR_PM | 0x01);

	/* Linux's set sequence: SET, write the fields, clear SET. */
	cmos_write(RTC_REG_B, RTC_SET | RTC_24H | RTC_UIE);
	assert_int_equal(cmos_read(RTC_REG_B), RTC_SET | RTC_24H); /* SET clears UIE */
	cmos_write(RTC_YEAR, 0x30);
	cmos_write(RTC_MONTH, 0x12);
	cmos_write(RTC_DAY_OF_MONTH, 0x31);
	cmos_write(RTC_HOURS, 0x23);
	cmos_write(RTC_MINUTES, 0x59);
	cmos_write(RTC_SECONDS, 0x50);
	now += 30ull * 1000000000ull; /* frozen while SET */
	assert_false(cmos_read(RTC_REG_A) & RTC_UIP);
	assert_int_equal(vcmos_time(&cmos, now), 1924991990); /* 2030-12-31 23:59:50 */
	cmos_write(RTC_REG_B, RTC_24H);
	now += 10ull * 1000000000ull;
	assert_int_equal(cmos_read(RTC_YEAR), 0x31); /* runs again: into 2031 */
	assert_int_equal(cmos_read(RTC_MONTH), 0x01);
	assert_int_equal(cmos_read(RTC_SECONDS), 0x00);

	/* Out-of-range and non-BCD values are ignored, not stored. */
	cmos_write(RTC_MONTH, 0x13);
	cmos_write(RTC_SECONDS, 0x5a);
	cmos_write(RTC_DAY_OF_MONTH, 0x00);
	cmos_write(RTC_MONTH, 0x02);
	cmos_write(RTC_DAY_OF_MONTH, 0x31); /* no February 31st (month stayed 2) */
	assert_int_equal(cmos.bad_writes, 4);
	assert_int_equal(cmos_read(RTC_MONTH), 0x02);
	assert_int_equal(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	/* Leap days: 2028-02-29 exists, 2100-02-29 does not. */
	cmos_write(RTC_REG_B, RTC_SET | RTC_24H);
	cmos_write(RTC_YEAR, 0x28);
	cmos_write(RTC_DAY_OF_MONTH, 0x29);
	assert_int_equal(cmos_read(RTC_DAY_OF_MONTH), 0x29);
	cmos_write(RTC_DAY_OF_MONTH, 0x01);
	cmos_write(RTC_CENTURY, 0x21);
	cmos_write(RTC_YEAR, 0x00);
	cmos_write(RTC_DAY_OF_MONTH, 0x29);
	assert_int_equal(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	assert_int_equal(cmos.bad_writes, 5);
	assert_int_equal(vcmos_time(&cmos, now), 4105123200 + (cmos_read(RTC_HOURS) >> 4) * 36000 +
							(cmos_read(RTC_HOURS) & 0xf) * 3600 +
							(cmos_read(RTC_MINUTES) >> 4) * 600 +
							(cmos_read(RTC_MINUTES) & 0xf) * 60 +
							(cmos_read(RTC_SECONDS) >> 4) * 10 +
							(cmos_read(RTC_SECONDS) & 0xf));
	cmos_write(RTC_CENTURY, 0x20);
	cmos_write(RTC_YEAR, 0x31);
	cmos_write(RTC_REG_B, RTC_24H);
	/* Without SET, a write moves the clock by an offset. */
	cmos_write(RTC_MINUTES, 0x30);
	assert_int_equal(cmos_read(RTC_MINUTES), 0x30);
	now += 60ull * 1000000000ull;
	assert_int_equal(cmos_read(RTC_MINUTES), 0x31);
}

static void test_cmos_memory_and_nmi(void **state)
{
	struct vcmos c2;
	unsigned int sum = 0;

	assert_int_equal(cmos_read(0x15) | cmos_read(0x16) << 8, 640);
	assert_int_equal(cmos_read(0x17) | cmos_read(0x18) << 8, 0xffff);
	assert_int_equal(cmos_read(0x30) | cmos_read(0x31) << 8, 0xffff);
	assert_int_equal(cmos_read(0x34) | cmos_read(0x35) << 8, (512 - 16) * 16);
	for (int i = 0x10; i <= 0x2d; i++)
		sum += cmos_read((uint8_t)i);
	assert_int_equal(cmos_read(0x2e) << 8 | cmos_read(0x2f), sum);

	t = (struct vdev_table){ 0 };
	assert_int_equal(vcmos_attach(&t, &c2, fake_clock, &now, MiB(8), 0), 0);
	assert_int_equal(cmos_read(0x17) | cmos_read(0x18) << 8, 7 * 1024);
	assert_int_equal(cmos_read(0x34) | cmos_read(0x35) << 8, 0);
	t = (struct vdev_table){ 0 };
	assert_int_equal(vcmos_attach(&t, &c2, fake_clock, &now, GiB(6), 0), 0);
	assert_int_equal(cmos_read(0x5b) | cmos_read(0x5c) << 8 | cmos_read(0x5d) << 16, 0x8000);
	assert_int_equal(cmos_read(0x34) | cmos_read(0x35) << 8, (4096 - 16) * 16);
	assert_int_equal(cmos_read(RTC_YEAR), 0x70); /* epoch 0: 1970 */
	assert_int_equal(cmos_read(RTC_CENTURY), 0x19);

	/* Index bit 7 is the NMI mask, not part of the index. */
	outb(0x70, 0x80 | 0x40);
	assert_true(c2.nmi_disabled);
	outb(0x71, 0xa5);
	assert_int_equal(c2.ram[0x40], 0xa5);
	outb(0x70, 0x40);
	assert_false(c2.nmi_disabled);
	assert_int_equal(inb(0x70), 0xff); /* the index port is write-only */
	/* C and D are read-only. */
	cmos_write(RTC_REG_D, 0);
	assert_int_equal(cmos_read(RTC_REG_D), RTC_VRT);
}

static void test_cmos_hostile(void **state)
{
	uint32_t x = 99;

	assert_int_equal(pio_dispatch_in(&t, 0x70, 3), 0xffffffff);
	pio_dispatch_out(&t, 0x70, 2, 0x3300 | RTC_HOURS); /* index, then data */
	for (int i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		uint16_t port = (uint16_t)(0x70 + ((x >> 8) & 1));
		unsigned int size = 1u << ((x >> 4) % 3);
		if (x & 1)
			pio_dispatch_out(&t, port, size, x >> 16);
		else
			(void)pio_dispatch_in(&t, port, size);
		now += x >> 12;
	}
	/* Whatever the guest did, the clock still reads as a valid time. */
	cmos_write(RTC_REG_B, RTC_24H);
	uint8_t sec = cmos_read(RTC_SECONDS);
	assert_true((sec & 0xf) <= 9 && (sec >> 4) <= 5);
}

/* ---- misc ---- */

static struct vmisc misc;
static struct virq misc_irq; /* no controllers behind it: the line levels are the output */
static int resets, exits, exit_status;

static void on_reset(void *ctx)
{
	resets++;
}

static void on_exit(void *ctx, int status)
{
	exits++;
	exit_status = status;
}

static int setup_misc(void **state)
{
	setup_table(state);
	resets = exits = exit_status = 0;
	virq_init(&misc_irq, NULL, NULL);
	assert_int_equal(vmisc_attach(&t, &misc, &misc_irq, on_reset, on_exit, NULL), 0);
	return 0;
}

static void test_debug_exit(void **state)
{
	outb(0xf4, 0);
	assert_int_equal(exit_status, 1);
	outb(0xf4, 1);
	assert_int_equal(exit_status, 3);
	outb(0xf4, 0xff);
	assert_int_equal(exit_status, 511);
	pio_dispatch_out(&t, 0xf4, 4, 0x10);
	assert_int_equal(exit_status, 0x21);
	pio_dispatch_out(&t, 0xf6, 2, 0x2);
	assert_int_equal(exit_status, 5);
	assert_int_equal(exits, 5);
	assert_int_equal(pio_dispatch_in(&t, 0xf4, 4), 0); /* reads do nothing */
	assert_int_equal(exits, 5);
	pio_dispatch_out(&t, 0xf4, 3, 0x2); /* not a size the bus has */
	assert_int_equal(exits, 5);
}

static void test_i8042(void **state)
{
	/* i8042_flush(): no byte waiting, so the controller is there and quiet. */
	assert_false(inb(0x64) & I8042_STR_OBF);
	assert_int_not_equal(inb(0x64), 0xff);
	/* i8042_controller_selftest() */
	outb(0x64, 0xaa);
	assert_true(inb(0x64) & I8042_STR_OBF);
	assert_int_equal(inb(0x60), 0x55);
	assert_false(inb(0x64) & I8042_STR_OBF);
	/* The command byte: read, write, read back. */
	outb(0x64, 0x20);
	assert_int_equal(inb(0x60), 0x45);
	outb(0x64, 0x60);
	outb(0x60, 0x74);
	outb(0x64, 0x20);
	assert_int_equal(inb(0x60), 0x74);
	outb(0x64, 0xad);
	outb(0x64, 0x20);
	assert_int_equal(inb(0x60), 0x74 | I8042_CTR_KBDDIS);
	/* A byte for the (absent) keyboard times out: see test_i8042_no_devices. */
	outb(0x60, 0xf2);
	assert_int_equal(inb(0x60), I8042_RET_TIMEOUT);
	assert_false(inb(0x64) & I8042_STR_OBF);
	outb(0x64, 0xff); /* pulse no line */
	assert_int_equal(resets, 0);
	/* Linux's "reboot=kbd": 0xfe on the command port. */
	outb(0x64, 0xfe);
	assert_int_equal(resets, 1);
	/* Output port with the reset line low. */
	outb(0x64, 0xd0);
	assert_int_equal(inb(0x60), I8042_OUT_RESET | I8042_OUT_A20);
	outb(0x64, 0xd1);
	outb(0x60, 0xfe);
	assert_int_equal(resets, 2);
	/* Hostile: every command byte and data byte, no crash. */
	for (int c = 0; c < 256; c++) {
		outb(0x64, (uint8_t)c);
		outb(0x60, (uint8_t)(c * 7));
		(void)inb(0x60);
	}
	assert_true(resets > 2);
}

/* Status bits that describe the byte in the output buffer. */
#define STR_BYTE (I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT)

static bool irq_high(unsigned int irq)
{
	return misc_irq.level & (1u << irq);
}

static void write_ctr(uint8_t ctr)
{
	outb(0x64, I8042_CMD_CTL_WCTR);
	outb(0x60, ctr);
}

/* Linux's i8042_check_aux and MUX probe: 0xd3 echoes as AUX input, 0xd2 as keyboard input. */
static void test_i8042_loopback(void **state)
{
	outb(0x64, I8042_CMD_AUX_LOOP);
	outb(0x60, 0x5a);
	assert_int_equal(inb(0x64) & STR_BYTE, I8042_STR_OBF | I8042_STR_AUXDATA);
	assert_int_equal(inb(0x60), 0x5a);
	assert_int_equal(inb(0x64) & STR_BYTE, 0);
	outb(0x64, I8042_CMD_KBD_LOOP);
	outb(0x60, 0xa5);
	assert_int_equal(inb(0x64) & STR_BYTE, I8042_STR_OBF);
	assert_int_equal(inb(0x60), 0xa5);
	/* The MUX probe's third byte comes back unchanged: no active multiplexer. */
	outb(0x64, I8042_CMD_AUX_LOOP);
	outb(0x60, 0xa4);
	assert_int_equal(inb(0x60), 0xa4);
}

/* 0xa9 (AUX interface test): lines fine, answered like the controller's other replies. */
static void test_i8042_aux_test(void **state)
{
	outb(0x64, I8042_CMD_AUX_TEST);
	assert_int_equal(inb(0x64) & STR_BYTE, I8042_STR_OBF);
	assert_int_equal(inb(0x60), I8042_RET_PORT_OK);
}

/* Nothing is plugged in: a byte for either device comes back 0xfe with TIMEOUT. */
static void test_i8042_no_devices(void **state)
{
	outb(0x60, 0xf2); /* no command pending: for the keyboard */
	assert_int_equal(inb(0x64) & STR_BYTE, I8042_STR_OBF | I8042_STR_TIMEOUT);
	assert_int_equal(inb(0x60), I8042_RET_TIMEOUT);
	outb(0x64, I8042_CMD_AUX_SEND);
	outb(0x60, 0xf2);
	assert_int_equal(inb(0x64) & STR_BYTE,
			 I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
	assert_int_equal(inb(0x60), I8042_RET_TIMEOUT);
	/* The controller's next answer is not a timeout. */
	outb(0x64, I8042_CMD_CTL_TEST);
	assert_int_equal(inb(0x64) & STR_BYTE, I8042_STR_OBF);
}

/* IRQ 1 / IRQ 12: high while a byte for that port waits with its CTR bit set. */
static void test_i8042_irqs(void **state)
{
	write_ctr(0); /* both interrupts off: nothing raised */
	outb(0x64, I8042_CMD_KBD_LOOP);
	outb(0x60, 0x11);
	outb(0x64, I8042_CMD_AUX_LOOP);
	outb(0x60, 0x22);
	assert_false(irq_high(I8042_KBD_IRQ) || irq_high(I8042_AUX_IRQ));
	/* The AUX byte waits; enabling AUXINT raises IRQ 12 at once, IRQ 1 stays low. */
	write_ctr(I8042_CTR_AUXINT);
	assert_true(irq_high(I8042_AUX_IRQ));
	assert_false(irq_high(I8042_KBD_IRQ));
	assert_int_equal(inb(0x60), 0x22);
	assert_false(irq_high(I8042_AUX_IRQ));
	/* Linux's AUX IRQ test: loop 0xa5 with AUXINT on; one edge, lowered by the read. */
	outb(0x64, I8042_CMD_AUX_LOOP);
	outb(0x60, 0xa5);
	assert_true(irq_high(I8042_AUX_IRQ));
	assert_int_equal(misc_irq.stats.raised[I8042_AUX_IRQ], 2);
	(void)inb(0x60);
	assert_false(irq_high(I8042_AUX_IRQ));
	/* Keyboard side: the timeout byte raises IRQ 1 only with KBDINT. */
	outb(0x60, 0xff);
	assert_false(irq_high(I8042_KBD_IRQ));
	(void)inb(0x60);
	write_ctr(I8042_CTR_KBDINT | I8042_CTR_AUXINT);
	outb(0x60, 0xff);
	assert_true(irq_high(I8042_KBD_IRQ));
	assert_false(irq_high(I8042_AUX_IRQ));
	assert_int_equal(inb(0x60), I8042_RET_TIMEOUT);
	assert_false(irq_high(I8042_KBD_IRQ));
	outb(0x64, I8042_CMD_AUX_SEND);
	outb(0x60, 0xff);
	assert_true(irq_high(I8042_AUX_IRQ));
	assert_false(irq_high(I8042_KBD_IRQ));
	(void)inb(0x60);
	/* Reading an empty buffer changes nothing. */
	(void)inb(0x60);
	assert_int_equal(misc_irq.level, 0);
	assert_int_equal(misc_irq.stats.raised[I8042_KBD_IRQ], 1);
	assert_int_equal(misc_irq.stats.raised[I8042_AUX_IRQ], 3);
	assert_int_equal(misc_irq.stats.refused, 0);
}

/* Commands that answer nothing leave the buffer empty; a pending command waits for its byte. */
static void test_i8042_quiet_commands(void **state)
{
	static const uint8_t quiet[] = {
		I8042_CMD_AUX_DISABLE, I8042_CMD_AUX_ENABLE, I8042_CMD_KBD_DISABLE,
		I8042_CMD_KBD_ENABLE, 0xff /* pulse no line */, 0x00, 0xc0, 0xe0,
	};
	static const uint8_t with_param[] = {
		I8042_CMD_CTL_WCTR, I8042_CMD_WRITE_OUTPUT, I8042_CMD_KBD_LOOP,
		I8042_CMD_AUX_LOOP, I8042_CMD_AUX_SEND,
	};

	write_ctr(I8042_CTR_KBDINT | I8042_CTR_AUXINT);
	for (unsigned int i = 0; i < ARRAY_SIZE(quiet); i++) {
		outb(0x64, quiet[i]);
		assert_false(inb(0x64) & I8042_STR_OBF);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(with_param); i++) {
		outb(0x64, with_param[i]);
		assert_false(inb(0x64) & I8042_STR_OBF);
	}
	assert_int_equal(misc_irq.level, 0);
	/* 0xa7/0xa8 went to the command byte: AUX disabled, then enabled again. */
	outb(0x64, I8042_CMD_CTL_RCTR);
	assert_int_equal(inb(0x60) & I8042_CTR_AUXDIS, 0);
	outb(0x64, I8042_CMD_AUX_DISABLE);
	outb(0x64, I8042_CMD_CTL_RCTR);
	assert_true(inb(0x60) & I8042_CTR_AUXDIS);
	/* A command abandoned for another: the late data byte is the keyboard's. */
	outb(0x64, I8042_CMD_AUX_LOOP);
	outb(0x64, I8042_CMD_CTL_RCTR);
	(void)inb(0x60);
	outb(0x60, 0x5a);
	assert_int_equal(inb(0x64) & STR_BYTE, I8042_STR_OBF | I8042_STR_TIMEOUT);
	assert_int_equal(inb(0x60), I8042_RET_TIMEOUT);
	assert_int_equal(resets, 0);
}

static void test_port92_pci_post(void **state)
{
	assert_int_equal(inb(0x92), SYS_CTRL_A_A20);
	outb(0x92, SYS_CTRL_A_A20);
	assert_int_equal(resets, 0);
	outb(0x92, SYS_CTRL_A_A20 | SYS_CTRL_A_RESET);
	assert_int_equal(resets, 1);
	assert_int_equal(inb(0x92), SYS_CTRL_A_A20); /* bit 0 does not stick */

	/* pci_check_type1(): the address register reads back. */
	outb(0xcfb, 0x01);
	pio_dispatch_out(&t, 0xcf8, 4, 0x80000000);
	assert_int_equal(pio_dispatch_in(&t, 0xcf8, 4), 0x80000000);
	pio_dispatch_out(&t, 0xcf8, 4, 0x8000f803);
	assert_int_equal(pio_dispatch_in(&t, 0xcf8, 4), 0x8000f800);
	/* No device: vendor ID and everything else read all ones. */
	assert_int_equal(pio_dispatch_in(&t, 0xcfc, 4), 0xffffffff);
	assert_int_equal(pio_dispatch_in(&t, 0xcfe, 2), 0xffff);
	assert_int_equal(pio_dispatch_in(&t, 0xcff, 1), 0xff);
	pio_dispatch_out(&t, 0xcfc, 4, 0);
	assert_int_equal(pio_dispatch_in(&t, 0xcfc, 4), 0xffffffff);
	/* pci_check_type2() must fail: byte reads of 0xcf8/0xcfa are not 0. */
	outb(0xcf8, 0);
	outb(0xcfa, 0);
	assert_int_not_equal(inb(0xcf8), 0);
	/* Linux's "reboot=pci": 0x02 then 0x06 to 0xcf9. */
	outb(0xcf9, 0x02);
	assert_int_equal(inb(0xcf9), 0x02);
	assert_int_equal(resets, 1);
	outb(0xcf9, 0x06);
	assert_int_equal(resets, 2);

	outb(0x80, 0x42);
	pio_dispatch_out(&t, 0x80, 2, 0x1234);
	assert_int_equal(misc.post_code, 0x34);
	assert_int_equal(misc.post_writes, 2);
	assert_int_equal(inb(0x80), 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unclaimed_ports, setup_table),
		cmocka_unit_test_setup(test_register_and_find, setup_table),
		cmocka_unit_test_setup(test_register_mmio, setup_table),
		cmocka_unit_test_setup(test_dispatch_sizes, setup_table),
		cmocka_unit_test_setup(test_msr_dispatch, setup_table),
		cmocka_unit_test_setup(test_hits, setup_table),
		cmocka_unit_test_setup(test_rtc_read_across_uip, setup_cmos),
		cmocka_unit_test_setup(test_rtc_modes_and_set, setup_cmos),
		cmocka_unit_test_setup(test_cmos_memory_and_nmi, setup_cmos),
		cmocka_unit_test_setup(test_cmos_hostile, setup_cmos),
		cmocka_unit_test_setup(test_debug_exit, setup_misc),
		cmocka_unit_test_setup(test_i8042, setup_misc),
		cmocka_unit_test_setup(test_i8042_loopback, setup_misc),
		cmocka_unit_test_setup(test_i8042_aux_test, setup_misc),
		cmocka_unit_test_setup(test_i8042_no_devices, setup_misc),
		cmocka_unit_test_setup(test_i8042_irqs, setup_misc),
		cmocka_unit_test_setup(test_i8042_quiet_commands, setup_misc),
		cmocka_unit_test_setup(test_port92_pci_post, setup_misc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
