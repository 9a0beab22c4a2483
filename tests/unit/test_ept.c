/*
 * test_ept.c - EPT entries, the EPTP, the misconfiguration check, the
 * EPT-violation qualification decoder, and a guest's EPT (ept/ept.c):
 * map/unmap/lookup/protect/aging at 4K and 2M, collapsing a 4K table into
 * a 2M leaf, what needs a flush, the
 * walk dump and the shell command, and a guest page-table walk whose
 * tables are reached through the EPT.
 *
 * Table pages come from aligned host pages (hpa_to_ptr is 1:1 in host
 * tests); mapped hpas are made-up numbers, never dereferenced, except the
 * guest table pages of the last tests.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_fake.h"
#include "ept.h"
#include "errcode.h"
#include "shell.h"

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
	memset(p, 0, PAGE_SIZE);
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

struct fix {
	struct talloc a;
	struct ept ept;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_int_equal(ept_set_caps(52, true, true), 0);
	fake_console_reset();
	assert_int_equal(ept_init(&f->ept, &tops, &f->a), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	ept_destroy(&f->ept);
	assert_int_equal(f->a.allocs, f->a.frees);
	assert_int_equal(f->ept.pt.nr_tables, 0);
	ept_set_caps(52, true, true);
	ept_shell_set(NULL);
	free(f);
	return 0;
}

#define RWX EPTE_RWX
#define RW (EPTE_R | EPTE_W)

/* ---- encoding ---- */

static void test_masks_match_sdm(void **state)
{
	assert_int_equal(EPTE_R | EPTE_W | EPTE_X, 0x7);
	assert_int_equal(EPTE_MT_MASK, 0x38);
	assert_int_equal(EPTE_IPAT, 0x40);
	assert_int_equal(EPTE_LARGE, 0x80);
	assert_int_equal(EPTE_A, 0x100);
	assert_int_equal(EPTE_D, 0x200);
	assert_int_equal(EPTE_X_USER, 0x400);
	assert_int_equal(EPTE_ADDR_MASK, 0x000ffffffffff000ULL);
	assert_int_equal(EPTE_SUPPRESS_VE, 0x8000000000000000ULL);
}

static void test_eptp(void **state)
{
	assert_int_equal(ept_make_eptp(hpa(0x1234000), false), 0x1234000 | 6 | (3 << 3));
	assert_int_equal(ept_make_eptp(hpa(0x1234000), true), 0x1234000 | 6 | (3 << 3) | 0x40);
	/* Stray low bits of the root do not leak into the control bits. */
	assert_int_equal(ept_make_eptp(hpa(0x1234fff), false) & 0xfff, 6 | (3 << 3));
}

static void test_entry_helpers(void **state)
{
	epte_t x = epte_make_leaf(hpa(0x5000), EPTE_X, EPT_MT_WB, PG_LEVEL_4K);
	epte_t rw = epte_make_leaf(hpa(0x200000), RW, EPT_MT_UC, PG_LEVEL_2M);
	epte_t t = epte_make_table(hpa(0x7000));

	assert_int_equal(x.v, 0x5000 | EPTE_X | (6 << 3));
	assert_true(epte_is_present(x)); /* execute-only is present */
	assert_true(epte_is_leaf(x, PG_LEVEL_4K));
	assert_int_equal(rw.v, 0x200000 | RW | EPTE_LARGE);
	assert_true(epte_is_leaf(rw, PG_LEVEL_2M));
	assert_int_equal(epte_memtype(rw), EPT_MT_UC);
	assert_int_equal(epte_addr(rw).v, 0x200000);
	assert_int_equal(t.v, 0x7000 | RWX);
	assert_false(epte_is_leaf(t, PG_LEVEL_2M));
	assert_false(epte_is_leaf((epte_t){ EPTE_LARGE | RWX }, 4)); /* never at PML4 */
	assert_false(epte_is_present((epte_t){ 0 }));
	assert_false(epte_is_present((epte_t){ EPTE_A | EPTE_D | EPTE_X_USER | 0x5000 }));
}

/* ---- misconfiguration ---- */

static void test_misconfig_rights(void **state)
{
	assert_true(epte_is_misconfig((epte_t){ 0x5000 | EPTE_W | (6 << 3) }, 1));
	assert_true(epte_is_misconfig((epte_t){ 0x5000 | EPTE_W | EPTE_X | (6 << 3) }, 1));
	assert_false(epte_is_misconfig((epte_t){ 0x5000 | EPTE_X | (6 << 3) }, 1));
	assert_int_equal(ept_set_caps(52, false, true), 0);
	assert_true(epte_is_misconfig((epte_t){ 0x5000 | EPTE_X | (6 << 3) }, 1));
	assert_false(epte_is_misconfig((epte_t){ 0x5000 | EPTE_R | (6 << 3) }, 1));
}

static void test_misconfig_memtype(void **state)
{
	unsigned int mt;

	for (mt = 0; mt < 8; mt++) {
		bool bad = mt == 2 || mt == 3 || mt == 7;
		epte_t e4k = epte_make_leaf(hpa(0x5000), RWX, mt, PG_LEVEL_4K);
		epte_t e2m = epte_make_leaf(hpa(0x200000), RWX, mt, PG_LEVEL_2M);

		assert_int_equal(epte_is_misconfig(e4k, PG_LEVEL_4K), bad);
		assert_int_equal(epte_is_misconfig(e2m, PG_LEVEL_2M), bad);
	}
}

static void test_misconfig_reserved(void **state)
{
	/* Tables: bits 7:3 reserved at every level. */
	assert_false(epte_is_misconfig(epte_make_table(hpa(0x7000)), 4));
	assert_true(epte_is_misconfig((epte_t){ 0x7000 | RWX | EPTE_LARGE }, 4));
	assert_true(epte_is_misconfig((epte_t){ 0x7000 | RWX | EPTE_IPAT }, 3));
	assert_true(epte_is_misconfig((epte_t){ 0x7000 | RWX | (6 << 3) }, 2));
	/* Tables may carry the accessed flag. */
	assert_false(epte_is_misconfig((epte_t){ 0x7000 | RWX | EPTE_A }, 2));
	/* Large leaves: the address bits below their alignment. */
	assert_true(epte_is_misconfig((epte_t){ 0x201000 | RWX | EPTE_LARGE | (6 << 3) }, 2));
	assert_true(epte_is_misconfig((epte_t){ 0x40200000 | RWX | EPTE_LARGE | (6 << 3) }, 3));
	assert_false(epte_is_misconfig((epte_t){ 0x40000000 | RWX | EPTE_LARGE | (6 << 3) }, 3));
	/* Bit 7 of a PTE is ignored. */
	assert_false(epte_is_misconfig((epte_t){ 0x5000 | RWX | EPTE_LARGE | (6 << 3) }, 1));
	/* 1G leaves without 1G support. */
	assert_int_equal(ept_set_caps(52, true, false), 0);
	assert_true(epte_is_misconfig((epte_t){ 0x40000000 | RWX | EPTE_LARGE | (6 << 3) }, 3));
	/* Address bits above MAXPHYADDR. */
	assert_int_equal(ept_set_caps(39, true, true), 0);
	assert_true(epte_is_misconfig((epte_t){ BIT(39) | RWX | (6 << 3) }, 1));
	assert_true(epte_is_misconfig((epte_t){ BIT(45) | RWX }, 4));
	assert_false(epte_is_misconfig((epte_t){ BIT(38) | RWX | (6 << 3) }, 1));
	/* Bits 63:52 are not reserved. */
	assert_false(epte_is_misconfig((epte_t){ EPTE_SUPPRESS_VE | BIT(55) | RWX | (6 << 3) }, 1));
	assert_int_equal(ept_set_caps(31, true, true), -EINVAL);
	assert_int_equal(ept_set_caps(53, true, true), -EINVAL);
}

/* A non-present entry is never a misconfiguration, whatever else it holds. */
static void test_misconfig_not_present(void **state)
{
	assert_false(epte_is_misconfig((epte_t){ ~EPTE_RWX }, 1));
	assert_false(epte_is_misconfig((epte_t){ ~EPTE_RWX }, 4));
}

/* ---- violations ---- */

static void test_violation_kinds(void **state)
{
	static const struct {
		uint64_t qual;
		unsigned int kind;
	} cases[] = {
		{ 0x181, EPT_V_READ_NP },
		{ 0x181 | (EPTE_X << 3), EPT_V_READ_PERM }, /* exec-only page read */
		{ 0x182, EPT_V_WRITE_NP },
		{ 0x182 | (EPTE_R << 3), EPT_V_WRITE_PERM },
		{ 0x183 | ((EPTE_R | EPTE_X) << 3), EPT_V_WRITE_PERM }, /* locked RMW */
		{ 0x184, EPT_V_FETCH_NP },
		{ 0x184 | (RW << 3), EPT_V_FETCH_PERM },
		{ 0x000, EPT_V_READ_NP }, /* no access bit: counted as a read */
		{ 0x105 | (EPTE_W << 3), EPT_V_FETCH_PERM },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(ept_violation_kind(cases[i].qual), cases[i].kind);
		assert_int_equal(ept_decode_violation(cases[i].qual).kind, cases[i].kind);
	}
	for (i = 0; i < EPT_V_NR_KINDS; i++) {
		assert_non_null(ept_violation_kind_name[i]);
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(ept_violation_kind_name[i],
						ept_violation_kind_name[j]);
	}
	assert_string_equal(ept_violation_kind_name[EPT_V_WRITE_PERM], "write-perm");
	/* All 13 defined bits set and more: still an index in range. */
	assert_true(ept_violation_kind(~0ULL) < EPT_V_NR_KINDS);
}

static void test_violation_decode(void **state)
{
	struct ept_violation v = ept_decode_violation(0x1000 | 0x180 | (EPTE_R << 3) | 0x2);

	assert_false(v.read);
	assert_true(v.write);
	assert_false(v.fetch);
	assert_int_equal(v.perm, EPTE_R);
	assert_true(v.gla_valid);
	assert_true(v.gla_translated);
	assert_true(v.nmi_unblocking);
	assert_int_equal(v.kind, EPT_V_WRITE_PERM);

	/* A guest page-table access: GLA valid, not the final translation. */
	v = ept_decode_violation(0x80 | 0x1);
	assert_true(v.read);
	assert_true(v.gla_valid);
	assert_false(v.gla_translated);
	assert_false(v.nmi_unblocking);
	assert_int_equal(v.perm, 0);

	/* Bit 8 without bit 7 means nothing. */
	v = ept_decode_violation(0x100 | 0x4 | (RWX << 3));
	assert_true(v.fetch);
	assert_false(v.gla_valid);
	assert_false(v.gla_translated);
	assert_int_equal(v.perm, RWX);
	assert_int_equal(v.qual, 0x100 | 0x4 | (RWX << 3));
}

/* ---- a guest's EPT ---- */

static void test_map_lookup_4k_2m(void **state)
{
	struct fix *f = *state;
	hpa_t h;
	epte_t e;
	unsigned int level;

	assert_int_equal(ept_map(&f->ept, gpa(0x5000), hpa(0x77000), PG_LEVEL_4K, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_lookup(&f->ept, gpa(0x5abc), &h, &e, &level), 0);
	assert_int_equal(h.v, 0x77abc);
	assert_int_equal(level, PG_LEVEL_4K);
	assert_int_equal(e.v, 0x77000 | RW | (EPT_MT_WB << 3));

	assert_int_equal(ept_map(&f->ept, gpa(0x40000000), hpa(0x80200000), PG_LEVEL_2M, EPTE_X,
				 EPT_MT_UC),
			 0);
	assert_int_equal(ept_lookup(&f->ept, gpa(0x401fffff), &h, &e, &level), 0);
	assert_int_equal(h.v, 0x803fffff);
	assert_int_equal(level, PG_LEVEL_2M);
	assert_int_equal(e.v, 0x80200000 | EPTE_X | EPTE_LARGE);
	assert_int_equal(ept_lookup(&f->ept, gpa(0x40200000), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(ept_lookup(&f->ept, gpa(0x6000), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(ept_lookup(&f->ept, gpa(1ULL << 48), NULL, NULL, NULL), -EINVAL);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 1);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_2M], 1);
	assert_int_equal(f->ept.pt.nr_tables, 5); /* root, PDPT, 2 PDs, 1 PT */
}

static void test_walk_records_levels(void **state)
{
	struct fix *f = *state;
	struct pt_walk_result r;

	assert_int_equal(ept_map(&f->ept, gpa(0x5000), hpa(0x77000), PG_LEVEL_4K, RWX, EPT_MT_WB),
			 0);
	assert_int_equal(ept_walk(&f->ept, gpa(0x5010), &r), 0);
	assert_int_equal(r.level, PG_LEVEL_4K);
	assert_int_equal(r.lvl[4].table, f->ept.pt.root.v);
	for (unsigned int l = 4; l > 1; l--) {
		assert_int_equal(r.lvl[l].e & ~EPTE_ADDR_MASK, RWX);
		assert_int_equal(r.lvl[l].e & EPTE_ADDR_MASK, r.lvl[l - 1].table);
		/* gpa 0x5010 uses entry 0 of every table above the PT. */
		assert_ptr_equal(r.lvl[l].ptep, hpa_to_ptr(hpa(r.lvl[l].table)));
		assert_false(epte_is_misconfig((epte_t){ r.lvl[l].e }, l));
	}
	assert_ptr_equal(r.lvl[1].ptep, (uint64_t *)hpa_to_ptr(hpa(r.lvl[1].table)) + 5);
	assert_int_equal(r.perm_and, RWX);
	assert_int_equal(ept_walk(&f->ept, gpa(0x200000), &r), -ENOENT);
	assert_int_equal(r.level, PG_LEVEL_2M);
}

static void test_map_invalid(void **state)
{
	struct fix *f = *state;
	struct ept *e = &f->ept;

	/* Alignment of gpa and hpa. */
	assert_int_equal(ept_map(e, gpa(0x5008), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7008), PG_LEVEL_4K, RW, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x201000), hpa(0x200000), PG_LEVEL_2M, RW, EPT_MT_WB),
			 -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x200000), hpa(0x201000), PG_LEVEL_2M, RW, EPT_MT_WB),
			 -EINVAL);
	/* Range. */
	assert_int_equal(ept_map(e, gpa(1ULL << 48), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB),
			 -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(1ULL << 52), PG_LEVEL_4K, RW, EPT_MT_WB),
			 -EINVAL);
	/* Levels. */
	assert_int_equal(ept_map(e, gpa(0), hpa(0), PG_LEVEL_1G, RW, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(e, gpa(0), hpa(0), 0, RW, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(e, gpa(0), hpa(0), 9, RW, EPT_MT_WB), -EINVAL);
	/* Rights and memory types. */
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, 0, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, EPTE_W, EPT_MT_WB),
			 -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW | EPTE_LARGE,
				 EPT_MT_WB),
			 -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW, 2), -EINVAL);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW, 8), -EINVAL);
	ept_set_caps(52, false, true);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, EPTE_X, EPT_MT_WB),
			 -EINVAL);
	ept_set_caps(40, true, true);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(1ULL << 41), PG_LEVEL_4K, RW, EPT_MT_WB),
			 -EINVAL);
	assert_int_equal(e->pt.nr_tables, 1);
	assert_int_equal(e->nr_leaves[PG_LEVEL_4K], 0);
	assert_non_null(strstr(fake_console_text(), "ept: map gpa 0x5000"));
}

static void test_map_exists(void **state)
{
	struct fix *f = *state;
	struct ept *e = &f->ept;
	hpa_t h;

	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x9000), PG_LEVEL_4K, RWX, EPT_MT_WB), -EEXIST);
	assert_int_equal(ept_lookup(e, gpa(0x5000), &h, NULL, NULL), 0);
	assert_int_equal(h.v, 0x7000); /* untouched */
	/* 4K under 2M, and 2M over a table of 4K leaves. */
	assert_int_equal(ept_map(e, gpa(0x200000), hpa(0x400000), PG_LEVEL_2M, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_map(e, gpa(0x3ff000), hpa(0x9000), PG_LEVEL_4K, RW, EPT_MT_WB),
			 -EEXIST);
	assert_int_equal(ept_map(e, gpa(0), hpa(0x400000), PG_LEVEL_2M, RW, EPT_MT_WB), -EEXIST);
	assert_int_equal(e->nr_leaves[PG_LEVEL_4K], 1);
	assert_int_equal(e->nr_leaves[PG_LEVEL_2M], 1);
}

static void test_unmap_flush(void **state)
{
	struct fix *f = *state;
	struct ept *e = &f->ept;
	unsigned int flushes = 0;
	bool flush = true;

	/* Absent: no flush. */
	assert_int_equal(ept_unmap(e, gpa(0x5000), &flush), 0);
	assert_false(flush);
	/* Present: exactly one flush, then nothing left to flush. */
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, EPTE_X, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(e, gpa(0x5000), &flush), 0);
	flushes += flush;
	assert_int_equal(ept_unmap(e, gpa(0x5000), &flush), 0);
	flushes += flush;
	assert_int_equal(flushes, 1);
	assert_int_equal(ept_lookup(e, gpa(0x5000), NULL, NULL, NULL), -ENOENT);
	assert_int_equal(e->nr_leaves[PG_LEVEL_4K], 0);
	/* 2M: not from inside, then whole. */
	assert_int_equal(ept_map(e, gpa(0x200000), hpa(0x400000), PG_LEVEL_2M, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(e, gpa(0x201000), &flush), -EINVAL);
	assert_false(flush);
	assert_int_equal(ept_lookup(e, gpa(0x201000), NULL, NULL, NULL), 0);
	assert_int_equal(ept_unmap(e, gpa(0x200000), &flush), 0);
	assert_true(flush);
	assert_int_equal(e->nr_leaves[PG_LEVEL_2M], 0);
	assert_int_equal(ept_unmap(e, gpa(1ULL << 48), &flush), -EINVAL);
	assert_false(flush);
	/* The freed slot can be mapped again. */
	assert_int_equal(ept_map(e, gpa(0x200000), hpa(0x600000), PG_LEVEL_2M, RW, EPT_MT_WB), 0);
}

static void test_enomem_and_destroy(void **state)
{
	struct fix *f = *state;
	struct ept other;
	uint64_t g;

	f->a.fail_after = f->a.allocs + 1;
	assert_int_equal(ept_map(&f->ept, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB),
			 -ENOMEM);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 0);
	assert_int_equal(ept_init(&other, &tops, &f->a), -ENOMEM);
	f->a.fail_after = 0;
	for (g = 0; g < 0x20000000; g += 0x1201000)
		assert_int_equal(ept_map(&f->ept, gpa(g), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB),
				 0);
	assert_int_equal(ept_map(&f->ept, gpa(0x7fc0000000ULL), hpa(0x200000), PG_LEVEL_2M, RW,
				 EPT_MT_WB),
			 0);
	assert_int_equal(f->a.allocs, f->ept.pt.nr_tables);
	ept_destroy(&f->ept);
	assert_int_equal(f->a.allocs, f->a.frees);
	assert_int_equal(f->ept.pt.nr_tables, 0);
}

static void test_protect(void **state)
{
	struct fix *f = *state;
	struct ept *e = &f->ept;
	bool flush = true;
	epte_t leaf;
	uint64_t *ptep;
	struct pt_walk_result r;

	assert_int_equal(ept_protect(e, gpa(0x5000), RW, &flush), -ENOENT);
	assert_false(flush);
	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_walk(e, gpa(0x5000), &r), 0);
	ptep = r.lvl[1].ptep;
	*ptep |= EPTE_A | EPTE_D; /* as the CPU would */
	assert_int_equal(ept_protect(e, gpa(0x5000), EPTE_R, &flush), 0);
	assert_true(flush); /* rights taken away */
	assert_int_equal(ept_lookup(e, gpa(0x5000), NULL, &leaf, NULL), 0);
	assert_int_equal(leaf.v, 0x7000 | EPTE_R | (EPT_MT_WB << 3) | EPTE_A | EPTE_D);
	assert_int_equal(ept_protect(e, gpa(0x5000), RW, &flush), 0);
	assert_false(flush); /* only added */
	assert_int_equal(ept_protect(e, gpa(0x5000), EPTE_W, &flush), -EINVAL);
	assert_int_equal(ept_protect(e, gpa(0x5000), 0, &flush), -EINVAL);
	assert_int_equal(ept_protect(e, gpa(0x5000), RW | EPTE_D, &flush), -EINVAL);
	assert_int_equal(ept_lookup(e, gpa(0x5000), NULL, &leaf, NULL), 0);
	assert_int_equal(leaf.v & EPTE_PERM_MASK, RW);
	assert_int_equal(ept_map(e, gpa(0x200000), hpa(0x400000), PG_LEVEL_2M, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_protect(e, gpa(0x201000), EPTE_R, &flush), -EINVAL);
	assert_int_equal(ept_protect(e, gpa(0x200000), EPTE_R, &flush), 0);
	assert_true(flush);
	assert_int_equal(ept_protect(e, gpa(1ULL << 48), EPTE_R, &flush), -EINVAL);
}

static void test_young(void **state)
{
	struct fix *f = *state;
	struct ept *e = &f->ept;
	struct pt_walk_result r;
	bool young = true;

	assert_int_equal(ept_map(e, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB), 0);
	assert_int_equal(ept_test_and_clear_young(e, gpa(0x5000), &young), -EOPNOTSUPP);
	assert_false(young);
	e->ad = true;
	assert_int_equal(ept_eptp(e) & EPTP_AD_ENABLE, EPTP_AD_ENABLE);
	assert_int_equal(ept_test_and_clear_young(e, gpa(0x5000), &young), 0);
	assert_false(young);
	assert_int_equal(ept_walk(e, gpa(0x5000), &r), 0);
	*r.lvl[1].ptep |= EPTE_A | EPTE_D;
	assert_int_equal(ept_test_and_clear_young(e, gpa(0x5000), &young), 0);
	assert_true(young);
	assert_int_equal(*r.lvl[1].ptep & (EPTE_A | EPTE_D), EPTE_D); /* only A cleared */
	assert_int_equal(ept_test_and_clear_young(e, gpa(0x5000), &young), 0);
	assert_false(young);
	assert_int_equal(ept_test_and_clear_young(e, gpa(0x6000), &young), -ENOENT);
	assert_int_equal(ept_test_and_clear_young(e, gpa(0x5800), &young), -EINVAL);
}

static int count_young(void *ctx, uint64_t addr, unsigned int level, uint64_t *ptep)
{
	*(unsigned int *)ctx += eptep_test_and_clear_young(ptep);
	return 0;
}

/* Aging over all leaves, as reclaim will do it. */
static void test_age_all_leaves(void **state)
{
	struct fix *f = *state;
	struct pt_walk_result r;
	unsigned int young = 0;
	uint64_t g;

	for (g = 0; g < 8 * PAGE_SIZE; g += PAGE_SIZE)
		assert_int_equal(ept_map(&f->ept, gpa(g), hpa(0x100000 + g), PG_LEVEL_4K, RW,
					 EPT_MT_WB),
				 0);
	for (g = 0; g < 8 * PAGE_SIZE; g += 3 * PAGE_SIZE) {
		assert_int_equal(ept_walk(&f->ept, gpa(g), &r), 0);
		*r.lvl[1].ptep |= EPTE_A;
	}
	assert_int_equal(pt_for_each_leaf(&ept_format, f->ept.pt.root, count_young, &young), 0);
	assert_int_equal(young, 3);
	young = 0;
	assert_int_equal(pt_for_each_leaf(&ept_format, f->ept.pt.root, count_young, &young), 0);
	assert_int_equal(young, 0);
}

/* ---- dump and shell ---- */

static const struct shell_cmd *find_cmd(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static int run_ept_cmd(const char *arg)
{
	char a0[] = "ept", a1[32];
	char *argv[] = { a0, a1, NULL };

	if (!arg) {
		argv[1] = NULL;
		return find_cmd("ept")->fn(1, argv);
	}
	snprintf(a1, sizeof(a1), "%s", arg);
	return find_cmd("ept")->fn(2, argv);
}

static void test_dump_walk(void **state)
{
	struct fix *f = *state;
	struct pt_walk_result r;
	const char *out;

	assert_int_equal(ept_map(&f->ept, gpa(0x40000000), hpa(0x80200000), PG_LEVEL_2M,
				 RW | EPTE_X, EPT_MT_WB),
			 0);
	assert_int_equal(ept_walk(&f->ept, gpa(0x40012345), &r), 0);
	fake_console_reset();
	ept_dump_walk(&r);
	out = fake_console_text();
	assert_non_null(strstr(out, "PML4E[  0] 0x"));
	assert_non_null(strstr(out, ": R W X table -> 0x"));
	assert_non_null(strstr(out, "PDPTE[  1] 0x"));
	assert_non_null(strstr(out, "PDE  [  0] 0x00000000802000b7: R W X WB 2M page -> 0x80200000\n"));
	assert_non_null(strstr(out, "gpa 0x40012345 -> hpa 0x80212345\n"));
	assert_null(strstr(out, "MISCONFIG"));
	assert_null(strstr(out, "PTE  ["));

	ept_walk(&f->ept, gpa(0x40212345), &r);
	fake_console_reset();
	ept_dump_walk(&r);
	out = fake_console_text();
	assert_non_null(strstr(out, "PDE  [  1] 0x0000000000000000: not present\n"));
	assert_non_null(strstr(out, "gpa 0x40212345: not mapped\n"));

	ept_walk(&f->ept, gpa(1ULL << 48), &r);
	fake_console_reset();
	ept_dump_walk(&r);
	assert_non_null(strstr(fake_console_text(), "beyond the 48-bit"));

	/* A corrupted leaf is flagged. */
	ept_walk(&f->ept, gpa(0x40000000), &r);
	*r.lvl[2].ptep |= 1 << EPTE_MT_SHIFT; /* WB (6) becomes reserved type 7 */
	ept_walk(&f->ept, gpa(0x40000000), &r);
	fake_console_reset();
	ept_dump_walk(&r);
	assert_non_null(strstr(fake_console_text(), " mt7 2M page -> 0x80200000 MISCONFIG\n"));
}

static void test_shell_command(void **state)
{
	struct fix *f = *state;

	assert_non_null(find_cmd("ept"));
	assert_int_equal(run_ept_cmd("0x1000"), -ENODEV);
	ept_shell_set(&f->ept);
	assert_int_equal(run_ept_cmd("nonsense"), -EINVAL);
	assert_int_equal(ept_map(&f->ept, gpa(0x5000), hpa(0x7000), PG_LEVEL_4K, RW, EPT_MT_WB), 0);
	fake_console_reset();
	assert_int_equal(run_ept_cmd("0x5008"), 0);
	assert_non_null(strstr(fake_console_text(), "PTE  [  5] 0x0000000000007033: R W - WB 4K page"));
	assert_non_null(strstr(fake_console_text(), "gpa 0x5008 -> hpa 0x7008\n"));
	fake_console_reset();
	assert_int_equal(run_ept_cmd(NULL), 0);
	assert_non_null(strstr(fake_console_text(), "tables 4 leaves 4K 1 2M 0"));
	/* Destroying the EPT the shell looks at detaches it. */
	ept_destroy(&f->ept);
	assert_int_equal(run_ept_cmd("0x5008"), -ENODEV);
}

/* ---- collapsing a 4K table into a 2M leaf ---- */

#define C_GPA 0x40200000ULL /* a 2 MiB-aligned gpa */
#define C_HPA 0x80400000ULL /* a 2 MiB-aligned (made-up) hpa */

/* map_4k_run: 4K leaves for gfns first..last of C_GPA's region, in place. */
static void map_4k_run(struct ept *e, unsigned int first, unsigned int last, unsigned int perms)
{
	for (unsigned int i = first; i <= last; i++)
		assert_int_equal(ept_map(e, gpa(C_GPA + i * PAGE_SIZE), hpa(C_HPA + i * PAGE_SIZE),
					 PG_LEVEL_4K, perms, EPT_MT_WB),
				 0);
}

static void test_collapse_full_table(void **state)
{
	struct fix *f = *state;
	unsigned int frees = f->a.frees, level;
	unsigned long tables;
	bool flush = false;
	hpa_t h;
	epte_t leaf;

	map_4k_run(&f->ept, 0, 511, RWX);
	tables = f->ept.pt.nr_tables;
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 512);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush), 0);
	assert_true(flush);
	assert_int_equal(f->a.frees, frees + 1); /* the page table, and nothing else */
	assert_int_equal(f->ept.pt.nr_tables, tables - 1);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 0);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_2M], 1);
	assert_int_equal(ept_lookup(&f->ept, gpa(C_GPA + 0x1fffff), &h, &leaf, &level), 0);
	assert_int_equal(level, PG_LEVEL_2M);
	assert_int_equal(h.v, C_HPA + 0x1fffff);
	assert_int_equal(leaf.v, C_HPA | RWX | (EPT_MT_WB << 3) | EPTE_LARGE);
	assert_false(epte_is_misconfig(leaf, PG_LEVEL_2M));
	/* Once more: a 2M leaf is there, nothing to do, nothing to flush. */
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush),
			 -EEXIST);
	assert_false(flush);
	/* Unmapping the 2M leaf works as for one made by ept_map(). */
	assert_int_equal(ept_unmap(&f->ept, gpa(C_GPA), &flush), 0);
	assert_true(flush);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_2M], 0);
}

/* A table with holes collapses too (the caller vouches for the hpas); the
 * leaves' accessed/dirty flags survive on the 2M leaf. */
static void test_collapse_partial_keeps_ad(void **state)
{
	struct fix *f = *state;
	struct pt_walk_result r;
	bool flush;
	epte_t leaf;

	map_4k_run(&f->ept, 3, 5, RWX);
	map_4k_run(&f->ept, 500, 500, RWX);
	assert_int_equal(ept_walk(&f->ept, gpa(C_GPA + 4 * PAGE_SIZE), &r), 0);
	*r.lvl[1].ptep |= EPTE_A | EPTE_D; /* as the CPU would with A/D on */
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush), 0);
	assert_true(flush);
	assert_int_equal(ept_lookup(&f->ept, gpa(C_GPA), NULL, &leaf, NULL), 0);
	assert_int_equal(leaf.v & (EPTE_A | EPTE_D), EPTE_A | EPTE_D);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 0);
}

/* Collapsing must not change what any gpa maps to, nor widen rights. */
static void test_collapse_refuses_mismatch(void **state)
{
	struct fix *f = *state;
	unsigned int frees = f->a.frees;
	bool flush = true;
	hpa_t h;

	map_4k_run(&f->ept, 0, 9, RWX);
	/* gfn 10 backed by a frame from elsewhere. */
	assert_int_equal(ept_map(&f->ept, gpa(C_GPA + 10 * PAGE_SIZE), hpa(0x9000), PG_LEVEL_4K,
				 RWX, EPT_MT_WB),
			 0);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush),
			 -EBUSY);
	assert_false(flush);
	assert_int_equal(f->a.frees, frees);
	assert_int_equal(ept_lookup(&f->ept, gpa(C_GPA + 10 * PAGE_SIZE), &h, NULL, NULL), 0);
	assert_int_equal(h.v, 0x9000);
	assert_int_equal(ept_unmap(&f->ept, gpa(C_GPA + 10 * PAGE_SIZE), &flush), 0);
	/* gfn 10 read-only: a collapse to RWX would widen it. */
	map_4k_run(&f->ept, 10, 10, EPTE_R);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush),
			 -EBUSY);
	/* Another memory type. */
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), EPTE_R, EPT_MT_UC, &flush),
			 -EBUSY);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 11);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_2M], 0);
}

static void test_collapse_invalid(void **state)
{
	struct fix *f = *state;
	bool flush = true;

	/* Nothing mapped at all, or no PD there: nothing to collapse. */
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush),
			 -ENOENT);
	assert_false(flush);
	map_4k_run(&f->ept, 0, 0, RWX);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA + HUGE_2M_SIZE), hpa(C_HPA), RWX,
				      EPT_MT_WB, &flush),
			 -ENOENT);
	/* Misaligned gpa or hpa, bad rights or type, hpa beyond MAXPHYADDR, gpa beyond 48 bits. */
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA + PAGE_SIZE), hpa(C_HPA), RWX,
				      EPT_MT_WB, &flush),
			 -EINVAL);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA + PAGE_SIZE), RWX,
				      EPT_MT_WB, &flush),
			 -EINVAL);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA + 1), RWX, EPT_MT_WB, &flush),
			 -EINVAL);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), EPTE_W, EPT_MT_WB, &flush),
			 -EINVAL);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, 7, &flush), -EINVAL);
	assert_int_equal(ept_set_caps(36, true, true), 0);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(1ULL << 40), RWX, EPT_MT_WB,
				      &flush),
			 -EINVAL);
	assert_int_equal(ept_collapse(&f->ept, gpa(1ULL << 48), hpa(C_HPA), RWX, EPT_MT_WB,
				      &flush),
			 -EINVAL);
	assert_false(flush);
	assert_int_equal(f->ept.nr_leaves[PG_LEVEL_4K], 1);
}

/* `ept <gpa>` shows the collapsed leaf as a 2M page. */
static void test_collapse_shell_walk(void **state)
{
	struct fix *f = *state;
	const char *out;
	bool flush;

	map_4k_run(&f->ept, 0, 511, RWX);
	assert_int_equal(ept_collapse(&f->ept, gpa(C_GPA), hpa(C_HPA), RWX, EPT_MT_WB, &flush), 0);
	ept_shell_set(&f->ept);
	fake_console_reset();
	assert_int_equal(run_ept_cmd("0x40212345"), 0);
	out = fake_console_text();
	assert_non_null(strstr(out, "PDE  [  1] 0x00000000804000b7: R W X WB 2M page -> 0x80400000\n"));
	assert_non_null(strstr(out, "gpa 0x40212345 -> hpa 0x80412345\n"));
	assert_null(strstr(out, "PTE  ["));
	fake_console_reset();
	assert_int_equal(run_ept_cmd(NULL), 0);
	assert_non_null(strstr(fake_console_text(), "tables 3 leaves 4K 0 2M 1"));
}

/* ---- a guest page-table walk through the EPT (gva -> gpa) ---- */

#define G_PML4 0x10000ULL
#define G_PDPT 0x11000ULL
#define G_PD 0x12000ULL
#define G_PT 0x13000ULL
#define G_HOLE 0x14000ULL /* not mapped in the EPT */
#define G_XONLY 0x15000ULL /* mapped execute-only: not readable */

static uint64_t gpages[6][512] __aligned(4096);

static void build_guest(struct ept *e)
{
	static const uint64_t gpas[] = { G_PML4, G_PDPT, G_PD, G_PT };
	const uint64_t t = PTE_P | PTE_RW | PTE_US;

	memset(gpages, 0, sizeof(gpages));
	for (unsigned int i = 0; i < ARRAY_SIZE(gpas); i++)
		assert_int_equal(ept_map(e, gpa(gpas[i]), ptr_to_hpa(gpages[i]), PG_LEVEL_4K, RW,
					 EPT_MT_WB),
				 0);
	assert_int_equal(ept_map(e, gpa(G_XONLY), ptr_to_hpa(gpages[5]), PG_LEVEL_4K, EPTE_X,
				 EPT_MT_WB),
			 0);
	gpages[0][0] = G_PDPT | t;
	gpages[0][1] = G_HOLE | t;
	gpages[0][2] = G_XONLY | t;
	gpages[1][0] = G_PD | t;
	gpages[2][0] = G_PT | t;
	gpages[2][1] = 0x600000 | t | PTE_PS;
	gpages[3][7] = 0x345000 | t;
}

static void test_guest_walk_through_ept(void **state)
{
	struct fix *f = *state;
	struct pt_format g;
	struct pt_xlate xl = { ept_table_ptr, &f->ept };
	struct pt_walk_result r;

	build_guest(&f->ept);
	assert_int_equal(pt_format_ia32e(&g, 46, true, true), 0);
	assert_int_equal(pt_walk_guest(&g, &xl, G_PML4, 0x7123, &r), 0);
	assert_int_equal(r.out, 0x345123);
	assert_ptr_equal(r.lvl[1].ptep, &gpages[3][7]);
	assert_int_equal(pt_walk_guest(&g, &xl, G_PML4, 0x2abcde, &r), 0);
	assert_int_equal(r.out, 0x6abcde);
	assert_int_equal(pt_walk_guest(&g, &xl, G_PML4, 1ULL << 39, &r), -EFAULT);
	assert_int_equal(r.lvl[3].table, G_HOLE);
	assert_int_equal(pt_walk_guest(&g, &xl, G_PML4, 2ULL << 39, &r), -EFAULT);
	assert_int_equal(r.lvl[3].table, G_XONLY);
	assert_int_equal(pt_walk_guest(&g, &xl, G_HOLE, 0, &r), -EFAULT);
	assert_int_equal(r.level, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_masks_match_sdm),
		cmocka_unit_test(test_eptp),
		cmocka_unit_test(test_entry_helpers),
		cmocka_unit_test_setup_teardown(test_misconfig_rights, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misconfig_memtype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misconfig_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misconfig_not_present, setup, teardown),
		cmocka_unit_test(test_violation_kinds),
		cmocka_unit_test(test_violation_decode),
		cmocka_unit_test_setup_teardown(test_map_lookup_4k_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_records_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_and_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_young, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age_all_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shell_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_walk_through_ept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_full_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_partial_keeps_ad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_refuses_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_shell_walk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
