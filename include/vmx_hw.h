/*
 * vmx_hw.h - the VMX instructions, behind functions.
 *
 * Real implementation: vmx/vmx_hw.c. Host tests: tests/fake/vmx_fake.c,
 * a fake VMCS (a field table) so exit handlers run on the host.
 * Each returns 0, or -EIO on VMfailInvalid / VMfailValid (then the
 * VM-instruction error field says why, when a VMCS is current).
 *
 * Context: VMX root (after VMXON), interrupts off.
 */
#ifndef PAGODA_VMX_HW_H
#define PAGODA_VMX_HW_H

#include "types.h"

int hw_vmxon(hpa_t region);
int hw_vmxoff(void);
int hw_vmclear(hpa_t vmcs);
int hw_vmptrld(hpa_t vmcs);
int hw_vmread(uint64_t field, uint64_t *val);
int hw_vmwrite(uint64_t field, uint64_t val);
/* INVEPT types: 1 single-context, 2 all-context. */
int hw_invept(unsigned long type, uint64_t eptp);
/* INVVPID types: 0 address, 1 single-context, 2 all-context, 3 single-retaining-globals. */
int hw_invvpid(unsigned long type, uint16_t vpid, uint64_t gva);

#endif
