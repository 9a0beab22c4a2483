/*
 * vintr.h - which interrupt the guest's vCPU takes next: arbitration
 * between the 8259 PIC (through LINT0) and the local APIC.
 *
 * The run loop asks vintr_pending() before each VM entry; when the guest
 * can take an interrupt it calls vintr_ack() with that vector and injects
 * it. The order is KVM's (kvm_cpu_get_interrupt: PIC, then APIC) and the
 * SDM's: an ExtINT from LINT0 goes to the core directly, without IRR or
 * the PPR test, so it is taken before any fixed interrupt waiting in IRR.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_VINTR_H
#define PAGODA_VINTR_H

#include "types.h"

struct vm;

#define VINTR_NO_EVENT UINT64_MAX

/*
 * vintr_pending: the vector to inject next, or -1: the PIC's (when it
 * raises INTR and LINT0 lets it through; looked at, not acknowledged),
 * else the local APIC's highest deliverable one. Changes nothing.
 */
int vintr_pending(struct vm *vm);
/*
 * vintr_ack: the vCPU takes `vector`, which vintr_pending() just returned:
 * the INTA of the PIC or IRR -> ISR in the local APIC, whichever it came
 * from. A vector that is no longer the pending one is logged.
 */
void vintr_ack(struct vm *vm, int vector);
/* vintr_next_event_ns: guest time of the next timer event (APIC, PIT), or VINTR_NO_EVENT. */
uint64_t vintr_next_event_ns(struct vm *vm);

#endif
