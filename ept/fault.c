/*
 * fault.c - the EPT-violation path: guest RAM backed on demand.
 *
 * One EPT violation, for readers who know KVM (kvm_mmu_page_fault ->
 * kvm_tdp_page_fault -> kvm_tdp_mmu_map):
 *   1. classify the access (read/write/fetch, not-present/permission) and
 *      count it, per vCPU (KVM: the tracepoint and vcpu stats);
 *   2. the gpa must lie in guest RAM (KVM: the memslot lookup); anything
 *      else goes to vmx/mmio.c, which emulates the access when a device
 *      registered that range (the I/O APIC) and otherwise stops the guest
 *      with a diagnostic (KVM would exit to user space);
 *   3. find or allocate the backing host frame in the gfn -> hfn map
 *      (KVM: kvm_faultin_pfn / hva_to_pfn; here there is no host page
 *      table, the map is ours);
 *   4. install the leaf in the EPT (KVM: kvm_tdp_mmu_map), RWX, WB: one
 *      2 MiB leaf when gmem says the gfn's whole region is backed by one
 *      reserved block in order (KVM: the max mapping level from
 *      kvm_mmu_max_mapping_level), else a 4K leaf.
 * No INVEPT is needed after making a not-present entry present: the CPU
 * does not cache not-present EPT translations (SDM "Caching Translation
 * Information"). The one change here that needs it is a collapse: a PDE
 * that pointed to a page table becomes a 2M leaf (bit 7 changes), so one
 * single-context INVEPT follows it before the guest runs again.
 *
 * Context: VMX root, interrupts off; pure (host-testable).
 */
#define pr_fmt(fmt) "ept: " fmt
#include "errcode.h"
#include "ept.h"
#include "log.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"
#include "vmx_hw.h"

/* INVEPT types (SDM "INVEPT"; Linux VMX_EPT_EXTENT_CONTEXT / _GLOBAL). */
#define INVEPT_SINGLE_CONTEXT 1UL
#define INVEPT_ALL_CONTEXT 2UL

static const char *access_name(uint64_t qual)
{
	if (qual & EPT_VIOLATION_ACC_INSTR)
		return "fetch";
	return qual & EPT_VIOLATION_ACC_WRITE ? "write" : "read";
}

/*
 * ept_flush: drop what the CPU cached from this guest's EPT, before it
 * runs again: single-context when the CPU has it, else all-context (one
 * guest: the same effect). Returns 0, or -EIO (logged) when INVEPT fails.
 */
static int ept_flush(struct vm *vm)
{
	bool single = vmx_ept_vpid_cap(&vmx_caps, VMX_EPT_EXTENT_CONTEXT_BIT);
	int err = hw_invept(single ? INVEPT_SINGLE_CONTEXT : INVEPT_ALL_CONTEXT,
			    ept_eptp(&vm->ept));

	vm->stats.ept_flushes++;
	if (err)
		pr_err("INVEPT %s-context of eptp 0x%lx failed\n", single ? "single" : "all",
		       ept_eptp(&vm->ept));
	return err;
}

/*
 * ept_map_huge: map gfn's 2 MiB region to block with one leaf: directly
 * when nothing is mapped there, else by collapsing its 4K table (then one
 * INVEPT). Returns 0, -EEXIST (a 2M leaf is there already), -EBUSY (a 4K
 * leaf there differs: keep 4K), or another ept_map/ept_flush error.
 */
static int ept_map_huge(struct vm *vm, gfn_t gfn, hfn_t block)
{
	gpa_t base = gpa(ALIGN_DOWN(gfn_to_gpa(gfn).v, HUGE_2M_SIZE));
	bool flush = false;
	int err = ept_map(&vm->ept, base, hfn_to_hpa(block), PG_LEVEL_2M, EPTE_RWX, EPT_MT_WB);

	if (err == -EEXIST) {
		err = ept_collapse(&vm->ept, base, hfn_to_hpa(block), EPTE_RWX, EPT_MT_WB, &flush);
		vm->stats.promotions += !err;
	}
	if (err)
		return err;
	vm->stats.large_maps++;
	return flush ? ept_flush(vm) : 0;
}

/* 2M EPT leaves are legal only when the CPU reports them (else PDE bit 7
 * is reserved: a misconfiguration). */
static bool ept_huge_ok(void)
{
	return vmx_ept_vpid_cap(&vmx_caps, VMX_EPT_2MB_PAGE_BIT);
}

/* ept_map_gfn: back gfn (allocating on first touch) and map it RWX WB,
 * with its whole region when that is backed by one block. */
static int ept_map_gfn(struct vm *vm, gfn_t gfn)
{
	hfn_t hfn, block;
	bool fresh;
	int err = gmem_backing(&vm->mem, gfn, true, &hfn, &fresh);

	if (err)
		return err;
	if (fresh)
		vm->stats.frames_backed++;
	if (ept_huge_ok() && !gmem_huge_backing(&vm->mem, gfn, &block)) {
		err = ept_map_huge(vm, gfn, block);
		if (err != -EBUSY)
			return err;
	}
	return ept_map(&vm->ept, gfn_to_gpa(gfn), hfn_to_hpa(hfn), PG_LEVEL_4K, EPTE_RWX,
		       EPT_MT_WB);
}

int ept_handle_violation(struct vm *vm, struct vmexit *e)
{
	gfn_t gfn = gpa_to_gfn(e->gpa);
	int err;

	vm->stats.ept_violations[ept_violation_kind(e->qual)]++;
	if (!gmem_contains(&vm->mem, e->gpa))
		return mmio_handle_violation(vm, e);
	err = ept_map_gfn(vm, gfn);
	/* Already mapped RWX: a repeated or spurious violation; just resume. */
	if (err == -EEXIST)
		return 0;
	if (err == -ENOMEM) {
		vm_stop(vm, "out of host memory backing gfn 0x%lx", gfn.v);
		return err;
	}
	if (err) {
		/* -EIO: the INVEPT after a collapse failed (ept_flush logged it).
		 * Anything else means the EPT holds what this handler never makes
		 * (a permission fault on an RWX mapping): a Pagoda bug, not the
		 * guest's, so stop rather than loop on the same violation. */
		vm_stop(vm, "EPT %s violation at gpa 0x%lx not resolvable (%s), qual 0x%lx",
			access_name(e->qual), e->gpa.v, err_name(err), e->qual);
		return err;
	}
	return 0;
}

int ept_handle_misconfig(struct vm *vm, struct vmexit *e)
{
	struct pt_walk_result res;

	vm->stats.ept_misconfigs++;
	pr_err("EPT misconfiguration at gpa 0x%lx; the walk:\n", e->gpa.v);
	ept_walk(&vm->ept, e->gpa, &res); /* partial walks are dumped too */
	ept_dump_walk(&res);
	vm_stop(vm, "EPT misconfiguration at gpa 0x%lx (a Pagoda bug: entry dumped above)",
		e->gpa.v);
	return -EIO;
}
