/*
 * mmio.c - EPT violations outside guest RAM: MMIO emulation.
 * placeholder: being written (today it stops the guest as before).
 *
 * Context: VMX root, interrupts off; pure (host-testable with the fake VMCS).
 */
#define pr_fmt(fmt) "mmio: " fmt
#include "errcode.h"
#include "log.h"
#include "vmexit.h"

int mmio_handle_violation(struct vm *vm, struct vmexit *e)
{
	vm_stop(vm, "guest access at gpa 0x%lx, outside its %lu MiB of RAM and no device "
		"there (RIP 0x%lx)", e->gpa.v, vm->mem.size >> 20, vmcs_get(GUEST_RIP));
	return -EFAULT;
}
