/*
 * test_pt.c - the generic page-table code (mm/pt.c): the guest walker on
 * hand-built IA-32e tables (4K, 2M and 1G leaves, non-present entries,
 * reserved bits, unbacked and looping table pointers, canonical checks),
 * and map/unmap/destroy/iteration on a table Pagoda owns.
 *
 * Guest memory is a small array of pages at a made-up gpa base; the
 * translate callback refuses anything outside it. Pagoda's own tables come
 * from aligned host pages (hpa_to_ptr is 1:1 in host tests).
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "console_fake.h"
#include "errcode.h"
#include "pt.h"

/* ---- a fake guest-physical memory holding guest page tables ---- */

#define GMEM_BASE 0x100000ULL
#define GMEM_PAGES 8

static uint64_t gmem[GMEM_PAGES][512] __aligned(4096);
static unsigned int gmem_reads; /* table_ptr calls */

static void *gmem_table(void *ctx, uint64_t table_gpa)
{
	gmem_reads++;
	if (table_gpa < GMEM_BASE || table_gpa >= GMEM_BASE + GMEM_PAGES * PAGE_SIZE ||
	    (table_gpa & ~PAGE_MASK))
		return NULL;
	return gmem[(table_gpa - GMEM_BASE) >> PAGE_SHIFT];
}

static const struct pt_xlate gxl = { gmem_table, NULL };

#define GPA_PML4 (GMEM_BASE + 1 * PAGE_SIZE)
#define GPA_PDPT (GMEM_BASE + 2 * PAGE_SIZE)
#define GPA_PD (GMEM_BASE + 3 * PAGE_SIZE)
#define GPA_PT (GMEM_BASE + 4 * PAGE_SIZE)
#define GPA_PDPT_HI (GMEM_BASE + 5 * PAGE_SIZE)
#define GPA_UNBACKED 0x7000000ULL

static uint64_t *gtab(uint64_t gpa)
{
	return gmem[(gpa - GMEM_BASE) >> PAGE_SHIFT];
}

#define T (PTE_P | PTE_RW | PTE_US) /* a table entry granting all */

/* The guest's tables; every slot used by a test is described here. */
static void build_guest_tables(void)
{
	memset(gmem, 0, sizeof(gmem));
	gtab(GPA_PML4)[0] = GPA_PDPT | T;
	/* [1] not present */
	gtab(GPA_PML4)[2] = GPA_UNBACKED | T;
	gtab(GPA_PML4)[3] = GPA_PDPT | T | PTE_PS; /* PS is reserved in a PML4E */
	gtab(GPA_PML4)[4] = GPA_PML4 | T; /* points to itself */
	gtab(GPA_PML4)[5] = GPA_PDPT | PTE_P | PTE_US | PTE_NX; /* read-only, no-exec */
	gtab(GPA_PML4)[511] = GPA_PDPT_HI | PTE_P | PTE_RW;

	gtab(GPA_PDPT)[0] = GPA_PD | T;
	gtab(GPA_PDPT)[1] = 0x1c0000000ULL | PTE_P | PTE_RW | PTE_PS; /* 1G, supervisor */
	gtab(GPA_PDPT)[2] = 0x80000000ULL | BIT(13) | PTE_P | PTE_PS; /* 1G, bit 13 rsvd */
	gtab(GPA_PDPT)[3] = BIT(50) | GPA_PD | T; /* above MAXPHYADDR 46 */

	gtab(GPA_PD)[0] = GPA_PT | T;
	gtab(GPA_PD)[1] = 0xa00000ULL | BIT(12) /* PAT */ | T | PTE_PS | PTE_NX; /* 2M */
	/* [2] not present */
	gtab(GPA_PD)[3] = 0xc00000ULL | BIT(13) | T | PTE_PS; /* 2M, bit 13 rsvd */

	gtab(GPA_PT)[0] = 0x123000ULL | T;
	gtab(GPA_PT)[1] = 0x456000ULL | PTE_P | PTE_US | BIT(7) /* PAT, not PS */;
	/* [2] not present */
	gtab(GPA_PT)[3] = 0x789000ULL | T | PTE_NX;

	gtab(GPA_PDPT_HI)[511] = 0x80000000ULL | PTE_P | PTE_RW | PTE_PS;
}

static struct pt_format g46, g52, g_nonx, g_no1g;

static int setup_guest(void **state)
{
	build_guest_tables();
	gmem_reads = 0;
	fake_console_reset();
	assert_int_equal(pt_format_ia32e(&g46, 46, true, true), 0);
	assert_int_equal(pt_format_ia32e(&g52, 52, true, true), 0);
	assert_int_equal(pt_format_ia32e(&g_nonx, 46, false, true), 0);
	assert_int_equal(pt_format_ia32e(&g_no1g, 46, true, false), 0);
	return 0;
}

/* CR3 with PWT|PCD and a PCID in the low bits: they are not address. */
#define CR3 (GPA_PML4 | 0x18 | 0x5)

static void test_ia32e_format_bounds(void **state)
{
	struct pt_format f;

	assert_int_equal(pt_format_ia32e(&f, 31, true, true), -EINVAL);
	assert_int_equal(pt_format_ia32e(&f, 53, true, true), -EINVAL);
	assert_int_equal(pt_format_ia32e(&f, 52, true, true), 0);
	assert_int_equal(f.rsvd_leaf[PG_LEVEL_4K], 0);
	assert_int_equal(pt_format_ia32e(&f, 40, false, false), 0);
	assert_int_equal(f.rsvd_leaf[PG_LEVEL_4K], GENMASK(51, 40) | PTE_NX);
	assert_true(f.rsvd_table[PG_LEVEL_1G] & PTE_PS);
	assert_false(f.leaf_levels & BIT(PG_LEVEL_1G));
}

static void test_guest_walk_4k(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0xabc, &r), 0);
	assert_int_equal(r.level, PG_LEVEL_4K);
	assert_int_equal(r.out, 0x123abc);
	assert_int_equal(r.lvl[4].table, GPA_PML4);
	assert_int_equal(r.lvl[3].table, GPA_PDPT);
	assert_int_equal(r.lvl[2].table, GPA_PD);
	assert_int_equal(r.lvl[1].table, GPA_PT);
	assert_ptr_equal(r.lvl[4].ptep, &gtab(GPA_PML4)[0]);
	assert_ptr_equal(r.lvl[1].ptep, &gtab(GPA_PT)[0]);
	assert_int_equal(r.lvl[1].e, 0x123000ULL | T);
	assert_int_equal(r.perm_and, PTE_RW | PTE_US);
	assert_int_equal(r.perm_or, 0);
	assert_int_equal(gmem_reads, 4);
}

/* Bit 7 of a PTE is PAT; a read-only PTE takes RW out of the rights. */
static void test_guest_walk_pte_pat_readonly(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x1010, &r), 0);
	assert_int_equal(r.level, PG_LEVEL_4K);
	assert_int_equal(r.out, 0x456010);
	assert_int_equal(r.perm_and, PTE_US);
}

static void test_guest_walk_2m(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x200000 + 0x12345, &r), 0);
	assert_int_equal(r.level, PG_LEVEL_2M);
	assert_int_equal(r.out, 0xa00000 + 0x12345); /* PAT bit 12 is not address */
	assert_int_equal(r.perm_or, PTE_NX);
	assert_null(r.lvl[1].ptep);
}

static void test_guest_walk_1g(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x40000000 + 0x1234567, &r), 0);
	assert_int_equal(r.level, PG_LEVEL_1G);
	assert_int_equal(r.out, 0x1c0000000ULL + 0x1234567);
	assert_int_equal(r.perm_and, PTE_RW);
	/* Without 1 GiB page support PS in a PDPTE is a reserved bit. */
	assert_int_equal(pt_walk_guest(&g_no1g, &gxl, CR3, 0x40000000, &r), -EIO);
	assert_int_equal(r.level, PG_LEVEL_1G);
}

static void test_guest_walk_high_half(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0xffffffffc0005000ULL, &r), 0);
	assert_int_equal(r.level, PG_LEVEL_1G);
	assert_int_equal(r.out, 0x80005000ULL);
}

static void test_guest_walk_not_present(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 1ULL << 39, &r), -ENOENT);
	assert_int_equal(r.level, 4);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 2 * 0x200000ULL, &r), -ENOENT);
	assert_int_equal(r.level, PG_LEVEL_2M);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x2000, &r), -ENOENT);
	assert_int_equal(r.level, PG_LEVEL_4K);
	assert_int_equal(r.lvl[1].e, 0);
}

static void test_guest_walk_unbacked(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 2ULL << 39, &r), -EFAULT);
	assert_int_equal(r.level, 3);
	assert_int_equal(r.lvl[3].table, GPA_UNBACKED);
	assert_null(r.lvl[3].ptep);
	/* The root itself unbacked. */
	assert_int_equal(pt_walk_guest(&g46, &gxl, GPA_UNBACKED, 0, &r), -EFAULT);
	assert_int_equal(r.level, 4);
}

static void test_guest_walk_reserved(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 3ULL << 39, &r), -EIO);
	assert_int_equal(r.level, 4);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 2ULL << 30, &r), -EIO);
	assert_int_equal(r.level, 3);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 3 * 0x200000ULL, &r), -EIO);
	assert_int_equal(r.level, 2);
	/* Bit 50 is an address bit with MAXPHYADDR 52: then the table is
	 * merely unbacked. */
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 3ULL << 30, &r), -EIO);
	assert_int_equal(r.level, 3);
	assert_int_equal(pt_walk_guest(&g52, &gxl, CR3, 3ULL << 30, &r), -EFAULT);
	assert_int_equal(r.level, 2);
	/* NX without EFER.NXE. */
	assert_int_equal(pt_walk_guest(&g_nonx, &gxl, CR3, 0x3000, &r), -EIO);
	assert_int_equal(r.level, 1);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x3000, &r), 0);
	assert_int_equal(r.perm_or, PTE_NX);
}

/* A table pointing to itself: the walk still ends after four levels. */
static void test_guest_walk_loop_bounded(void **state)
{
	struct pt_walk_result r;
	uint64_t gva = (4ULL << 39) | (4ULL << 30) | (4ULL << 21) | (4ULL << 12);
	int err = pt_walk_guest(&g46, &gxl, CR3, gva, &r);

	/* Taken as a PTE, PML4[4] maps the PML4 page itself. */
	assert_int_equal(err, 0);
	assert_int_equal(r.level, PG_LEVEL_4K);
	assert_int_equal(r.out, GPA_PML4);
	assert_int_equal(gmem_reads, 4);
}

static void test_guest_walk_permissions_accumulate(void **state)
{
	struct pt_walk_result r;

	/* PML4[5] is read-only and NX; the 4K leaf below grants all. */
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 5ULL << 39, &r), 0);
	assert_int_equal(r.perm_and, PTE_US);
	assert_int_equal(r.perm_or, PTE_NX);
}

static void test_guest_walk_noncanonical(void **state)
{
	struct pt_walk_result r;

	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x0000800000000000ULL, &r), -EINVAL);
	assert_int_equal(r.level, 0);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0xffff000000000000ULL, &r), -EINVAL);
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x00007fffffffffffULL, &r), -ENOENT);
	assert_int_equal(gmem_reads, 1);
}

/* The guest changes an entry between two walks: each walk reads it once. */
static void test_guest_walk_sees_guest_writes(void **state)
{
	struct pt_walk_result r;

	gtab(GPA_PT)[2] = 0x999000ULL | PTE_P;
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x2000, &r), 0);
	assert_int_equal(r.out, 0x999000);
	gtab(GPA_PT)[2] = 0x999000ULL; /* P cleared */
	assert_int_equal(pt_walk_guest(&g46, &gxl, CR3, 0x2000, &r), -ENOENT);
}

/* ---- tables Pagoda owns, in the IA-32e format (as shadow paging will) ---- */

struct talloc {
	unsigned int allocs, frees, fail_after; /* fail_after 0: never fail */
};

static int t_alloc(void *ctx, hpa_t *out)
{
	struct talloc *a = ctx;
	void *p;

	if (a->fail_after && a->allocs >= a->fail_after)
		return -ENOMEM;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0xa5, PAGE_SIZE); /* dirty: pt must zero it */
	a->allocs++;
	*out = ptr_to_hpa(p);
	return 0;
}

static void t_free(void *ctx, hpa_t page)
{
	struct talloc *a = ctx;

	a->frees++;
	free(hpa_to_ptr(page));
}

static const struct pt_ops tops = { t_alloc, t_free };

struct own {
	struct talloc a;
	struct pt pt;
};

static int setup_own(void **state)
{
	struct own *o = calloc(1, sizeof(*o));

	setup_guest(state);
	assert_int_equal(pt_init(&o->pt, &g52, &tops, &o->a), 0);
	*state = o;
	return 0;
}

static int teardown_own(void **state)
{
	struct own *o = *state;

	pt_destroy(&o->pt);
	assert_int_equal(o->a.allocs, o->a.frees);
	assert_int_equal(o->pt.nr_tables, 0);
	free(o);
	return 0;
}

#define LEAF4K(a) ((a) | PTE_P | PTE_RW)
#define LEAF2M(a) ((a) | PTE_P | PTE_RW | PTE_PS)

static void test_own_map_walk(void **state)
{
	struct own *o = *state;
	struct pt_walk_result r;
	uint64_t old = 1;

	assert_int_equal(pt_map(&o->pt, 0x5000, PG_LEVEL_4K, LEAF4K(0x77000ULL), 0, &old), 0);
	assert_int_equal(old, 0);
	assert_int_equal(o->pt.nr_tables, 4);
	assert_int_equal(pt_walk(&g52, o->pt.root, 0x5123, &r), 0);
	assert_int_equal(r.out, 0x77123);
	assert_int_equal(r.lvl[4].e & ~PTE_ADDR_MASK, g52.table_bits);
	/* The rest of the new tables was zeroed. */
	assert_int_equal(pt_walk(&g52, o->pt.root, 0x6000, &r), -ENOENT);
	assert_int_equal(r.lvl[1].e, 0);
	assert_int_equal(pt_walk(&g52, o->pt.root, 1ULL << 39, &r), -ENOENT);
	assert_int_equal(r.lvl[4].e, 0);
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0x400000ULL), 0, NULL), 0);
	assert_int_equal(o->pt.nr_tables, 4);
	assert_int_equal(pt_walk(&g52, o->pt.root, 0x2fffff, &r), 0);
	assert_int_equal(r.level, PG_LEVEL_2M);
	assert_int_equal(r.out, 0x4fffff);
}

static void test_own_map_invalid(void **state)
{
	struct own *o = *state;

	assert_int_equal(pt_map(&o->pt, 0x5100, PG_LEVEL_4K, LEAF4K(0x7000ULL), 0, NULL), -EINVAL);
	assert_int_equal(pt_map(&o->pt, 0x201000, PG_LEVEL_2M, LEAF2M(0x400000ULL), 0, NULL),
			 -EINVAL);
	/* The target of a 2M leaf must be 2M-aligned (bits 20:13 reserved). */
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0x402000ULL), 0, NULL),
			 -EINVAL);
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF4K(0x400000ULL), 0, NULL),
			 -EINVAL); /* no PS */
	assert_int_equal(pt_map(&o->pt, 0x5000, PG_LEVEL_4K, 0x7000, 0, NULL), -EINVAL);
	assert_int_equal(pt_map(&o->pt, 0, PG_LEVEL_512G, LEAF2M(0ULL), 0, NULL), -EINVAL);
	assert_int_equal(pt_map(&o->pt, 0, 0, LEAF4K(0ULL), 0, NULL), -EINVAL);
	assert_int_equal(pt_map(&o->pt, 0, 7, LEAF4K(0ULL), 0, NULL), -EINVAL);
	assert_int_equal(pt_map(&o->pt, 0x0000800000000000ULL, PG_LEVEL_4K, LEAF4K(0ULL), 0, NULL),
			 -EINVAL);
	assert_int_equal(o->pt.nr_tables, 1); /* nothing was built */
	assert_non_null(strstr(fake_console_text(), "pt: ia32e map"));
}

static void test_own_map_exists(void **state)
{
	struct own *o = *state;
	uint64_t old = 0;

	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0x400000ULL), 0, NULL), 0);
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0x600000ULL), 0, NULL),
			 -EEXIST);
	/* 4K under a 2M leaf. */
	assert_int_equal(pt_map(&o->pt, 0x201000, PG_LEVEL_4K, LEAF4K(0x7000ULL), 0, NULL), -EEXIST);
	/* 2M over a table of 4K leaves, even when asked to replace. */
	assert_int_equal(pt_map(&o->pt, 0x800000, PG_LEVEL_4K, LEAF4K(0x7000ULL), 0, NULL), 0);
	assert_int_equal(pt_map(&o->pt, 0x800000, PG_LEVEL_2M, LEAF2M(0x600000ULL),
				PT_MAP_REPLACE, NULL),
			 -EEXIST);
	/* Replacing a leaf of the same level, when asked, returns the old. */
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0x600000ULL),
				PT_MAP_REPLACE, &old),
			 0);
	assert_int_equal(old, LEAF2M(0x400000ULL));
}

static void test_own_unmap(void **state)
{
	struct own *o = *state;
	struct pt_walk_result r;
	uint64_t old = 1;

	assert_int_equal(pt_unmap(&o->pt, 0x5000, &old), 0); /* nothing there */
	assert_int_equal(old, 0);
	assert_int_equal(pt_map(&o->pt, 0x5000, PG_LEVEL_4K, LEAF4K(0x77000ULL), 0, NULL), 0);
	assert_int_equal(pt_unmap(&o->pt, 0x5000, &old), 0);
	assert_int_equal(old, LEAF4K(0x77000ULL));
	assert_int_equal(pt_walk(&g52, o->pt.root, 0x5000, &r), -ENOENT);
	assert_int_equal(pt_unmap(&o->pt, 0x5000, &old), 0);
	assert_int_equal(old, 0);
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0x400000ULL), 0, NULL), 0);
	assert_int_equal(pt_unmap(&o->pt, 0x201000, &old), -EINVAL); /* no splitting */
	assert_int_equal(pt_walk(&g52, o->pt.root, 0x201000, &r), 0);
	assert_int_equal(pt_unmap(&o->pt, 0x0000800000000000ULL, &old), -EINVAL);
	assert_int_equal(pt_unmap(&o->pt, 0x200000, &old), 0);
	assert_int_equal(old, LEAF2M(0x400000ULL));
}

static void test_own_enomem(void **state)
{
	struct own *o = *state;

	o->a.fail_after = 2; /* root + one more table */
	assert_int_equal(pt_map(&o->pt, 0x5000, PG_LEVEL_4K, LEAF4K(0x77000ULL), 0, NULL),
			 -ENOMEM);
	assert_int_equal(o->pt.nr_tables, 2); /* the partial table stays */
	o->a.fail_after = 0;
	assert_int_equal(pt_map(&o->pt, 0x5000, PG_LEVEL_4K, LEAF4K(0x77000ULL), 0, NULL), 0);
	assert_int_equal(o->pt.nr_tables, 4);
	o->a.fail_after = 1;
	{
		struct pt other;
		assert_int_equal(pt_init(&other, &g52, &tops, &o->a), -ENOMEM);
	}
	o->a.fail_after = 0;
}

/* pt_destroy frees every table page, however deep and wide. */
static void test_own_destroy_frees_all(void **state)
{
	struct own *o = *state;
	uint64_t a;

	for (a = 0; a < 64 * 0x200000ULL; a += 0x200000 + 0x1000)
		assert_int_equal(pt_map(&o->pt, a & ~0xfffULL, PG_LEVEL_4K, LEAF4K(0x1000ULL), 0,
					NULL),
				 0);
	assert_int_equal(pt_map(&o->pt, 0xffff800000000000ULL, PG_LEVEL_4K, LEAF4K(0ULL), 0, NULL),
			 0);
	assert_int_equal(pt_map(&o->pt, 1ULL << 30, PG_LEVEL_1G, LEAF2M(1ULL << 30), 0, NULL), 0);
	assert_int_equal(o->a.allocs, o->pt.nr_tables);
	assert_true(o->pt.nr_tables > 60);
	pt_destroy(&o->pt);
	assert_int_equal(o->a.allocs, o->a.frees);
	assert_int_equal(o->pt.nr_tables, 0);
	pt_destroy(&o->pt); /* idempotent */
	assert_int_equal(o->a.allocs, o->a.frees);
}

struct seen {
	unsigned int n, stop_at;
	uint64_t addr[8];
	unsigned int level[8];
};

static int record_leaf(void *ctx, uint64_t addr, unsigned int level, uint64_t *ptep)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		s->addr[s->n] = addr;
		s->level[s->n] = level;
	}
	s->n++;
	return s->stop_at && s->n == s->stop_at ? 42 : 0;
}

static void test_own_for_each_leaf(void **state)
{
	struct own *o = *state;
	struct seen s = { 0 };

	assert_int_equal(pt_map(&o->pt, 0xffff800000003000ULL, PG_LEVEL_4K, LEAF4K(0ULL), 0, NULL),
			 0);
	assert_int_equal(pt_map(&o->pt, 1ULL << 30, PG_LEVEL_1G, LEAF2M(1ULL << 30), 0, NULL), 0);
	assert_int_equal(pt_map(&o->pt, 0x200000, PG_LEVEL_2M, LEAF2M(0ULL), 0, NULL), 0);
	assert_int_equal(pt_map(&o->pt, 0x5000, PG_LEVEL_4K, LEAF4K(0ULL), 0, NULL), 0);
	assert_int_equal(pt_for_each_leaf(&g52, o->pt.root, record_leaf, &s), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.addr[0], 0x5000);
	assert_int_equal(s.level[0], PG_LEVEL_4K);
	assert_int_equal(s.addr[1], 0x200000);
	assert_int_equal(s.level[1], PG_LEVEL_2M);
	assert_int_equal(s.addr[2], 1ULL << 30);
	assert_int_equal(s.level[2], PG_LEVEL_1G);
	assert_int_equal(s.addr[3], 0xffff800000003000ULL); /* sign-extended */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(pt_for_each_leaf(&g52, o->pt.root, record_leaf, &s), 42);
	assert_int_equal(s.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ia32e_format_bounds, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_4k, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_pte_pat_readonly, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_2m, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_1g, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_high_half, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_not_present, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_unbacked, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_reserved, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_loop_bounded, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_permissions_accumulate, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_noncanonical, setup_guest),
		cmocka_unit_test_setup(test_guest_walk_sees_guest_writes, setup_guest),
		cmocka_unit_test_setup_teardown(test_own_map_walk, setup_own, teardown_own),
		cmocka_unit_test_setup_teardown(test_own_map_invalid, setup_own, teardown_own),
		cmocka_unit_test_setup_teardown(test_own_map_exists, setup_own, teardown_own),
		cmocka_unit_test_setup_teardown(test_own_unmap, setup_own, teardown_own),
		cmocka_unit_test_setup_teardown(test_own_enomem, setup_own, teardown_own),
		cmocka_unit_test_setup_teardown(test_own_destroy_frees_all, setup_own, teardown_own),
		cmocka_unit_test_setup_teardown(test_own_for_each_leaf, setup_own, teardown_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
