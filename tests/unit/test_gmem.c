/*
 * test_gmem.c - guest RAM backing with 2 MiB reservations (mm/gmem.c) and
 * the EPT-violation path that maps it (ept/fault.c): reservation on first
 * touch, in-order backing with zeroing on demand, frame metadata, the
 * collapse to a 2M leaf on the 512th frame (table freed, one INVEPT), a
 * loader-filled region mapped 2M at once, fallback to 4K without a free
 * block or without CPU support, the partial region at the end of RAM,
 * destroy freeing every frame once, and hostile gpas.
 *
 * Host RAM is tests/fake/ram_fake.c's buffer run by the real frame
 * allocator; EPT table pages come from it too (FRAME_EPT), so leaks show
 * in the frame counts. The guest is the_vm, so the `vm` command sees it.
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
#include "frame.h"
#include "gmem.h"
#include "hw_fake.h"
#include "ram_fake.h"
#include "shell.h"
#include "vmexit.h"
#include "vmx.h"
#include "vmx_defs.h"
#include "vmx_fake.h"

#define HOST_POOL MiB(64) /* 32 blocks of 2 MiB, the first partly metadata */
#define GUEST_RAM MiB(16) /* 8 regions */
#define NR GMEM_REGION_FRAMES
#define POISON 0xaa

static uint8_t *pool;
static struct vm *const vm = &the_vm;
static uint64_t free_at_start; /* free frames before the guest existed */

static int ept_frame_alloc(void *ctx, hpa_t *out)
{
	return frame_alloc_zeroed(FRAME_EPT, out);
}

static void ept_frame_free(void *ctx, hpa_t page)
{
	frame_free(page);
}

static const struct pt_ops ept_frame_ops = { ept_frame_alloc, ept_frame_free };

/* poison_free_frames: stale data everywhere a guest frame could come from. */
static void poison_free_frames(void)
{
	for (uint64_t a = (uintptr_t)pool; a < (uintptr_t)pool + HOST_POOL; a += PAGE_SIZE) {
		struct frame_meta *m = frame_meta_hpa(hpa(a));

		if (m && m->owner == FRAME_FREE)
			memset(hpa_to_ptr(hpa(a)), POISON, PAGE_SIZE);
	}
}

/* vm_start: a guest of ram bytes. A first gmem_init/destroy warms kalloc
 * up (it keeps one empty slab per size class), so free_at_start is exact. */
static void vm_start(uint64_t ram)
{
	struct gmem warm;

	ept_destroy(&vm->ept);
	gmem_destroy(&vm->mem);
	memset(vm, 0, sizeof(*vm));
	vm->state = VM_RUNNING;
	vm->exit_status = -1;
	assert_int_equal(gmem_init(&warm, ram), 0);
	gmem_destroy(&warm);
	free_at_start = frame_count(FRAME_FREE);
	assert_int_equal(gmem_init(&vm->mem, ram), 0);
	assert_int_equal(ept_init(&vm->ept, &ept_frame_ops, NULL), 0);
}

/* The CPU: 2M EPT pages and single-context INVEPT. */
static void caps_set(uint64_t ept_caps)
{
	memset(&vmx_caps, 0, sizeof(vmx_caps));
	vmx_caps.ept_vpid_valid = true;
	vmx_caps.ept_vpid_cap = ept_caps;
}

FAKE_RAM_GROUP(pool, HOST_POOL)

static int setup(void **state)
{
	fake_hw_reset();
	fake_vmx_reset();
	fake_console_reset();
	memset(vm, 0, sizeof(*vm));
	assert_int_equal(fake_ram_reset(pool, HOST_POOL), 0);
	assert_int_equal(ept_set_caps(52, true, true), 0);
	caps_set(VMX_EPT_2MB_PAGE_BIT | VMX_EPT_EXTENT_CONTEXT_BIT);
	poison_free_frames();
	vm_start(GUEST_RAM);
	return 0;
}

/* Every test ends with the guest destroyed and every frame back. */
static int teardown(void **state)
{
	ept_shell_set(NULL);
	ept_destroy(&vm->ept);
	gmem_destroy(&vm->mem);
	assert_int_equal(frame_count(FRAME_GUEST), 0);
	assert_int_equal(frame_count(FRAME_EPT), 0);
	assert_int_equal(frame_count(FRAME_FREE), free_at_start);
	memset(vm, 0, sizeof(*vm));
	return 0;
}

/* touch: an EPT violation, as a guest write to a not-present gpa makes. */
static int touch(uint64_t a)
{
	struct vmexit e = { .qual = EPT_VIOLATION_ACC_WRITE, .gpa = gpa(a) };

	return ept_handle_violation(vm, &e);
}

static uint64_t gfn_of_region(unsigned int r, unsigned int i)
{
	return ((uint64_t)r << GMEM_REGION_SHIFT) + i;
}

static hfn_t backing(uint64_t g)
{
	hfn_t f = hfn(0);

	assert_int_equal(gmem_backing(&vm->mem, gfn(g), false, &f, NULL), 0);
	return f;
}

static bool frame_is(hfn_t f, uint8_t byte)
{
	const uint8_t *p = hpa_to_ptr(hfn_to_hpa(f));

	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (p[i] != byte)
			return false;
	return true;
}

/* mapped_level: the EPT leaf level mapping gpa a (0: none) and its hpa. */
static unsigned int mapped_level(uint64_t a, hpa_t *h)
{
	unsigned int level = 0;

	if (ept_lookup(&vm->ept, gpa(a), h, NULL, &level))
		return 0;
	return level;
}

/* ---- reservations ---- */

static void test_reserve_on_first_touch(void **state)
{
	const struct gmem_region *r = &vm->mem.regions[1];
	uint64_t g = gfn_of_region(1, 5);
	struct frame_meta *m;
	hfn_t f;
	hpa_t h;

	assert_int_equal(touch(g << PAGE_SHIFT), 0);
	assert_int_equal(vm->mem.stats.reservations, 1);
	assert_int_equal(vm->mem.stats.reserved, NR - 1);
	assert_int_equal(vm->mem.nr_backed, 1);
	assert_int_equal(vm->stats.frames_backed, 1);
	assert_int_equal(frame_count(FRAME_GUEST), NR); /* the whole block is the guest's */
	assert_int_equal(r->state, GMEM_R_RESERVED);
	assert_int_equal(r->nr_backed, 1);
	assert_true(IS_ALIGNED(r->block.v, NR));
	/* Backed by the frame at the same offset, zeroed; mapped 4K. */
	assert_int_equal(backing(g).v, r->block.v + 5);
	assert_true(frame_is(backing(g), 0));
	assert_int_equal(mapped_level((g << PAGE_SHIFT) + 0x123, &h), PG_LEVEL_4K);
	assert_int_equal(h.v, hfn_to_hpa(r->block).v + 5 * PAGE_SIZE + 0x123);
	/* The untouched frames are not zeroed yet (zeroing stays on demand),
	 * not backed, not mapped. */
	assert_true(frame_is(hfn(r->block.v + 6), POISON));
	assert_int_equal(gmem_backing(&vm->mem, gfn(g + 1), false, &f, NULL), -ENOENT);
	assert_int_equal(mapped_level((g + 1) << PAGE_SHIFT, &h), 0);
	/* Metadata: every block frame names its gfn; untouched ones say so. */
	m = frame_meta(hfn(r->block.v + 5));
	assert_int_equal(m->owner, FRAME_GUEST);
	assert_int_equal(m->gfn.v, g);
	assert_int_equal(m->tag, GMEM_TAG_BLOCK);
	m = frame_meta(hfn(r->block.v + 511));
	assert_int_equal(m->owner, FRAME_GUEST);
	assert_int_equal(m->gfn.v, gfn_of_region(1, 511));
	assert_int_equal(m->tag, GMEM_TAG_BLOCK | GMEM_TAG_UNTOUCHED);
	/* A second touch in the region reserves nothing more. */
	assert_int_equal(touch((g + 1) << PAGE_SHIFT), 0);
	assert_int_equal(vm->mem.stats.reservations, 1);
	assert_true(frame_is(backing(g + 1), 0));
	assert_int_equal(frame_meta(backing(g + 1))->tag, GMEM_TAG_BLOCK);
	assert_int_equal(fake_invept_calls(), 0);
}

/* Whatever the order of first touches, gfn i gets block + i; the region
 * is huge-mappable exactly when the last one is backed. */
static void test_in_order_backing(void **state)
{
	const struct gmem_region *r = &vm->mem.regions[3];
	hfn_t f, block;
	unsigned int i, n = 0;

	/* 509 is prime to 512: this order visits every offset once, scattered. */
	for (i = 7; n < NR; i = (i + 509) % NR, n++) {
		assert_int_equal(gmem_huge_backing(&vm->mem, gfn(gfn_of_region(3, 0)), &block),
				 -ENOENT);
		assert_int_equal(gmem_backing(&vm->mem, gfn(gfn_of_region(3, i)), true, &f, NULL), 0);
		assert_int_equal(f.v, r->block.v + i);
		assert_int_equal(frame_meta(f)->gfn.v, gfn_of_region(3, i));
	}
	assert_int_equal(r->nr_backed, NR);
	assert_int_equal(vm->mem.stats.reserved, 0);
	assert_int_equal(gmem_huge_backing(&vm->mem, gfn(gfn_of_region(3, 77)), &block), 0);
	assert_int_equal(block.v, r->block.v);
	for (i = 0; i < NR; i++) {
		assert_true(frame_is(hfn(block.v + i), 0));
		assert_int_equal(frame_meta(hfn(block.v + i))->tag, GMEM_TAG_BLOCK);
	}
	/* Its neighbours are not. */
	assert_int_equal(gmem_huge_backing(&vm->mem, gfn(gfn_of_region(2, 0)), &block), -ENOENT);
	assert_int_equal(gmem_huge_backing(&vm->mem, gfn(gfn_of_region(4, 0)), &block), -ENOENT);
}

/* ---- promotion ---- */

static void test_promote_on_512th(void **state)
{
	const struct gmem_region *r = &vm->mem.regions[2];
	uint64_t base = gfn_of_region(2, 0) << PAGE_SHIFT;
	unsigned long tables;
	uint64_t ept_frames;
	hpa_t h;

	for (unsigned int i = 0; i < NR - 1; i++)
		assert_int_equal(touch(base + i * PAGE_SIZE + 8), 0);
	assert_int_equal(vm->ept.nr_leaves[PG_LEVEL_4K], NR - 1);
	assert_int_equal(vm->stats.large_maps, 0);
	assert_int_equal(fake_invept_calls(), 0);
	tables = vm->ept.pt.nr_tables;
	ept_frames = frame_count(FRAME_EPT);

	assert_int_equal(touch(base + (NR - 1) * PAGE_SIZE), 0);
	assert_int_equal(mapped_level(base + 0x1ff123, &h), PG_LEVEL_2M);
	assert_int_equal(h.v, hfn_to_hpa(r->block).v + 0x1ff123);
	assert_int_equal(vm->ept.nr_leaves[PG_LEVEL_4K], 0);
	assert_int_equal(vm->ept.nr_leaves[PG_LEVEL_2M], 1);
	assert_int_equal(vm->ept.pt.nr_tables, tables - 1); /* the page table is gone */
	assert_int_equal(frame_count(FRAME_EPT), ept_frames - 1);
	assert_int_equal(fake_invept_calls(), 1); /* exactly one flush */
	assert_int_equal(vm->stats.ept_flushes, 1);
	assert_int_equal(vm->stats.large_maps, 1);
	assert_int_equal(vm->stats.promotions, 1);
	assert_int_equal(vm->stats.frames_backed, NR);
	/* A spurious violation inside the 2M leaf changes nothing. */
	assert_int_equal(touch(base + 0x3000), 0);
	assert_int_equal(fake_invept_calls(), 1);
	assert_int_equal(vm->stats.large_maps, 1);
	assert_int_equal(vm->state, VM_RUNNING);
	/* `ept <gpa>` shows the 2M leaf. */
	ept_shell_set(&vm->ept);
	fake_console_reset();
	assert_int_equal(shell_exec((char[]){ "ept 0x5ff123" }), 0);
	assert_non_null(strstr(fake_console_text(), "R W X WB 2M page -> 0x"));
	assert_null(strstr(fake_console_text(), "PTE  ["));
	/* `vm` prints the counters. */
	fake_console_reset();
	assert_int_equal(shell_exec((char[]){ "vm" }), 0);
	assert_non_null(strstr(fake_console_text(),
			       "2M maps 1 (1 collapsed from 4K), INVEPTs 1; reservations 1, "
			       "0 frames reserved not backed, 0 fallbacks to 4K\n"));
}

/* Without single-context INVEPT the flush is all-context: still one. */
static void test_promote_all_context_flush(void **state)
{
	uint64_t base = gfn_of_region(0, 0) << PAGE_SHIFT;

	caps_set(VMX_EPT_2MB_PAGE_BIT | VMX_EPT_EXTENT_GLOBAL_BIT);
	for (unsigned int i = 0; i < NR; i++)
		assert_int_equal(touch(base + i * PAGE_SIZE), 0);
	assert_int_equal(mapped_level(base, NULL), PG_LEVEL_2M);
	assert_int_equal(fake_invept_calls(), 1);
}

/* A region the loader filled (gmem_write) maps 2M on its first violation,
 * with no page table and no flush. */
static void test_loader_prebacked_maps_2m(void **state)
{
	static uint8_t image[MiB(3)];
	uint64_t base = gfn_of_region(2, 0) << PAGE_SHIFT;
	unsigned long tables;
	hpa_t h;

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + 1);
	/* 3 MiB from 3 MiB: region 1's upper half, all of region 2. */
	assert_int_equal(gmem_write(&vm->mem, gpa(MiB(3)), image, sizeof(image)), 0);
	assert_int_equal(vm->mem.stats.reservations, 2);
	assert_int_equal(vm->mem.stats.reserved, NR / 2); /* region 1's lower half */
	tables = vm->ept.pt.nr_tables;
	assert_int_equal(touch(base + 0x12345), 0);
	assert_int_equal(mapped_level(base, &h), PG_LEVEL_2M);
	assert_int_equal(memcmp(hpa_to_ptr(h), image + MiB(1), MiB(2)), 0);
	assert_int_equal(vm->stats.large_maps, 1);
	assert_int_equal(vm->stats.promotions, 0);
	assert_int_equal(fake_invept_calls(), 0);
	assert_int_equal(vm->stats.frames_backed, 0); /* the loader backed them */
	assert_int_equal(vm->ept.pt.nr_tables, tables + 2); /* PDPT and PD, no PT */
	/* Region 1 is half backed: 4K. */
	assert_int_equal(touch(MiB(3)), 0);
	assert_int_equal(mapped_level(MiB(3), NULL), PG_LEVEL_4K);
}

/* ---- fallbacks ---- */

/* grab_blocks: take every free 2 MiB block, then give back frames 1..64 of
 * each, so single frames abound but no aligned run of 512 is free. */
static unsigned int grab_blocks(hpa_t *held, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && !frame_alloc_contig(FRAME_PAGODA, NR, NR, &held[n]))
		n++;
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 1; j <= 64; j++)
			frame_free(hpa(held[i].v + j * PAGE_SIZE));
	return n;
}

static void release_blocks(const hpa_t *held, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		frame_free(held[i]);
		frame_free_contig(hpa(held[i].v + 65 * PAGE_SIZE), NR - 65);
	}
}

static void test_fallback_when_no_block(void **state)
{
	const struct gmem_region *r = &vm->mem.regions[4];
	uint64_t base = gfn_of_region(4, 0) << PAGE_SHIFT;
	hpa_t held[32];
	unsigned int n = grab_blocks(held, 32);
	hfn_t block;

	assert_true(n > 20);
	for (unsigned int i = 0; i < NR; i++)
		assert_int_equal(touch(base + i * PAGE_SIZE), 0);
	assert_int_equal(r->state, GMEM_R_SMALL);
	assert_int_equal(vm->mem.stats.fallbacks, 1); /* once per region, not per frame */
	assert_int_equal(vm->mem.stats.reservations, 0);
	assert_int_equal(vm->mem.nr_backed, NR);
	assert_int_equal(gmem_huge_backing(&vm->mem, gfn(gfn_of_region(4, 0)), &block), -ENOENT);
	assert_int_equal(mapped_level(base + 0x1ff000, NULL), PG_LEVEL_4K);
	assert_int_equal(vm->ept.nr_leaves[PG_LEVEL_4K], NR);
	assert_int_equal(vm->stats.large_maps, 0);
	assert_int_equal(fake_invept_calls(), 0);
	assert_true(frame_is(backing(gfn_of_region(4, 100)), 0));
	assert_int_equal(frame_meta(backing(gfn_of_region(4, 100)))->gfn.v, gfn_of_region(4, 100));
	assert_int_equal(frame_meta(backing(gfn_of_region(4, 100)))->tag, 0);
	/* Blocks free again: a new region reserves, the fallen-back one stays 4K. */
	release_blocks(held, n);
	assert_int_equal(touch(gfn_of_region(5, 0) << PAGE_SHIFT), 0);
	assert_int_equal(vm->mem.stats.reservations, 1);
	assert_int_equal(r->state, GMEM_R_SMALL);
}

/* A CPU without 2M EPT pages: reservations still fill in order, maps stay 4K. */
static void test_no_2m_ept_support(void **state)
{
	uint64_t base = gfn_of_region(6, 0) << PAGE_SHIFT;

	caps_set(VMX_EPT_EXTENT_CONTEXT_BIT);
	for (unsigned int i = 0; i < NR; i++)
		assert_int_equal(touch(base + i * PAGE_SIZE), 0);
	assert_int_equal(mapped_level(base, NULL), PG_LEVEL_4K);
	assert_int_equal(vm->stats.large_maps, 0);
	assert_int_equal(fake_invept_calls(), 0);
}

/* Guest RAM of 17 MiB: the region [16, 18) MiB is partly outside RAM and
 * never gets a block, whatever is touched. */
static void test_region_straddling_end(void **state)
{
	uint64_t g = MiB(16) >> PAGE_SHIFT;
	hfn_t block;

	vm_start(MiB(17));
	assert_int_equal(vm->mem.nr_regions, 8);
	for (uint64_t i = 0; i < 256; i++)
		assert_int_equal(touch((g + i) << PAGE_SHIFT), 0);
	assert_int_equal(vm->mem.stats.reservations, 0);
	assert_int_equal(vm->mem.stats.fallbacks, 0);
	assert_int_equal(frame_count(FRAME_GUEST), 256);
	assert_int_equal(gmem_huge_backing(&vm->mem, gfn(g), &block), -ENOENT);
	assert_int_equal(mapped_level(MiB(16), NULL), PG_LEVEL_4K);
	assert_int_equal(vm->stats.large_maps, 0);
	/* The last whole region still works. */
	assert_int_equal(touch(MiB(16) - 1), 0);
	assert_int_equal(vm->mem.stats.reservations, 1);
	/* Just past RAM: not RAM, nothing backed. */
	touch(MiB(17));
	assert_int_equal(frame_count(FRAME_GUEST), 256 + NR);
}

/* ---- teardown and hostile input ---- */

/* Every kind of frame at once; teardown() checks the counts come back. */
static void test_destroy_frees_all(void **state)
{
	static const uint8_t data[PAGE_SIZE * 3] = { 1, 2, 3 };
	hpa_t held[32];
	unsigned int n;

	for (unsigned int i = 0; i < NR; i++) /* region 0: collapsed to 2M */
		assert_int_equal(touch(i * PAGE_SIZE), 0);
	assert_int_equal(touch(MiB(2) + 0x5000), 0); /* region 1: 1 of 512 touched */
	assert_int_equal(gmem_write(&vm->mem, gpa(MiB(5) - PAGE_SIZE), data, sizeof(data)), 0);
	n = grab_blocks(held, 32); /* region 7: fallback frames */
	assert_int_equal(touch(MiB(14) + 0x1000), 0);
	assert_int_equal(touch(MiB(15)), 0);
	release_blocks(held, n);
	assert_int_equal(vm->stats.large_maps, 1);
	assert_int_equal(vm->mem.stats.reservations, 3);
	assert_int_equal(vm->mem.stats.fallbacks, 1);
	assert_int_equal(frame_count(FRAME_GUEST), 3 * NR + 2);
	assert_int_equal(vm->mem.nr_backed, NR + 1 + 3 + 2);
	assert_int_equal(vm->mem.stats.reserved, 2 * NR - 4);
	/* Explicitly here too, and twice: the second is a no-op. */
	gmem_destroy(&vm->mem);
	gmem_destroy(&vm->mem);
	assert_int_equal(frame_count(FRAME_GUEST), 0);
}

static void test_hostile_gpas(void **state)
{
	static const uint64_t outside[] = { GUEST_RAM, GUEST_RAM + MiB(2), GiB(4) - 1,
					    1ULL << 47, 1ULL << 52, ~0ULL };
	struct vmexit e = { .qual = ~0ULL, .gpa = gpa(GUEST_RAM - 1) };
	struct gmem bad;
	hfn_t f;
	uint8_t b = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(outside); i++) {
		vm->state = VM_RUNNING;
		touch(outside[i]); /* the MMIO path's business: not RAM's */
		assert_int_equal(vm->mem.nr_backed, 0);
		assert_int_equal(vm->mem.stats.reservations, 0);
		assert_int_equal(gmem_backing(&vm->mem, gfn(outside[i] >> PAGE_SHIFT), true, &f, NULL),
				 -EFAULT);
		assert_int_equal(gmem_huge_backing(&vm->mem, gfn(outside[i] >> PAGE_SHIFT), &f),
				 -EFAULT);
	}
	assert_int_equal(frame_count(FRAME_GUEST), 0);
	assert_int_equal(vm->ept.nr_leaves[PG_LEVEL_4K] + vm->ept.nr_leaves[PG_LEVEL_2M], 0);
	/* Copies running past the end are refused whole, reserving nothing. */
	assert_int_equal(gmem_write(&vm->mem, gpa(GUEST_RAM - 1), &b, 2), -EFAULT);
	assert_int_equal(gmem_write(&vm->mem, gpa(~0ULL), &b, 2), -EFAULT);
	assert_int_equal(vm->mem.stats.reservations, 0);
	/* The last byte of RAM, with every qualification bit set: backed and mapped. */
	vm->state = VM_RUNNING;
	assert_int_equal(ept_handle_violation(vm, &e), 0);
	assert_int_equal(mapped_level(GUEST_RAM - 1, NULL), PG_LEVEL_4K);
	assert_int_equal(vm->mem.regions[7].nr_backed, 1);
	/* Bad sizes. */
	assert_int_equal(gmem_init(&bad, GMEM_MIN_SIZE - PAGE_SIZE), -EINVAL);
	assert_int_equal(gmem_init(&bad, GMEM_MAX_SIZE + MiB(2)), -EINVAL);
	assert_int_equal(gmem_init(&bad, GUEST_RAM + 1), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reserve_on_first_touch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_order_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_on_512th, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promote_all_context_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loader_prebacked_maps_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fallback_when_no_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_2m_ept_support, setup, teardown),
		cmocka_unit_test_setup_teardown(test_region_straddling_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_frees_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_gpas, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
