/*
 * ept.c - a guest's extended page tables: gpa -> hpa mappings, their
 * rights and aging, the misconfiguration check, the EPT-violation exit
 * qualification decoder, and the shell's `ept` command.
 *
 * The tables are walked and filled by the generic code in mm/pt.c; this
 * file gives it the EPT encoding (ept_format) and adds what only EPT has.
 * Nothing here issues INVEPT: mutators report whether a present entry lost
 * rights, and the caller (VMX root) flushes once per batch.
 *
 * Context: pure, host-testable.
 */
#define pr_fmt(fmt) "ept: " fmt

#include "ept.h"
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "shell.h"

/*
 * Reserved bits by level, from the SDM tables "Format of an EPT PML4
 * Entry" .. "Format of an EPT Page-Table Entry"; the address bits above
 * MAXPHYADDR are added at run time. pt_map() uses rsvd_leaf to refuse a
 * large leaf whose hpa is not aligned.
 */
const struct pt_format ept_format = {
	.name = "ept",
	.levels = 4,
	.level_bits = PT_LEVEL_BITS,
	.addr_bits = 48,
	.canonical = false,
	.leaf_levels = BIT(PG_LEVEL_4K) | BIT(PG_LEVEL_2M) | BIT(PG_LEVEL_1G),
	.present_mask = EPTE_RWX,
	.large_mask = EPTE_LARGE,
	.addr_mask = EPTE_ADDR_MASK,
	.table_bits = EPTE_RWX,
	.perm_and_mask = EPTE_RWX,
	.perm_or_mask = 0,
	.rsvd_table = { 0, 0, GENMASK(7, 3), GENMASK(7, 3), GENMASK(7, 3) },
	.rsvd_leaf = { 0, 0, GENMASK(20, 12), GENMASK(29, 12), 0 },
	.level_names = { NULL, "PTE", "PDE", "PDPTE", "PML4E" },
};

static struct {
	unsigned int maxphyaddr;
	bool exec_only, huge_1g;
} ept_caps = { 52, true, true };

static struct ept *ept_shell_target;

static const bool ept_mt_valid[8] = {
	[EPT_MT_UC] = true, [EPT_MT_WC] = true, [EPT_MT_WT] = true,
	[EPT_MT_WP] = true, [EPT_MT_WB] = true,
};

static const char *const ept_mt_name[8] = { "UC", "WC", "mt2", "mt3", "WT", "WP", "WB", "mt7" };

const char *const ept_violation_kind_name[EPT_V_NR_KINDS] = {
	[EPT_V_READ_NP] = "read-np",	[EPT_V_READ_PERM] = "read-perm",
	[EPT_V_WRITE_NP] = "write-np",	[EPT_V_WRITE_PERM] = "write-perm",
	[EPT_V_FETCH_NP] = "fetch-np",	[EPT_V_FETCH_PERM] = "fetch-perm",
};
static_assert(EPT_V_KIND(EPT_V_FETCH, true) == EPT_V_FETCH_PERM, "kind layout");
static_assert(EPT_V_KIND(EPT_V_WRITE, false) == EPT_V_WRITE_NP, "kind layout");

int ept_set_caps(unsigned int maxphyaddr, bool exec_only, bool huge_1g)
{
	if (maxphyaddr < 32 || maxphyaddr > 52) {
		pr_err("MAXPHYADDR %u out of range\n", maxphyaddr);
		return -EINVAL;
	}
	ept_caps.maxphyaddr = maxphyaddr;
	ept_caps.exec_only = exec_only;
	ept_caps.huge_1g = huge_1g;
	return 0;
}

/* ---- misconfiguration ---- */

/* The reserved bits of a present entry at level, given what it is. */
static uint64_t epte_rsvd_bits(epte_t e, unsigned int level)
{
	unsigned int m = ept_caps.maxphyaddr;
	uint64_t hi = m < 52 ? GENMASK(51, m) : 0;

	if (level == PG_LEVEL_1G && (e.v & EPTE_LARGE) && !ept_caps.huge_1g)
		return hi | EPTE_LARGE;
	if (epte_is_leaf(e, level))
		return hi | ept_format.rsvd_leaf[level];
	return hi | ept_format.rsvd_table[level];
}

bool epte_is_misconfig(epte_t e, unsigned int level)
{
	uint64_t rwx = e.v & EPTE_RWX;

	CHECK(level >= PG_LEVEL_4K && level <= PT_MAX_LEVELS);
	if (!rwx)
		return false; /* not present: a violation, not a misconfiguration */
	if ((rwx & EPTE_W) && !(rwx & EPTE_R))
		return true;
	if (rwx == EPTE_X && !ept_caps.exec_only)
		return true;
	if (e.v & epte_rsvd_bits(e, level))
		return true;
	return epte_is_leaf(e, level) && !ept_mt_valid[epte_memtype(e)];
}

/* ---- violations ---- */

/* Access class by qualification bits 2:0: a write wins (a locked
 * read-modify-write sets both), then a fetch; none at all counts as read. */
static const uint8_t ept_v_access_of[8] = {
	EPT_V_READ, EPT_V_READ,	 EPT_V_WRITE, EPT_V_WRITE,
	EPT_V_FETCH, EPT_V_FETCH, EPT_V_WRITE, EPT_V_WRITE,
};

unsigned int ept_violation_kind(uint64_t qual)
{
	bool present = (qual & EPT_VIOLATION_PROT_MASK) != 0;

	return EPT_V_KIND(ept_v_access_of[qual & 7], present);
}

struct ept_violation ept_decode_violation(uint64_t qual)
{
	struct ept_violation v = {
		.qual = qual,
		.read = (qual & EPT_VIOLATION_ACC_READ) != 0,
		.write = (qual & EPT_VIOLATION_ACC_WRITE) != 0,
		.fetch = (qual & EPT_VIOLATION_ACC_INSTR) != 0,
		.perm = (unsigned int)((qual & EPT_VIOLATION_PROT_MASK) >>
				       EPT_VIOLATION_PROT_SHIFT),
		.gla_valid = (qual & EPT_VIOLATION_GVA_IS_VALID) != 0,
		.nmi_unblocking = (qual & EPT_VIOLATION_NMI_UNBLOCKING) != 0,
		.kind = ept_violation_kind(qual),
	};

	/* Bit 8 means something only when bit 7 is set. */
	v.gla_translated = v.gla_valid && (qual & EPT_VIOLATION_GVA_TRANSLATED);
	return v;
}

/* ---- the table ---- */

int ept_init(struct ept *ept, const struct pt_ops *ops, void *ctx)
{
	memset(ept, 0, sizeof(*ept));
	return pt_init(&ept->pt, &ept_format, ops, ctx);
}

void ept_destroy(struct ept *ept)
{
	if (ept_shell_target == ept)
		ept_shell_target = NULL;
	pt_destroy(&ept->pt);
	memset(ept->nr_leaves, 0, sizeof(ept->nr_leaves));
}

/* ept_perms_check: can `perms` be the rights of a present leaf? Returns
 * NULL if so, else why not. */
static const char *ept_perms_check(unsigned int perms)
{
	if (perms & ~EPTE_PERM_MASK)
		return "unknown permission bits";
	if (!(perms & EPTE_RWX))
		return "no rights (use ept_unmap)";
	if ((perms & EPTE_W) && !(perms & EPTE_R))
		return "write without read";
	if ((perms & EPTE_RWX) == EPTE_X && !ept_caps.exec_only)
		return "execute-only not supported";
	return NULL;
}

/* ept_leaf_check: is this a leaf ept_map() may install? NULL or why not. */
static const char *ept_leaf_check(unsigned int level, unsigned int perms, unsigned int memtype,
				  epte_t leaf)
{
	const char *why = ept_perms_check(perms);

	if (why)
		return why;
	if (level != PG_LEVEL_4K && level != PG_LEVEL_2M)
		return "level not 4K or 2M";
	if (memtype >= ARRAY_SIZE(ept_mt_valid) || !ept_mt_valid[memtype])
		return "reserved memory type";
	if (epte_is_misconfig(leaf, level))
		return "hpa above MAXPHYADDR or unaligned";
	return NULL;
}

int ept_map(struct ept *ept, gpa_t gpa, hpa_t hpa, unsigned int level, unsigned int perms,
	    unsigned int memtype)
{
	epte_t leaf = epte_make_leaf(hpa, perms, memtype, level);
	const char *why = ept_leaf_check(level, perms, memtype, leaf);
	int err;

	if (why || (hpa.v & ~EPTE_ADDR_MASK)) {
		pr_err("map gpa 0x%llx -> hpa 0x%llx level %u perms 0x%x mt %u: %s\n",
		       (unsigned long long)gpa.v, (unsigned long long)hpa.v, level, perms,
		       memtype, why ? why : "hpa not page-aligned");
		return -EINVAL;
	}
	err = pt_map(&ept->pt, gpa.v, level, leaf.v, 0, NULL);
	if (!err)
		ept->nr_leaves[level]++;
	return err;
}

int ept_unmap(struct ept *ept, gpa_t gpa, bool *flush)
{
	struct pt_walk_result res;
	uint64_t old;
	int err;

	*flush = false;
	/* Walk first only to learn the level for the leaf counters. */
	if (pt_walk(&ept_format, ept->pt.root, gpa.v, &res) != 0)
		res.level = 0;
	err = pt_unmap(&ept->pt, gpa.v, &old);
	if (err || !epte_is_present((epte_t){ old }))
		return err;
	ept->nr_leaves[res.level]--;
	*flush = true;
	return 0;
}

/* ---- collapsing a page table into a 2M leaf ---- */

/* What a 4K leaf must share with its part of the 2M leaf replacing it. */
#define EPTE_COLLAPSE_MATCH (EPTE_ADDR_MASK | EPTE_PERM_MASK | EPTE_MT_MASK | EPTE_IPAT)

/*
 * collapse_find: the PDE for gpa, when it points to a page table. Returns
 * 0 with *pdep and *table, -ENOENT (nothing there), -EEXIST (a large leaf
 * maps gpa) or -EINVAL (gpa beyond 48 bits, logged).
 */
static int collapse_find(struct ept *ept, gpa_t gpa, uint64_t **pdep, hpa_t *table)
{
	struct pt_walk_result res;
	int err = ept_walk(ept, gpa, &res);

	if (err == -EINVAL) {
		pr_err("collapse gpa 0x%llx: out of range\n", (unsigned long long)gpa.v);
		return err;
	}
	/* The walk reached a PTE, present or not: the PDE is a table entry. */
	if (res.level != PG_LEVEL_4K)
		return err ? err : -EEXIST;
	*pdep = res.lvl[PG_LEVEL_2M].ptep;
	*table = hpa(pt_entry_addr(&ept_format, res.lvl[PG_LEVEL_2M].e, PG_LEVEL_2M));
	return 0;
}

/*
 * collapse_check: do the present 4K leaves of table t agree with the 2M
 * leaf? Returns how many are present, with their A/D flags ORed into *ad,
 * or -EBUSY (the first that disagrees is logged).
 */
static int collapse_check(const uint64_t *t, epte_t leaf, uint64_t *ad)
{
	uint64_t attrs = leaf.v & (EPTE_PERM_MASK | EPTE_MT_MASK | EPTE_IPAT);
	int nr = 0;

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = pt_read(&t[i]);
		uint64_t want = ((leaf.v & EPTE_ADDR_MASK) + ((uint64_t)i << PAGE_SHIFT)) | attrs;

		if (!epte_is_present((epte_t){ e }))
			continue;
		if ((e & EPTE_COLLAPSE_MATCH) != want) {
			pr_err("collapse: PTE[%u] 0x%llx differs from the 2M leaf (0x%llx)\n", i,
			       (unsigned long long)e, (unsigned long long)want);
			return -EBUSY;
		}
		*ad |= e & (EPTE_A | EPTE_D);
		nr++;
	}
	return nr;
}

int ept_collapse(struct ept *ept, gpa_t gpa, hpa_t hpa, unsigned int perms,
		 unsigned int memtype, bool *flush)
{
	epte_t leaf = epte_make_leaf(hpa, perms, memtype, PG_LEVEL_2M);
	const char *why = ept_leaf_check(PG_LEVEL_2M, perms, memtype, leaf);
	uint64_t ad = 0, *pdep;
	hpa_t table;
	int err, nr;

	*flush = false;
	if (!why && (!IS_ALIGNED(gpa.v | hpa.v, HUGE_2M_SIZE) || (hpa.v & ~EPTE_ADDR_MASK)))
		why = "gpa or hpa not 2 MiB-aligned";
	if (why) {
		pr_err("collapse gpa 0x%llx -> hpa 0x%llx perms 0x%x mt %u: %s\n",
		       (unsigned long long)gpa.v, (unsigned long long)hpa.v, perms, memtype, why);
		return -EINVAL;
	}
	err = collapse_find(ept, gpa, &pdep, &table);
	if (err)
		return err;
	nr = collapse_check(hpa_to_ptr(table), leaf, &ad);
	if (nr < 0)
		return nr;
	pt_write(pdep, leaf.v | ad);
	/* Freed before the caller's INVEPT: the CPU may still cache the table,
	 * but nothing walks it until the next VM entry, which the INVEPT
	 * precedes (one CPU; SDM "Guidelines for Use of the INVEPT
	 * Instruction": changing bit 7 of a PDE needs single-context INVEPT). */
	ept->pt.ops->free(ept->pt.ctx, table);
	ept->pt.nr_tables--;
	ept->nr_leaves[PG_LEVEL_4K] -= (unsigned long)nr;
	ept->nr_leaves[PG_LEVEL_2M]++;
	*flush = true;
	return 0;
}

int ept_walk(const struct ept *ept, gpa_t gpa, struct pt_walk_result *res)
{
	return pt_walk(&ept_format, ept->pt.root, gpa.v, res);
}

int ept_lookup(struct ept *ept, gpa_t gpa, hpa_t *hpa_out, epte_t *leaf, unsigned int *level)
{
	struct pt_walk_result res;
	int err = ept_walk(ept, gpa, &res);

	if (err)
		return err;
	if (hpa_out)
		*hpa_out = hpa(res.out);
	if (leaf)
		*leaf = (epte_t){ res.lvl[res.level].e };
	if (level)
		*level = res.level;
	return 0;
}

/*
 * ept_find_leaf: the entry of the leaf mapping gpa, which must start at
 * gpa. Returns 0 with *ptep and *level, -ENOENT, or -EINVAL (logged).
 */
static int ept_find_leaf(struct ept *ept, gpa_t gpa, const char *op, uint64_t **ptep,
			 unsigned int *level)
{
	struct pt_walk_result res;
	int err = ept_walk(ept, gpa, &res);

	if (!err && !IS_ALIGNED(gpa.v, pt_level_size(&ept_format, res.level)))
		err = -EINVAL;
	if (err == -EINVAL)
		pr_err("%s gpa 0x%llx: out of range or inside a larger leaf\n", op,
		       (unsigned long long)gpa.v);
	if (err)
		return err;
	*ptep = res.lvl[res.level].ptep;
	*level = res.level;
	return 0;
}

int ept_protect(struct ept *ept, gpa_t gpa, unsigned int perms, bool *flush)
{
	const char *why = ept_perms_check(perms);
	unsigned int level;
	uint64_t *ptep, old, new;
	int err;

	*flush = false;
	if (why) {
		pr_err("protect gpa 0x%llx perms 0x%x: %s\n", (unsigned long long)gpa.v, perms, why);
		return -EINVAL;
	}
	err = ept_find_leaf(ept, gpa, "protect", &ptep, &level);
	if (err)
		return err;
	/* Compare-and-swap: keep A/D flags the CPU may set meanwhile. */
	old = pt_read(ptep);
	do {
		new = (old & ~EPTE_PERM_MASK) | perms;
	} while (!__atomic_compare_exchange_n(ptep, &old, new, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	*flush = (old & ~new & EPTE_PERM_MASK) != 0;
	return 0;
}

int ept_test_and_clear_young(struct ept *ept, gpa_t gpa, bool *young)
{
	unsigned int level;
	uint64_t *ptep;
	int err;

	*young = false;
	if (!ept->ad)
		return -EOPNOTSUPP;
	err = ept_find_leaf(ept, gpa, "age", &ptep, &level);
	if (err)
		return err;
	*young = eptep_test_and_clear_young(ptep);
	return 0;
}

void *ept_table_ptr(void *ept, uint64_t table_gpa)
{
	hpa_t page;
	epte_t leaf;

	if (ept_lookup(ept, gpa(table_gpa), &page, &leaf, NULL) || !(leaf.v & EPTE_R))
		return NULL;
	return hpa_to_ptr(hpa(page.v & PAGE_MASK));
}

/* ---- dumping and the shell ---- */

/* dump_leaf_flags: " WB 2M ipat A D" style suffix of a leaf. */
static void dump_leaf_flags(char *buf, size_t size, epte_t e, unsigned int level)
{
	static const char *const size_name[] = { "", "4K", "2M", "1G", "?" };

	snprintf(buf, size, " %s %s%s%s%s%s", ept_mt_name[epte_memtype(e)],
			size_name[level], (e.v & EPTE_IPAT) ? " ipat" : "",
			(e.v & EPTE_A) ? " A" : "", (e.v & EPTE_D) ? " D" : "",
			(e.v & EPTE_X_USER) ? " xu" : "");
}

/* dump_entry: one line, e.g. "PML4E[  0] 0x...: R W X table -> 0x...". */
static void dump_entry(const struct pt_walk_result *res, unsigned int level)
{
	epte_t e = { res->lvl[level].e };
	bool leaf = epte_is_leaf(e, level);
	char flags[48] = "";

	if (!epte_is_present(e)) {
		printk("%-5s[%3u] 0x%016llx: not present\n", ept_format.level_names[level],
		       pt_index(&ept_format, res->addr, level), (unsigned long long)e.v);
		return;
	}
	if (leaf)
		dump_leaf_flags(flags, sizeof(flags), e, level);
	printk("%-5s[%3u] 0x%016llx: %c %c %c%s %s -> 0x%llx%s\n", ept_format.level_names[level],
	       pt_index(&ept_format, res->addr, level), (unsigned long long)e.v,
	       (e.v & EPTE_R) ? 'R' : '-', (e.v & EPTE_W) ? 'W' : '-', (e.v & EPTE_X) ? 'X' : '-',
	       flags, leaf ? "page" : "table",
	       (unsigned long long)pt_entry_addr(&ept_format, e.v, level),
	       epte_is_misconfig(e, level) ? " MISCONFIG" : "");
}

void ept_dump_walk(const struct pt_walk_result *res)
{
	unsigned int level;

	if (res->level == 0) {
		printk("gpa 0x%llx: beyond the 48-bit guest-physical space\n",
		       (unsigned long long)res->addr);
		return;
	}
	for (level = ept_format.levels; level >= res->level; level--)
		dump_entry(res, level);
	if (epte_is_present((epte_t){ res->lvl[res->level].e }))
		printk("gpa 0x%llx -> hpa 0x%llx\n", (unsigned long long)res->addr,
		       (unsigned long long)res->out);
	else
		printk("gpa 0x%llx: not mapped\n", (unsigned long long)res->addr);
}

void ept_shell_set(struct ept *ept)
{
	ept_shell_target = ept;
}

/* ept_summary: the table's size and how it would be loaded. */
static void ept_summary(const struct ept *ept)
{
	printk("eptp 0x%llx root 0x%llx tables %lu leaves 4K %lu 2M %lu 1G %lu A/D %s\n",
	       (unsigned long long)ept_eptp(ept), (unsigned long long)ept->pt.root.v,
	       ept->pt.nr_tables, ept->nr_leaves[PG_LEVEL_4K], ept->nr_leaves[PG_LEVEL_2M],
	       ept->nr_leaves[PG_LEVEL_1G], ept->ad ? "on" : "off");
}

static int cmd_ept(int argc, char **argv)
{
	struct pt_walk_result res;
	uint64_t addr;

	if (argc > 2 || (argc == 2 && parse_u64(argv[1], &addr, false)))
		return -EINVAL;
	if (!ept_shell_target) {
		printk("no guest EPT\n");
		return -ENODEV;
	}
	if (argc == 1) {
		ept_summary(ept_shell_target);
		return 0;
	}
	ept_walk(ept_shell_target, gpa(addr), &res);
	ept_dump_walk(&res);
	return 0;
}
SHELL_COMMAND(ept, "ept [gpa]", "EPT summary, or the walk of one gpa", cmd_ept);
