/*
 * fault.c - the EPT-violation path: guest RAM backed on demand.
 *
 * One EPT violation, for readers who know KVM (kvm_mmu_page_fault ->
 * kvm_tdp_page_fault -> kvm_tdp_mmu_map):
 *   1. classify the access (read/write/fetch, not-present/permission) and
 *      count it, per vCPU (KVM: the tracepoint and vcpu stats);
 *   2. the gpa must lie in guest RAM (KVM: the memslot lookup); anything
 *      else is an access to a device Pagoda does not emulate by MMIO, and
 *      stops the guest with a diagnostic (KVM would exit to user space);
 *   3. find or allocate the backing host frame in the gfn -> hfn map
 *      (KVM: kvm_faultin_pfn / hva_to_pfn; here there is no host page
 *      table, the map is ours);
 *   4. install the leaf in the EPT (KVM: kvm_tdp_mmu_map), RWX, WB.
 * No INVEPT is needed after making a not-present entry present: the CPU
 * does not cache not-present EPT translations (SDM "Caching Translation
 * Information"); only removals and permission reductions need one.
 *
 * Context: VMX root, interrupts off; pure (host-testable).
 */
#define pr_fmt(fmt) "ept: " fmt
#include "errcode.h"
#include "ept.h"
#include "log.h"
#include "vmexit.h"

static const char *access_name(uint64_t qual)
{
	if (qual & EPT_VIOLATION_ACC_INSTR)
		return "fetch";
	return qual & EPT_VIOLATION_ACC_WRITE ? "write" : "read";
}

/* ept_map_gfn: back gfn (allocating on first touch) and map it 4K RWX WB. */
static int ept_map_gfn(struct vm *vm, gfn_t gfn)
{
	hfn_t hfn;
	bool fresh;
	int err = gmem_backing(&vm->mem, gfn, true, &hfn, &fresh);

	if (err)
		return err;
	if (fresh)
		vm->stats.frames_backed++;
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
		/* Present already: a permission fault on a mapping Pagoda made RWX. */
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
