/*
 * test_kalloc.c - the heap over a frame allocator managing a real host
 * buffer (hpa == pointer): size classes, large blocks, exhaustion, and the
 * panics on bad frees.
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
#include "frame.h"
#include "kalloc.h"

#define BUF_SIZE MiB(8)
#define MAX_PTRS 70000

static uint8_t *buf;
static uint64_t B;
static struct boot_info bi;
static void *ptrs[MAX_PTRS];

/* Manage [B, B + size) of the buffer; returns the free frames. */
static uint64_t heap_reset(uint64_t size)
{
	memset(&bi, 0, sizeof(bi));
	bi.mmap[0] = (struct mem_range){ hpa(B), size, MEM_USABLE };
	bi.nr_mmap = 1;
	assert_int_equal(frame_init(&bi, NULL, 0, 0), 0);
	kalloc_init();
	return frame_count(FRAME_FREE);
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

static void expect_death(void (*fn)(void *), void *arg)
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

static void test_classes_and_alignment(void **state)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 100, 128, 129,
					500, 1000, 1024, 1025, 2047, 2048 };

	heap_reset(BUF_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i], cls = 16;
		uint8_t *p = kmalloc(size);
		struct frame_meta *m;

		while (cls < size)
			cls <<= 1;
		assert_non_null(p);
		assert_true((uint64_t)(uintptr_t)p % cls == 0); /* aligned to its class */
		m = frame_meta_hpa(ptr_to_hpa(p));
		assert_non_null(m);
		assert_int_equal(m->owner, FRAME_PAGODA);
		memset(p, 0xcc, size);
		ptrs[i] = p;
	}
	/* A slab per class, and a second for the third 2048-byte object. */
	assert_int_equal(frame_count(FRAME_PAGODA), 9);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		for (unsigned int j = i + 1; j < ARRAY_SIZE(sizes); j++)
			assert_ptr_not_equal(ptrs[i], ptrs[j]);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		kfree(ptrs[i]);
	kfree(NULL);
	assert_null(kmalloc(0));
}

static void test_slab_fill_and_release(void **state)
{
	heap_reset(BUF_SIZE);
	for (unsigned int i = 0; i < 256; i++) /* one frame of 16-byte objects */
		assert_non_null(ptrs[i] = kmalloc(16));
	assert_int_equal(frame_count(FRAME_PAGODA), 1);
	for (unsigned int i = 0; i < 256; i++)
		for (unsigned int j = i + 1; j < 256; j += 37)
			assert_ptr_not_equal(ptrs[i], ptrs[j]);
	assert_non_null(ptrs[256] = kmalloc(16));
	assert_int_equal(frame_count(FRAME_PAGODA), 2);
	/* Freeing one object of the full slab makes it usable again. */
	kfree(ptrs[7]);
	assert_ptr_equal(kmalloc(9), ptrs[7]);
	for (unsigned int i = 0; i <= 256; i++)
		kfree(ptrs[i]);
	/* One empty slab is kept per class; the other went back. */
	assert_int_equal(frame_count(FRAME_PAGODA), 1);
	for (unsigned int i = 0; i < 2 * 1024; i++) {
		void *p = kmalloc(2048);
		assert_non_null(p);
		kfree(p);
	}
	assert_int_equal(frame_count(FRAME_PAGODA), 2);
}

static void test_kzalloc_zeroes(void **state)
{
	uint8_t *p, *q;

	heap_reset(BUF_SIZE);
	p = kmalloc(200);
	memset(p, 0xee, 200);
	kfree(p);
	q = kzalloc(200);
	assert_ptr_equal(q, p);
	for (unsigned int i = 0; i < 200; i++)
		assert_int_equal(q[i], 0);
	p = kmalloc(3 * PAGE_SIZE);
	memset(p, 0xee, 3 * PAGE_SIZE);
	kfree(p);
	q = kzalloc(3 * PAGE_SIZE);
	for (unsigned int i = 0; i < 3 * PAGE_SIZE; i++)
		assert_int_equal(q[i], 0);
	kfree(q);
	assert_null(kzalloc(0));
}

static void test_large_blocks(void **state)
{
	uint64_t nfree = heap_reset(BUF_SIZE);
	uint8_t *p = kmalloc(3 * PAGE_SIZE + 1);
	uint8_t *q = kmalloc(2049);

	assert_non_null(p);
	assert_non_null(q);
	assert_true(IS_ALIGNED((uint64_t)(uintptr_t)p, PAGE_SIZE));
	assert_true(IS_ALIGNED((uint64_t)(uintptr_t)q, PAGE_SIZE));
	assert_int_equal(frame_count(FRAME_PAGODA), 4 + 1);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(frame_meta_hpa(hpa((uint64_t)(uintptr_t)p + i * PAGE_SIZE))->owner,
				 FRAME_PAGODA);
	memset(p, 1, 3 * PAGE_SIZE + 1);
	kfree(p);
	kfree(q);
	assert_int_equal(frame_count(FRAME_PAGODA), 0);
	assert_int_equal(frame_count(FRAME_FREE), nfree);
	assert_null(kmalloc(SIZE_MAX)); /* no overflow to a small block */
	assert_null(kmalloc(SIZE_MAX - PAGE_SIZE + 2));
	assert_null(kmalloc(((size_t)1 << 44) + PAGE_SIZE)); /* 2^32 + 1 frames */
	assert_null(kmalloc(BUF_SIZE)); /* more than there is */
	assert_int_equal(frame_count(FRAME_FREE), nfree);
}

static void test_exhaustion(void **state)
{
	uint64_t nfree = heap_reset(MiB(1));
	unsigned int n = 0, again = 0;

	while ((ptrs[n] = kmalloc(64)) != NULL)
		assert_true(++n < MAX_PTRS);
	assert_int_equal(n, nfree * (PAGE_SIZE / 64));
	assert_int_equal(frame_count(FRAME_FREE), 0);
	assert_null(kmalloc(4096));
	assert_null(kmalloc(16));
	for (unsigned int i = 0; i < n; i++)
		kfree(ptrs[i]);
	assert_int_equal(frame_count(FRAME_PAGODA), 1);
	while ((ptrs[again] = kmalloc(5000)) != NULL) /* two frames each */
		again++;
	assert_int_equal(again, (nfree - 1) / 2);
	for (unsigned int i = 0; i < again; i++)
		kfree(ptrs[i]);
	assert_int_equal(frame_count(FRAME_FREE), nfree - 1);
}

/* Only run in death-test children. */
static void do_double_free(void *p)
{
	kfree(p);
	kfree(p);
}

static void do_free(void *p)
{
	kfree(p);
}

static void do_double_free_after_reuse(void *p)
{
	void *other = kmalloc(32);
	kfree(p);
	kfree(other);
	kfree(p); /* p is now deep in the free list */
}

static void test_bad_frees_panic(void **state)
{
	hpa_t frame;
	uint8_t *p, *big, *keep;

	heap_reset(BUF_SIZE);
	keep = kmalloc(32); /* the slab stays in use */
	p = kmalloc(32);
	big = kmalloc(2 * PAGE_SIZE);
	assert_int_equal(frame_alloc(FRAME_PAGODA, &frame), 0);
	expect_death(do_double_free, p);
	expect_death(do_double_free_after_reuse, p);
	expect_death(do_free, p + 8); /* not an object's start */
	expect_death(do_double_free, big);
	expect_death(do_free, big + PAGE_SIZE); /* inside a block */
	expect_death(do_free, big + 16);
	expect_death(do_free, hpa_to_ptr(frame)); /* a frame kalloc never made */
	expect_death(do_free, buf); /* the frame metadata */
	expect_death(do_free, buf + BUF_SIZE); /* not managed memory */
	/* A double free after the object's slab went back to the frames. */
	for (unsigned int i = 0; i < 257; i++)
		ptrs[i] = kmalloc(16);
	for (unsigned int i = 0; i < 257; i++)
		kfree(ptrs[i]);
	assert_int_equal(frame_meta_hpa(ptr_to_hpa(ptrs[0]))->owner, FRAME_FREE);
	expect_death(do_free, ptrs[0]);
	/* Data that happens to look like the poison is not a double free. */
	memset(p, 0x6b, 32);
	kfree(p);
	kfree(big);
	kfree(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes_and_alignment),
		cmocka_unit_test(test_slab_fill_and_release),
		cmocka_unit_test(test_kzalloc_zeroes),
		cmocka_unit_test(test_large_blocks),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_bad_frees_panic),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
