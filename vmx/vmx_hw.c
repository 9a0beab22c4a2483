/*
 * vmx_hw.c - the VMX instructions (include/vmx_hw.h).
 *
 * Every VMX instruction reports failure in RFLAGS: CF=1 is VMfailInvalid
 * (no current VMCS), ZF=1 is VMfailValid (the VM-instruction error field
 * says why). "setna" catches both.
 *
 * Context: VMX root, interrupts off.
 */
#include "errcode.h"
#include "vmx_hw.h"

static int vmx_status(uint8_t failed)
{
	return failed ? -EIO : 0;
}

int hw_vmxon(hpa_t region)
{
	uint8_t failed;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(failed) : "m"(region.v) : "cc", "memory");
	return vmx_status(failed);
}

int hw_vmxoff(void)
{
	uint8_t failed;
	__asm__ volatile("vmxoff; setna %0" : "=qm"(failed) : : "cc", "memory");
	return vmx_status(failed);
}

int hw_vmclear(hpa_t vmcs)
{
	uint8_t failed;
	__asm__ volatile("vmclear %1; setna %0" : "=qm"(failed) : "m"(vmcs.v) : "cc", "memory");
	return vmx_status(failed);
}

int hw_vmptrld(hpa_t vmcs)
{
	uint8_t failed;
	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(failed) : "m"(vmcs.v) : "cc", "memory");
	return vmx_status(failed);
}

int hw_vmread(uint64_t field, uint64_t *val)
{
	uint8_t failed;
	uint64_t v = 0;
	__asm__ volatile("vmread %2, %1; setna %0"
			 : "=qm"(failed), "=rm"(v)
			 : "r"(field)
			 : "cc");
	*val = v;
	return vmx_status(failed);
}

int hw_vmwrite(uint64_t field, uint64_t val)
{
	uint8_t failed;
	__asm__ volatile("vmwrite %2, %1; setna %0"
			 : "=qm"(failed)
			 : "r"(field), "rm"(val)
			 : "cc");
	return vmx_status(failed);
}

/* The INVEPT/INVVPID descriptor is 128 bits in memory. */
int hw_invept(unsigned long type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };
	uint8_t failed;
	__asm__ volatile("invept %1, %2; setna %0"
			 : "=qm"(failed)
			 : "m"(desc), "r"(type)
			 : "cc", "memory");
	return vmx_status(failed);
}

int hw_invvpid(unsigned long type, uint16_t vpid, uint64_t gva)
{
	struct {
		uint64_t vpid, gva;
	} desc = { vpid, gva };
	uint8_t failed;
	__asm__ volatile("invvpid %1, %2; setna %0"
			 : "=qm"(failed)
			 : "m"(desc), "r"(type)
			 : "cc", "memory");
	return vmx_status(failed);
}
