/*
 * guest_mem.c - the guest's linear addresses: its paging mode, the walk of
 * its own tables, the access-rights check, and copies by linear address.
 *
 * A software walk stands in for the CPU's when Pagoda emulates an
 * instruction (KVM: paging_tmpl.h's walk_addr_generic). It follows the
 * SDM chapter "Paging": the mode from CR0.PG, CR4.PAE and EFER.LMA;
 * reserved bits from the guest's MAXPHYADDR; rights from the AND of R/W
 * and U/S over the levels (section "Access Rights"); accessed flags set
 * on each entry used and the dirty flag on a written leaf ("Accessed and
 * Dirty Flags"), atomically, since guest code may be changing the same
 * entries. Guest tables are never trusted: every entry is read once.
 *
 * Context: pure, host-testable (VMCS through vmx_hw.h, RAM through gmem).
 */
#define pr_fmt(fmt) "guest_mem: " fmt
#include "errcode.h"
#include "gmem.h"
#include "guest_mem.h"
#include "lib.h"
#include "log.h"
#include "msr.h"
#include "vmexit.h"

#define X86_CR0_WP BIT(16)
#define X86_CR0_PG BIT(31)
#define X86_CR4_PSE BIT(4)
#define X86_CR4_PAE BIT(5)
#define X86_CR4_LA57 BIT(12)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)
#define X86_EFLAGS_AC BIT(18)
#define PF_VECTOR 14
#define PAE_CR3_MASK GENMASK(31, 5) /* the PDPT is 32-byte aligned */
#define DEFAULT_MAXPHYADDR 36 /* what the SDM says to assume without CPUID 80000008h */

/* A never-touched guest page reads as zeros (as gmem_read does): a table there is empty. */
static uint64_t zero_table[PT_ENTRIES] __aligned(PAGE_SIZE);

/* guest_table_ptr: a struct pt_xlate callback: the host page holding a guest table. */
static void *guest_table_ptr(void *mem, uint64_t table_gpa)
{
	hfn_t f;
	int err = gmem_backing(mem, gpa_to_gfn(gpa(table_gpa)), false, &f, NULL);

	if (err == -ENOENT)
		return zero_table;
	return err ? NULL : hpa_to_ptr(hfn_to_hpa(f));
}

/* The guest's MAXPHYADDR and 1 GiB page support, from the CPUID it sees. */
static void guest_phys_caps(const struct vm *vm, unsigned int *maxphyaddr, bool *gbpages)
{
	uint32_t max_ext[4], r[4];

	guest_cpuid(vm, 0x80000000, 0, max_ext);
	*maxphyaddr = DEFAULT_MAXPHYADDR;
	*gbpages = false;
	if (max_ext[0] >= 0x80000001) {
		guest_cpuid(vm, 0x80000001, 0, r);
		*gbpages = r[3] & BIT(26);
	}
	if (max_ext[0] >= 0x80000008) {
		guest_cpuid(vm, 0x80000008, 0, r);
		if ((r[0] & 0xff) >= 32 && (r[0] & 0xff) <= 52)
			*maxphyaddr = r[0] & 0xff;
	}
}

static enum guest_paging paging_mode(const struct guest_mmu *mmu)
{
	if (!(mmu->cr0 & X86_CR0_PG))
		return GUEST_PAGING_OFF;
	if (mmu->efer & EFER_LMA)
		return mmu->cr4 & X86_CR4_LA57 ? GUEST_PAGING_5LEVEL : GUEST_PAGING_4LEVEL;
	return mmu->cr4 & X86_CR4_PAE ? GUEST_PAGING_PAE : GUEST_PAGING_32BIT;
}

/*
 * load_pdptes: with EPT the CPU saved the PDPTEs it walks with into the
 * VMCS at the exit; without EPT they are read where CR3 points.
 */
static int load_pdptes(struct guest_mmu *mmu, struct vm *vm)
{
	static const enum vmcs_field fields[4] = { GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2,
						   GUEST_PDPTR3 };

	if (!vm->use_ept)
		return gmem_read(mmu->mem, gpa(mmu->cr3 & PAE_CR3_MASK), mmu->pdpte,
				 sizeof(mmu->pdpte)) ? -ENODEV : 0;
	for (unsigned int i = 0; i < 4; i++)
		mmu->pdpte[i] = vmcs_get(fields[i]);
	return 0;
}

static int fmt_none(struct guest_mmu *mmu, struct vm *vm, bool gbpages)
{
	return 0;
}

static int fmt_32bit(struct guest_mmu *mmu, struct vm *vm, bool gbpages)
{
	return pt_format_32bit(&mmu->fmt, mmu->maxphyaddr, mmu->cr4 & X86_CR4_PSE);
}

static int fmt_pae(struct guest_mmu *mmu, struct vm *vm, bool gbpages)
{
	int err = pt_format_pae(&mmu->fmt, mmu->maxphyaddr, mmu->efer & EFER_NX);

	return err ? err : load_pdptes(mmu, vm);
}

static int fmt_4level(struct guest_mmu *mmu, struct vm *vm, bool gbpages)
{
	return pt_format_ia32e(&mmu->fmt, mmu->maxphyaddr, mmu->efer & EFER_NX, gbpages);
}

static int fmt_5level(struct guest_mmu *mmu, struct vm *vm, bool gbpages)
{
	pr_warn_ratelimited("5-level guest paging is not walked\n");
	return -EOPNOTSUPP;
}

static const struct {
	const char *name;
	int (*setup)(struct guest_mmu *mmu, struct vm *vm, bool gbpages);
} paging_modes[GUEST_PAGING_NR] = {
	[GUEST_PAGING_OFF] = { "paging off", fmt_none },
	[GUEST_PAGING_32BIT] = { "32-bit paging", fmt_32bit },
	[GUEST_PAGING_PAE] = { "PAE paging", fmt_pae },
	[GUEST_PAGING_4LEVEL] = { "4-level paging", fmt_4level },
	[GUEST_PAGING_5LEVEL] = { "5-level paging", fmt_5level },
};

const char *guest_paging_name(enum guest_paging mode)
{
	return mode < GUEST_PAGING_NR ? paging_modes[mode].name : "?";
}

int guest_mmu_load(struct guest_mmu *mmu, struct vm *vm)
{
	bool gbpages;

	*mmu = (struct guest_mmu){ .mem = &vm->mem };
	mmu->cr0 = vmcs_get(GUEST_CR0);
	mmu->cr3 = vmcs_get(GUEST_CR3);
	mmu->cr4 = vmcs_get(GUEST_CR4);
	mmu->efer = vmcs_get(GUEST_IA32_EFER);
	mmu->rflags = vmcs_get(GUEST_RFLAGS);
	/* CPL is SS.DPL (SDM "Privilege Levels"); 0 in real mode. */
	mmu->cpl = (vmcs_get(GUEST_SS_AR_BYTES) >> VMX_AR_DPL_SHIFT) & 3;
	mmu->mode = paging_mode(mmu);
	guest_phys_caps(vm, &mmu->maxphyaddr, &gbpages);
	return paging_modes[mmu->mode].setup(mmu, vm, gbpages);
}

/* pf: fill in the #PF the CPU would raise; returns -EFAULT. */
static int pf(const struct guest_mmu *mmu, struct gva_walk *w, unsigned int access,
	      uint32_t extra)
{
	uint32_t code = access & (PFERR_WRITE_MASK | PFERR_USER_MASK);

	/* I/D is reported only where execute-disable exists (SDM "Page-Fault Exceptions"). */
	if ((access & PFERR_FETCH_MASK) &&
	    ((mmu->efer & EFER_NX && mmu->mode != GUEST_PAGING_32BIT) || (mmu->cr4 & X86_CR4_SMEP)))
		code |= PFERR_FETCH_MASK;
	w->pf_error = code | extra;
	return -EFAULT;
}

/* rights_ok: may this access use a translation with these combined rights? */
static bool rights_ok(const struct guest_mmu *mmu, unsigned int access, uint64_t perm_and,
		      uint64_t perm_or)
{
	bool user = access & PFERR_USER_MASK, user_page = perm_and & PTE_US;

	if (user && !user_page)
		return false;
	if ((access & PFERR_WRITE_MASK) && !(perm_and & PTE_RW) &&
	    (user || (mmu->cr0 & X86_CR0_WP)))
		return false;
	if (access & PFERR_FETCH_MASK)
		return !(perm_or & PTE_NX) && !(!user && user_page && (mmu->cr4 & X86_CR4_SMEP));
	/* SMAP: supervisor data accesses to user pages, unless RFLAGS.AC. */
	return user || !user_page || !(mmu->cr4 & X86_CR4_SMAP) ||
	       (mmu->rflags & X86_EFLAGS_AC);
}

static void set_flag(struct pt_walk_level *l, uint64_t flag)
{
	if (l->e & flag)
		return;
	if (l->ptep32)
		__atomic_fetch_or(l->ptep32, (uint32_t)flag, __ATOMIC_ACQ_REL);
	else if (l->ptep)
		__atomic_fetch_or(l->ptep, flag, __ATOMIC_ACQ_REL);
}

/* set_accessed_dirty: A on each entry used (PAE PDPTEs have none), D on a written leaf. */
static void set_accessed_dirty(const struct guest_mmu *mmu, struct gva_walk *w, bool write)
{
	struct pt_walk_result *res = &w->res;

	for (unsigned int l = mmu->fmt.levels; l >= res->level && l > 0; l--)
		set_flag(&res->lvl[l], PTE_A);
	if (write)
		set_flag(&res->lvl[res->level], PTE_D);
}

/*
 * walk: the in-memory part of the translation. PAE takes the PDPTE from
 * the snapshot and walks the 30 bits below it. Returns 0 or a pt_walk error.
 */
static int walk(struct guest_mmu *mmu, uint64_t addr, struct gva_walk *w)
{
	struct pt_xlate xl = { guest_table_ptr, mmu->mem };
	uint64_t pdpte;
	int err;

	if (mmu->mode != GUEST_PAGING_PAE) {
		w->top = mmu->fmt.levels;
		return pt_walk_guest(&mmu->fmt, &xl, mmu->cr3, addr, &w->res);
	}
	pdpte = mmu->pdpte[(addr >> 30) & 3];
	w->top = 3;
	if (!(pdpte & PTE_P))
		err = -ENOENT;
	else if (pdpte & pae_pdpte_rsvd(mmu->maxphyaddr))
		err = -EIO;
	else
		err = pt_walk_guest(&mmu->fmt, &xl, pdpte, addr & (GiB(1) - 1), &w->res);
	/* pt_walk_guest() starts from a clean result: the PDPTE level goes in after. */
	w->res.addr = addr;
	w->res.lvl[3] = (struct pt_walk_level){ .table = mmu->cr3 & PAE_CR3_MASK, .e = pdpte };
	if (!w->res.level) /* the walk stopped at the PDPTE */
		w->res.level = 3;
	return err;
}

int gva_to_gpa(struct guest_mmu *mmu, gva_t gva, unsigned int access, gpa_t *out,
	       struct gva_walk *w)
{
	struct gva_walk local;
	int err;

	w = w ? w : &local;
	*w = (struct gva_walk){ .fault_addr = gva };
	if (!(access & GACC_INSPECT) && mmu->cpl == 3)
		access |= PFERR_USER_MASK;
	if (mmu->mode == GUEST_PAGING_OFF) {
		*out = gpa(gva.v & 0xffffffffULL);
		return 0;
	}
	if (mmu->mode == GUEST_PAGING_5LEVEL)
		return -EOPNOTSUPP;
	err = walk(mmu, gva.v, w);
	if (err == -ENOENT)
		return pf(mmu, w, access, 0);
	if (err == -EIO)
		return pf(mmu, w, access, PFERR_PRESENT_MASK | PFERR_RSVD_MASK);
	if (err)
		return err == -EFAULT ? -ENODEV : err;
	if (!(access & GACC_INSPECT)) {
		if (!rights_ok(mmu, access, w->res.perm_and, w->res.perm_or))
			return pf(mmu, w, access, PFERR_PRESENT_MASK);
		set_accessed_dirty(mmu, w, access & PFERR_WRITE_MASK);
	}
	*out = gpa(w->res.out);
	return 0;
}

/* copy_gva: guest_read_gva/guest_write_gva, page by page. */
static int copy_gva(struct guest_mmu *mmu, gva_t start, uint8_t *buf, size_t len,
		    unsigned int access, bool write, size_t *done, struct gva_walk *w)
{
	uint64_t wrap = mmu->efer & EFER_LMA ? ~0ULL : 0xffffffffULL;
	size_t copied = 0;
	int err = 0;

	while (copied < len) {
		uint64_t a = (start.v + copied) & wrap;
		size_t n = MIN(len - copied, PAGE_SIZE - (a & ~PAGE_MASK));
		gpa_t g;

		err = gva_to_gpa(mmu, gva(a), access, &g, w);
		if (!err && !gmem_contains(mmu->mem, g))
			err = -ENODEV;
		if (!err)
			err = write ? gmem_write(mmu->mem, g, buf + copied, n)
				    : gmem_read(mmu->mem, g, buf + copied, n);
		if (err)
			break;
		copied += n;
	}
	if (done)
		*done = copied;
	return err;
}

int guest_read_gva(struct guest_mmu *mmu, gva_t gva, void *buf, size_t len, unsigned int access,
		   size_t *done, struct gva_walk *w)
{
	return copy_gva(mmu, gva, buf, len, access & ~PFERR_WRITE_MASK, false, done, w);
}

int guest_write_gva(struct guest_mmu *mmu, gva_t gva, const void *buf, size_t len,
		    unsigned int access, size_t *done, struct gva_walk *w)
{
	return copy_gva(mmu, gva, (uint8_t *)buf, len, access | PFERR_WRITE_MASK, true, done, w);
}

void guest_inject_pf(struct vm *vm, const struct gva_walk *w)
{
	vm->vcpu.regs.cr2 = w->fault_addr.v;
	vcpu_queue_exception(&vm->vcpu, PF_VECTOR, true, w->pf_error);
}

void gva_walk_dump(const struct guest_mmu *mmu, const struct gva_walk *w)
{
	const struct pt_walk_result *res = &w->res;

	for (unsigned int l = w->top; l >= res->level && l > 0; l--)
		printk("  %-6s @gpa 0x%lx = 0x%016lx\n", mmu->fmt.level_names[l], res->lvl[l].table,
		       res->lvl[l].e);
}
