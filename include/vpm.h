/*
 * vpm.h - the guest's ACPI PM register block: the fixed-feature registers
 * the FADT points at (guest/acpi_tables.c), at I/O ports 0x600-0x60b.
 *
 *   0x600  PM1a_STS  16 bits, write 1 to clear; only TMR_STS is ever set
 *   0x602  PM1a_EN   16 bits, read/write
 *   0x604  PM1a_CNT  16 bits: SCI_EN always reads 1 (the platform is in
 *                    ACPI mode from the start: the FADT has no SMI_CMD);
 *                    SLP_EN with SLP_TYP == VPM_SLP_TYP_S5 powers off
 *   0x606  (none: reads all ones)
 *   0x608  PM_TMR    32 bits read-only, a 24-bit counter at 3.579545 MHz
 *
 * Names and bit positions are the ACPI specification's, section "ACPI
 * Hardware Specification", "PM1 Event Grouping", "PM1 Control Grouping"
 * and "Power Management Timer". Accesses of 1, 2 or 4 bytes may start at
 * any port of the block and read or write exactly the bytes they cover.
 *
 * Not modelled: no SCI is ever raised (no event Linux enables has a
 * source here), and sleep states other than S5 are ignored.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VPM_H
#define PAGODA_VPM_H

#include "types.h"
#include "vdev.h"

#define VPM_PORT_BASE 0x600
#define VPM_PORTS 12
#define VPM_PM1A_EVT (VPM_PORT_BASE + 0) /* PM1a_STS, then PM1a_EN */
#define VPM_PM1_EVT_LEN 4
#define VPM_PM1A_STS (VPM_PORT_BASE + 0)
#define VPM_PM1A_EN (VPM_PORT_BASE + 2)
#define VPM_PM1A_CNT (VPM_PORT_BASE + 4)
#define VPM_PM1_CNT_LEN 2
#define VPM_PM_TMR (VPM_PORT_BASE + 8)
#define VPM_PM_TMR_LEN 4

#define PM_TMR_HZ 3579545ULL
#define PM_TMR_BITS 24
#define PM_TMR_MASK GENMASK(PM_TMR_BITS - 1, 0)

/* PM1_STS and PM1_EN bits. */
#define ACPI_PM1_TMR BIT(0) /* STS: the timer's bit 23 changed */
#define ACPI_PM1_BM BIT(4) /* STS only: bus master activity */
#define ACPI_PM1_GBL BIT(5) /* global lock released */
#define ACPI_PM1_PWRBTN BIT(8)
#define ACPI_PM1_SLPBTN BIT(9)
#define ACPI_PM1_RTC BIT(10)
#define ACPI_PM1_PCIEXP_WAKE BIT(14) /* EN: PCIEXP_WAKE_DIS */
#define ACPI_PM1_WAK BIT(15) /* STS only */
#define ACPI_PM1_EN_MASK                                                       \
	(ACPI_PM1_TMR | ACPI_PM1_GBL | ACPI_PM1_PWRBTN | ACPI_PM1_SLPBTN |     \
	 ACPI_PM1_RTC | ACPI_PM1_PCIEXP_WAKE)

/* PM1_CNT bits. */
#define ACPI_PM1_SCI_EN BIT(0)
#define ACPI_PM1_BM_RLD BIT(1)
#define ACPI_PM1_GBL_RLS BIT(2) /* write-only: "release the global lock" to firmware */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP GENMASK(12, 10)
#define ACPI_PM1_SLP_EN BIT(13) /* write-only */

/* The SLP_TYP value the DSDT's \_S5 object gives for soft-off. */
#define VPM_SLP_TYP_S5 5

typedef void (*vpm_off_fn)(void *ctx);

struct vpm {
	uint16_t en; /* PM1a_EN */
	uint16_t cnt; /* PM1a_CNT as written: BM_RLD and SLP_TYP */
	uint64_t tmr_acked; /* timer ticks >> 23 when TMR_STS was last cleared */
	vdev_clock_fn clock;
	void *clock_ctx;
	vpm_off_fn off;
	void *off_ctx;
	uint64_t poweroffs; /* S5 requests seen */
	uint64_t ignored_sleeps; /* other sleep types, ignored */
};

/*
 * vpm_attach: reset the block and claim ports 0x600-0x60b. clock gives
 * guest nanoseconds (the PM timer counts from them); off(off_ctx) is
 * called on each S5 request and may be NULL. -EINVAL without a clock, or
 * -E* from registration.
 */
int vpm_attach(struct vdev_table *t, struct vpm *pm, vdev_clock_fn clock, void *clock_ctx,
	       vpm_off_fn off, void *off_ctx);

/* vpm_timer_ticks: PM timer ticks (not wrapped) after ns nanoseconds. */
uint64_t vpm_timer_ticks(uint64_t ns);

#endif
