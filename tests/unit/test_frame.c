/*
 * test_frame.c - the frame allocator over memory maps describing a real
 * host buffer (hpa == pointer), so metadata writes and zeroing hit memory
 * that ASan watches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console_fake.h"
#include "errcode.h"
#include "frame.h"
#include "shell.h"

#define BUF_SIZE MiB(64)
#define META_PER_FRAME sizeof(struct frame_meta)

static uint8_t *buf;
static uint64_t B; /* the buffer's address: "physical" in these tests */
static struct boot_info bi;

static void map_reset(void)
{
	memset(&bi, 0, sizeof(bi));
}

static void map_add(uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(bi.nr_mmap < BOOT_MAX_MMAP);
	bi.mmap[bi.nr_mmap++] = (struct mem_range){ hpa(base), len, type };
}

static struct mem_range resv(uint64_t base, uint64_t len, uint32_t type)
{
	return (struct mem_range){ hpa(base), len, type };
}

static struct frame_meta *meta_at(uint64_t a)
{
	return frame_meta_hpa(hpa(a));
}

static int owner_at(uint64_t a)
{
	struct frame_meta *m = meta_at(a);
	return m ? m->owner : -1;
}

static uint64_t meta_frames(uint64_t frames)
{
	return (frames * META_PER_FRAME + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Allocate every free frame for owner; returns how many, fills out[]. */
static unsigned int alloc_all(enum frame_owner owner, hpa_t *out, unsigned int max)
{
	unsigned int n = 0;
	hpa_t a;

	while (frame_alloc(owner, &a) == 0) {
		assert_true(n < max);
		out[n++] = a;
	}
	return n;
}

/* Runs fn in a child; passes when the child dies of abort() (CHECK). */
static void expect_death(void (*fn)(uint64_t), uint64_t arg)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static int group_setup(void **state)
{
	buf = aligned_alloc(MiB(2), BUF_SIZE);
	B = (uint64_t)(uintptr_t)buf;
	return buf ? 0 : -1;
}

static int group_teardown(void **state)
{
	free(buf);
	return 0;
}

static int setup(void **state)
{
	map_reset();
	fake_console_reset();
	return 0;
}

static void test_single_range(void **state)
{
	uint64_t frames = BUF_SIZE / PAGE_SIZE, nmeta = meta_frames(frames);

	map_add(B, BUF_SIZE, MEM_USABLE);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_total(), frames);
	assert_int_equal(frame_count(FRAME_META), nmeta);
	assert_int_equal(frame_count(FRAME_FREE), frames - nmeta);
	/* The table goes at the lowest fit: the start of the buffer. */
	assert_int_equal(owner_at(B), FRAME_META);
	assert_int_equal(owner_at(B + (nmeta - 1) * PAGE_SIZE), FRAME_META);
	assert_int_equal(owner_at(B + nmeta * PAGE_SIZE), FRAME_FREE);
	assert_null(meta_at(B - PAGE_SIZE));
	assert_null(meta_at(B + BUF_SIZE));
	assert_int_equal(frame_meta_hfn(meta_at(B + MiB(5))).v, (B + MiB(5)) >> PAGE_SHIFT);
}

static void test_alloc_free_zeroed(void **state)
{
	uint64_t nmeta = meta_frames(BUF_SIZE / PAGE_SIZE);
	hpa_t a, b;

	map_add(B, BUF_SIZE, MEM_USABLE);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_alloc(FRAME_EPT, &a), 0);
	assert_int_equal(a.v, B + nmeta * PAGE_SIZE); /* ascending at boot */
	assert_int_equal(owner_at(a.v), FRAME_EPT);
	assert_int_equal(frame_count(FRAME_EPT), 1);
	memset(hpa_to_ptr(a), 0xaa, PAGE_SIZE);
	frame_free(a);
	assert_int_equal(frame_count(FRAME_EPT), 0);
	assert_int_equal(owner_at(a.v), FRAME_FREE);
	assert_int_equal(frame_alloc_zeroed(FRAME_SHADOW, &b), 0);
	assert_int_equal(b.v, a.v); /* a freed frame is reused first */
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(((uint8_t *)hpa_to_ptr(b))[i], 0);
	/* Metadata is reset on allocation. */
	meta_at(b.v)->flags = FRAME_F_DIRTY | FRAME_F_PINNED;
	meta_at(b.v)->gfn = gfn(1234);
	meta_at(b.v)->count = 3;
	meta_at(b.v)->tag = 4;
	meta_at(b.v)->age = 5;
	frame_free(b);
	assert_int_equal(meta_at(b.v)->flags, 0); /* no stale state on a free frame */
	assert_int_equal(frame_alloc(FRAME_GUEST, &b), 0);
	assert_int_equal(meta_at(b.v)->flags, 0);
	assert_int_equal(meta_at(b.v)->gfn.v, 0);
	assert_int_equal(meta_at(b.v)->count, 0);
	assert_int_equal(meta_at(b.v)->tag, 0);
	assert_int_equal(meta_at(b.v)->age, 0);
	assert_true(list_empty(&meta_at(b.v)->link));
}

static bool in_span(uint64_t a, uint64_t start, uint64_t end)
{
	return a >= start && a < end;
}

static void test_fragmented_map(void **state)
{
	static hpa_t got[4096];
	uint64_t total = (MiB(4) + MiB(1) + MiB(8)) / PAGE_SIZE;
	unsigned int n;

	map_add(B, MiB(4), MEM_USABLE);
	map_add(B + MiB(4), MiB(1), MEM_RESERVED);
	map_add(B + MiB(5), MiB(1), MEM_USABLE);
	map_add(B + MiB(8), MiB(8), MEM_USABLE);
	map_add(B + MiB(16), MiB(1), MEM_ACPI_RECLAIM);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_total(), total);
	assert_null(meta_at(B + MiB(4)));
	assert_null(meta_at(B + MiB(6)));
	assert_null(meta_at(B + MiB(16)));
	n = alloc_all(FRAME_GUEST, got, 4096);
	assert_int_equal(n, total - meta_frames(total));
	assert_int_equal(frame_count(FRAME_FREE), 0);
	for (unsigned int i = 0; i < n; i++)
		assert_true(in_span(got[i].v, B, B + MiB(4)) ||
			    in_span(got[i].v, B + MiB(5), B + MiB(6)) ||
			    in_span(got[i].v, B + MiB(8), B + MiB(16)));
}

static void test_unsorted_overlapping_tiny(void **state)
{
	map_add(B + MiB(8), MiB(8), MEM_USABLE);
	map_add(B, MiB(4), MEM_USABLE);
	map_add(B + MiB(2), MiB(8), MEM_USABLE); /* joins the two above */
	map_add(B, MiB(4), MEM_USABLE); /* duplicate */
	map_add(B + MiB(40), 0, MEM_USABLE); /* zero length */
	map_add(B + MiB(20) + 0x100, 0x800, MEM_USABLE); /* inside one page */
	map_add(B + MiB(30) + 0x800, 0x3000, MEM_USABLE); /* two whole pages */
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_total(), MiB(16) / PAGE_SIZE + 2);
	assert_null(meta_at(B + MiB(20)));
	assert_null(meta_at(B + MiB(30)));
	assert_non_null(meta_at(B + MiB(30) + PAGE_SIZE));
	assert_non_null(meta_at(B + MiB(30) + 2 * PAGE_SIZE));
	assert_null(meta_at(B + MiB(30) + 3 * PAGE_SIZE));
	assert_null(meta_at(B + MiB(40)));
}

static void test_nonusable_entry_wins(void **state)
{
	map_add(B, MiB(16), MEM_USABLE);
	map_add(B + MiB(4) + 0x10, 0x10, MEM_RESERVED); /* takes one page */
	map_add(B + MiB(8), MiB(1), MEM_BAD);
	map_add(B + MiB(12) - 0x800, MiB(1), 77); /* unknown type, unaligned */
	map_add(B + MiB(15), MiB(1), MEM_ACPI_NVS); /* the tail */
	map_add(B + MiB(20), MiB(4), MEM_USABLE);
	map_add(B + MiB(19), MiB(1) + 2 * PAGE_SIZE, MEM_RESERVED); /* the head */
	map_add(B + MiB(30), KiB(512), MEM_USABLE);
	map_add(B + MiB(31), KiB(512), MEM_USABLE);
	map_add(B + MiB(29), MiB(3), MEM_BAD); /* all of both */
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_total(), MiB(15) / PAGE_SIZE - 1 - 256 - 257 + 1024 - 2);
	assert_null(meta_at(B + MiB(4)));
	assert_non_null(meta_at(B + MiB(4) + PAGE_SIZE));
	assert_null(meta_at(B + MiB(8)));
	assert_null(meta_at(B + MiB(12) - PAGE_SIZE));
	assert_non_null(meta_at(B + MiB(13)));
	assert_non_null(meta_at(B + MiB(15) - PAGE_SIZE));
	assert_null(meta_at(B + MiB(15)));
	assert_null(meta_at(B + MiB(20) + PAGE_SIZE));
	assert_non_null(meta_at(B + MiB(20) + 2 * PAGE_SIZE));
	assert_null(meta_at(B + MiB(30)));
	assert_null(meta_at(B + MiB(31)));
}

static void test_first_mib_and_bad_args(void **state)
{
	struct boot_info *none = NULL;

	map_add(0, 0x9fc00, MEM_USABLE);
	map_add(0x9fc00, 0x400, MEM_RESERVED);
	map_add(0xf0000, 0x10000, MEM_RESERVED);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), -ENOMEM); /* nothing above 1 MiB */
	map_add(B, MiB(16), MEM_USABLE);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_total(), MiB(16) / PAGE_SIZE);
	assert_null(meta_at(0x1000));
	assert_null(meta_at(0x9f000));
	assert_int_equal(frame_init(none, NULL, 0, 0), -EINVAL);
	assert_int_equal(frame_init(&bi, NULL, 1, 0), -EINVAL);
	assert_int_equal(frame_total(), 0); /* a failed init leaves nothing managed */
	map_reset();
	assert_int_equal(frame_init(&bi, NULL, 0, 0), -ENOMEM);
}

static void test_hostile_entries(void **state)
{
	map_add(B, MiB(16), MEM_USABLE);
	map_add(1ULL << 63, (1ULL << 63) + 0x10000, MEM_USABLE); /* wraps */
	map_add(MM_PHYS_LIMIT, MiB(16), MEM_USABLE); /* not identity-mappable */
	map_add(B + MiB(16), UINT64_MAX, MEM_RESERVED); /* wraps: cut at the limit */
	bi.nr_mmap = 100000; /* only the first BOOT_MAX_MMAP entries are read */
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_total(), MiB(16) / PAGE_SIZE);
	assert_true(mm_range_readable(hpa(B), MiB(16)));
	assert_false(mm_range_readable(hpa(MM_PHYS_LIMIT), 1));
}

static void test_reserved_overlaps(void **state)
{
	struct mem_range r[] = {
		resv(B + MiB(7), MiB(3), FRAME_BOOT), /* straddles RAM, hole, RAM */
		resv(B + MiB(2) + 0x123, 0x1000, FRAME_IMAGE), /* inside: two frames */
		resv(B + MiB(19), MiB(3), MEM_RESERVED), /* covers a whole range */
		resv(B + MiB(30), MiB(1), FRAME_BOOT), /* outside RAM */
		resv(B + MiB(3), 0, FRAME_BOOT), /* empty */
		resv(B + MiB(5), PAGE_SIZE, FRAME_GUEST), /* not a reservable owner */
	};
	static hpa_t got[4096];
	uint64_t total = (MiB(8) + MiB(7) + MiB(1)) / PAGE_SIZE;
	unsigned int n;

	map_add(B, MiB(8), MEM_USABLE);
	map_add(B + MiB(9), MiB(7), MEM_USABLE);
	map_add(B + MiB(20), MiB(1), MEM_USABLE);
	assert_int_equal(frame_init(&bi, r, ARRAY_SIZE(r), 0), 0);
	assert_int_equal(frame_total(), total);
	assert_int_equal(frame_count(FRAME_BOOT), 512);
	assert_int_equal(frame_count(FRAME_IMAGE), 2);
	assert_int_equal(frame_count(FRAME_RESERVED), 256 + 1);
	assert_int_equal(frame_count(FRAME_META), meta_frames(total));
	assert_int_equal(owner_at(B + MiB(7)), FRAME_BOOT);
	assert_int_equal(owner_at(B + MiB(10) - PAGE_SIZE), FRAME_BOOT);
	assert_int_equal(owner_at(B + MiB(10)), FRAME_FREE);
	assert_int_equal(owner_at(B + MiB(2) + PAGE_SIZE), FRAME_IMAGE);
	assert_int_equal(owner_at(B + MiB(2) + 2 * PAGE_SIZE), FRAME_FREE);
	assert_int_equal(owner_at(B + MiB(20)), FRAME_RESERVED);
	assert_int_equal(owner_at(B + MiB(5)), FRAME_RESERVED);
	n = alloc_all(FRAME_PAGODA, got, 4096);
	assert_int_equal(n, total - 512 - 2 - 257 - meta_frames(total));
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = 0; j < 3; j++) {
			uint64_t s = ALIGN_DOWN(r[j].base.v, PAGE_SIZE);
			assert_false(in_span(got[i].v, s, r[j].base.v + r[j].len));
		}
}

static void test_meta_avoids_reserved(void **state)
{
	struct mem_range r[] = {
		resv(B, MiB(1), FRAME_IMAGE),
		resv(B + MiB(1) + KiB(256), MiB(1) - KiB(256), FRAME_BOOT),
	};
	uint64_t nmeta = meta_frames(BUF_SIZE / PAGE_SIZE);

	memset(buf, 0x5a, MiB(2));
	map_add(B, BUF_SIZE, MEM_USABLE);
	assert_int_equal(frame_init(&bi, r, ARRAY_SIZE(r), 0), 0);
	/* 512 KiB of table does not fit in the 256 KiB gap: it goes at 2 MiB. */
	assert_int_equal(owner_at(B + MiB(1)), FRAME_FREE);
	assert_int_equal(owner_at(B + MiB(2)), FRAME_META);
	assert_int_equal(owner_at(B + MiB(2) + (nmeta - 1) * PAGE_SIZE), FRAME_META);
	assert_int_equal(owner_at(B + MiB(2) + nmeta * PAGE_SIZE), FRAME_FREE);
	assert_int_equal(frame_count(FRAME_META), nmeta);
	for (uint64_t i = 0; i < MiB(2); i++)
		if (i < MiB(1) || i >= MiB(1) + KiB(256))
			assert_int_equal(buf[i], 0x5a);
}

static void test_meta_no_room(void **state)
{
	struct mem_range r[] = {
		resv(B, MiB(16) - KiB(64), FRAME_BOOT),
		resv(B + MiB(16), MiB(48), FRAME_BOOT),
	};

	map_add(B, BUF_SIZE, MEM_USABLE);
	assert_int_equal(frame_init(&bi, r, ARRAY_SIZE(r), 0), -ENOMEM);
	r[0].len = MiB(16) - KiB(512);
	assert_int_equal(frame_init(&bi, r, ARRAY_SIZE(r), 0), 0);
	assert_int_equal(owner_at(B + MiB(16) - KiB(512)), FRAME_META);
	assert_int_equal(frame_count(FRAME_FREE), 0);
}

static void test_mem_limit(void **state)
{
	map_add(B, 1ULL << 40, MEM_USABLE); /* far beyond the buffer ... */
	assert_int_equal(frame_init(&bi, NULL, 0, B + MiB(32) + 0x800), 0); /* ... but capped */
	assert_int_equal(frame_total(), MiB(32) / PAGE_SIZE);
	assert_non_null(meta_at(B + MiB(32) - PAGE_SIZE));
	assert_null(meta_at(B + MiB(32)));
	assert_int_equal(frame_init(&bi, NULL, 0, B), -ENOMEM);
	assert_int_equal(frame_init(&bi, NULL, 0, B + PAGE_SIZE), 0);
	assert_int_equal(frame_total(), 1);
	assert_int_equal(frame_count(FRAME_META), 1);
}

static void test_exhaustion(void **state)
{
	static hpa_t got[2048];
	uint64_t nfree = MiB(8) / PAGE_SIZE - meta_frames(MiB(8) / PAGE_SIZE);
	unsigned int n;
	hpa_t a;

	map_add(B, MiB(8), MEM_USABLE);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	n = alloc_all(FRAME_GUEST, got, 2048);
	assert_int_equal(n, nfree);
	assert_int_equal(frame_count(FRAME_GUEST), nfree);
	assert_int_equal(frame_alloc(FRAME_GUEST, &a), -ENOMEM);
	assert_int_equal(frame_alloc_zeroed(FRAME_GUEST, &a), -ENOMEM);
	assert_int_equal(frame_alloc_contig(FRAME_GUEST, 1, 1, &a), -ENOMEM);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(owner_at(got[i].v), FRAME_GUEST);
		frame_free(got[i]);
	}
	assert_int_equal(frame_count(FRAME_FREE), nfree);
	assert_int_equal(frame_count(FRAME_GUEST), 0);
	assert_int_equal(alloc_all(FRAME_SWAP, got, 2048), nfree);
}

static void test_contig(void **state)
{
	static hpa_t got[4096];
	unsigned int n;
	hpa_t a;

	map_add(B, MiB(16), MEM_USABLE);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	/* The first 2 MiB holds the metadata: the first aligned run is next. */
	assert_int_equal(frame_alloc_contig(FRAME_GUEST, 512, 512, &a), 0);
	assert_int_equal(a.v, B + MiB(2));
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(owner_at(a.v + i * PAGE_SIZE), FRAME_GUEST);
	assert_int_equal(frame_count(FRAME_GUEST), 512);
	frame_free_contig(a, 512);
	assert_int_equal(frame_count(FRAME_GUEST), 0);

	n = alloc_all(FRAME_GUEST, got, 4096);
	for (unsigned int i = 0; i < 512; i++) /* unaligned: [4M + 4K, 6M + 4K) */
		frame_free(hpa(B + MiB(4) + (i + 1) * PAGE_SIZE));
	assert_int_equal(frame_alloc_contig(FRAME_EPT, 512, 512, &a), -ENOMEM);
	assert_int_equal(frame_alloc_contig(FRAME_EPT, 513, 1, &a), -ENOMEM);
	assert_int_equal(frame_alloc_contig(FRAME_EPT, 512, 1, &a), 0);
	assert_int_equal(a.v, B + MiB(4) + PAGE_SIZE);
	for (unsigned int i = 0; i < 512; i++) /* the region's last 2 MiB */
		frame_free(hpa(B + MiB(14) + i * PAGE_SIZE));
	assert_int_equal(frame_alloc_contig(FRAME_EPT, 512, 512, &a), 0);
	assert_int_equal(a.v, B + MiB(14));
	assert_int_equal(frame_count(FRAME_EPT), 1024);
	assert_int_equal(frame_count(FRAME_GUEST), n - 1024);

	assert_int_equal(frame_alloc_contig(FRAME_EPT, 0, 1, &a), -EINVAL);
	assert_int_equal(frame_alloc_contig(FRAME_EPT, 1, 0, &a), -EINVAL);
	assert_int_equal(frame_alloc_contig(FRAME_EPT, 1, 3, &a), -EINVAL);
}

/* Only runs in the death-test child. */
static void do_free(uint64_t a)
{
	frame_free(hpa(a));
}

static void do_double_free(uint64_t a)
{
	frame_free(hpa(a));
	frame_free(hpa(a));
}

static void do_free_on_lru(uint64_t a)
{
	meta_at(a)->flags |= FRAME_F_LRU;
	frame_free(hpa(a));
}

static void test_free_bugs_panic(void **state)
{
	struct mem_range r[] = { resv(B + MiB(1), PAGE_SIZE, FRAME_IMAGE) };
	hpa_t a;

	map_add(B, MiB(4), MEM_USABLE);
	assert_int_equal(frame_init(&bi, r, ARRAY_SIZE(r), 0), 0);
	assert_int_equal(frame_alloc(FRAME_GUEST, &a), 0);
	expect_death(do_double_free, a.v);
	expect_death(do_free, a.v + 8); /* unaligned */
	expect_death(do_free, B + MiB(1)); /* reserved */
	expect_death(do_free, B); /* the metadata */
	expect_death(do_free, B + MiB(2)); /* free already */
	expect_death(do_free, B + MiB(4)); /* not managed */
	expect_death(do_free_on_lru, a.v);
	frame_free(a); /* and the real thing is fine */
}

static void test_owner_counters(void **state)
{
	enum frame_owner owners[] = { FRAME_PAGODA, FRAME_PGTABLE, FRAME_EPT,
				      FRAME_SHADOW, FRAME_GUEST, FRAME_SWAP };
	uint64_t sum = 0;
	hpa_t a;

	map_add(B, MiB(16), MEM_USABLE);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(owners); i++)
		for (unsigned int j = 0; j <= i; j++)
			assert_int_equal(frame_alloc(owners[i], &a), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(owners); i++)
		assert_int_equal(frame_count(owners[i]), i + 1);
	for (unsigned int o = 0; o < FRAME_OWNER_NR; o++)
		sum += frame_count(o);
	assert_int_equal(sum, frame_total());
	assert_int_equal(frame_count(FRAME_OWNER_NR), 0);
	assert_string_equal(frame_owner_name(FRAME_SHADOW), "shadow");
	assert_string_equal(frame_owner_name(FRAME_OWNER_NR), "?");
}

static void test_range_readable(void **state)
{
	map_add(0, 0x9fc00, MEM_USABLE);
	map_add(0x9fc00, 0x400, MEM_RESERVED);
	map_add(B + MiB(17), MiB(1), MEM_RESERVED);
	map_add(B + MiB(16), MiB(1), MEM_ACPI_NVS);
	map_add(B, MiB(16), MEM_USABLE);
	map_add(B + MiB(20), MiB(1), MEM_ACPI_RECLAIM);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_true(mm_range_readable(hpa(0x1000), 0x1000));
	assert_true(mm_range_readable(hpa(0x9fbff), 1));
	assert_false(mm_range_readable(hpa(0), 8)); /* page 0: RAM, never mapped */
	assert_false(mm_range_readable(hpa(0xfff), 1));
	assert_false(mm_range_readable(hpa(0x9f000), 0x1000)); /* runs into reserved */
	assert_true(mm_range_readable(hpa(B + MiB(16) - 8), 16)); /* RAM then ACPI */
	assert_false(mm_range_readable(hpa(B + MiB(17) - 8), 16));
	assert_false(mm_range_readable(hpa(B + MiB(18)), 1)); /* a hole */
	assert_true(mm_range_readable(hpa(B + MiB(20)), MiB(1)));
	assert_false(mm_range_readable(hpa(B + MiB(20)), MiB(1) + 1));
	assert_false(mm_range_readable(hpa(0xfee00000), 4));
	assert_false(mm_range_readable(hpa(UINT64_MAX - 4), 16)); /* wraps */
	assert_true(mm_range_readable(hpa(B), 0));
}

static const struct shell_cmd *find_cmd(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void test_mem_command(void **state)
{
	const struct shell_cmd *c = find_cmd("mem");
	char *argv[] = { "mem", "extra", NULL };
	hpa_t a;

	assert_non_null(c);
	map_add(0, 0x9fc00, MEM_USABLE);
	map_add(B, MiB(32), MEM_USABLE);
	map_add(B + MiB(32), MiB(1), MEM_ACPI_NVS);
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	assert_int_equal(frame_alloc(FRAME_GUEST, &a), 0);
	fake_console_reset();
	assert_int_equal(c->fn(1, argv), 0);
	assert_non_null(strstr(fake_console_text(), "639 KiB  usable"));
	assert_non_null(strstr(fake_console_text(), "32 MiB  usable"));
	assert_non_null(strstr(fake_console_text(), "ACPI NVS"));
	assert_non_null(strstr(fake_console_text(), "frames: 8192 total (32 MiB)"));
	assert_non_null(strstr(fake_console_text(), "guest              1 frames      4 KiB"));
	assert_non_null(strstr(fake_console_text(), "meta              64 frames    256 KiB"));
	assert_int_equal(c->fn(2, argv), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_single_range, setup),
		cmocka_unit_test_setup(test_alloc_free_zeroed, setup),
		cmocka_unit_test_setup(test_fragmented_map, setup),
		cmocka_unit_test_setup(test_unsorted_overlapping_tiny, setup),
		cmocka_unit_test_setup(test_nonusable_entry_wins, setup),
		cmocka_unit_test_setup(test_first_mib_and_bad_args, setup),
		cmocka_unit_test_setup(test_hostile_entries, setup),
		cmocka_unit_test_setup(test_reserved_overlaps, setup),
		cmocka_unit_test_setup(test_meta_avoids_reserved, setup),
		cmocka_unit_test_setup(test_meta_no_room, setup),
		cmocka_unit_test_setup(test_mem_limit, setup),
		cmocka_unit_test_setup(test_exhaustion, setup),
		cmocka_unit_test_setup(test_contig, setup),
		cmocka_unit_test_setup(test_free_bugs_panic, setup),
		cmocka_unit_test_setup(test_owner_counters, setup),
		cmocka_unit_test_setup(test_range_readable, setup),
		cmocka_unit_test_setup(test_mem_command, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
