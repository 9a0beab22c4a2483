/*
 * pt.c - the generic 4-level page-table walker, mapper and iterators.
 *
 * One walker serves every format described by a struct pt_format (EPT in
 * ept/ept.c, x86 IA-32e paging below). Tables Pagoda owns are trusted and
 * reached through hpa_to_ptr(); a guest's tables are reached through a
 * caller translation and checked entry by entry, since the guest may write
 * anything there, even while we walk (each entry is read exactly once).
 *
 * Context: pure, host-testable; callers serialise updates of one table.
 */
#define pr_fmt(fmt) "pt: " fmt

#include "pt.h"
#include "errcode.h"
#include "lib.h"
#include "log.h"

/* Walking a table Pagoda owns: its table addresses are host-physical. */
static void *pt_host_table(void *ctx, uint64_t table_addr)
{
	return hpa_to_ptr(hpa(table_addr));
}

static const struct pt_xlate pt_host_xlate = { pt_host_table, NULL };

/* True if addr lies in the format's input range (canonical for linear
 * addresses: bits 63..addr_bits-1 all equal). */
static bool pt_addr_ok(const struct pt_format *fmt, uint64_t addr)
{
	unsigned int unused = 64 - fmt->addr_bits;

	if (fmt->canonical)
		return (uint64_t)((int64_t)(addr << unused) >> unused) == addr;
	return (addr >> fmt->addr_bits) == 0;
}

/* Rebuild an address from table indices: sign-extend a linear address. */
static uint64_t pt_addr_extend(const struct pt_format *fmt, uint64_t addr)
{
	unsigned int unused = 64 - fmt->addr_bits;

	if (fmt->canonical)
		return (uint64_t)((int64_t)(addr << unused) >> unused);
	return addr;
}

static void walk_begin(const struct pt_format *fmt, uint64_t addr, struct pt_walk_result *res)
{
	CHECK(fmt->levels >= 1 && fmt->levels <= PT_MAX_LEVELS);
	memset(res, 0, sizeof(*res));
	res->addr = addr;
	res->perm_and = fmt->perm_and_mask;
}

/*
 * walk_level: read and record the entry for res->addr in `table` at
 * `level`. Returns 1 at a present leaf, 0 when the entry points to the next
 * table, or a walker error (see pt.h).
 */
static int walk_level(const struct pt_format *fmt, const struct pt_xlate *xl, bool guest,
		      uint64_t table, unsigned int level, struct pt_walk_result *res)
{
	struct pt_walk_level *l = &res->lvl[level];
	void *tp = xl->table_ptr(xl->ctx, table);
	unsigned int idx = pt_index(fmt, res->addr, level);
	uint64_t rsvd;
	bool leaf;

	res->level = level;
	l->table = table;
	if (!tp)
		return -EFAULT;
	if (fmt->entry32) {
		l->ptep32 = (uint32_t *)tp + idx;
		l->e = __atomic_load_n(l->ptep32, __ATOMIC_ACQUIRE);
	} else {
		l->ptep = (uint64_t *)tp + idx;
		l->e = pt_read(l->ptep);
	}
	if (!pt_is_present(fmt, l->e))
		return -ENOENT;
	leaf = pt_is_leaf(fmt, l->e, level);
	rsvd = leaf ? fmt->rsvd_leaf[level] : fmt->rsvd_table[level];
	if (guest && (l->e & rsvd))
		return -EIO;
	res->perm_and &= l->e;
	res->perm_or |= l->e & fmt->perm_or_mask;
	return leaf ? 1 : 0;
}

/*
 * walk: the one walker. Stops at the first leaf or the first entry that is
 * not present (or not acceptable). Returns 0 with res->out set, or a
 * walker error.
 */
static int walk(const struct pt_format *fmt, const struct pt_xlate *xl, bool guest,
		uint64_t root, uint64_t addr, struct pt_walk_result *res)
{
	uint64_t table = root & fmt->addr_mask;
	unsigned int level;
	int ret;

	walk_begin(fmt, addr, res);
	if (!pt_addr_ok(fmt, addr))
		return -EINVAL;
	for (level = fmt->levels; level >= PG_LEVEL_4K; level--) {
		ret = walk_level(fmt, xl, guest, table, level, res);
		if (ret < 0)
			return ret;
		if (ret == 1)
			break;
		table = pt_entry_addr(fmt, res->lvl[level].e, level);
	}
	res->out = pt_entry_addr(fmt, res->lvl[level].e, level) |
		   (addr & (pt_level_size(fmt, level) - 1));
	return 0;
}

int pt_walk(const struct pt_format *fmt, hpa_t root, uint64_t addr, struct pt_walk_result *res)
{
	return walk(fmt, &pt_host_xlate, false, root.v, addr, res);
}

int pt_walk_guest(const struct pt_format *fmt, const struct pt_xlate *xl, uint64_t root,
		  uint64_t addr, struct pt_walk_result *res)
{
	CHECK(xl && xl->table_ptr);
	return walk(fmt, xl, true, root, addr, res);
}

/* table_alloc: a zeroed table page, and the entry pointing to it. Returns
 * 0 or -ENOMEM. */
static int table_alloc(struct pt *pt, uint64_t *entry)
{
	hpa_t page;

	if (pt->ops->alloc(pt->ctx, &page)) {
		pr_err("out of table pages (%lu in use)\n", pt->nr_tables);
		return -ENOMEM;
	}
	/* An allocator handing out unaligned pages is our bug, not a guest's. */
	CHECK(page.v && IS_ALIGNED(page.v, PAGE_SIZE) && !(page.v & ~pt->fmt->addr_mask));
	/* Zeroed again: stale entries in a linked table would be walked. */
	memset(hpa_to_ptr(page), 0, PAGE_SIZE);
	pt->nr_tables++;
	*entry = page.v | pt->fmt->table_bits;
	return 0;
}

int pt_init(struct pt *pt, const struct pt_format *fmt, const struct pt_ops *ops, void *ctx)
{
	uint64_t e;
	int err;

	CHECK(fmt->levels >= 1 && fmt->levels <= PT_MAX_LEVELS && ops && ops->alloc && ops->free);
	CHECK(!fmt->entry32);
	memset(pt, 0, sizeof(*pt));
	pt->fmt = fmt;
	pt->ops = ops;
	pt->ctx = ctx;
	err = table_alloc(pt, &e);
	if (err)
		return err;
	pt->root = hpa(e & fmt->addr_mask);
	return 0;
}

/* map_check: is `entry` a valid leaf for addr at level? Returns 0 or
 * -EINVAL (a caller bug, logged). */
static int map_check(const struct pt_format *fmt, uint64_t addr, unsigned int level,
		     uint64_t entry)
{
	const char *why = NULL;

	if (level < PG_LEVEL_4K || level > fmt->levels || !(fmt->leaf_levels & BIT(level)))
		why = "level not leaf-capable";
	else if (!pt_addr_ok(fmt, addr) || !IS_ALIGNED(addr, pt_level_size(fmt, level)))
		why = "address out of range or unaligned";
	else if (!pt_is_present(fmt, entry) || !pt_is_leaf(fmt, entry, level))
		why = "entry not a present leaf";
	else if (entry & fmt->rsvd_leaf[level])
		why = "entry has reserved bits (unaligned target?)";
	if (!why)
		return 0;
	pr_err("%s map 0x%llx level %u entry 0x%llx: %s\n", fmt->name, (unsigned long long)addr,
	       level, (unsigned long long)entry, why);
	return -EINVAL;
}

/*
 * map_descend: find the entry for addr at `level`, creating missing tables
 * above it. Returns 0 and *ptep, -EEXIST when a larger leaf already covers
 * addr, or -ENOMEM.
 */
static int map_descend(struct pt *pt, uint64_t addr, unsigned int level, uint64_t **ptep)
{
	const struct pt_format *fmt = pt->fmt;
	uint64_t *table = hpa_to_ptr(pt->root);
	unsigned int l;
	int err;

	for (l = fmt->levels; l > level; l--) {
		uint64_t *p = &table[pt_index(fmt, addr, l)];
		uint64_t e = pt_read(p);

		if (!pt_is_present(fmt, e)) {
			err = table_alloc(pt, &e);
			if (err)
				return err;
			pt_write(p, e);
		} else if (pt_is_leaf(fmt, e, l)) {
			return -EEXIST;
		}
		table = hpa_to_ptr(hpa(pt_entry_addr(fmt, e, l)));
	}
	*ptep = &table[pt_index(fmt, addr, level)];
	return 0;
}

/*
 * map_install: write the leaf unless a present entry is in the way.
 * Returns 0 with *old = the previous entry, or -EEXIST. A present table
 * is never replaced: its subtree would leak and stay walkable.
 */
static int map_install(const struct pt_format *fmt, uint64_t *ptep, unsigned int level,
		       uint64_t entry, unsigned int flags, uint64_t *old)
{
	uint64_t cur = pt_read(ptep);

	if (pt_is_present(fmt, cur) &&
	    (!pt_is_leaf(fmt, cur, level) || !(flags & PT_MAP_REPLACE)))
		return -EEXIST;
	/* Exchange, so accessed/dirty bits the hardware sets meanwhile are
	 * reported in *old rather than lost. */
	cur = __atomic_exchange_n(ptep, entry, __ATOMIC_ACQ_REL);
	if (old)
		*old = cur;
	return 0;
}

int pt_map(struct pt *pt, uint64_t addr, unsigned int level, uint64_t entry, unsigned int flags,
	   uint64_t *old)
{
	uint64_t *ptep;
	int err;

	if (old)
		*old = 0;
	err = map_check(pt->fmt, addr, level, entry);
	if (err)
		return err;
	err = map_descend(pt, addr, level, &ptep);
	if (!err)
		err = map_install(pt->fmt, ptep, level, entry, flags, old);
	if (err == -EEXIST)
		pr_debug("%s map 0x%llx level %u: already mapped\n", pt->fmt->name,
			 (unsigned long long)addr, level);
	return err;
}

int pt_unmap(struct pt *pt, uint64_t addr, uint64_t *old)
{
	struct pt_walk_result res;
	unsigned int level;
	uint64_t cur;
	int err;

	if (old)
		*old = 0;
	err = pt_walk(pt->fmt, pt->root, addr, &res);
	if (err == -ENOENT)
		return 0; /* nothing mapped; non-present entries are left as they are */
	if (err) {
		pr_err("%s unmap 0x%llx: address out of range\n", pt->fmt->name,
		       (unsigned long long)addr);
		return err;
	}
	level = res.level;
	if (!IS_ALIGNED(addr, pt_level_size(pt->fmt, level))) {
		pr_err("%s unmap 0x%llx: inside a level-%u leaf (no splitting)\n", pt->fmt->name,
		       (unsigned long long)addr, level);
		return -EINVAL;
	}
	/* Exchange: the removed entry carries the final dirty bit. */
	cur = __atomic_exchange_n(res.lvl[level].ptep, 0, __ATOMIC_ACQ_REL);
	if (old)
		*old = cur;
	return 0;
}

/* free_table: free a table and every table below it. */
static void free_table(struct pt *pt, hpa_t table, unsigned int level)
{
	const struct pt_format *fmt = pt->fmt;
	uint64_t *t = hpa_to_ptr(table);
	unsigned int i;

	for (i = 0; level > PG_LEVEL_4K && i < (1U << fmt->level_bits); i++) {
		uint64_t e = pt_read(&t[i]);

		if (pt_is_present(fmt, e) && !pt_is_leaf(fmt, e, level))
			free_table(pt, hpa(pt_entry_addr(fmt, e, level)), level - 1);
	}
	pt->ops->free(pt->ctx, table);
	pt->nr_tables--;
}

void pt_destroy(struct pt *pt)
{
	if (!pt->root.v)
		return;
	free_table(pt, pt->root, pt->fmt->levels);
	pt->root = hpa(0);
}

/* each_leaf: pt_for_each_leaf below one table; base is the address its
 * first entry maps. Returns 0 or fn's first non-zero return. */
static int each_leaf(const struct pt_format *fmt, hpa_t table, unsigned int level, uint64_t base,
		     pt_leaf_fn fn, void *ctx)
{
	uint64_t *t = hpa_to_ptr(table);
	unsigned int i;
	int ret;

	for (i = 0; i < (1U << fmt->level_bits); i++) {
		uint64_t e = pt_read(&t[i]);
		uint64_t addr = base | ((uint64_t)i << pt_level_shift(fmt, level));

		if (!pt_is_present(fmt, e))
			continue;
		if (pt_is_leaf(fmt, e, level))
			ret = fn(ctx, pt_addr_extend(fmt, addr), level, &t[i]);
		else
			ret = each_leaf(fmt, hpa(pt_entry_addr(fmt, e, level)), level - 1, addr,
					fn, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int pt_for_each_leaf(const struct pt_format *fmt, hpa_t root, pt_leaf_fn fn, void *ctx)
{
	CHECK(fmt->levels >= 1 && fmt->levels <= PT_MAX_LEVELS);
	return each_leaf(fmt, root, fmt->levels, 0, fn, ctx);
}

/* ---- x86 IA-32e 4-level paging, for walking a guest's tables ---- */

static const struct pt_format ia32e_base = {
	.name = "ia32e",
	.levels = 4,
	.level_bits = PT_LEVEL_BITS,
	.addr_bits = 48,
	.canonical = true,
	.leaf_levels = BIT(PG_LEVEL_4K) | BIT(PG_LEVEL_2M),
	.present_mask = PTE_P,
	.large_mask = PTE_PS,
	.addr_mask = PTE_ADDR_MASK,
	.table_bits = PTE_P | PTE_RW | PTE_US,
	.perm_and_mask = PTE_RW | PTE_US,
	.perm_or_mask = PTE_NX,
	.level_names = { NULL, "PTE", "PDE", "PDPTE", "PML4E" },
};

/*
 * Reserved bits per the SDM tables "Format of a PML4 Entry" .. "Format of
 * a Page-Table Entry": the address bits above MAXPHYADDR everywhere, NX
 * without EFER.NXE, PS in a PML4E (and in a PDPTE without 1 GiB pages),
 * and the address bits below a large page's alignment except PAT (bit 12).
 */
int pt_format_ia32e(struct pt_format *fmt, unsigned int maxphyaddr, bool nxe, bool gbpages)
{
	uint64_t hi;

	if (maxphyaddr < 32 || maxphyaddr > 52) {
		pr_err("ia32e: MAXPHYADDR %u out of range\n", maxphyaddr);
		return -EINVAL;
	}
	hi = (maxphyaddr < 52 ? GENMASK(51, maxphyaddr) : 0) | (nxe ? 0 : PTE_NX);
	*fmt = ia32e_base;
	if (gbpages)
		fmt->leaf_levels |= BIT(PG_LEVEL_1G);
	fmt->rsvd_leaf[PG_LEVEL_4K] = hi;
	fmt->rsvd_table[PG_LEVEL_4K] = hi;
	fmt->rsvd_leaf[PG_LEVEL_2M] = hi | GENMASK(20, 13);
	fmt->rsvd_table[PG_LEVEL_2M] = hi;
	fmt->rsvd_leaf[PG_LEVEL_1G] = hi | GENMASK(29, 13);
	fmt->rsvd_table[PG_LEVEL_1G] = hi | (gbpages ? 0 : PTE_PS);
	fmt->rsvd_leaf[PG_LEVEL_512G] = hi;
	fmt->rsvd_table[PG_LEVEL_512G] = hi | PTE_PS;
	return 0;
}

/* ---- PAE paging: the two levels below the PDPTEs ---- */

static const struct pt_format pae_base = {
	.name = "pae",
	.levels = 2,
	.level_bits = PT_LEVEL_BITS,
	.addr_bits = 30, /* bits 31:30 chose the PDPTE */
	.leaf_levels = BIT(PG_LEVEL_4K) | BIT(PG_LEVEL_2M),
	.present_mask = PTE_P,
	.large_mask = PTE_PS,
	.addr_mask = PTE_ADDR_MASK,
	.perm_and_mask = PTE_RW | PTE_US,
	.perm_or_mask = PTE_NX,
	.level_names = { NULL, "PTE", "PDE", "PDPTE" },
};

/* Reserved bits per the SDM tables "Format of a PAE Page-Directory Entry
 * that Maps a 2-MByte Page" .. "Format of a PAE Page-Table Entry". */
int pt_format_pae(struct pt_format *fmt, unsigned int maxphyaddr, bool nxe)
{
	uint64_t hi;

	if (maxphyaddr < 32 || maxphyaddr > 52) {
		pr_err("pae: MAXPHYADDR %u out of range\n", maxphyaddr);
		return -EINVAL;
	}
	/* Unlike 4-level paging, bits 62:52 are reserved too, not ignored. */
	hi = GENMASK(62, maxphyaddr) | (nxe ? 0 : PTE_NX);
	*fmt = pae_base;
	fmt->rsvd_leaf[PG_LEVEL_4K] = hi;
	fmt->rsvd_table[PG_LEVEL_4K] = hi;
	fmt->rsvd_leaf[PG_LEVEL_2M] = hi | GENMASK(20, 13);
	fmt->rsvd_table[PG_LEVEL_2M] = hi;
	return 0;
}

/* ---- 32-bit paging ---- */

static const struct pt_format x86_32bit_base = {
	.name = "32-bit",
	.levels = 2,
	.level_bits = 10,
	.addr_bits = 32,
	.entry32 = true,
	.leaf_levels = BIT(PG_LEVEL_4K),
	.present_mask = PTE_P,
	.large_mask = PTE_PS,
	.addr_mask = GENMASK(31, 12),
	.perm_and_mask = PTE_RW | PTE_US,
	.level_names = { NULL, "PTE", "PDE" },
};

/*
 * A 4 MiB PDE keeps physical bits (M-1):32 in bits (M-20):13, M being
 * MAXPHYADDR capped at 40; bits 21:(M-19) are reserved (SDM table "Format
 * of a 32-Bit Page-Directory Entry that Maps a 4-MByte Page"). 4 KiB
 * entries have no reserved bits.
 */
int pt_format_32bit(struct pt_format *fmt, unsigned int maxphyaddr, bool pse)
{
	unsigned int m = MIN(maxphyaddr, 40u);

	if (maxphyaddr < 32 || maxphyaddr > 52) {
		pr_err("32-bit: MAXPHYADDR %u out of range\n", maxphyaddr);
		return -EINVAL;
	}
	*fmt = x86_32bit_base;
	if (pse)
		fmt->leaf_levels |= BIT(PG_LEVEL_2M);
	fmt->rsvd_leaf[PG_LEVEL_2M] = GENMASK(21, m - 19);
	return 0;
}
