/*
 * pt.h - one 4-level radix page-table walker for several entry formats.
 *
 * The walker, the mapper and the iterators are generic (NOVA's and
 * Jailhouse's habit); a `struct pt_format` gives each format's bit
 * encoding as masks. The formats: EPT (ept/ept.c, tables Pagoda owns),
 * and, for walking a guest's own tables (gva -> gpa, below), x86 4-level
 * (IA-32e) paging, PAE paging and 32-bit paging. Shadow paging will reuse
 * the IA-32e format for its sptes.
 *
 * Levels are numbered as in Linux/KVM, from the leaf up:
 *
 *   47      39 38      30 29      21 20      12 11         0
 *  +----------+----------+----------+----------+------------+
 *  | level 4  | level 3  | level 2  | level 1  |   offset   |
 *  | PML4E    | PDPTE    | PDE      | PTE      |            |
 *  +----------+----------+----------+----------+------------+
 *                  1G leaf    2M leaf    4K leaf
 *
 * Tables Pagoda owns are reached through hpa_to_ptr() (RAM is mapped 1:1);
 * a guest's tables are reached through a caller-given translation that may
 * fail, and their contents are never trusted.
 *
 * Context: pure, host-testable. Not re-entrant per table: callers
 * serialise updates of one table (one vCPU, or a lock held by the caller).
 */
#ifndef PAGODA_PT_H
#define PAGODA_PT_H

#include "types.h"

enum pg_level {
	PG_LEVEL_NONE = 0,
	PG_LEVEL_4K = 1,
	PG_LEVEL_2M = 2,
	PG_LEVEL_1G = 3,
	PG_LEVEL_512G = 4,
};

#define PT_MAX_LEVELS 4
#define PT_LEVEL_BITS 9
#define PT_ENTRIES (1U << PT_LEVEL_BITS)

/*
 * A format: masks, not callbacks, because every format Pagoda needs tests
 * presence, leafness and the address the same way with different bits.
 */
struct pt_format {
	const char *name;
	unsigned int levels; /* 4 */
	unsigned int level_bits; /* 9: index bits per level */
	unsigned int addr_bits; /* input addresses have this many bits */
	bool canonical; /* input must be sign-extended from addr_bits - 1 */
	bool entry32; /* 32-bit entries (legacy 32-bit paging); guest walks only */
	unsigned int leaf_levels; /* BIT(PG_LEVEL_x) for levels that may hold a leaf */
	uint64_t present_mask; /* present when any of these bits is set */
	uint64_t large_mask; /* at levels > 1: set in a leaf (PS, EPT bit 7) */
	uint64_t addr_mask; /* address bits of an entry (a large leaf masks more) */
	uint64_t table_bits; /* bits of a table-pointing entry made by pt_map() */
	uint64_t perm_and_mask; /* rights granted only if set at every level */
	uint64_t perm_or_mask; /* restrictions applying if set at any level (NX) */
	/* Reserved bits, checked only by pt_walk_guest(); index = level. */
	uint64_t rsvd_table[PT_MAX_LEVELS + 1];
	uint64_t rsvd_leaf[PT_MAX_LEVELS + 1];
	const char *level_names[PT_MAX_LEVELS + 1]; /* "PTE" .. "PML4E" */
};

/*
 * Table-page allocation for tables Pagoda owns. alloc returns 0 and a
 * zeroed, 4 KiB-aligned page, or -ENOMEM. There is no flush hook on
 * purpose: mutators report what they removed and the caller batches one
 * invalidation (INVEPT) for however many entries it changed.
 */
struct pt_ops {
	int (*alloc)(void *ctx, hpa_t *out);
	void (*free)(void *ctx, hpa_t page);
};

/* A page table Pagoda owns. */
struct pt {
	const struct pt_format *fmt;
	const struct pt_ops *ops;
	void *ctx;
	hpa_t root;
	unsigned long nr_tables; /* table pages allocated, root included */
};

/*
 * Translation of a guest table address to a host pointer to that 4 KiB
 * table; returns NULL when the address is not backed (or not readable).
 */
struct pt_xlate {
	void *(*table_ptr)(void *ctx, uint64_t table_addr);
	void *ctx;
};

/*
 * What a walk saw, indexed by level: lvl[fmt->levels] down to lvl[level].
 * `table` is the table's address in the walked address space (hpa for
 * Pagoda's tables, gpa for a guest's), `ptep` the host pointer to the
 * entry (`ptep32` instead in an entry32 format), `e` the entry value read
 * once.
 */
struct pt_walk_level {
	uint64_t table;
	uint64_t *ptep;
	uint32_t *ptep32;
	uint64_t e;
};

struct pt_walk_result {
	uint64_t addr; /* the input address */
	unsigned int level; /* where the walk stopped; 0 if it never started */
	struct pt_walk_level lvl[PT_MAX_LEVELS + 1];
	uint64_t out; /* the translation, when the walk returned 0 */
	uint64_t perm_and; /* AND of perm_and_mask bits over the levels walked */
	uint64_t perm_or; /* OR of perm_or_mask bits over the levels walked */
};

/* Flags of pt_map(). */
#define PT_MAP_REPLACE BIT(0) /* replace a present leaf of the same level */

static inline unsigned int pt_level_shift(const struct pt_format *fmt, unsigned int level)
{
	return PAGE_SHIFT + fmt->level_bits * (level - 1);
}

static inline uint64_t pt_level_size(const struct pt_format *fmt, unsigned int level)
{
	return 1ULL << pt_level_shift(fmt, level);
}

static inline unsigned int pt_index(const struct pt_format *fmt, uint64_t addr,
				    unsigned int level)
{
	return (addr >> pt_level_shift(fmt, level)) & ((1U << fmt->level_bits) - 1);
}

static inline bool pt_is_present(const struct pt_format *fmt, uint64_t e)
{
	return (e & fmt->present_mask) != 0;
}

/* A present entry is a leaf at level 1, or where the format allows one and
 * the large bit is set. */
static inline bool pt_is_leaf(const struct pt_format *fmt, uint64_t e, unsigned int level)
{
	if (level == PG_LEVEL_4K)
		return true;
	return (fmt->leaf_levels & BIT(level)) && (e & fmt->large_mask);
}

/*
 * The address an entry points to; a large leaf's low bits are not address,
 * except in a 32-bit paging 4 MiB leaf, whose bits 20:13 hold address bits
 * 39:32 (PSE-36; bits beyond MAXPHYADDR there are reserved).
 */
static inline uint64_t pt_entry_addr(const struct pt_format *fmt, uint64_t e,
				     unsigned int level)
{
	uint64_t a;

	if (level == PG_LEVEL_4K || !pt_is_leaf(fmt, e, level))
		return e & fmt->addr_mask;
	a = e & fmt->addr_mask & ~(pt_level_size(fmt, level) - 1);
	if (fmt->entry32)
		a |= ((e >> 13) & 0xff) << 32;
	return a;
}

/*
 * Return codes of the walkers:
 *   0        a present leaf; res->out is the translation
 *   -ENOENT  a non-present entry at res->level
 *   -EINVAL  the address is outside the format's range (beyond addr_bits,
 *            or non-canonical)
 *   -EFAULT  (guest walks) the table at res->lvl[res->level].table is not
 *            backed
 *   -EIO     (guest walks) reserved bits set in the entry at res->level:
 *            the guest gets a #PF with the RSVD error bit
 */

/* pt_walk: walk a table Pagoda owns (contents trusted, hpa_to_ptr). */
int pt_walk(const struct pt_format *fmt, hpa_t root, uint64_t addr, struct pt_walk_result *res);

/*
 * pt_walk_guest: walk a guest's tables: `root` is a table address in the
 * guest's space (CR3; low flag bits are ignored); each table is reached via
 * xl; each entry is read once and checked for reserved bits. Read-only: no
 * accessed/dirty bits are set.
 */
int pt_walk_guest(const struct pt_format *fmt, const struct pt_xlate *xl, uint64_t root,
		  uint64_t addr, struct pt_walk_result *res);

/* pt_init: allocate the root table (not for entry32 formats). Returns 0 or -ENOMEM. */
int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_ops *ops, void *ctx);

/*
 * pt_map: install leaf `entry` for `addr` at `level`, creating tables on
 * demand. Returns 0 (*old = the replaced entry, 0 if none), -EINVAL (bad
 * level, alignment, range or entry), -EEXIST (a present mapping already
 * covers addr at this or a larger size, or a table hangs below; a present
 * leaf of the same level is replaced only with PT_MAP_REPLACE), -ENOMEM.
 * Tables created before a failure stay (empty) until pt_destroy().
 */
int pt_map(struct pt *pt, uint64_t addr, unsigned int level, uint64_t entry, unsigned int flags,
	   uint64_t *old);

/*
 * pt_unmap: clear the leaf mapping addr, whatever its size. Returns 0
 * (*old = the removed entry, 0 when nothing was mapped), or -EINVAL when
 * addr is out of range or not aligned to that leaf (no splitting).
 */
int pt_unmap(struct pt *pt, uint64_t addr, uint64_t *old);

/* pt_destroy: free every table page, root included. Leaves' pages are the
 * caller's. */
void pt_destroy(struct pt *pt);

/*
 * pt_for_each_leaf: call fn for every present leaf of a table Pagoda owns,
 * in address order. fn returns 0 to go on; anything else stops the walk
 * and is returned.
 */
typedef int (*pt_leaf_fn)(void *ctx, uint64_t addr, unsigned int level, uint64_t *ptep);
int pt_for_each_leaf(const struct pt_format *fmt, hpa_t root, pt_leaf_fn fn, void *ctx);

/* Entry access: one 64-bit load or store, ordered after earlier stores, so
 * the hardware walker never sees a torn or early entry. */
static inline uint64_t pt_read(const uint64_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
}

static inline void pt_write(uint64_t *ptep, uint64_t e)
{
	__atomic_store_n(ptep, e, __ATOMIC_RELEASE);
}

/* ---- x86 IA-32e (4-level) paging entries: Intel SDM "4-Level Paging" ---- */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A BIT(5)
#define PTE_D BIT(6) /* leaves only */
#define PTE_PS BIT(7) /* PDPTE/PDE: 1G/2M leaf; in a PTE this bit is PAT */
#define PTE_G BIT(8)
#define PTE_ADDR_MASK GENMASK(51, 12)
#define PTE_NX BIT(63)

/*
 * pt_format_ia32e: fill *fmt for a guest's 4-level paging with the guest's
 * MAXPHYADDR (bits above it are reserved), EFER.NXE (NX reserved when 0)
 * and 1 GiB page support (PS in a PDPTE reserved when absent). Returns 0
 * or -EINVAL for a MAXPHYADDR outside 32..52.
 */
int pt_format_ia32e(struct pt_format *fmt, unsigned int maxphyaddr, bool nxe, bool gbpages);

/*
 * PAE paging (SDM "PAE Paging"): CR3 points to four PDPTEs, which the CPU
 * loads at MOV to CR3 and keeps (VMX saves them in GUEST_PDPTR0-3 when
 * EPT is on); only the two levels below them are walked in memory. So
 * pt_format_pae describes a 2-level walk (PDE, PTE) of the low 30 bits of
 * the linear address, starting at the table a PDPTE points to;
 * pae_pdpte_rsvd() gives the reserved bits of a PDPTE. Same arguments and
 * returns as pt_format_ia32e.
 *
 *   31 30 29      21 20      12 11         0
 *  +-----+----------+----------+------------+
 *  |PDPTE|   PDE    |   PTE    |   offset   |
 *  +-----+----------+----------+------------+
 */
int pt_format_pae(struct pt_format *fmt, unsigned int maxphyaddr, bool nxe);
#define PAE_PDPTE_RSVD_LOW (GENMASK(2, 1) | GENMASK(8, 5))
static inline uint64_t pae_pdpte_rsvd(unsigned int maxphyaddr)
{
	return PAE_PDPTE_RSVD_LOW | GENMASK(63, maxphyaddr);
}

/*
 * 32-bit paging (SDM "32-Bit Paging"): two levels of 1024 32-bit entries;
 * a PDE with PS maps 4 MiB when CR4.PSE is set (PS is ignored otherwise).
 * Returns 0, or -EINVAL for a MAXPHYADDR outside 32..52.
 *
 *   31        22 21        12 11         0
 *  +------------+------------+------------+
 *  |    PDE     |    PTE     |   offset   |
 *  +------------+------------+------------+
 */
int pt_format_32bit(struct pt_format *fmt, unsigned int maxphyaddr, bool pse);

#endif
