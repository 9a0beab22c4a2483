/*
 * lapic.c - the local APIC of the boot CPU: enabling it, Pagoda's periodic
 * timer, EOI, and the `clock` command.
 *
 * The two register interfaces are two small ops tables; the mode is chosen
 * once in lapic_init(). IA32_APIC_BASE is only ever OR-ed: Bochs ignores
 * every later write once its global-enable bit (11) has been cleared, and
 * the SDM forbids going from x2APIC back to xAPIC without disabling.
 *
 * Context: pure, host-testable; boot, and the timer interrupt handler.
 */
#define pr_fmt(fmt) "lapic: " fmt
#include "acpi.h"
#include "errcode.h"
#include "hw.h"
#include "lapic.h"
#include "log.h"
#include "msr.h"
#include "shell.h"
#include "trap.h"
#include "tsc.h"

/* The timer is measured over this long; ~10 ms keeps the error near 0.01%. */
#define LAPIC_CAL_US 10000

struct lapic_ops {
	const char *name;
	uint32_t (*read)(uint32_t reg);
	void (*write)(uint32_t reg, uint32_t val);
};

static struct {
	const struct lapic_ops *ops; /* NULL until lapic_init() succeeds */
	hpa_t mmio; /* xAPIC only */
	uint32_t timer_hz;
	uint64_t timer_rate; /* timer counts per second at divide-by-16 */
	bool irq_registered;
} lapic;

uint64_t lapic_ticks;

static uint32_t xapic_read(uint32_t reg)
{
	return hw_mmio_read32(hpa(lapic.mmio.v + reg));
}

static void xapic_write(uint32_t reg, uint32_t val)
{
	hw_mmio_write32(hpa(lapic.mmio.v + reg), val);
}

static uint32_t x2apic_msr(uint32_t reg)
{
	return MSR_IA32_X2APIC_BASE + (reg >> 4);
}

static uint32_t x2apic_read(uint32_t reg)
{
	uint64_t v = 0;

	if (hw_rdmsr_safe(x2apic_msr(reg), &v))
		pr_warn("x2APIC register 0x%x unreadable\n", reg);
	return (uint32_t)v;
}

/* A #GP here means a register the CPU lacks: reported, not fatal. */
static void x2apic_write(uint32_t reg, uint32_t val)
{
	if (hw_wrmsr_safe(x2apic_msr(reg), val))
		pr_warn("x2APIC register 0x%x refused 0x%x\n", reg, val);
}

static const struct lapic_ops xapic_ops = { "xAPIC", xapic_read, xapic_write };
static const struct lapic_ops x2apic_ops = { "x2APIC", x2apic_read, x2apic_write };

/* apicbase_set: OR bits into IA32_APIC_BASE (never clear: see the file header). */
static int apicbase_set(uint64_t *base, uint64_t bits)
{
	if ((*base & bits) == bits)
		return 0;
	*base |= bits;
	if (hw_wrmsr_safe(MSR_IA32_APICBASE, *base)) {
		pr_err("IA32_APIC_BASE refused 0x%lx\n", *base);
		return -EIO;
	}
	return 0;
}

/* The SDM allows disabled -> xAPIC -> x2APIC, one step per write. */
static int lapic_enable_x2apic(uint64_t base)
{
	int err = apicbase_set(&base, MSR_IA32_APICBASE_ENABLE);

	if (!err)
		err = apicbase_set(&base, MSR_IA32_APICBASE_EXTD);
	if (!err)
		lapic.ops = &x2apic_ops;
	return err;
}

/* lapic_enable_xapic: MMIO at IA32_APIC_BASE's address (the MADT's if that is 0). */
static int lapic_enable_xapic(uint64_t base)
{
	const struct acpi_madt_info *madt = acpi_madt();
	uint64_t addr = base & APIC_BASE_ADDR_MASK;
	int err;

	if (madt && madt->lapic_address.v != addr)
		pr_warn("MADT says 0x%lx, IA32_APIC_BASE 0x%lx; using %s\n",
			madt->lapic_address.v, addr, addr ? "the MSR" : "the MADT");
	if (!addr && madt)
		addr = madt->lapic_address.v;
	if (!addr) {
		pr_err("no xAPIC address\n");
		return -ENODEV;
	}
	err = apicbase_set(&base, MSR_IA32_APICBASE_ENABLE);
	if (err)
		return err;
	lapic.mmio = hpa(addr);
	lapic.ops = &xapic_ops;
	return 0;
}

/*
 * lapic_setup_lvts: LINT0 (the 8259's ExtINT in virtual-wire mode) masked,
 * since Pagoda does not use the 8259s; the NMI pin the MADT names (LINT1
 * by default, as in the MP spec's virtual wire) delivers NMIs; every other
 * LVT masked until someone wants it.
 */
static void lapic_setup_lvts(void)
{
	const struct acpi_madt_info *madt = acpi_madt();
	int nmi = madt && madt->nmi_lint >= 0 ? madt->nmi_lint : 1;
	uint32_t maxlvt = (lapic.ops->read(APIC_LVR) & APIC_LVR_MAXLVT) >> 16;

	lapic.ops->write(APIC_LVTT, APIC_LVT_MASKED | VEC_TIMER);
	lapic.ops->write(APIC_LVTERR, APIC_LVT_MASKED);
	if (maxlvt >= 4)
		lapic.ops->write(APIC_LVTPC, APIC_LVT_MASKED);
	if (maxlvt >= 5)
		lapic.ops->write(APIC_LVTTHMR, APIC_LVT_MASKED);
	lapic.ops->write(APIC_LVT0, nmi == 0 ? APIC_DM_NMI : APIC_LVT_MASKED);
	lapic.ops->write(APIC_LVT1, nmi == 1 ? APIC_DM_NMI : APIC_LVT_MASKED);
	lapic.ops->write(APIC_ESR, 0);
}

int lapic_init(void)
{
	struct cpuid_regs r;
	uint64_t base;
	int err;

	lapic.ops = NULL;
	hw_cpuid(1, 0, &r);
	if (!(r.edx & CPUID1_EDX_APIC) || hw_rdmsr_safe(MSR_IA32_APICBASE, &base)) {
		pr_err("no local APIC\n");
		return -ENODEV;
	}
	if ((r.ecx & CPUID1_ECX_X2APIC) || (base & MSR_IA32_APICBASE_EXTD))
		err = lapic_enable_x2apic(base);
	else
		err = lapic_enable_xapic(base);
	if (err)
		return err;
	lapic.ops->write(APIC_TASKPRI, 0);
	lapic.ops->write(APIC_SPIV, VEC_SPURIOUS | APIC_SPIV_APIC_ENABLED);
	if (!(lapic.ops->read(APIC_SPIV) & APIC_SPIV_APIC_ENABLED)) {
		pr_err("%s does not stay enabled\n", lapic.ops->name);
		lapic.ops = NULL;
		return -ENODEV;
	}
	lapic_setup_lvts();
	pr_info("%s, id %u\n", lapic.ops->name, lapic_id());
	return 0;
}

void lapic_eoi(void)
{
	if (lapic.ops)
		lapic.ops->write(APIC_EOI, 0); /* x2APIC: anything but 0 raises #GP */
}

/*
 * lapic_timer_calibrate: the timer's counts per second at divide-by-16,
 * timed with the TSC over LAPIC_CAL_US. Returns 0, or -ENODEV when the TSC
 * is not calibrated or the timer did not count.
 */
static int lapic_timer_calibrate(uint64_t *rate)
{
	uint64_t t0, ns;
	uint32_t left;

	if (!tsc_khz) {
		pr_err("timer: the TSC is not calibrated\n");
		return -ENODEV;
	}
	lapic.ops->write(APIC_LVTT, APIC_LVT_MASKED | VEC_TIMER); /* one-shot, silent */
	lapic.ops->write(APIC_TDCR, APIC_TDR_DIV_16);
	lapic.ops->write(APIC_TMICT, UINT32_MAX);
	t0 = hw_rdtsc();
	tsc_delay_us(LAPIC_CAL_US);
	left = lapic.ops->read(APIC_TMCCT);
	ns = tsc_cycles_to_ns(hw_rdtsc() - t0);
	lapic.ops->write(APIC_TMICT, 0);
	/* 0 left would mean 2^32 counts in 10 ms: not a timer, a broken read. */
	if (left == UINT32_MAX || left == 0 || ns == 0) {
		pr_err("timer: does not count (current count 0x%x)\n", left);
		return -ENODEV;
	}
	*rate = (uint64_t)(UINT32_MAX - left) * 1000000000ULL / ns;
	return 0;
}

/* The timer interrupt: count it and acknowledge it. */
static void lapic_timer_irq(struct trap_frame *tf)
{
	lapic_ticks++;
	lapic_eoi();
}

static int lapic_timer_register(void)
{
	int err;

	if (lapic.irq_registered)
		return 0;
	err = irq_register(VEC_TIMER, lapic_timer_irq);
	if (err) {
		pr_err("timer: vector 0x%x unavailable: %s\n", VEC_TIMER, err_name(err));
		return err;
	}
	lapic.irq_registered = true;
	return 0;
}

int lapic_timer_start(uint32_t hz)
{
	uint64_t rate, count;
	int err;

	if (!lapic.ops)
		return -ENODEV;
	if (!hz)
		return -EINVAL;
	lapic.timer_hz = 0; /* measuring reprograms the timer: a running one stops */
	err = lapic_timer_calibrate(&rate);
	if (err)
		return err;
	count = rate / hz;
	if (count == 0 || count > UINT32_MAX) {
		pr_err("timer: %u Hz unreachable at %lu counts/s\n", hz, rate);
		return -ERANGE;
	}
	err = lapic_timer_register();
	if (err)
		return err;
	lapic.timer_rate = rate;
	lapic.timer_hz = hz;
	lapic.ops->write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | VEC_TIMER);
	lapic.ops->write(APIC_TMICT, (uint32_t)count);
	pr_info("timer: %u Hz (%lu counts/s after divide-by-16)\n", hz, rate);
	return 0;
}

void lapic_timer_stop(void)
{
	if (!lapic.ops)
		return;
	lapic.ops->write(APIC_LVTT, APIC_LVT_MASKED | VEC_TIMER);
	lapic.ops->write(APIC_TMICT, 0);
	lapic.timer_hz = 0;
}

const char *lapic_mode(void)
{
	return lapic.ops ? lapic.ops->name : "off";
}

uint32_t lapic_timer_hz(void)
{
	return lapic.timer_hz;
}

/* lapic_id: the x2APIC ID, or the xAPIC ID from bits 31:24; 0 when off. */
uint32_t lapic_id(void)
{
	if (!lapic.ops)
		return 0;
	if (lapic.ops == &x2apic_ops)
		return lapic.ops->read(APIC_ID);
	return lapic.ops->read(APIC_ID) >> 24;
}

/* clock: uptime and the clocks behind it. */
static int cmd_clock(int argc, char **argv)
{
	uint64_t ns = tsc_now_ns();

	if (argc != 1)
		return -EINVAL;
	printk("uptime %lu.%03lu s (TSC since tsc_init)\n", ns / 1000000000,
	       ns / 1000000 % 1000);
	printk("TSC %lu kHz (%s)\n", tsc_khz, tsc_source);
	printk("local APIC %s, timer %u Hz, %lu ticks\n", lapic_mode(), lapic.timer_hz,
	       lapic_ticks);
	return 0;
}
SHELL_COMMAND(clock, "clock", "uptime, TSC frequency and timer ticks", cmd_clock);
