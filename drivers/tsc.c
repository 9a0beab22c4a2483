/*
 * tsc.c - finding the TSC frequency, and time and delays from the TSC.
 *
 * The sources, best first: CPUID leaf 0x15 (TSC/crystal ratio times the
 * crystal frequency, exact when the CPU reports the crystal), CPUID leaf
 * 0x16 (the base frequency in MHz, which the TSC runs at on the parts that
 * have the leaf), and a measurement against PIT channel 2, which also
 * checks the CPUID answer. Pagoda assumes an invariant TSC, as every VT-x
 * CPU with EPT has.
 *
 * Context: pure, host-testable; boot, interrupts off during calibration.
 */
#define pr_fmt(fmt) "tsc: " fmt
#include "errcode.h"
#include "hw.h"
#include "log.h"
#include "pit.h"
#include "tsc.h"

#define CPUID_LEAF_TSC_CRYSTAL 0x15
#define CPUID_LEAF_FREQ 0x16
#define CPUID_FREQ_BASE_MHZ GENMASK(15, 0)

/* PIT calibration: five ~10 ms intervals, the median taken. */
#define PIT_CAL_MS 10
#define PIT_CAL_COUNT (PIT_HZ * PIT_CAL_MS / 1000)
#define PIT_CAL_RUNS 5
/* A port read takes ~1 us on hardware: a million polls is far past 10 ms. */
#define PIT_CAL_MAX_POLLS 1000000

uint64_t tsc_khz;
const char *tsc_source = "none";
static uint64_t tsc_base; /* the TSC at tsc_init() */

static uint32_t cpuid_max_leaf(void)
{
	struct cpuid_regs r;

	hw_cpuid(0, 0, &r);
	return r.eax;
}

/*
 * tsc_from_cpuid15: TSC = crystal * EBX / EAX. When ECX (the crystal) is 0
 * we do not guess it from the CPU model, as Linux once did and got wrong
 * (Skylake-X has 25 MHz, not 24): leaf 0x16 serves those parts.
 */
static int tsc_from_cpuid15(uint64_t *khz)
{
	struct cpuid_regs r;

	if (cpuid_max_leaf() < CPUID_LEAF_TSC_CRYSTAL)
		return -ENODEV;
	hw_cpuid(CPUID_LEAF_TSC_CRYSTAL, 0, &r);
	if (!r.eax || !r.ebx || !r.ecx)
		return -ENODEV;
	*khz = (uint64_t)r.ecx * r.ebx / ((uint64_t)r.eax * 1000);
	return 0;
}

static int tsc_from_cpuid16(uint64_t *khz)
{
	struct cpuid_regs r;

	if (cpuid_max_leaf() < CPUID_LEAF_FREQ)
		return -ENODEV;
	hw_cpuid(CPUID_LEAF_FREQ, 0, &r);
	*khz = (uint64_t)(r.eax & CPUID_FREQ_BASE_MHZ) * 1000;
	return *khz ? 0 : -ENODEV;
}

/*
 * pit_interval_cycles: TSC cycles across PIT_CAL_COUNT PIT ticks, or 0
 * when OUT2 is high at once (no PIT: the port reads all ones) or never
 * goes high.
 */
static uint64_t pit_interval_cycles(void)
{
	uint64_t t0, t1;
	unsigned int polls = 0;

	pit_ch2_start(PIT_CAL_COUNT);
	t0 = hw_rdtsc();
	if (pit_ch2_done())
		goto out_dead;
	while (!pit_ch2_done())
		if (++polls > PIT_CAL_MAX_POLLS)
			goto out_dead;
	t1 = hw_rdtsc();
	pit_ch2_stop();
	return t1 - t0;
out_dead:
	pit_ch2_stop();
	return 0;
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/*
 * tsc_from_pit: measure the TSC against PIT channel 2. The median of
 * several runs, because an SMI or an emulator's scheduling can stretch
 * one run and, in an emulator, the PIT can also run ahead of the TSC.
 */
static int tsc_from_pit(uint64_t *khz)
{
	uint64_t cycles[PIT_CAL_RUNS];

	for (unsigned int i = 0; i < PIT_CAL_RUNS; i++) {
		cycles[i] = pit_interval_cycles();
		if (!cycles[i])
			return -ENODEV;
	}
	*khz = median(cycles, PIT_CAL_RUNS) * PIT_HZ / ((uint64_t)PIT_CAL_COUNT * 1000);
	return 0;
}

static bool believable(const char *source, uint64_t khz)
{
	if (khz >= TSC_KHZ_MIN && khz <= TSC_KHZ_MAX)
		return true;
	pr_warn("%s says %lu kHz; not believable\n", source, khz);
	return false;
}

/* The CPUID sources, best first. */
static const struct {
	const char *name;
	int (*measure)(uint64_t *khz);
} cpuid_sources[] = {
	{ "cpuid15", tsc_from_cpuid15 },
	{ "cpuid16", tsc_from_cpuid16 },
};

/* tsc_from_cpuid: the first believable CPUID answer and its name, or NULL. */
static const char *tsc_from_cpuid(uint64_t *khz)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(cpuid_sources); i++)
		if (!cpuid_sources[i].measure(khz) && believable(cpuid_sources[i].name, *khz))
			return cpuid_sources[i].name;
	return NULL;
}

/* More than 10% apart: not rounding, but a CPUID that describes another clock. */
static bool disagree(uint64_t a, uint64_t b)
{
	return (a > b ? a - b : b - a) * 10 > a;
}

static void tsc_set(uint64_t khz, const char *source)
{
	tsc_khz = khz;
	tsc_source = source;
	pr_info("%lu.%03lu MHz (%s)\n", khz / 1000, khz % 1000, source);
}

/*
 * CPUID is exact when it is right, so it wins, but it is checked against
 * the PIT: Bochs reports a 3.5 GHz base frequency in leaf 0x16 while its
 * TSC counts emulated instructions (ips), 35 times slower; every delay
 * and the local APIC timer would be off by that factor.
 */
int tsc_init(void)
{
	uint64_t cpuid_khz = 0, pit_khz = 0;
	const char *source;
	bool pit_ok;

	tsc_base = hw_rdtsc();
	tsc_khz = 0;
	tsc_source = "none";
	source = tsc_from_cpuid(&cpuid_khz);
	pit_ok = tsc_from_pit(&pit_khz) == 0 && believable("pit", pit_khz);
	if (source && pit_ok && disagree(cpuid_khz, pit_khz)) {
		pr_warn("%s says %lu kHz but the PIT measures %lu kHz; using the PIT\n",
			source, cpuid_khz, pit_khz);
		source = NULL;
	}
	if (!source && !pit_ok) {
		pr_err("no CPUID frequency, and PIT channel 2 does not count\n");
		return -ENODEV;
	}
	if (source)
		tsc_set(cpuid_khz, source);
	else
		tsc_set(pit_khz, "pit");
	return 0;
}

/* Split so that cycles * 10^6 cannot overflow: khz < 2^27 and the remainder < khz. */
uint64_t tsc_cycles_to_ns(uint64_t cycles)
{
	if (!tsc_khz)
		return 0;
	return cycles / tsc_khz * 1000000 + cycles % tsc_khz * 1000000 / tsc_khz;
}

uint64_t tsc_ns_to_cycles(uint64_t ns)
{
	const uint64_t ns_per_ms = 1000000;

	/* tsc_khz is cycles per ms; the remainder's product stays below 2^47. */
	return ns / ns_per_ms * tsc_khz + (ns % ns_per_ms * tsc_khz + ns_per_ms - 1) / ns_per_ms;
}

uint64_t tsc_now_ns(void)
{
	return tsc_cycles_to_ns(hw_rdtsc() - tsc_base);
}

void tsc_delay_us(uint64_t us)
{
	uint64_t khz = tsc_khz ? tsc_khz : TSC_KHZ_ASSUMED;
	uint64_t cycles = us / 1000 * khz + us % 1000 * khz / 1000;
	uint64_t start = hw_rdtsc();

	while (hw_rdtsc() - start < cycles)
		hw_pause();
}
