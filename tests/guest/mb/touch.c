/*
 * touch.c - mb-touch: fill N guest pages above 4 MiB with a pattern, read back.
 *
 * Options: pages=N (default 1024), stride=S pages between touched pages
 * (default 1), rounds=R verify passes (default 1; later rounds find pages
 * the hypervisor lost while reclaiming or swapping), corrupt=P (checker
 * self-test: flip one word of page P before verifying; must FAIL).
 *
 * Every 32-bit word w of page p holds (p * 0x9E3779B1) ^ w, so a page
 * mapped to another page's frame reads wrong at every word. All pages are
 * written before any is read. On success prints
 *   "mb-touch: N pages ok sum=0x%08x"
 * where sum is the 32-bit sum of every word read in the last round; it
 * depends only on N, so a run under Pagoda can be compared with QEMU's.
 * Exit: MB_EXIT_PASS, MB_EXIT_FAIL ("mb-touch: FAIL page P ..."), or
 * MB_EXIT_SETUP when the region is not RAM by the mbi.
 *
 * Context: 32-bit protected mode, paging off (guest-physical addresses).
 */
#include "mb.h"

#define TOUCH_BASE 0x400000U /* 4 MiB: linker.ld keeps the kernel below it */
#define TOUCH_PAGE 4096U
#define WORDS_PER_PAGE (TOUCH_PAGE / 4)
#define PAGE_MIX 0x9E3779B1U /* odd, so p * PAGE_MIX differs for every p < 2^32 */
#define CORRUPT_WORD 17
#define MAX_PAGES 0x100000U /* 4 GiB of pages: more can never fit below 4 GiB */
#define NO_CORRUPT UINT32_MAX

const char mb_name[] = "mb-touch";
const char *const mb_options[] = { "pages", "stride", "rounds", "corrupt", NULL };

struct touch {
	uint32_t pages, stride, rounds, corrupt; /* corrupt: a page or NO_CORRUPT */
};

static inline uint32_t pattern(uint32_t page, uint32_t word)
{
	return (page * PAGE_MIX) ^ word;
}

static volatile uint32_t *page_va(const struct touch *t, uint32_t p)
{
	return (volatile uint32_t *)(uintptr_t)(TOUCH_BASE + p * t->stride * TOUCH_PAGE);
}

static void report_mbi(void)
{
	const struct mb_boot *b = &mb_boot;

	if (b->flags & MULTIBOOT_INFO_MEMORY)
		mb_say("mem_lower=%u mem_upper=%u mmap entries=%u\n", b->mem_lower, b->mem_upper,
		       b->nr_mmap);
	else
		mb_say("mem_lower=- mem_upper=- mmap entries=%u\n", b->nr_mmap);
	for (uint32_t i = 0; i < b->nr_mmap; i++)
		mb_say("mmap 0x%016llx-0x%016llx type %u\n", b->mmap[i].addr,
		       b->mmap[i].addr + b->mmap[i].len, b->mmap[i].type);
	mb_say("loader \"%s\" cmdline \"%s\"\n", b->loader, b->cmdline);
}

/* Reads the options; returns 0 or -EINVAL (printed). */
static int parse_options(struct touch *t)
{
	if (mb_arg_u32("pages", 1024, 1, MAX_PAGES, &t->pages) ||
	    mb_arg_u32("stride", 1, 1, MAX_PAGES, &t->stride) ||
	    mb_arg_u32("rounds", 1, 1, 1000, &t->rounds) ||
	    mb_arg_u32("corrupt", NO_CORRUPT, 0, t->pages - 1, &t->corrupt))
		return -EINVAL;
	return 0;
}

/* Returns 0 when every touched page is RAM by the mbi, else -ENOMEM (printed). */
static int check_region(const struct touch *t)
{
	uint64_t span = ((uint64_t)(t->pages - 1) * t->stride + 1) * TOUCH_PAGE;

	mb_say("region 0x%llx-0x%llx pages=%u stride=%u rounds=%u\n", (uint64_t)TOUCH_BASE,
	       TOUCH_BASE + span, t->pages, t->stride, t->rounds);
	if (!mbi_ram_covers(&mb_boot, TOUCH_BASE, span)) {
		mb_say("region is not RAM according to the mbi: use fewer pages or more memory\n");
		return -ENOMEM;
	}
	return 0;
}

static void write_pages(const struct touch *t)
{
	for (uint32_t p = 0; p < t->pages; p++) {
		volatile uint32_t *w = page_va(t, p);

		for (uint32_t i = 0; i < WORDS_PER_PAGE; i++)
			w[i] = pattern(p, i);
	}
	if (t->corrupt != NO_CORRUPT)
		page_va(t, t->corrupt)[CORRUPT_WORD] ^= 1;
}

/* One verify pass; returns 0 and adds every word to *sum, or -EIO (printed). */
static int verify_pages(const struct touch *t, uint32_t round, uint32_t *sum)
{
	for (uint32_t p = 0; p < t->pages; p++) {
		volatile uint32_t *w = page_va(t, p);

		for (uint32_t i = 0; i < WORDS_PER_PAGE; i++) {
			uint32_t got = w[i];

			if (got != pattern(p, i)) {
				mb_say("FAIL page %u at 0x%08x word %u: read 0x%08x want 0x%08x "
				       "(round %u)\n",
				       p, (uint32_t)(uintptr_t)&w[i], i, got, pattern(p, i), round);
				return -EIO;
			}
			*sum += got;
		}
	}
	return 0;
}

int mb_main(void)
{
	struct touch t;
	uint32_t sum = 0;

	report_mbi();
	if (parse_options(&t) || check_region(&t))
		return MB_EXIT_SETUP;
	write_pages(&t);
	for (uint32_t r = 1; r <= t.rounds; r++) {
		sum = 0;
		if (verify_pages(&t, r, &sum))
			return MB_EXIT_FAIL;
	}
	mb_say("%u pages ok sum=0x%08x\n", t.pages, sum);
	return MB_EXIT_PASS;
}
