/*
 * vcmos.h - the guest's MC146818 RTC and CMOS memory (ports 0x70/0x71).
 *
 * Time is a Unix epoch given at attach plus the guest clock, shown in the
 * RTC registers in BCD or binary, 24- or 12-hour, as status register B
 * asks (24-hour BCD after reset, as PC firmware leaves it). UIP in status
 * register A is set for the last 244 us of every second, so Linux's
 * mc146818_avoid_UIP() sees it rise and fall. The guest may set the time
 * (with or without B.SET); the difference is kept as an offset.
 *
 * CMOS memory holds what firmware would have left: base and extended
 * memory sizes (0x15-0x18, 0x30/0x31, 0x34/0x35, 0x5b-0x5d) computed from
 * the guest RAM size, and the checksum at 0x2e/0x2f.
 *
 * Not modelled: alarm, periodic and update-ended interrupts (IRQ8), the
 * divider-reset bits of register A. Status register C always reads 0.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VCMOS_H
#define PAGODA_VCMOS_H

#include "types.h"
#include "vdev.h"

#define VCMOS_PORT_INDEX 0x70
#define VCMOS_PORT_DATA 0x71
#define VCMOS_NMI_DISABLE 0x80 /* index port bit 7 */
#define VCMOS_SIZE 128

/* Register indexes (MC146818 datasheet; Linux mc146818rtc.h names). */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06 /* 1 = Sunday */
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32 /* the PC/AT century byte */

#define RTC_UIP 0x80 /* A: update in progress */
#define RTC_REF_CLCK_32KHZ 0x20 /* A: divider bits for a 32.768 kHz crystal */
#define RTC_RATE_1024HZ 0x06
#define RTC_SET 0x80 /* B: updates inhibited while the time is set */
#define RTC_PIE 0x40
#define RTC_AIE 0x20
#define RTC_UIE 0x10
#define RTC_DM_BINARY 0x04
#define RTC_24H 0x02
#define RTC_VRT 0x80 /* D: valid RAM and time */
#define RTC_HOUR_PM 0x80 /* hours register in 12-hour mode */
#define RTC_UIP_NS 244000 /* UIP precedes each update by 244 us */

/* CMOS memory sizes (IBM PC/AT layout; 0x34/0x35 and 0x5b-0x5d as in SeaBIOS/QEMU). */
#define CMOS_BASE_MEM_LO 0x15 /* KiB below 1 MiB: 640 */
#define CMOS_EXT_MEM_LO 0x17 /* KiB above 1 MiB, at most 0xffff */
#define CMOS_EXT_MEM2_LO 0x30 /* the same, as the POST found it */
#define CMOS_MEM_16M_LO 0x34 /* 64 KiB units from 16 MiB to 4 GiB */
#define CMOS_MEM_4G_LO 0x5b /* 64 KiB units above 4 GiB, 3 bytes */
#define CMOS_EQUIPMENT 0x14
#define CMOS_CSUM_HI 0x2e /* sum of 0x10-0x2d, big-endian */
#define CMOS_CSUM_FIRST 0x10
#define CMOS_CSUM_LAST 0x2d

struct vcmos {
	uint8_t index;
	bool nmi_disabled; /* index port bit 7; Pagoda never injects NMIs */
	uint8_t ram[VCMOS_SIZE]; /* everything but the time registers and C/D */
	int64_t epoch_s; /* Unix time at guest time 0 */
	int64_t offset_s; /* what the guest's own settings added */
	int64_t frozen_s; /* the time held while B.SET is on */
	vdev_clock_fn clock;
	void *clock_ctx;
	uint64_t bad_writes; /* time register writes out of range, ignored */
};

/*
 * vcmos_attach: an RTC at `epoch_s` (Unix seconds) when the guest clock is
 * 0, and CMOS memory describing `ram_bytes` of guest RAM; claims 0x70-0x71.
 * -E* from registration.
 */
int vcmos_attach(struct vdev_table *t, struct vcmos *c, vdev_clock_fn clock, void *clock_ctx,
		 uint64_t ram_bytes, int64_t epoch_s);
/* vcmos_time: the RTC's time at guest time now_ns, as Unix seconds. */
int64_t vcmos_time(const struct vcmos *c, uint64_t now_ns);

#endif
