/*
 * vm.h - the one guest Pagoda runs: its memory, its vCPU, its devices,
 * its state and its counters.
 *
 * Context: pure, host-testable (the run loop in vmx/run.c is not).
 */
#ifndef PAGODA_VM_H
#define PAGODA_VM_H

#include "ept.h"
#include "gmem.h"
#include "types.h"
#include "vcpu.h"
#include "vdev.h"
#include "vmcs.h"

enum vm_state {
	VM_EMPTY, /* no guest loaded */
	VM_RUNNING,
	VM_PAUSED, /* stopped by the shell; resume continues */
	VM_STOPPED, /* ended or failed; see stop_reason */
};

struct vm_stats {
	uint64_t exits; /* all VM exits */
	uint64_t exits_by_reason[EXIT_REASON_MAX];
	uint64_t ept_violations[EPT_V_NR_KINDS];
	uint64_t ept_misconfigs;
	uint64_t frames_backed; /* guest frames given a host frame on fault */
	uint64_t large_maps; /* 2 MiB EPT mappings made */
	uint64_t promotions; /* of those, 4K page tables collapsed into a 2M leaf */
	uint64_t ept_flushes; /* INVEPTs issued */
	uint64_t injections; /* events injected */
	uint64_t hlt_sleeps;
	uint64_t hlt_polls; /* halts waited out by polling the clock (vm_idle_poll_ns) */
	uint64_t mmio_exits; /* device-memory accesses emulated (vmx/mmio.c) */
};

struct vpic;
struct vpit;
struct vuart;
struct vlapic;
struct vcmos;
struct vmisc;
struct vpm;
struct vioapic;
struct virq;

struct vm {
	enum vm_state state;
	char name[32];
	char stop_reason[192];
	int exit_status; /* from the test-exit port; -1 while running */
	struct gmem mem;
	bool use_ept;
	struct ept ept;
	struct vcpu vcpu;
	struct vdev_table vdev;
	struct vpic *pic;
	struct vpit *pit;
	struct vuart *uart;
	struct vlapic *lapic;
	struct vcmos *cmos;
	struct vmisc *misc;
	struct vpm *pm;
	struct vioapic *ioapic;
	struct virq *virq; /* ISA IRQ router: to the PIC and the I/O APIC */
	uint64_t start_tsc;
	uint64_t stop_ns; /* guest time when it stopped */
	struct vm_stats stats;
	bool step; /* shell "step": pause after the next exit */
};

extern struct vm the_vm;

/* vm_stop: the guest ends (or fails) with a reason; Pagoda goes on. */
void vm_stop(struct vm *vm, const char *fmt, ...) __printf(2, 3);
/* vm_clock_ns: guest time, nanoseconds since the guest started. */
uint64_t vm_clock_ns(const struct vm *vm);
/*
 * vm_preemption_timer_value: the VMX-preemption timer value at which the
 * guest's next timer event is due (vmx/vm.c says how it rounds).
 */
uint32_t vm_preemption_timer_value(struct vm *vm, uint64_t now_ns);
/*
 * vm_idle_poll_ns: the vCPU halted at now_ns. How long to poll the clock
 * instead of sleeping: the time to the guest's next timer event when it
 * is due within one host tick (tick_ns), else 0 (sleep to the tick).
 */
uint64_t vm_idle_poll_ns(struct vm *vm, uint64_t now_ns, uint64_t tick_ns);

#endif
