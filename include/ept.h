/*
 * ept.h - extended page tables: entry encoding, the EPT pointer, the
 * EPT-violation exit qualification, and the gpa -> hpa table of a guest.
 *
 * Bit names follow the Intel SDM ("EPT Translation Mechanism", "Exit
 * Qualification for EPT Violations", "EPT Misconfigurations"); Linux's
 * arch/x86/include/asm/vmx.h names are given where ours differ.
 *
 *  EPT entry (leaf; a table entry has the address of the next table and
 *  bits 7:3 reserved):
 *   63  62   52 51            12 11 10  9  8  7  6  5   3  2  1  0
 *  +---+-------+----------------+--+--+--+--+--+--+------+--+--+--+
 *  |SVE|ignored|  hpa (51:12)   |  |XU| D| A| L|IP|  MT  | X| W| R|
 *  +---+-------+----------------+--+--+--+--+--+--+------+--+--+--+
 *
 * The walker is the generic one in pt.h; ept_format describes EPT to it.
 * Context: pure, host-testable; updates of one EPT are serialised by the
 * caller, the hardware may set A/D bits concurrently (handled atomically).
 */
#ifndef PAGODA_EPT_H
#define PAGODA_EPT_H

#include "pt.h"

typedef struct { uint64_t v; } epte_t;
static_assert(sizeof(epte_t) == 8, "an EPT entry is 64 bits");

#define EPTE_R BIT(0) /* VMX_EPT_READABLE_MASK */
#define EPTE_W BIT(1) /* VMX_EPT_WRITABLE_MASK */
#define EPTE_X BIT(2) /* VMX_EPT_EXECUTABLE_MASK (supervisor with MBEC) */
#define EPTE_RWX (EPTE_R | EPTE_W | EPTE_X)
#define EPTE_MT_SHIFT 3 /* VMX_EPT_MT_EPTE_SHIFT; leaves only */
#define EPTE_MT_MASK GENMASK(5, 3)
#define EPTE_IPAT BIT(6) /* ignore guest PAT; leaves only */
#define EPTE_LARGE BIT(7) /* 2M/1G leaf in a PDE/PDPTE */
#define EPTE_A BIT(8) /* VMX_EPT_ACCESS_BIT, when the EPTP enables A/D */
#define EPTE_D BIT(9) /* VMX_EPT_DIRTY_BIT; leaves only */
#define EPTE_X_USER BIT(10) /* user-mode execute, with mode-based execute control */
#define EPTE_ADDR_MASK GENMASK(51, 12)
#define EPTE_SUPPRESS_VE BIT(63)
/* The bits ept_map()/ept_protect() take as `perms`. */
#define EPTE_PERM_MASK (EPTE_RWX | EPTE_X_USER)

/* EPT memory types (bits 5:3 of a leaf); 2, 3 and 7 are reserved. */
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

/* EPT pointer (VMCS EPT_POINTER): "Extended-Page-Table Pointer (EPTP)". */
#define EPTP_MT_MASK GENMASK(2, 0) /* VMX_EPTP_MT_MASK */
#define EPTP_MT_WB 6ULL /* VMX_EPTP_MT_WB */
#define EPTP_PWL_SHIFT 3
#define EPTP_PWL_4 (3ULL << EPTP_PWL_SHIFT) /* VMX_EPTP_PWL_4: walk length - 1 */
#define EPTP_AD_ENABLE BIT(6) /* VMX_EPTP_AD_ENABLE_BIT */
#define EPTP_ADDR_MASK GENMASK(51, 12)

/* Exit qualification of an EPT violation (Linux: EPT_VIOLATION_*). */
#define EPT_VIOLATION_ACC_READ BIT(0)
#define EPT_VIOLATION_ACC_WRITE BIT(1)
#define EPT_VIOLATION_ACC_INSTR BIT(2)
#define EPT_VIOLATION_PROT_READ BIT(3) /* the translation allowed reads */
#define EPT_VIOLATION_PROT_WRITE BIT(4)
#define EPT_VIOLATION_PROT_EXEC BIT(5)
#define EPT_VIOLATION_PROT_SHIFT 3 /* PROT_* >> 3 == EPTE_R/W/X */
#define EPT_VIOLATION_PROT_MASK GENMASK(5, 3)
#define EPT_VIOLATION_GVA_IS_VALID BIT(7) /* the guest-linear address field is valid */
#define EPT_VIOLATION_GVA_TRANSLATED BIT(8) /* final access, not a guest table walk */
#define EPT_VIOLATION_NMI_UNBLOCKING BIT(12) /* Linux: INTR_INFO_UNBLOCK_NMI */

/* The qualification, decoded. */
struct ept_violation {
	uint64_t qual;
	bool read, write, fetch; /* the access that faulted */
	unsigned int perm; /* EPTE_R/W/X the translation allowed; 0: not present */
	bool gla_valid; /* GUEST_LINEAR_ADDRESS holds the linear address */
	bool gla_translated; /* with gla_valid: access to the translated page,
				 not to a guest paging-structure entry */
	bool nmi_unblocking; /* the access was by an IRET that unblocked NMIs */
	unsigned int kind; /* enum ept_violation_kind */
};

/* Violation classes for per-vCPU counters: access x {not present, permission}. */
enum ept_v_access { EPT_V_READ, EPT_V_WRITE, EPT_V_FETCH };
enum ept_violation_kind {
	EPT_V_READ_NP,
	EPT_V_READ_PERM,
	EPT_V_WRITE_NP,
	EPT_V_WRITE_PERM,
	EPT_V_FETCH_NP,
	EPT_V_FETCH_PERM,
	EPT_V_NR_KINDS,
};
#define EPT_V_KIND(access, present) ((access) * 2 + ((present) ? 1 : 0))
extern const char *const ept_violation_kind_name[EPT_V_NR_KINDS];

/* ---- entries ---- */

/* Present: any of R/W/X (an execute-only entry is present). With
 * mode-based execute control bit 10 would count too; Pagoda leaves it off. */
static inline bool epte_is_present(epte_t e)
{
	return (e.v & EPTE_RWX) != 0;
}

static inline bool epte_is_leaf(epte_t e, unsigned int level)
{
	if (level == PG_LEVEL_4K)
		return true;
	return (level == PG_LEVEL_2M || level == PG_LEVEL_1G) && (e.v & EPTE_LARGE);
}

static inline hpa_t epte_addr(epte_t e)
{
	return hpa(e.v & EPTE_ADDR_MASK);
}

static inline unsigned int epte_memtype(epte_t e)
{
	return (unsigned int)((e.v & EPTE_MT_MASK) >> EPTE_MT_SHIFT);
}

static inline epte_t epte_make_leaf(hpa_t page, unsigned int perms, unsigned int memtype,
				    unsigned int level)
{
	uint64_t v = (page.v & EPTE_ADDR_MASK) | (perms & EPTE_PERM_MASK) |
		     (((uint64_t)memtype << EPTE_MT_SHIFT) & EPTE_MT_MASK);

	if (level > PG_LEVEL_4K)
		v |= EPTE_LARGE;
	return (epte_t){ v };
}

/* A table entry grants everything; the leaf decides the rights. */
static inline epte_t epte_make_table(hpa_t table)
{
	return (epte_t){ (table.v & EPTE_ADDR_MASK) | EPTE_RWX };
}

/* EPTP for a 4-level EPT at pml4, write-back paging-structure accesses. */
static inline uint64_t ept_make_eptp(hpa_t pml4, bool ad)
{
	return (pml4.v & EPTP_ADDR_MASK) | EPTP_MT_WB | EPTP_PWL_4 | (ad ? EPTP_AD_ENABLE : 0);
}

/*
 * What the CPU's EPT supports (IA32_VMX_EPT_VPID_CAP, CPUID MAXPHYADDR),
 * set once by the VMX setup. Until then: MAXPHYADDR 52, execute-only and
 * 1 GiB pages allowed, i.e. the misconfiguration check is at its loosest.
 * Returns 0 or -EINVAL for a MAXPHYADDR outside 32..52.
 */
int ept_set_caps(unsigned int maxphyaddr, bool exec_only, bool huge_1g);

/*
 * epte_is_misconfig: would the CPU report an EPT misconfiguration for this
 * present entry at `level`? (W without R; X-only without support; reserved
 * bits, address bits above MAXPHYADDR included; a reserved memory type in
 * a leaf.) A non-present entry is never a misconfiguration.
 */
bool epte_is_misconfig(epte_t e, unsigned int level);

/* ---- violations ---- */
struct ept_violation ept_decode_violation(uint64_t qual);
/* Index into a counters array of EPT_V_NR_KINDS; names in
 * ept_violation_kind_name[]. Never fails: unknown bit mixes count as reads. */
unsigned int ept_violation_kind(uint64_t qual);

/* ---- a guest's EPT ---- */
extern const struct pt_format ept_format;

struct ept {
	struct pt pt; /* root hpa, table-page ops, pt.nr_tables */
	bool ad; /* A/D flags enabled in the EPTP (set before first use) */
	unsigned long nr_leaves[PT_MAX_LEVELS + 1]; /* present leaves by level */
};

/* ept_init: an empty EPT (one root table). Returns 0 or -ENOMEM. */
int ept_init(struct ept *ept, const struct pt_ops *ops, void *ctx);
/* ept_destroy: free every table page. The mapped pages are the caller's. */
void ept_destroy(struct ept *ept);
static inline uint64_t ept_eptp(const struct ept *ept)
{
	return ept_make_eptp(ept->pt.root, ept->ad);
}

/*
 * ept_map: map gpa -> hpa at PG_LEVEL_4K or PG_LEVEL_2M with perms
 * (EPTE_PERM_MASK bits) and memtype (EPT_MT_*). Returns 0; -EINVAL (level,
 * alignment, gpa beyond 48 bits, W without R, execute-only unsupported,
 * reserved memory type, hpa above MAXPHYADDR); -EEXIST (already mapped,
 * also when a 2M leaf covers a 4K gpa or 4K leaves sit under a 2M gpa);
 * -ENOMEM. No flush is needed: nothing present was changed.
 */
int ept_map(struct ept *ept, gpa_t gpa, hpa_t hpa, unsigned int level, unsigned int perms,
	    unsigned int memtype);

/*
 * ept_unmap: remove the leaf mapping gpa. Returns 0 with *flush true when a
 * present entry was removed (the caller then issues one INVEPT, for as many
 * unmaps as it batches), or -EINVAL when gpa is out of range or inside a
 * larger leaf (no splitting). Unmapping nothing is 0 with *flush false.
 */
int ept_unmap(struct ept *ept, gpa_t gpa, bool *flush);

/*
 * ept_collapse: replace the page table under the PDE for gpa (2 MiB
 * aligned) with one 2M leaf to hpa, perms, memtype (KVM: recovering a huge
 * page in place). Every present 4K leaf of that table must already map its
 * part of [hpa, hpa + 2 MiB) with the same perms and memtype, so no gpa
 * changes translation or rights, only the page size; their accessed/dirty
 * flags are kept on the new leaf. The table page is freed. Returns 0 with
 * *flush true (the caller issues one INVEPT before the guest runs again:
 * the CPU may hold the old PDE and PTEs), -ENOENT (no table there: use
 * ept_map), -EEXIST (a 2M or 1G leaf already maps gpa), -EBUSY (a 4K leaf
 * disagrees; logged), or -EINVAL (as ept_map).
 */
int ept_collapse(struct ept *ept, gpa_t gpa, hpa_t hpa, unsigned int perms,
		 unsigned int memtype, bool *flush);

/*
 * ept_lookup: translate gpa. Returns 0 with *hpa (offset included), *leaf
 * and *level (each may be NULL), -ENOENT when not mapped, or -EINVAL.
 */
int ept_lookup(struct ept *ept, gpa_t gpa, hpa_t *hpa, epte_t *leaf, unsigned int *level);

/* ept_walk: the full walk, for ept_dump_walk(). Returns as pt_walk(). */
int ept_walk(const struct ept *ept, gpa_t gpa, struct pt_walk_result *res);
/* ept_dump_walk: print each level's entry decoded, then the outcome. */
void ept_dump_walk(const struct pt_walk_result *res);

/*
 * ept_protect: set the rights of the leaf mapping gpa (gpa aligned to
 * it) to perms, keeping everything else. Returns 0 with *flush true when
 * rights were taken away, -ENOENT when not mapped, or -EINVAL.
 */
int ept_protect(struct ept *ept, gpa_t gpa, unsigned int perms, bool *flush);

/*
 * ept_test_and_clear_young: clear the accessed flag of the leaf mapping
 * gpa; *young says whether it was set. No flush: a translation cached in
 * the TLB may keep the page looking old, which aging tolerates. Returns 0,
 * -ENOENT (not mapped), -EOPNOTSUPP (A/D flags not enabled) or -EINVAL.
 */
int ept_test_and_clear_young(struct ept *ept, gpa_t gpa, bool *young);

/* The same on an entry already found (e.g. by pt_for_each_leaf). */
static inline bool eptep_test_and_clear_young(uint64_t *ptep)
{
	return (__atomic_fetch_and(ptep, ~EPTE_A, __ATOMIC_ACQ_REL) & EPTE_A) != 0;
}

/*
 * ept_table_ptr: a struct pt_xlate callback (ctx = struct ept *) that
 * reaches a guest page-table page at a gpa: the host pointer, or NULL when
 * the gpa is not mapped readable. For pt_walk_guest() (gva -> gpa).
 */
void *ept_table_ptr(void *ept, uint64_t table_gpa);

/* The EPT the shell's `ept` command inspects (NULL: none). */
void ept_shell_set(struct ept *ept);

#endif
