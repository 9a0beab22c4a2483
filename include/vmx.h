/*
 * vmx.h - Pagoda's VMX core: VMXON, VMCS setup, the run loop.
 *
 * Context: VMX root, interrupts off (run loop), or boot.
 */
#ifndef PAGODA_VMX_H
#define PAGODA_VMX_H

#include "guest_boot.h"
#include "types.h"
#include "vm.h"
#include "vmx_caps.h"

extern struct vmx_caps vmx_caps;
extern bool vmx_on;

int vmx_region_alloc(const struct vmx_caps *c, hpa_t *out);
/* vmx_enable: IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, VMXON. */
int vmx_enable(const struct vmx_caps *c);
int vmcs_write_host_state(void);

/*
 * vmx_choose_controls: every VMCS control for this guest, derived from
 * the capability MSRs (required bits must be allowed, optional bits are
 * used only when allowed). Fills vcpu->*_ctls. -EOPNOTSUPP names the
 * missing feature in the log.
 */
int vmx_choose_controls(const struct vmx_caps *c, struct vm *vm);
/* vmcs_write_controls: the chosen controls, bitmaps and EPT pointer. */
int vmcs_write_controls(const struct vmx_caps *c, struct vm *vm, hpa_t io_bitmaps,
			hpa_t msr_bitmap);
/* vmcs_write_guest_state: the loader's initial CPU state into the VMCS. */
int vmcs_write_guest_state(const struct vmx_caps *c, struct vm *vm,
			   const struct guest_boot_state *gs);
/* The CR0/CR4 bits whose value VMX fixes: owned by Pagoda, shadowed for the guest. */
uint64_t vmx_cr0_owned(const struct vmx_caps *c, bool unrestricted);
uint64_t vmx_cr4_owned(const struct vmx_caps *c);
/* msr_bitmap_passthrough: let the guest read and write msr without an exit. */
void msr_bitmap_passthrough(void *bitmap, uint32_t msr);

/* vm_create: an empty guest with ram bytes of RAM, backed on demand. */
int vm_create(struct vm *vm, const char *name, uint64_t ram, bool use_ept);
/* vm_launch: VMCS, bitmaps, state; the guest then runs from vm_run(). */
int vm_launch(struct vm *vm, const struct guest_boot_state *gs);
/* vm_run_once: one VM entry and the handling of its exit. */
void vm_run_once(struct vm *vm);

#endif
