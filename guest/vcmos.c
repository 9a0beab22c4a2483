/*
 * vcmos.c - the guest's RTC and CMOS memory: calendar arithmetic, BCD,
 * status registers and the memory-size bytes firmware leaves behind.
 *
 * The time registers are never stored: every read breaks the current
 * Unix time down into fields and encodes the one asked for; a write
 * decodes the value, rebuilds a Unix time with that field changed and
 * keeps the difference as an offset (or as the frozen time while B.SET
 * inhibits updates). Dates use the proleptic Gregorian calendar through
 * the usual days-from-civil conversion (era of 400 years = 146097 days).
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vcmos: " fmt

#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "vcmos.h"

#define NSEC_PER_SEC 1000000000ull
#define SECS_PER_DAY 86400
#define DAYS_0000_TO_1970 719468 /* from 0000-03-01, the era origin */

enum rtc_field { F_SEC, F_MIN, F_HOUR, F_WDAY, F_MDAY, F_MON, F_YEAR, F_CENTURY, NR_FIELDS };

/* Each time register and the range of its (binary) value. */
static const struct {
	uint8_t reg, min, max;
} fields[NR_FIELDS] = {
	[F_SEC] = { RTC_SECONDS, 0, 59 },     [F_MIN] = { RTC_MINUTES, 0, 59 },
	[F_HOUR] = { RTC_HOURS, 0, 23 },      [F_WDAY] = { RTC_DAY_OF_WEEK, 1, 7 },
	[F_MDAY] = { RTC_DAY_OF_MONTH, 1, 31 }, [F_MON] = { RTC_MONTH, 1, 12 },
	[F_YEAR] = { RTC_YEAR, 0, 99 },	      [F_CENTURY] = { RTC_CENTURY, 19, 21 },
};

struct rtc_tm {
	int v[NR_FIELDS];
};

static int find_field(uint8_t reg)
{
	for (int f = 0; f < NR_FIELDS; f++)
		if (fields[f].reg == reg)
			return f;
	return -1;
}

/* Days since 1970-01-01 of a Gregorian date (month 1-12). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - DAYS_0000_TO_1970;
}

/* The Gregorian date of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, struct rtc_tm *tm)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += DAYS_0000_TO_1970;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->v[F_MDAY] = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->v[F_MON] = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = yoe + era * 400 + (tm->v[F_MON] <= 2);
	tm->v[F_YEAR] = (int)(y % 100);
	tm->v[F_CENTURY] = (int)(y / 100);
}

static void tm_from_secs(int64_t s, struct rtc_tm *tm)
{
	int64_t days = s / SECS_PER_DAY, rem = s % SECS_PER_DAY;

	if (rem < 0) {
		rem += SECS_PER_DAY;
		days--;
	}
	civil_from_days(days, tm);
	tm->v[F_HOUR] = (int)(rem / 3600);
	tm->v[F_MIN] = (int)(rem / 60 % 60);
	tm->v[F_SEC] = (int)(rem % 60);
	tm->v[F_WDAY] = (int)((days % 7 + 11) % 7) + 1; /* 1970-01-01 was a Thursday (5) */
}

static int days_in_month(int year, int mon)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[mon - 1] + (mon == 2 && leap);
}

/* Unix seconds of a broken-down time; -EINVAL for a day the month has not. */
static int tm_to_secs(const struct rtc_tm *tm, int64_t *s)
{
	int year = tm->v[F_CENTURY] * 100 + tm->v[F_YEAR];

	if (tm->v[F_MDAY] > days_in_month(year, tm->v[F_MON]))
		return -EINVAL;
	*s = days_from_civil(year, tm->v[F_MON], tm->v[F_MDAY]) * SECS_PER_DAY +
	     tm->v[F_HOUR] * 3600 + tm->v[F_MIN] * 60 + tm->v[F_SEC];
	return 0;
}

static uint64_t cmos_now(const struct vcmos *c)
{
	return c->clock(c->clock_ctx);
}

int64_t vcmos_time(const struct vcmos *c, uint64_t now_ns)
{
	if (c->ram[RTC_REG_B] & RTC_SET)
		return c->frozen_s;
	return c->epoch_s + c->offset_s + (int64_t)(now_ns / NSEC_PER_SEC);
}

static bool binary_mode(const struct vcmos *c)
{
	return c->ram[RTC_REG_B] & RTC_DM_BINARY;
}

static bool hour12_mode(const struct vcmos *c)
{
	return !(c->ram[RTC_REG_B] & RTC_24H);
}

static uint8_t encode(const struct vcmos *c, int f, int v)
{
	uint8_t pm = 0;

	if (f == F_HOUR && hour12_mode(c)) {
		pm = v >= 12 ? RTC_HOUR_PM : 0;
		v = v % 12 ? v % 12 : 12;
	}
	if (!binary_mode(c))
		v = v / 10 << 4 | v % 10;
	return (uint8_t)(v | pm);
}

/* A register value as a field value; -EINVAL when out of range or not BCD. */
static int decode(const struct vcmos *c, int f, uint8_t raw, int *v)
{
	bool pm = false, h12 = f == F_HOUR && hour12_mode(c);

	if (h12) {
		pm = raw & RTC_HOUR_PM;
		raw &= (uint8_t)~RTC_HOUR_PM;
	}
	if (!binary_mode(c) && ((raw & 0xf) > 9 || (raw >> 4) > 9))
		return -EINVAL;
	*v = binary_mode(c) ? raw : (raw >> 4) * 10 + (raw & 0xf);
	if (h12) {
		if (*v < 1 || *v > 12)
			return -EINVAL;
		*v = *v % 12 + (pm ? 12 : 0);
	}
	return *v >= fields[f].min && *v <= fields[f].max ? 0 : -EINVAL;
}

static uint8_t read_time(const struct vcmos *c, int f, uint64_t now)
{
	struct rtc_tm tm;

	tm_from_secs(vcmos_time(c, now), &tm);
	return encode(c, f, tm.v[f]);
}

/* The guest sets one field of the time; the day of week follows the date. */
static void write_time(struct vcmos *c, int f, uint8_t raw, uint64_t now)
{
	int64_t old = vcmos_time(c, now), new;
	struct rtc_tm tm;
	int v;

	if (f == F_WDAY)
		return;
	tm_from_secs(old, &tm);
	if (decode(c, f, raw, &v) == 0) {
		tm.v[f] = v;
		if (tm_to_secs(&tm, &new) == 0) {
			if (c->ram[RTC_REG_B] & RTC_SET)
				c->frozen_s = new;
			else
				c->offset_s += new - old;
			return;
		}
	}
	c->bad_writes++;
	pr_info_ratelimited("ignored RTC register 0x%x value 0x%x\n", fields[f].reg, raw);
}

/* B.SET freezes the time the guest is about to write; clearing it restarts the clock. */
static void write_reg_b(struct vcmos *c, uint8_t val, uint64_t now)
{
	bool was_set = c->ram[RTC_REG_B] & RTC_SET;

	if ((val & RTC_SET) && !was_set)
		c->frozen_s = vcmos_time(c, now);
	if (!(val & RTC_SET) && was_set)
		c->offset_s = c->frozen_s - c->epoch_s - (int64_t)(now / NSEC_PER_SEC);
	if (val & RTC_SET)
		val &= (uint8_t)~RTC_UIE; /* the datasheet: SET clears UIE */
	c->ram[RTC_REG_B] = val;
}

static uint8_t read_reg_a(const struct vcmos *c, uint64_t now)
{
	uint8_t v = c->ram[RTC_REG_A] & (uint8_t)~RTC_UIP;

	if (!(c->ram[RTC_REG_B] & RTC_SET) && now % NSEC_PER_SEC >= NSEC_PER_SEC - RTC_UIP_NS)
		v |= RTC_UIP;
	return v;
}

static uint8_t read_data(struct vcmos *c)
{
	int f = find_field(c->index);

	if (f >= 0)
		return read_time(c, f, cmos_now(c));
	if (c->index == RTC_REG_A)
		return read_reg_a(c, cmos_now(c));
	if (c->index == RTC_REG_C)
		return 0; /* no interrupt flags: none of the RTC's interrupts are modelled */
	if (c->index == RTC_REG_D)
		return RTC_VRT;
	return c->ram[c->index];
}

static void write_data(struct vcmos *c, uint8_t val)
{
	int f = find_field(c->index);

	if (f >= 0)
		write_time(c, f, val, cmos_now(c));
	else if (c->index == RTC_REG_A)
		c->ram[RTC_REG_A] = val & (uint8_t)~RTC_UIP;
	else if (c->index == RTC_REG_B)
		write_reg_b(c, val, cmos_now(c));
	else if (c->index != RTC_REG_C && c->index != RTC_REG_D)
		c->ram[c->index] = val;
}

static uint8_t vcmos_read8(void *dev, uint16_t port)
{
	struct vcmos *c = dev;

	/* The index register is write-only on PC chipsets. */
	return port == VCMOS_PORT_DATA ? read_data(c) : 0xff;
}

static void vcmos_write8(void *dev, uint16_t port, uint8_t val)
{
	struct vcmos *c = dev;

	if (port == VCMOS_PORT_INDEX) {
		c->index = val & (VCMOS_SIZE - 1);
		c->nmi_disabled = val & VCMOS_NMI_DISABLE;
	} else if (port == VCMOS_PORT_DATA) {
		write_data(c, val);
	}
}

static int vcmos_pio_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return pio_read_bytes(dev, port, size, val, vcmos_read8);
}

static int vcmos_pio_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	return pio_write_bytes(dev, port, size, val, vcmos_write8);
}

static void put16(uint8_t *ram, unsigned int lo, uint64_t v)
{
	ram[lo] = (uint8_t)v;
	ram[lo + 1] = (uint8_t)(v >> 8);
}

/* The memory sizes a PC BIOS stores, from the guest's RAM size. */
static void cmos_set_memory(uint8_t *ram, uint64_t bytes)
{
	uint64_t ext_kib = bytes > MiB(1) ? (bytes - MiB(1)) / KiB(1) : 0;
	uint64_t below_4g = MIN(bytes, GiB(4));
	uint64_t above_16m = below_4g > MiB(16) ? (below_4g - MiB(16)) / KiB(64) : 0;
	uint64_t above_4g = bytes > GiB(4) ? (bytes - GiB(4)) / KiB(64) : 0;

	put16(ram, CMOS_BASE_MEM_LO, 640);
	put16(ram, CMOS_EXT_MEM_LO, MIN(ext_kib, 0xffff));
	put16(ram, CMOS_EXT_MEM2_LO, MIN(ext_kib, 0xffff));
	put16(ram, CMOS_MEM_16M_LO, MIN(above_16m, 0xffff));
	above_4g = MIN(above_4g, 0xffffff);
	put16(ram, CMOS_MEM_4G_LO, above_4g);
	ram[CMOS_MEM_4G_LO + 2] = (uint8_t)(above_4g >> 16);
}

static void cmos_set_checksum(uint8_t *ram)
{
	unsigned int sum = 0;

	for (unsigned int i = CMOS_CSUM_FIRST; i <= CMOS_CSUM_LAST; i++)
		sum += ram[i];
	ram[CMOS_CSUM_HI] = (uint8_t)(sum >> 8);
	ram[CMOS_CSUM_HI + 1] = (uint8_t)sum;
}

int vcmos_attach(struct vdev_table *t, struct vcmos *c, vdev_clock_fn clock, void *clock_ctx,
		 uint64_t ram_bytes, int64_t epoch_s)
{
	const struct pio_handler h = {
		"cmos", VCMOS_PORT_INDEX, 2, vcmos_pio_read, vcmos_pio_write, c,
	};

	*c = (struct vcmos){ .clock = clock, .clock_ctx = clock_ctx, .epoch_s = epoch_s };
	c->ram[RTC_REG_A] = RTC_REF_CLCK_32KHZ | RTC_RATE_1024HZ;
	c->ram[RTC_REG_B] = RTC_24H;
	c->ram[CMOS_EQUIPMENT] = 0x02; /* FPU present, no floppy, VGA */
	cmos_set_memory(c->ram, ram_bytes);
	cmos_set_checksum(c->ram);
	return vdev_register_pio(t, &h);
}
