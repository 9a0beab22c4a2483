/*
 * guest_mem.h - guest memory by linear address, through the guest's own paging.
 *
 * Emulating an instruction means reading its bytes at CS:RIP and, for
 * INS/OUTS, memory at ES:rDI or DS:rSI: linear addresses that the
 * guest's page tables translate. guest_mmu_load() takes the paging state
 * of the vCPU from the VMCS (CR0, CR3, CR4, EFER, RFLAGS.AC, CPL, the PAE
 * PDPTEs); with EPT these are the guest's own values, the ones the CPU
 * walks with. gva_to_gpa() walks the guest's tables with the pt.h walker
 * in the matching format (none, 32-bit, PAE, 4-level), checks the access
 * as the CPU would (present, reserved bits, U/S, R/W with CR0.WP, NX,
 * SMEP, SMAP) and sets the accessed and dirty flags as the CPU would.
 * guest_read_gva()/guest_write_gva() copy across page boundaries.
 *
 * What the CPU would turn into a page fault comes back as -EFAULT with
 * the #PF error code and address in struct gva_walk; guest_inject_pf()
 * queues it. Guest tables or data outside guest RAM (in device memory)
 * cannot be read this way: -ENODEV. 5-level paging is not walked.
 *
 * Context: pure, host-testable (VMCS through vmx_hw.h, RAM through gmem).
 */
#ifndef PAGODA_GUEST_MEM_H
#define PAGODA_GUEST_MEM_H

#include "pt.h"
#include "types.h"

struct vm;
struct gmem;

/* #PF error-code bits (KVM's names); the access kinds are the same bits. */
#define PFERR_PRESENT_MASK BIT(0)
#define PFERR_WRITE_MASK BIT(1)
#define PFERR_USER_MASK BIT(2) /* added by gva_to_gpa() itself at CPL 3 */
#define PFERR_RSVD_MASK BIT(3)
#define PFERR_FETCH_MASK BIT(4)
/* Not an error-code bit: the shell looking: no rights checked, no A/D set. */
#define GACC_INSPECT BIT(16)

enum guest_paging {
	GUEST_PAGING_OFF, /* linear == guest-physical (32 bits) */
	GUEST_PAGING_32BIT,
	GUEST_PAGING_PAE,
	GUEST_PAGING_4LEVEL,
	GUEST_PAGING_5LEVEL, /* CR4.LA57: not walked */
	GUEST_PAGING_NR,
};

/* The vCPU's paging state: a snapshot, valid until the guest runs again. */
struct guest_mmu {
	struct gmem *mem;
	enum guest_paging mode;
	uint64_t cr0, cr3, cr4, efer, rflags;
	unsigned int cpl;
	unsigned int maxphyaddr;
	uint64_t pdpte[4]; /* PAE: the PDPTEs the CPU loaded at MOV to CR3 */
	struct pt_format fmt; /* the levels walked in memory */
};

/* One translation, for diagnostics and for the #PF it may raise. */
struct gva_walk {
	struct pt_walk_result res; /* levels top .. res.level; PAE: lvl[3] is the PDPTE */
	unsigned int top; /* 0 with paging off */
	uint32_t pf_error; /* with -EFAULT: the #PF error code ... */
	gva_t fault_addr; /* ... and the address for CR2 */
};

/*
 * guest_mmu_load: snapshot vm's paging state from the VMCS. Returns 0,
 * or -EOPNOTSUPP (logged) for 5-level paging.
 */
int guest_mmu_load(struct guest_mmu *mmu, struct vm *vm);
const char *guest_paging_name(enum guest_paging mode);

/*
 * gva_to_gpa: translate gva for an access of kind `access` (PFERR_WRITE_MASK,
 * PFERR_FETCH_MASK, GACC_INSPECT; USER is implied at CPL 3). Returns 0 with
 * *out; -EFAULT: the CPU would raise #PF (w->pf_error, w->fault_addr);
 * -EINVAL: a non-canonical address (#GP); -ENODEV: a guest table outside
 * guest RAM; -EOPNOTSUPP: 5-level paging. w may be NULL.
 */
int gva_to_gpa(struct guest_mmu *mmu, gva_t gva, unsigned int access, gpa_t *out,
	       struct gva_walk *w);

/*
 * guest_read_gva / guest_write_gva: copy len bytes at linear address gva,
 * page by page (a linear address wraps at 4 GiB outside long mode).
 * Return 0; the errors of gva_to_gpa (w says where); or -ENODEV when the
 * data lies outside guest RAM. *done (may be NULL) is the number of bytes
 * copied before a failure. Unbacked guest RAM reads as zeros; writing
 * backs it.
 */
int guest_read_gva(struct guest_mmu *mmu, gva_t gva, void *buf, size_t len, unsigned int access,
		   size_t *done, struct gva_walk *w);
int guest_write_gva(struct guest_mmu *mmu, gva_t gva, const void *buf, size_t len,
		    unsigned int access, size_t *done, struct gva_walk *w);

/* guest_inject_pf: queue the #PF gva_to_gpa() described, CR2 included. */
void guest_inject_pf(struct vm *vm, const struct gva_walk *w);

/* gva_walk_dump: print the entries a walk read, top level first (the shell). */
void gva_walk_dump(const struct guest_mmu *mmu, const struct gva_walk *w);

#endif
