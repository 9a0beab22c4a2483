/*
 * vpm.c - the guest's ACPI PM1a event and control registers and PM timer.
 *
 * Linux needs three things from this block: SCI_EN reading 1 (ACPI mode
 * without an SMI handshake), a PM timer it can calibrate and keep time
 * with (drivers/clocksource/acpi_pm.c), and PM1a_CNT taking SLP_TYP/SLP_EN
 * so that "poweroff" ends the guest (ACPICA's acpi_hw_legacy_sleep).
 * PM1a_EN keeps what is written so ACPICA finds GBL_EN "sticks" and
 * believes the global lock hardware is there.
 *
 * An access is handled against a little-endian image of the 12-byte block
 * taken once, so the timer is read exactly once per IN (no torn values)
 * and any size at any offset reads the bytes it covers.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vpm: " fmt

#include "errcode.h"
#include "log.h"
#include "vpm.h"

#define NS_PER_SEC 1000000000ULL
#define PM_TMR_STS_SHIFT (PM_TMR_BITS - 1) /* TMR_STS: bit 23 changed */
#define PM1_CNT_KEPT (ACPI_PM1_BM_RLD | ACPI_PM1_SLP_TYP)
#define VPM_EMPTY_BYTE 0xff /* the unused ports 0x606/0x607, and past the block */

/*
 * now * PM_TMR_HZ overflows 64 bits after about 85 minutes of guest time,
 * so whole seconds and the rest are scaled apart: both products stay below
 * 2^63 for any 64-bit ns, and the sum is exactly floor(ns * HZ / 1e9).
 */
uint64_t vpm_timer_ticks(uint64_t ns)
{
	return (ns / NS_PER_SEC) * PM_TMR_HZ + (ns % NS_PER_SEC) * PM_TMR_HZ / NS_PER_SEC;
}

static uint64_t pm_ticks(const struct vpm *pm)
{
	return vpm_timer_ticks(pm->clock(pm->clock_ctx));
}

/* TMR_STS is derived: set once bit 23 has changed since it was last cleared. */
static uint16_t pm1_sts(const struct vpm *pm, uint64_t ticks)
{
	return (ticks >> PM_TMR_STS_SHIFT) != pm->tmr_acked ? ACPI_PM1_TMR : 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* pm_image: the block as the guest would see it now. */
static void pm_image(const struct vpm *pm, uint8_t img[VPM_PORTS])
{
	uint64_t ticks = pm_ticks(pm);
	uint32_t tmr = (uint32_t)(ticks & PM_TMR_MASK); /* TMR_VAL_EXT = 0: bits 31:24 are 0 */

	put16(img + 0, pm1_sts(pm, ticks));
	put16(img + 2, pm->en);
	put16(img + 4, pm->cnt | ACPI_PM1_SCI_EN);
	put16(img + 6, 0xffff);
	put16(img + 8, (uint16_t)tmr);
	put16(img + 10, (uint16_t)(tmr >> 16));
}

static bool size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4;
}

/* pm_read: 0, or -EINVAL for a size the bus does not have (*val all ones). */
static int pm_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	uint8_t img[VPM_PORTS];
	unsigned int off = (unsigned int)(port - VPM_PORT_BASE);
	uint32_t v = 0;

	*val = 0xffffffff;
	if (!size_ok(size))
		return -EINVAL;
	pm_image(dev, img);
	for (unsigned int i = 0; i < size; i++) {
		uint8_t b = off + i < VPM_PORTS ? img[off + i] : VPM_EMPTY_BYTE;

		v |= (uint32_t)b << (8 * i);
	}
	*val = v;
	return 0;
}

static void sts_write(struct vpm *pm, uint16_t val, uint16_t mask)
{
	if (val & mask & ACPI_PM1_TMR)
		pm->tmr_acked = pm_ticks(pm) >> PM_TMR_STS_SHIFT;
}

static void en_write(struct vpm *pm, uint16_t val, uint16_t mask)
{
	pm->en = (uint16_t)((pm->en & ~mask) | (val & mask & ACPI_PM1_EN_MASK));
}

/* SLP_EN: S5 powers off; anything else would need firmware Pagoda does not have. */
static void cnt_write(struct vpm *pm, uint16_t val, uint16_t mask)
{
	unsigned int typ;

	pm->cnt = (uint16_t)((pm->cnt & ~mask) | (val & mask & PM1_CNT_KEPT));
	if (!(val & mask & ACPI_PM1_SLP_EN))
		return;
	typ = (pm->cnt & ACPI_PM1_SLP_TYP) >> ACPI_PM1_SLP_TYP_SHIFT;
	if (typ != VPM_SLP_TYP_S5) {
		pm->ignored_sleeps++;
		pr_info_ratelimited("guest asked for sleep type %u; only S5 (%u) exists, ignored\n",
				    typ, VPM_SLP_TYP_S5);
		return;
	}
	pm->poweroffs++;
	pr_info_ratelimited("guest entered S5 (soft off)\n");
	if (pm->off)
		pm->off(pm->off_ctx);
}

/* The writable registers, by offset in the block; PM_TMR is read-only. */
static const struct {
	uint8_t off;
	void (*write)(struct vpm *pm, uint16_t val, uint16_t mask);
} pm_regs[] = {
	{ 0, sts_write },
	{ 2, en_write },
	{ 4, cnt_write },
};

/*
 * pm_write: each register gets the bytes of the access that fall on it
 * (mask says which), in one call, so a word write of SLP_TYP|SLP_EN and a
 * byte write of its high half both act. 0, or -EINVAL for a bad size.
 */
static int pm_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	uint8_t data[VPM_PORTS] = { 0 }, hit[VPM_PORTS] = { 0 };
	unsigned int off = (unsigned int)(port - VPM_PORT_BASE);

	if (!size_ok(size))
		return -EINVAL;
	for (unsigned int i = 0; i < size && off + i < VPM_PORTS; i++) {
		data[off + i] = (uint8_t)(val >> (8 * i));
		hit[off + i] = 0xff;
	}
	for (unsigned int r = 0; r < ARRAY_SIZE(pm_regs); r++) {
		uint16_t mask = get16(hit + pm_regs[r].off);

		if (mask)
			pm_regs[r].write(dev, get16(data + pm_regs[r].off), mask);
	}
	return 0;
}

int vpm_attach(struct vdev_table *t, struct vpm *pm, vdev_clock_fn clock, void *clock_ctx,
	       vpm_off_fn off, void *off_ctx)
{
	const struct pio_handler h = { "acpi-pm", VPM_PORT_BASE, VPM_PORTS, pm_read, pm_write,
				       pm };

	if (!clock) {
		pr_err("the PM timer needs a clock\n");
		return -EINVAL;
	}
	*pm = (struct vpm){ .clock = clock, .clock_ctx = clock_ctx, .off = off,
			    .off_ctx = off_ctx };
	pm->tmr_acked = pm_ticks(pm) >> PM_TMR_STS_SHIFT;
	return vdev_register_pio(t, &h);
}
