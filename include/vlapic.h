/*
 * vlapic.h - the guest's local APIC, emulated in x2APIC mode only.
 *
 * The guest's one vCPU has APIC ID 0 and starts the way firmware that
 * enabled x2APIC would leave it: IA32_APIC_BASE = 0xFEE00000 | BSP | EN |
 * EXTD, the APIC software-disabled (SVR 0xFF), every LVT masked except
 * LINT0, which is unmasked ExtINT ("virtual wire": the 8259's INTR
 * reaches the CPU, as KVM's LINT0_REENABLED quirk does at reset).
 *
 * Every register is an MSR (0x800 + xAPIC offset / 16, SDM "x2APIC
 * Register Address Space"). Pagoda offers no xAPIC MMIO page, so a
 * WRMSR to IA32_APIC_BASE asking for xAPIC mode (EN without EXTD) is
 * refused with #GP and logged. Linux started in x2APIC mode stays there
 * ("x2apic enabled by BIOS"). The SDM "x2APIC State Transitions" rules:
 * x2APIC -> disabled is allowed and resets every register but the ID;
 * x2APIC -> xAPIC, disabled -> x2APIC and EN=0/EXTD=1 are #GP. So a guest
 * that disables its APIC can never re-enable it here (the only legal way
 * back goes through xAPIC); while disabled, the PIC drives INTR directly.
 *
 * Reads of write-only registers, writes of read-only ones, set reserved
 * bits (SDM "Reserved Bit Checking") and a non-zero EOI or ESR write
 * return -EINVAL, which the MSR exit handler turns into #GP. There is no
 * CMCI (Pagoda's CPUID offers no machine-check architecture), so the
 * version register says 6 LVT entries (max LVT 5) and MSR 0x82f is #GP;
 * no directed-EOI (EOI-broadcast suppression) either: the EOI of a
 * level-triggered vector (TMR set when the I/O APIC delivered it) is
 * always broadcast to the listener set with vlapic_set_eoi_listener().
 *
 * The timer counts at 1 GHz before the divider (KVM's APIC bus rate), in
 * the vm clock's nanoseconds; TSC-deadline mode converts the deadline to
 * that clock when it is written. The device keeps time only through the
 * clock callbacks it is given and the now_ns its tick receives.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VLAPIC_H
#define PAGODA_VLAPIC_H

#include "lapic.h"
#include "msr.h"
#include "types.h"
#include "vdev.h"

/* Registers lapic.h does not name (xAPIC offsets, Linux's names). */
#define APIC_PROCPRI 0xa0
#define APIC_LDR 0xd0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_LVTCMCI 0x2f0
#define APIC_ICR 0x300
#define APIC_SELF_IPI 0x3f0
#define X2APIC_MSR(reg) (MSR_IA32_X2APIC_BASE + ((reg) >> 4))
#define X2APIC_MSR_COUNT 0x100 /* 0x800-0x8ff */

#define APIC_VERSION 0x14 /* integrated APIC, as KVM reports */
#define APIC_SPIV_VECTOR GENMASK(7, 0)
#define APIC_SPIV_FOCUS_DISABLED BIT(9)
#define APIC_ESR_SENDILL BIT(5) /* "send illegal vector" */
#define APIC_ESR_RECVILL BIT(6) /* "receive illegal vector" */

/* LVT entries (SDM "Local Vector Table"). */
#define APIC_VECTOR_MASK GENMASK(7, 0)
#define APIC_MODE_MASK GENMASK(10, 8) /* delivery mode */
#define APIC_DM_FIXED (0u << 8)
#define APIC_DM_LOWEST (1u << 8)
#define APIC_DM_SMI (2u << 8)
#define APIC_DM_INIT (5u << 8)
#define APIC_DM_STARTUP (6u << 8)
#define APIC_DM_EXTINT (7u << 8)
#define APIC_SEND_PENDING BIT(12) /* delivery status, read-only */
#define APIC_INPUT_POLARITY BIT(13)
#define APIC_LVT_REMOTE_IRR BIT(14) /* read-only */
#define APIC_LVT_LEVEL_TRIGGER BIT(15)
#define APIC_LVT_TIMER_MODE GENMASK(18, 17)
#define APIC_LVT_TIMER_ONESHOT (0ULL << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2ULL << 17)
#define APIC_LVT_TIMER_RESERVED (3ULL << 17)

/* Timer divide configuration: bits 0, 1 and 3 (Linux: APIC_TDR_DIV_*). */
#define APIC_TDR_DIV_MASK 0xbULL
#define APIC_TDR_DIV_1 0xbULL

/* x2APIC ICR: one 64-bit MSR, destination in bits 63:32. */
#define APIC_DEST_LOGICAL BIT(11)
#define APIC_INT_ASSERT BIT(14)
#define APIC_INT_LEVELTRIG BIT(15)
#define APIC_SHORT_MASK GENMASK(19, 18)
#define APIC_DEST_NOSHORT (0ULL << 18)
#define APIC_DEST_SELF (1ULL << 18)
#define APIC_DEST_ALLINC (2ULL << 18)
#define APIC_DEST_ALLBUT (3ULL << 18)
#define X2APIC_ICR_DEST_SHIFT 32

/* The LVT entries this APIC has, in register order (0x832-0x837). */
enum vlapic_lvt {
	LVT_TIMER,
	LVT_THERMAL,
	LVT_PMC,
	LVT_LINT0,
	LVT_LINT1,
	LVT_ERROR,
	VLAPIC_NR_LVT
};

#define VLAPIC_NO_EVENT UINT64_MAX /* vlapic_next_event_ns: nothing armed */
#define VLAPIC_BUS_NS 1 /* one timer tick before the divider: 1 GHz */
/* Periodic timers faster than this are slowed to it (KVM's limit is 200 us). */
#define VLAPIC_MIN_PERIOD_NS 200000ULL

/*
 * Where the APIC's time comes from: now_ns is the vm clock (the same the
 * run loop passes to vlapic_tick), tsc the guest's TSC at tsc_khz.
 */
struct vlapic_clock {
	vdev_clock_fn now_ns;
	vdev_clock_fn tsc;
	void *ctx;
	uint64_t tsc_khz;
};

struct vlapic_stats {
	uint64_t timer_fires; /* expiries, masked or not */
	uint64_t accepted; /* fixed interrupts latched in IRR */
	uint64_t level_eois; /* EOIs of level-triggered vectors, broadcast to the I/O APIC */
	uint64_t dropped; /* fixed interrupts refused (APIC disabled, bad vector) */
	uint64_t self_ipis;
	uint64_t ipis_dropped; /* ICR targets or delivery modes Pagoda has not */
	uint64_t eois;
	uint64_t refused; /* accesses answered with #GP */
};

/*
 * The EOI broadcast: called when the guest EOIs a vector whose TMR bit is
 * set (a level-triggered interrupt), so the I/O APIC can clear Remote IRR.
 */
typedef void (*vlapic_eoi_fn)(void *ctx, uint8_t vector);

struct vlapic {
	uint64_t apic_base; /* IA32_APIC_BASE */
	uint32_t id; /* x2APIC ID */
	uint32_t tpr, svr;
	uint32_t esr, esr_pending; /* ESR as read; errors since the last ESR write */
	uint64_t icr;
	uint32_t lvt[VLAPIC_NR_LVT];
	uint32_t irr[8], isr[8], tmr[8]; /* 256-bit maps, bit v%32 of word v/32 */
	/* Timer: the count was start_count at start_ns; it fires at expire_ns. */
	uint32_t tmict, tdcr;
	uint32_t start_count;
	uint64_t start_ns;
	uint64_t expire_ns; /* VLAPIC_NO_EVENT when disarmed */
	uint64_t tsc_deadline; /* IA32_TSC_DEADLINE; 0 when disarmed */
	struct vlapic_clock clock;
	vlapic_eoi_fn eoi_fn; /* wiring, kept across resets; may be NULL */
	void *eoi_ctx;
	struct vlapic_stats stats;
};

/*
 * vlapic_attach: reset the APIC to its start state and claim
 * IA32_APIC_BASE, the x2APIC MSRs and IA32_TSC_DEADLINE in the table.
 * Returns 0, -EINVAL for a clock without callbacks or TSC rate, or the
 * registration's -E*.
 */
int vlapic_attach(struct vlapic *lapic, struct vdev_table *t, const struct vlapic_clock *clock);
/* vlapic_reset: the start state (x2APIC on, software-disabled); keeps clock. */
void vlapic_reset(struct vlapic *lapic);
/* vlapic_clock_for_vm: the clock of a guest: vm_clock_ns(), the TSC, tsc_khz. */
void vlapic_clock_for_vm(struct vlapic_clock *c, struct vm *vm);

/*
 * vlapic_set_irq: a fixed, edge-triggered interrupt arrives. Latched in
 * IRR unless the APIC is disabled (dropped) or the vector is below 16
 * (an illegal vector: logged in ESR, LVT error raised).
 */
void vlapic_set_irq(struct vlapic *lapic, uint8_t vector);
/*
 * vlapic_accept_irq: a fixed interrupt from the I/O APIC, edge or level:
 * as vlapic_set_irq, and the vector's TMR bit set for level, cleared for
 * edge (SDM "Interrupt Acceptance for Fixed Interrupts"). Returns whether
 * the interrupt was latched in IRR.
 */
bool vlapic_accept_irq(struct vlapic *lapic, uint8_t vector, bool level);
/*
 * vlapic_match_dest: whether an I/O APIC message's 8-bit destination
 * names this APIC: physical, its ID or the broadcast 0xff; logical, 0xff
 * or a set that meets its x2APIC LDR (cluster 0: the 8 bits cannot name
 * another). False while the APIC is globally disabled.
 */
bool vlapic_match_dest(const struct vlapic *lapic, uint8_t dest, bool logical);
/*
 * vlapic_set_eoi_listener: who hears EOIs of level-triggered vectors
 * (the I/O APIC). Set after vlapic_attach, which clears it.
 */
void vlapic_set_eoi_listener(struct vlapic *lapic, vlapic_eoi_fn fn, void *ctx);
/* vlapic_pending: the highest IRR vector whose class beats PPR, or -1. */
int vlapic_pending(const struct vlapic *lapic);
/* vlapic_irr_test: whether `vector` is requested and not yet taken (its IRR bit). */
bool vlapic_irr_test(const struct vlapic *lapic, uint8_t vector);
/* vlapic_ack: the CPU takes `vector` (the INTA of a fixed interrupt): IRR -> ISR. */
void vlapic_ack(struct vlapic *lapic, uint8_t vector);
/* vlapic_tick: fire the timer if it expired by now_ns (vm clock). */
void vlapic_tick(struct vlapic *lapic, uint64_t now_ns);
/* vlapic_next_event_ns: when the timer fires next (vm clock), or VLAPIC_NO_EVENT. */
uint64_t vlapic_next_event_ns(const struct vlapic *lapic);
/*
 * vlapic_lint0_extint: whether the 8259's INTR reaches the CPU: the APIC
 * is globally disabled (no APIC in the path), or LVT0 is unmasked ExtINT.
 * A software-disabled APIC has LVT0 masked (SDM), so it blocks the PIC
 * unless LVT0 was left unmasked at reset, as Linux's virtual-wire code
 * expects (it software-enables the APIC to route ExtINT).
 */
bool vlapic_lint0_extint(const struct vlapic *lapic);

/* For the shell and tests: the processor priority (PPR) as the guest reads it. */
uint32_t vlapic_ppr(const struct vlapic *lapic);
/* vlapic_timer_count: the current-count register at now_ns. */
uint32_t vlapic_timer_count(const struct vlapic *lapic, uint64_t now_ns);

#endif
