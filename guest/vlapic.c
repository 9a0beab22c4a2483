/*
 * vlapic.c - the guest's local APIC in x2APIC mode: registers as MSRs,
 * interrupt priority (IRR, ISR, TPR, PPR, EOI), self-IPIs and the timer
 * (one-shot, periodic, TSC-deadline).
 *
 * The x2APIC registers are one table indexed by (MSR - 0x800), one line
 * per register with its read and write function; a missing function is
 * the SDM's "read-only" or "write-only" and answers #GP. Interrupts reach
 * the vCPU only through vintr.c, which asks vlapic_pending() and calls
 * vlapic_ack() when it injects. What the guest cannot have (xAPIC mode,
 * other CPUs, INIT/SIPI, NMI IPIs) is refused or dropped with a
 * rate-limited message; see include/vlapic.h for the model's limits.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vlapic: " fmt
#include "errcode.h"
#include "hw.h"
#include "lib.h"
#include "log.h"
#include "shell.h"
#include "tsc.h"
#include "vlapic.h"
#include "vm.h"

#define APIC_BASE_DEFAULT 0xfee00000ULL
#define APIC_BASE_MODE (MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD)
#define APIC_BASE_VALID (MSR_IA32_APICBASE_BSP | APIC_BASE_MODE | APIC_BASE_ADDR_MASK)
#define APIC_SPIV_VALID (APIC_SPIV_VECTOR | APIC_SPIV_APIC_ENABLED | APIC_SPIV_FOCUS_DISABLED)
#define APIC_TPR_VALID 0xffULL
#define APIC_SELF_IPI_VALID 0xffULL
#define APIC_ICR_VALID                                                          \
	(APIC_VECTOR_MASK | APIC_MODE_MASK | APIC_DEST_LOGICAL | APIC_INT_ASSERT | \
	 APIC_INT_LEVELTRIG | APIC_SHORT_MASK | GENMASK(63, 32))
#define APIC_LVR_VALUE (APIC_VERSION | ((VLAPIC_NR_LVT - 1ULL) << 16))
#define APIC_BROADCAST 0xffffffffu
#define IOAPIC_MSG_BROADCAST 0xff /* an 8-bit (xAPIC-format) destination: everyone */
#define FIRST_LEGAL_VECTOR 16 /* 0-15 are exceptions: "illegal vector" (ESR) */
#define NSEC_PER_MSEC 1000000ULL

/* ---- 256-bit vector maps ---- */

static bool vec_test(const uint32_t *map, unsigned int v)
{
	return map[v / 32] & (1u << (v % 32));
}

static void vec_set(uint32_t *map, unsigned int v)
{
	map[v / 32] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *map, unsigned int v)
{
	map[v / 32] &= ~(1u << (v % 32));
}

/* vec_highest: the highest vector set in the map, or -1. */
static int vec_highest(const uint32_t *map)
{
	for (int i = 7; i >= 0; i--)
		if (map[i])
			return i * 32 + 31 - __builtin_clz(map[i]);
	return -1;
}

/* ---- state ---- */

static bool x2apic_mode(const struct vlapic *a)
{
	return (a->apic_base & APIC_BASE_MODE) == APIC_BASE_MODE;
}

static bool sw_enabled(const struct vlapic *a)
{
	return a->svr & APIC_SPIV_APIC_ENABLED;
}

static uint64_t clock_now(const struct vlapic *a)
{
	return a->clock.now_ns(a->clock.ctx);
}

/* refuse: count and explain an access the guest gets #GP for; returns -EINVAL. */
static int refuse(struct vlapic *a, const char *why, uint32_t msr)
{
	a->stats.refused++;
	pr_info_ratelimited("MSR 0x%x: %s\n", msr, why);
	return -EINVAL;
}

/* The x2APIC logical ID is derived from the ID (SDM "Logical Destination Mode in x2APIC Mode"). */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

/*
 * regs_reset: every register as after RESET (SDM "x2APIC States"), but
 * the ID, IA32_APIC_BASE, the clock and the counters are kept.
 */
static void regs_reset(struct vlapic *a)
{
	struct vlapic keep = *a;

	memset(a, 0, sizeof(*a));
	a->apic_base = keep.apic_base;
	a->id = keep.id;
	a->clock = keep.clock;
	a->eoi_fn = keep.eoi_fn;
	a->eoi_ctx = keep.eoi_ctx;
	a->stats = keep.stats;
	a->svr = 0xff;
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		a->lvt[i] = APIC_LVT_MASKED;
	a->expire_ns = VLAPIC_NO_EVENT;
}

void vlapic_reset(struct vlapic *a)
{
	a->apic_base = APIC_BASE_DEFAULT | MSR_IA32_APICBASE_BSP | APIC_BASE_MODE;
	a->id = 0;
	regs_reset(a);
	/* Firmware left virtual-wire mode: the 8259 reaches the CPU through LINT0. */
	a->lvt[LVT_LINT0] = APIC_DM_EXTINT;
}

/* ---- interrupt acceptance and priority ---- */

/* apic_error: log errors for the next ESR write; raise LVT error if it can be. */
static void apic_error(struct vlapic *a, uint32_t esr_bits)
{
	uint32_t lvt = a->lvt[LVT_ERROR];

	a->esr_pending |= esr_bits;
	/* An illegal LVT error vector would recurse: it only sets the bit. */
	if (!(lvt & APIC_LVT_MASKED) && (lvt & APIC_VECTOR_MASK) >= FIRST_LEGAL_VECTOR)
		vec_set(a->irr, lvt & APIC_VECTOR_MASK);
}

bool vlapic_accept_irq(struct vlapic *a, uint8_t vector, bool level)
{
	if (!x2apic_mode(a) || !sw_enabled(a)) {
		a->stats.dropped++;
		return false;
	}
	if (vector < FIRST_LEGAL_VECTOR) {
		a->stats.dropped++;
		apic_error(a, APIC_ESR_RECVILL);
		return false;
	}
	vec_set(a->irr, vector);
	if (level)
		vec_set(a->tmr, vector);
	else
		vec_clear(a->tmr, vector);
	a->stats.accepted++;
	return true;
}

void vlapic_set_irq(struct vlapic *a, uint8_t vector)
{
	vlapic_accept_irq(a, vector, false);
}

bool vlapic_match_dest(const struct vlapic *a, uint8_t dest, bool logical)
{
	uint32_t ldr = x2apic_ldr(a->id);

	if (!x2apic_mode(a))
		return false;
	if (dest == IOAPIC_MSG_BROADCAST)
		return true;
	if (!logical)
		return dest == a->id;
	/* An 8-bit logical destination is cluster 0 with up to 8 members. */
	return (ldr >> 16) == 0 && (ldr & dest) != 0;
}

void vlapic_set_eoi_listener(struct vlapic *a, vlapic_eoi_fn fn, void *ctx)
{
	a->eoi_fn = fn;
	a->eoi_ctx = ctx;
}

/* PPR: the TPR, or the class of the highest in-service vector if that is higher. */
uint32_t vlapic_ppr(const struct vlapic *a)
{
	int isrv = vec_highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr : isr_class;
}

int vlapic_pending(const struct vlapic *a)
{
	int irrv;

	if (!x2apic_mode(a))
		return -1;
	irrv = vec_highest(a->irr);
	if (irrv < 0 || ((uint32_t)irrv & 0xf0) <= (vlapic_ppr(a) & 0xf0))
		return -1;
	return irrv;
}

bool vlapic_irr_test(const struct vlapic *lapic, uint8_t vector)
{
	return vec_test(lapic->irr, vector);
}

void vlapic_ack(struct vlapic *a, uint8_t vector)
{
	if (!vec_test(a->irr, vector)) {
		pr_warn_ratelimited("ack of vector 0x%x that is not in IRR\n", vector);
		return;
	}
	vec_clear(a->irr, vector);
	vec_set(a->isr, vector);
}

/* lvt_fire: a local source (timer) signals; delivered unless its LVT is masked. */
static void lvt_fire(struct vlapic *a, enum vlapic_lvt i)
{
	if (!(a->lvt[i] & APIC_LVT_MASKED))
		vlapic_set_irq(a, a->lvt[i] & APIC_VECTOR_MASK);
}

bool vlapic_lint0_extint(const struct vlapic *a)
{
	uint32_t lvt0 = a->lvt[LVT_LINT0];

	if (!(a->apic_base & MSR_IA32_APICBASE_ENABLE))
		return true;
	return !(lvt0 & APIC_LVT_MASKED) && (lvt0 & APIC_MODE_MASK) == APIC_DM_EXTINT;
}

/* ---- timer ---- */

static uint32_t timer_mode(const struct vlapic *a)
{
	return a->lvt[LVT_TIMER] & APIC_LVT_TIMER_MODE;
}

/* The divide configuration's bits 3, 1, 0 as a 3-bit index: 2, 4 ... 128, then 1. */
static uint64_t timer_div(const struct vlapic *a)
{
	static const uint8_t shift[8] = { 1, 2, 3, 4, 5, 6, 7, 0 };

	return 1ULL << shift[(a->tdcr & 3) | ((a->tdcr >> 1) & 4)];
}

static uint64_t ticks_to_ns(const struct vlapic *a, uint64_t count)
{
	return count * timer_div(a) * VLAPIC_BUS_NS;
}

/* A periodic timer's interrupt interval, never below VLAPIC_MIN_PERIOD_NS. */
static uint64_t period_ns(const struct vlapic *a)
{
	return MAX(ticks_to_ns(a, a->tmict), VLAPIC_MIN_PERIOD_NS);
}

uint32_t vlapic_timer_count(const struct vlapic *a, uint64_t now_ns)
{
	uint64_t ticks;

	if (timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE || a->expire_ns == VLAPIC_NO_EVENT)
		return 0;
	ticks = now_ns > a->start_ns ? (now_ns - a->start_ns) / ticks_to_ns(a, 1) : 0;
	if (ticks < a->start_count)
		return a->start_count - (uint32_t)ticks;
	if (timer_mode(a) != APIC_LVT_TIMER_PERIODIC || !a->tmict)
		return 0;
	/* Reached 0 and reloaded from the initial count, once per period. */
	return a->tmict - (uint32_t)((ticks - a->start_count) % a->tmict);
}

/* timer_count_from: the count is `count` now; arm the expiry it implies. */
static void timer_count_from(struct vlapic *a, uint64_t now, uint32_t count)
{
	uint64_t first = ticks_to_ns(a, count);

	a->start_ns = now;
	a->start_count = count;
	if (!count) {
		a->expire_ns = VLAPIC_NO_EVENT;
		return;
	}
	if (timer_mode(a) == APIC_LVT_TIMER_PERIODIC)
		first = MAX(first, VLAPIC_MIN_PERIOD_NS);
	a->expire_ns = now + first;
}

static void timer_disarm(struct vlapic *a)
{
	a->tmict = 0;
	a->start_count = 0;
	a->tsc_deadline = 0;
	a->expire_ns = VLAPIC_NO_EVENT;
}

void vlapic_tick(struct vlapic *a, uint64_t now_ns)
{
	uint64_t p;

	if (a->expire_ns == VLAPIC_NO_EVENT || now_ns < a->expire_ns)
		return;
	a->stats.timer_fires++;
	lvt_fire(a, LVT_TIMER);
	if (timer_mode(a) != APIC_LVT_TIMER_PERIODIC) {
		a->expire_ns = VLAPIC_NO_EVENT;
		a->tsc_deadline = 0; /* SDM: the deadline disarms once it fires */
		return;
	}
	/* Periods missed while nobody ticked collapse into this one interrupt. */
	p = period_ns(a);
	a->expire_ns += ((now_ns - a->expire_ns) / p + 1) * p;
}

uint64_t vlapic_next_event_ns(const struct vlapic *a)
{
	return a->expire_ns;
}

/* cycles_to_ns_up: TSC cycles in ns, rounded up so a deadline never fires early. */
static uint64_t cycles_to_ns_up(uint64_t cycles, uint64_t khz)
{
	uint64_t q = cycles / khz, r = cycles % khz;

	if (q > (UINT64_MAX / 2) / NSEC_PER_MSEC)
		return UINT64_MAX / 2; /* centuries away: "never", but still armed */
	return q * NSEC_PER_MSEC + (r * NSEC_PER_MSEC + khz - 1) / khz;
}

/* ---- IPIs ---- */

static bool ipi_reaches_self(const struct vlapic *a, uint64_t icr)
{
	uint32_t dest = (uint32_t)(icr >> X2APIC_ICR_DEST_SHIFT), ldr = x2apic_ldr(a->id);
	uint64_t sh = icr & APIC_SHORT_MASK;

	if (sh == APIC_DEST_SELF || sh == APIC_DEST_ALLINC)
		return true;
	if (sh == APIC_DEST_ALLBUT)
		return false;
	if (dest == APIC_BROADCAST)
		return true;
	if (!(icr & APIC_DEST_LOGICAL))
		return dest == a->id;
	return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
}

static void self_ipi(struct vlapic *a, uint8_t vector)
{
	a->stats.self_ipis++;
	if (vector < FIRST_LEGAL_VECTOR)
		a->esr_pending |= APIC_ESR_SENDILL;
	vlapic_set_irq(a, vector);
}

static const char *const dm_names[8] = {
	"fixed", "lowest", "SMI", "reserved", "NMI", "INIT", "StartUp", "ExtINT",
};

/* send_ipi: the guest has one vCPU, so only fixed IPIs that reach it do anything. */
static void send_ipi(struct vlapic *a, uint64_t icr)
{
	uint32_t dm = icr & APIC_MODE_MASK;

	if (!ipi_reaches_self(a, icr)) {
		a->stats.ipis_dropped++;
		/* "All but self" is legitimately nobody on a one-vCPU guest. */
		if ((icr & APIC_SHORT_MASK) != APIC_DEST_ALLBUT)
			pr_info_ratelimited("IPI to APIC ID 0x%x dropped: one vCPU\n",
					    (uint32_t)(icr >> X2APIC_ICR_DEST_SHIFT));
		return;
	}
	if (dm != APIC_DM_FIXED && dm != APIC_DM_LOWEST) {
		a->stats.ipis_dropped++;
		pr_info_ratelimited("%s IPI to self ignored\n", dm_names[dm >> 8]);
		return;
	}
	self_ipi(a, icr & APIC_VECTOR_MASK);
}

/* ---- x2APIC register handlers: reg is the MSR minus 0x800 ---- */

static int rd_id(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->id;
	return 0;
}

static int rd_version(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = APIC_LVR_VALUE;
	return 0;
}

static int rd_tpr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->tpr;
	return 0;
}

static int wr_tpr(struct vlapic *a, unsigned int reg, uint64_t val)
{
	if (val & ~APIC_TPR_VALID)
		return refuse(a, "TPR reserved bits", X2APIC_MSR(APIC_TASKPRI));
	a->tpr = (uint32_t)val;
	return 0;
}

static int rd_ppr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = vlapic_ppr(a);
	return 0;
}

/*
 * EOI: the highest in-service vector is done. A level-triggered one (TMR
 * set) is broadcast to the I/O APIC, after ISR is cleared: what it
 * delivers again must be able to reach the CPU.
 */
static int wr_eoi(struct vlapic *a, unsigned int reg, uint64_t val)
{
	int v = vec_highest(a->isr);

	if (val)
		return refuse(a, "non-zero EOI", X2APIC_MSR(APIC_EOI));
	a->stats.eois++;
	if (v < 0)
		return 0;
	vec_clear(a->isr, (unsigned int)v);
	if (vec_test(a->tmr, (unsigned int)v)) {
		a->stats.level_eois++;
		if (a->eoi_fn)
			a->eoi_fn(a->eoi_ctx, (uint8_t)v);
	}
	return 0;
}

static int rd_ldr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = x2apic_ldr(a->id);
	return 0;
}

static int rd_svr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->svr;
	return 0;
}

/* SVR: clearing the enable bit masks every LVT (SDM "Software Disabling"). */
static int wr_svr(struct vlapic *a, unsigned int reg, uint64_t val)
{
	if (val & ~APIC_SPIV_VALID)
		return refuse(a, "SVR reserved bits", X2APIC_MSR(APIC_SPIV));
	a->svr = (uint32_t)val;
	if (!sw_enabled(a))
		for (int i = 0; i < VLAPIC_NR_LVT; i++)
			a->lvt[i] |= APIC_LVT_MASKED;
	return 0;
}

static int rd_isr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->isr[reg - (APIC_ISR >> 4)];
	return 0;
}

static int rd_tmr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->tmr[reg - (APIC_TMR >> 4)];
	return 0;
}

static int rd_irr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->irr[reg - (APIC_IRR >> 4)];
	return 0;
}

static int rd_esr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->esr;
	return 0;
}

/* ESR write: latch the errors seen since the last write, start afresh. */
static int wr_esr(struct vlapic *a, unsigned int reg, uint64_t val)
{
	if (val)
		return refuse(a, "non-zero ESR write", X2APIC_MSR(APIC_ESR));
	a->esr = a->esr_pending;
	a->esr_pending = 0;
	return 0;
}

static int rd_icr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->icr;
	return 0;
}

static int wr_icr(struct vlapic *a, unsigned int reg, uint64_t val)
{
	if (val & ~APIC_ICR_VALID)
		return refuse(a, "ICR reserved bits", X2APIC_MSR(APIC_ICR));
	a->icr = val;
	send_ipi(a, val);
	return 0;
}

/* What software may set in each LVT, and the read-only bits it keeps. */
#define LVT_COMMON (APIC_VECTOR_MASK | APIC_LVT_MASKED)
#define LVT_PIN (LVT_COMMON | APIC_MODE_MASK | APIC_INPUT_POLARITY | APIC_LVT_LEVEL_TRIGGER)
static const uint32_t lvt_writable[VLAPIC_NR_LVT] = {
	[LVT_TIMER] = LVT_COMMON | APIC_LVT_TIMER_MODE,
	[LVT_THERMAL] = LVT_COMMON | APIC_MODE_MASK,
	[LVT_PMC] = LVT_COMMON | APIC_MODE_MASK,
	[LVT_LINT0] = LVT_PIN,
	[LVT_LINT1] = LVT_PIN,
	[LVT_ERROR] = LVT_COMMON,
};
static const uint32_t lvt_readonly[VLAPIC_NR_LVT] = {
	[LVT_TIMER] = APIC_SEND_PENDING,
	[LVT_THERMAL] = APIC_SEND_PENDING,
	[LVT_PMC] = APIC_SEND_PENDING,
	[LVT_LINT0] = APIC_SEND_PENDING | APIC_LVT_REMOTE_IRR,
	[LVT_LINT1] = APIC_SEND_PENDING | APIC_LVT_REMOTE_IRR,
	[LVT_ERROR] = APIC_SEND_PENDING,
};

static unsigned int lvt_index(unsigned int reg)
{
	return reg - (APIC_LVTT >> 4);
}

static int rd_lvt(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->lvt[lvt_index(reg)];
	return 0;
}

/*
 * lvtt_write: a change into or out of TSC-deadline mode disarms the timer
 * (SDM "TSC-Deadline Mode"); one-shot <-> periodic keeps the count running.
 */
static void lvtt_write(struct vlapic *a, uint32_t lvtt)
{
	uint32_t old_mode = timer_mode(a), new_mode = lvtt & APIC_LVT_TIMER_MODE;
	uint64_t now = clock_now(a);
	uint32_t count = vlapic_timer_count(a, now);

	a->lvt[LVT_TIMER] = lvtt;
	if (old_mode == new_mode)
		return;
	if (old_mode == APIC_LVT_TIMER_TSCDEADLINE || new_mode == APIC_LVT_TIMER_TSCDEADLINE)
		timer_disarm(a);
	else
		timer_count_from(a, now, count);
}

static int wr_lvt(struct vlapic *a, unsigned int reg, uint64_t val)
{
	unsigned int i = lvt_index(reg);
	uint32_t v = (uint32_t)val;

	if (val & ~(uint64_t)(lvt_writable[i] | lvt_readonly[i]))
		return refuse(a, "LVT reserved bits", MSR_IA32_X2APIC_BASE + reg);
	if (i == LVT_TIMER && (v & APIC_LVT_TIMER_MODE) == APIC_LVT_TIMER_RESERVED)
		return refuse(a, "reserved timer mode", X2APIC_MSR(APIC_LVTT));
	if (!sw_enabled(a))
		v |= APIC_LVT_MASKED; /* cannot be cleared while software-disabled */
	v = (v & lvt_writable[i]) | (a->lvt[i] & lvt_readonly[i]);
	if (i == LVT_TIMER)
		lvtt_write(a, v);
	else
		a->lvt[i] = v;
	return 0;
}

static int rd_tmict(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->tmict;
	return 0;
}

/* TMICT: (re)start the count; 0 stops it; ignored in TSC-deadline mode (SDM). */
static int wr_tmict(struct vlapic *a, unsigned int reg, uint64_t val)
{
	if (timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE)
		return 0;
	a->tmict = (uint32_t)val;
	timer_count_from(a, clock_now(a), a->tmict);
	return 0;
}

static int rd_tmcct(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = vlapic_timer_count(a, clock_now(a));
	return 0;
}

static int rd_tdcr(struct vlapic *a, unsigned int reg, uint64_t *val)
{
	*val = a->tdcr;
	return 0;
}

/* TDCR: a running count goes on from where it is, at the new rate. */
static int wr_tdcr(struct vlapic *a, unsigned int reg, uint64_t val)
{
	uint64_t now;
	uint32_t count;

	if (val & ~APIC_TDR_DIV_MASK)
		return refuse(a, "TDCR reserved bits", X2APIC_MSR(APIC_TDCR));
	now = clock_now(a);
	count = vlapic_timer_count(a, now);
	a->tdcr = (uint32_t)val;
	if (timer_mode(a) != APIC_LVT_TIMER_TSCDEADLINE && a->expire_ns != VLAPIC_NO_EVENT)
		timer_count_from(a, now, count);
	return 0;
}

static int wr_self_ipi(struct vlapic *a, unsigned int reg, uint64_t val)
{
	if (val & ~APIC_SELF_IPI_VALID)
		return refuse(a, "SELF IPI reserved bits", X2APIC_MSR(APIC_SELF_IPI));
	self_ipi(a, (uint8_t)val);
	return 0;
}

struct x2apic_reg {
	const char *name;
	int (*read)(struct vlapic *a, unsigned int reg, uint64_t *val);
	int (*write)(struct vlapic *a, unsigned int reg, uint64_t val);
};

#define R(off) ((off) >> 4)
#define R8(off) R(off) ... R(off) + 7
/* SDM "Local APIC Register Address Map Supported by x2APIC"; no CMCI, see vlapic.h. */
static const struct x2apic_reg x2apic_regs[X2APIC_MSR_COUNT] = {
	[R(APIC_ID)] = { "ID", rd_id, NULL },
	[R(APIC_LVR)] = { "version", rd_version, NULL },
	[R(APIC_TASKPRI)] = { "TPR", rd_tpr, wr_tpr },
	[R(APIC_PROCPRI)] = { "PPR", rd_ppr, NULL },
	[R(APIC_EOI)] = { "EOI", NULL, wr_eoi },
	[R(APIC_LDR)] = { "LDR", rd_ldr, NULL },
	[R(APIC_SPIV)] = { "SVR", rd_svr, wr_svr },
	[R8(APIC_ISR)] = { "ISR", rd_isr, NULL },
	[R8(APIC_TMR)] = { "TMR", rd_tmr, NULL },
	[R8(APIC_IRR)] = { "IRR", rd_irr, NULL },
	[R(APIC_ESR)] = { "ESR", rd_esr, wr_esr },
	[R(APIC_ICR)] = { "ICR", rd_icr, wr_icr },
	[R(APIC_LVTT) ... R(APIC_LVTERR)] = { "LVT", rd_lvt, wr_lvt },
	[R(APIC_TMICT)] = { "TMICT", rd_tmict, wr_tmict },
	[R(APIC_TMCCT)] = { "TMCCT", rd_tmcct, NULL },
	[R(APIC_TDCR)] = { "TDCR", rd_tdcr, wr_tdcr },
	[R(APIC_SELF_IPI)] = { "SELF IPI", NULL, wr_self_ipi },
};

static const struct x2apic_reg *x2apic_reg(uint32_t msr)
{
	uint32_t reg = msr - MSR_IA32_X2APIC_BASE;

	return reg < X2APIC_MSR_COUNT ? &x2apic_regs[reg] : NULL;
}

/* rd_x2apic: an x2APIC MSR; -EINVAL outside x2APIC mode or for a write-only one. */
static int rd_x2apic(void *dev, uint32_t msr, uint64_t *val)
{
	struct vlapic *a = dev;
	const struct x2apic_reg *r = x2apic_reg(msr);

	if (!x2apic_mode(a))
		return refuse(a, "read outside x2APIC mode", msr);
	if (!r || !r->read)
		return refuse(a, r && r->name ? "write-only register" : "no such register", msr);
	vlapic_tick(a, clock_now(a)); /* what already expired shows in IRR */
	return r->read(a, msr - MSR_IA32_X2APIC_BASE, val);
}

/* wr_x2apic: only the ICR is 64 bits wide; everywhere else 63:32 are reserved. */
static int wr_x2apic(void *dev, uint32_t msr, uint64_t val)
{
	struct vlapic *a = dev;
	const struct x2apic_reg *r = x2apic_reg(msr);

	if (!x2apic_mode(a))
		return refuse(a, "write outside x2APIC mode", msr);
	if (!r || !r->write)
		return refuse(a, r && r->name ? "read-only register" : "no such register", msr);
	if ((val >> 32) && msr != X2APIC_MSR(APIC_ICR))
		return refuse(a, "bits 63:32 are reserved", msr);
	/* A timer that expired before this write fired before it, too. */
	vlapic_tick(a, clock_now(a));
	return r->write(a, msr - MSR_IA32_X2APIC_BASE, val);
}

/* ---- IA32_APIC_BASE and IA32_TSC_DEADLINE ---- */

static int rd_apic_base(void *dev, uint32_t msr, uint64_t *val)
{
	*val = ((struct vlapic *)dev)->apic_base;
	return 0;
}

/*
 * wr_apic_base: the SDM's x2APIC state machine, minus xAPIC mode, which
 * Pagoda cannot offer. Leaving x2APIC for "disabled" resets the APIC.
 */
static int wr_apic_base(void *dev, uint32_t msr, uint64_t val)
{
	struct vlapic *a = dev;
	uint64_t mode = val & APIC_BASE_MODE;

	if (val & ~APIC_BASE_VALID)
		return refuse(a, "reserved bits", msr);
	if (mode == MSR_IA32_APICBASE_EXTD)
		return refuse(a, "EXTD without EN is invalid", msr);
	if (mode == MSR_IA32_APICBASE_ENABLE) {
		pr_warn_ratelimited("guest asked for xAPIC mode: Pagoda has no xAPIC MMIO, #GP\n");
		return refuse(a, "xAPIC mode", msr);
	}
	if (mode == APIC_BASE_MODE && !x2apic_mode(a))
		return refuse(a, "disabled -> x2APIC must go through xAPIC", msr);
	if (!mode && x2apic_mode(a)) {
		pr_info("guest disabled its local APIC\n");
		regs_reset(a);
	}
	a->apic_base = val;
	return 0;
}

/* IA32_TSC_DEADLINE reads 0 unless the timer is in TSC-deadline mode. */
static int rd_tsc_deadline(void *dev, uint32_t msr, uint64_t *val)
{
	struct vlapic *a = dev;

	*val = timer_mode(a) == APIC_LVT_TIMER_TSCDEADLINE ? a->tsc_deadline : 0;
	return 0;
}

/* A deadline arms the timer (0 disarms it), converted to the vm clock now. */
static int wr_tsc_deadline(void *dev, uint32_t msr, uint64_t val)
{
	struct vlapic *a = dev;
	uint64_t tsc, now;

	if (!x2apic_mode(a) || timer_mode(a) != APIC_LVT_TIMER_TSCDEADLINE)
		return 0; /* SDM: ignored outside TSC-deadline mode */
	vlapic_tick(a, clock_now(a));
	a->tsc_deadline = val;
	if (!val) {
		a->expire_ns = VLAPIC_NO_EVENT;
		return 0;
	}
	tsc = a->clock.tsc(a->clock.ctx);
	now = clock_now(a);
	/* A deadline already past fires at the next tick. */
	a->expire_ns = val <= tsc ? now : now + cycles_to_ns_up(val - tsc, a->clock.tsc_khz);
	return 0;
}

int vlapic_attach(struct vlapic *a, struct vdev_table *t, const struct vlapic_clock *clock)
{
	const struct msr_handler h[] = {
		{ "apic_base", MSR_IA32_APICBASE, 1, rd_apic_base, wr_apic_base, a },
		{ "x2apic", MSR_IA32_X2APIC_BASE, X2APIC_MSR_COUNT, rd_x2apic, wr_x2apic, a },
		{ "tsc_deadline", MSR_IA32_TSC_DEADLINE, 1, rd_tsc_deadline, wr_tsc_deadline, a },
	};
	int err;

	if (!clock || !clock->now_ns || !clock->tsc || !clock->tsc_khz) {
		pr_err("attach: the clock needs now_ns, tsc and tsc_khz\n");
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	a->clock = *clock;
	vlapic_reset(a);
	for (size_t i = 0; i < ARRAY_SIZE(h); i++) {
		err = vdev_register_msr(t, &h[i]);
		if (err)
			return err;
	}
	return 0;
}

static uint64_t vm_now_ns(void *ctx)
{
	return vm_clock_ns(ctx);
}

/* The guest's TSC is the host's: Pagoda sets no TSC offset. */
static uint64_t vm_tsc(void *ctx)
{
	return hw_rdtsc();
}

void vlapic_clock_for_vm(struct vlapic_clock *c, struct vm *vm)
{
	*c = (struct vlapic_clock){ vm_now_ns, vm_tsc, vm, tsc_khz };
}

/* ---- shell ---- */

static const char *const lvt_names[VLAPIC_NR_LVT] = {
	"timer", "thermal", "PMC", "LINT0", "LINT1", "error",
};
static const char *const timer_modes[4] = { "one-shot", "periodic", "TSC-deadline", "reserved" };

static void print_lvt(const struct vlapic *a, enum vlapic_lvt i)
{
	uint32_t v = a->lvt[i];
	const char *kind = i == LVT_TIMER ? timer_modes[(v & APIC_LVT_TIMER_MODE) >> 17]
					  : dm_names[(v & APIC_MODE_MASK) >> 8];

	printk("  LVT %-7s %08x %-12s vector 0x%02x%s%s\n", lvt_names[i], v, kind,
	       (uint32_t)(v & APIC_VECTOR_MASK), v & APIC_LVT_LEVEL_TRIGGER ? " level" : "",
	       v & APIC_LVT_MASKED ? " masked" : "");
}

static void print_vectors(const char *name, const uint32_t *map)
{
	bool any = false;

	printk("%s:", name);
	for (unsigned int v = 0; v < 256; v++) {
		if (vec_test(map, v)) {
			printk(" 0x%02x", v);
			any = true;
		}
	}
	printk("%s\n", any ? "" : " none");
}

static void print_timer(const struct vlapic *a)
{
	uint64_t now = clock_now(a);

	printk("timer: %s, divide %lu, initial %u, current %u, deadline 0x%lx\n",
	       timer_modes[timer_mode(a) >> 17], timer_div(a), a->tmict,
	       vlapic_timer_count(a, now), a->tsc_deadline);
	if (a->expire_ns == VLAPIC_NO_EVENT)
		printk("timer: disarmed\n");
	else
		printk("timer: fires in %lu ns\n", a->expire_ns > now ? a->expire_ns - now : 0);
}

static void print_lapic(const struct vlapic *a)
{
	const struct vlapic_stats *s = &a->stats;

	printk("APIC_BASE %016lx (%s) ID %u LDR %08x version %08lx\n", a->apic_base,
	       x2apic_mode(a) ? "x2APIC" : "disabled", a->id, x2apic_ldr(a->id),
	       (uint64_t)APIC_LVR_VALUE);
	printk("TPR %02x PPR %02x SVR %03x (%s, spurious 0x%02x) ESR %02x ICR %016lx\n",
	       a->tpr, vlapic_ppr(a), a->svr, sw_enabled(a) ? "enabled" : "software-disabled",
	       (uint32_t)(a->svr & APIC_SPIV_VECTOR), a->esr, a->icr);
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		print_lvt(a, i);
	print_timer(a);
	print_vectors("IRR", a->irr);
	print_vectors("ISR", a->isr);
	print_vectors("TMR", a->tmr);
	printk("PIC through LINT0: %s; next vector %d\n", vlapic_lint0_extint(a) ? "yes" : "no",
	       vlapic_pending(a));
	printk("timer fires %lu, accepted %lu, dropped %lu, self-IPIs %lu, IPIs dropped %lu, "
	       "EOIs %lu (level %lu), #GP %lu\n",
	       s->timer_fires, s->accepted, s->dropped, s->self_ipis, s->ipis_dropped, s->eois,
	       s->level_eois, s->refused);
}

static int cmd_lapic(int argc, char **argv)
{
	if (argc > 1)
		return -EINVAL;
	if (!the_vm.lapic) {
		printk("no guest\n");
		return 0;
	}
	print_lapic(the_vm.lapic);
	return 0;
}
SHELL_COMMAND(lapic, "lapic", "the guest's local APIC: registers, timer, IRR/ISR", cmd_lapic);
