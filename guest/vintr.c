/*
 * vintr.c - the guest's interrupt arbitration: which controller's vector
 * the vCPU takes next, and the acknowledgement that goes back to it.
 *
 * Two sources, in KVM's order (kvm_cpu_has_interrupt/kvm_cpu_get_interrupt:
 * "PIC" before "APIC"): the 8259's INTR when the local APIC lets it
 * through LINT0 (ExtINT, or the APIC globally disabled), then the local
 * APIC's highest deliverable fixed vector. A guest without a local APIC
 * has the PIC on INTR directly. Nothing here keeps state: the same
 * question asked twice gets the same answer, which is how vintr_ack()
 * knows where the vector it is given came from.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "vintr: " fmt
#include "log.h"
#include "vintr.h"
#include "vlapic.h"
#include "vm.h"
#include "vpic.h"
#include "vpit.h"

enum vintr_source {
	SRC_NONE,
	SRC_PIC,
	SRC_LAPIC,
};

/* pic_reaches_cpu: the PIC raises INTR and LINT0 passes it on. */
static bool pic_reaches_cpu(const struct vm *vm)
{
	if (!vm->pic || !vpic_has_intr(vm->pic))
		return false;
	return !vm->lapic || vlapic_lint0_extint(vm->lapic);
}

/*
 * vpic_peek: the vector the PIC's next INTA would give, without the INTA:
 * the acknowledgement runs on a copy (struct vpic is plain values).
 */
static int vpic_peek(const struct vpic *pic)
{
	struct vpic copy = *pic;

	return vpic_ack(&copy);
}

/* next_source: where the next interrupt comes from, and its vector in *vector. */
static enum vintr_source next_source(const struct vm *vm, int *vector)
{
	*vector = -1;
	if (pic_reaches_cpu(vm)) {
		*vector = vpic_peek(vm->pic);
		return SRC_PIC;
	}
	if (vm->lapic)
		*vector = vlapic_pending(vm->lapic);
	return *vector >= 0 ? SRC_LAPIC : SRC_NONE;
}

int vintr_pending(struct vm *vm)
{
	int vector;

	next_source(vm, &vector);
	return vector;
}

void vintr_ack(struct vm *vm, int vector)
{
	int expected;
	enum vintr_source src = next_source(vm, &expected);

	/* The caller asked vintr_pending() just before: a mismatch is a Pagoda bug. */
	if (src == SRC_PIC)
		expected = vpic_ack(vm->pic);
	else if (src == SRC_LAPIC && vector >= 0 && vector <= 0xff)
		vlapic_ack(vm->lapic, (uint8_t)vector);
	if (expected != vector)
		pr_warn_ratelimited("ack of vector %d, but %d was pending\n", vector, expected);
}

uint64_t vintr_next_event_ns(struct vm *vm)
{
	uint64_t next = VINTR_NO_EVENT;

	if (vm->lapic)
		next = MIN(next, vlapic_next_event_ns(vm->lapic));
	if (vm->pit)
		next = MIN(next, vpit_next_event_ns(vm->pit));
	return next;
}
