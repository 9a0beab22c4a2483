/*
 * guest_boot.h - the CPU state a guest loader asks for at the first VM entry.
 *
 * Loaders (guest/linux.c, guest/multiboot.c) fill guest memory and this
 * struct; vmx/vmcs_setup.c turns it into VMCS guest state. Segment
 * access rights use the VMCS "AR bytes" encoding (VMX_AR_* in vmcs.h).
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_GUEST_BOOT_H
#define PAGODA_GUEST_BOOT_H

#include "types.h"
#include "vcpu.h"

struct guest_seg {
	uint16_t sel;
	uint64_t base;
	uint32_t limit;
	uint32_t ar; /* VMX_AR_*; VMX_AR_UNUSABLE for a null segment */
};

enum guest_mode {
	GUEST_MODE_PROT32, /* protected mode, paging off (multiboot v1) */
	GUEST_MODE_LONG64, /* long mode, identity paging (Linux 64-bit boot) */
};

struct guest_boot_state {
	enum guest_mode mode;
	uint64_t gpr[NR_GPRS]; /* RSP is gpr[REG_RSP] */
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
	struct guest_seg cs, ds, es, ss, fs, gs, tr, ldtr;
	uint64_t gdtr_base, idtr_base;
	uint32_t gdtr_limit, idtr_limit;
};

/* Access rights for the flat segments loaders use. */
#define GUEST_AR_CODE32 (0xb | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G) /* 0xc09b */
#define GUEST_AR_CODE64 (0xb | VMX_AR_S | VMX_AR_P | VMX_AR_L | VMX_AR_G) /* 0xa09b */
#define GUEST_AR_DATA (0x3 | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G) /* 0xc093 */
#define GUEST_AR_TSS (0xb | VMX_AR_P) /* busy 32/64-bit TSS: 0x8b */
#define GUEST_AR_LDT (0x2 | VMX_AR_P) /* 0x82 */

#endif
