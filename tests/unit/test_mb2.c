/*
 * test_mb2.c - the multiboot2 parser, fed boot information built byte by
 * byte: what GRUB gives, and every way it can be malformed.
 *
 * Each blob is copied into a heap block of exactly its length, so a read
 * past the end is caught by ASan.
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
#include "errcode.h"
#include "mb2.h"
#include "shell.h"

#define IMG_START 0x100000
#define IMG_END 0x180000

/* A blob under construction; the header's total_size is written at finish. */
struct mbb {
	uint8_t buf[16384];
	size_t len;
};

static struct mbb b;
static struct boot_info bi;
static uint8_t *blob; /* freed by teardown */

static void put(const void *p, size_t n)
{
	assert_true(b.len + n <= sizeof(b.buf));
	if (n)
		memcpy(b.buf + b.len, p, n);
	b.len += n;
}

static void pad(void)
{
	while (b.len % 8)
		b.buf[b.len++] = 0xcc; /* padding is not zero: nothing may read it */
}

/* tag_sized: a tag whose size field says `size` over a payload of n bytes. */
static void tag_sized(uint32_t type, uint32_t size, const void *payload, size_t n)
{
	uint32_t h[2] = { type, size };

	put(h, sizeof(h));
	put(payload, n);
}

static void tag(uint32_t type, const void *payload, size_t n)
{
	tag_sized(type, 8 + n, payload, n);
	pad();
}

static void end_tag(void)
{
	tag(MB2_TAG_END, NULL, 0);
}

static void cmdline_tag(const char *s)
{
	tag(MB2_TAG_CMDLINE, s, strlen(s) + 1);
}

static void module_tag(uint32_t start, uint32_t end, const char *name)
{
	uint8_t p[512];
	size_t n = strlen(name) + 1;

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, name, n);
	tag(MB2_TAG_MODULE, p, 8 + n);
}

static void meminfo_tag(uint32_t lower, uint32_t upper)
{
	uint32_t p[2] = { lower, upper };

	tag(MB2_TAG_BASIC_MEMINFO, p, sizeof(p));
}

/* mmap_tag: n entries of entry_size bytes (the first 24 from e[], rest 0xee). */
static void mmap_tag(const struct mb2_mmap_entry *e, unsigned int n,
		     uint32_t entry_size)
{
	uint8_t p[8 + 130 * 40];
	uint32_t hdr[2] = { entry_size, 0 };
	size_t len = 8;

	assert_true(8 + (size_t)n * entry_size <= sizeof(p));
	memcpy(p, hdr, 8);
	for (unsigned int i = 0; i < n; i++, len += entry_size) {
		memset(p + len, 0xee, entry_size);
		memcpy(p + len, &e[i], MIN(entry_size, sizeof(*e)));
	}
	tag(MB2_TAG_MMAP, p, len);
}

static const struct mb2_mmap_entry std_mmap[] = {
	{ 0x100000, 0x7ee0000, MB2_MEMORY_AVAILABLE, 0 },
	{ 0, 0x9fc00, MB2_MEMORY_AVAILABLE, 0 },
	{ 0x9fc00, 0x400, MB2_MEMORY_RESERVED, 0 },
	{ 0xfffc0000, 0x40000, MB2_MEMORY_RESERVED, 0 },
};

static void std_mmap_tag(void)
{
	mmap_tag(std_mmap, ARRAY_SIZE(std_mmap), sizeof(struct mb2_mmap_entry));
}

/* A 20-byte ACPI 1.0 RSDP, or a 36-byte XSDP, with correct checksums. */
static void make_rsdp(uint8_t *r, int rev)
{
	uint32_t rsdt = 0x7fe1000, len = 36;
	uint64_t xsdt = 0x7fe2000;
	uint8_t sum = 0;

	memset(r, 0, rev < 2 ? 20 : 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "PAGODA", 6);
	r[15] = rev;
	memcpy(r + 16, &rsdt, 4);
	for (int i = 0; i < 20; i++)
		sum += r[i];
	r[8] = -sum;
	if (rev < 2)
		return;
	memcpy(r + 20, &len, 4);
	memcpy(r + 24, &xsdt, 8);
	for (sum = 0; len--;)
		sum += r[len];
	r[32] = -sum;
}

static void fb_tag(void)
{
	struct mb2_tag_framebuffer_common f = {
		.framebuffer_addr = 0xfd000000, .framebuffer_pitch = 4096,
		.framebuffer_width = 1024, .framebuffer_height = 768,
		.framebuffer_bpp = 32, .framebuffer_type = MB2_FRAMEBUFFER_TYPE_RGB,
	};
	uint8_t colors[6] = { 16, 8, 8, 8, 0, 8 };
	uint8_t p[sizeof(f) - 8 + 6];

	memcpy(p, (uint8_t *)&f + 8, sizeof(f) - 8);
	memcpy(p + sizeof(f) - 8, colors, 6);
	tag(MB2_TAG_FRAMEBUFFER, p, sizeof(p));
}

/* finish: copy the blob to an exact-size heap block; total_size = length. */
static uint8_t *finish_total(uint32_t total)
{
	blob = malloc(b.len);
	assert_non_null(blob);
	memcpy(b.buf, &total, 4);
	memcpy(blob, b.buf, b.len);
	return blob;
}

static uint8_t *finish(void)
{
	return finish_total(b.len);
}

static int parse(const void *mbi)
{
	return mb2_parse(MULTIBOOT2_BOOTLOADER_MAGIC, mbi, hpa(IMG_START),
			 hpa(IMG_END), &bi);
}

static bool has_warning(const char *part)
{
	for (unsigned int i = 0; i < MIN(bi.nr_warnings, BOOT_MAX_WARNINGS); i++)
		if (strstr(bi.warnings[i], part))
			return true;
	return false;
}

static void dump_warnings(void)
{
	for (unsigned int i = 0; i < MIN(bi.nr_warnings, BOOT_MAX_WARNINGS); i++)
		print_message("warning: %s\n", bi.warnings[i]);
}

#define assert_warning(part)                                                 \
	do {                                                                 \
		if (!has_warning(part))                                      \
			dump_warnings();                                     \
		assert_true(has_warning(part));                              \
	} while (0)

#define assert_no_warnings()                                                 \
	do {                                                                 \
		if (bi.nr_warnings)                                          \
			dump_warnings();                                     \
		assert_int_equal(bi.nr_warnings, 0);                         \
	} while (0)

static int setup(void **state)
{
	memset(&b, 0, sizeof(b));
	b.len = 8;
	blob = NULL;
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	free(blob);
	return 0;
}

/* What GRUB gives on a PC: everything understood, nothing to warn about. */
static void test_good_blob(void **state)
{
	uint8_t r[36];

	tag(MB2_TAG_LOAD_BASE_ADDR, (uint32_t[]){ IMG_START }, 4);
	cmdline_tag("loglevel=3 mem=1G");
	tag(MB2_TAG_BOOT_LOADER_NAME, "GRUB 2.06", 10);
	module_tag(0x200000, 0x5a1234, "linux console=ttyS0");
	module_tag(0x5a2000, 0x5a3000, "initrd");
	meminfo_tag(639, 129920);
	std_mmap_tag();
	make_rsdp(r, 0);
	tag(MB2_TAG_ACPI_OLD, r, 20);
	fb_tag();
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_no_warnings();

	assert_string_equal(bi.cmdline, "loglevel=3 mem=1G");
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.nr_mods, 2);
	assert_int_equal(bi.mods[0].start.v, 0x200000);
	assert_int_equal(bi.mods[0].end.v, 0x5a1234);
	assert_string_equal(bi.mods[0].name, "linux console=ttyS0");
	assert_string_equal(bi.mods[1].name, "initrd");
	assert_false(bi.mmap_from_meminfo);
	assert_int_equal(bi.mbi_start.v, (uintptr_t)blob);
	assert_int_equal(bi.mbi_end.v, (uintptr_t)blob + b.len);
	assert_int_equal(bi.image_start.v, IMG_START);
	assert_int_equal(bi.image_end.v, IMG_END);
	assert_true(bi.has_fb);
	assert_int_equal(bi.fb.addr.v, 0xfd000000);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.type, MB2_FRAMEBUFFER_TYPE_RGB);
	assert_int_equal(bi.rsdp_rev, 0);
	assert_non_null(bi.rsdp.v);
	assert_memory_equal(hpa_to_ptr(bi.rsdp), r, 20);
}

/* The memory map comes out sorted by base, types kept. */
static void test_mmap_sorted(void **state)
{
	std_mmap_tag();
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_no_warnings();
	assert_int_equal(bi.nr_mmap, 4);
	assert_int_equal(bi.mmap[0].base.v, 0);
	assert_int_equal(bi.mmap[0].len, 0x9fc00);
	assert_int_equal(bi.mmap[0].type, MEM_USABLE);
	assert_int_equal(bi.mmap[1].base.v, 0x9fc00);
	assert_int_equal(bi.mmap[1].type, MEM_RESERVED);
	assert_int_equal(bi.mmap[2].base.v, 0x100000);
	assert_int_equal(bi.mmap[2].len, 0x7ee0000);
	assert_int_equal(bi.mmap[3].base.v, 0xfffc0000);
}

static void test_bad_magic(void **state)
{
	std_mmap_tag();
	end_tag();
	assert_int_equal(mb2_parse(0x2badb002, finish(), hpa(0), hpa(0), &bi),
			 -EINVAL);
	assert_warning("bad magic");
	assert_int_equal(bi.nr_mmap, 0);
}

static void test_null_mbi(void **state)
{
	assert_int_equal(parse(NULL), -EINVAL);
	assert_warning("bad magic");
}

static void test_total_size_below_8(void **state)
{
	assert_int_equal(parse(finish_total(4)), -EINVAL);
	assert_warning("total_size 4 < 8");
	free(blob);
	assert_int_equal(parse(finish_total(0)), -EINVAL);
}

/* A header and nothing else: no end tag, no memory. */
static void test_total_size_8(void **state)
{
	assert_int_equal(parse(finish()), -EINVAL);
	assert_warning("no end tag");
	assert_warning("no memory map and no basic meminfo");
}

/* A huge total_size is capped; the walk still stops at the end tag. */
static void test_total_size_huge(void **state)
{
	std_mmap_tag();
	end_tag();
	assert_int_equal(parse(finish_total(0xfffffff0)), 0);
	assert_warning("too large");
	assert_int_equal(bi.nr_mmap, 4);
	assert_int_equal(bi.mbi_end.v, (uintptr_t)blob + b.len);
}

/* Capped, the mbi is taken to end 1 MiB in when the walk stops early. */
static void test_total_size_huge_no_end(void **state)
{
	std_mmap_tag();
	tag_sized(MB2_TAG_CMDLINE, 2, NULL, 0);
	assert_int_equal(parse(finish_total(0xfffffff0)), 0);
	assert_warning("capped at 1048576");
	assert_warning("size 2 < 8");
	assert_int_equal(bi.mbi_end.v, (uintptr_t)blob + MB2_MAX_TOTAL_SIZE);
}

static void test_total_size_unaligned(void **state)
{
	std_mmap_tag();
	end_tag();
	b.len += 3; /* three stray bytes after the end tag */
	assert_int_equal(parse(finish()), 0);
	assert_warning("not a multiple of 8");
	assert_warning("end tag ends at");
}

/* A tag of size < 8 gives no way to the next one: stop, keep what came before. */
static void test_tag_size_below_8(void **state)
{
	std_mmap_tag();
	tag_sized(MB2_TAG_CMDLINE, 4, NULL, 0);
	cmdline_tag("never seen");
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("size 4 < 8");
	assert_int_equal(bi.nr_mmap, 4);
	assert_string_equal(bi.cmdline, "");
}

/* A tag claiming more bytes than total_size leaves: not read at all. */
static void test_tag_past_total(void **state)
{
	std_mmap_tag();
	tag_sized(MB2_TAG_MMAP, 4096, "\x18\0\0\0\0\0\0\0", 8);
	assert_int_equal(parse(finish()), 0);
	assert_warning("runs past total_size");
	assert_int_equal(bi.nr_mmap, 4);
}

/* total_size cuts a tag that the blob holds whole: the cut rules. */
static void test_total_cuts_tag(void **state)
{
	meminfo_tag(639, 1024);
	std_mmap_tag();
	end_tag();
	assert_int_equal(parse(finish_total(8 + 16 + 16)), 0);
	assert_warning("runs past total_size");
	assert_true(bi.mmap_from_meminfo);
}

static void test_missing_end_tag(void **state)
{
	std_mmap_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("no end tag");
	assert_int_equal(bi.nr_mmap, 4);
	assert_int_equal(bi.mbi_end.v, (uintptr_t)blob + b.len);
}

static void test_end_tag_bad_size(void **state)
{
	std_mmap_tag();
	tag_sized(MB2_TAG_END, 16, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(parse(finish()), 0);
	assert_warning("end tag size 16");
}

/*
 * A loader that forgot the padding: the next tag starts at +21, the
 * parser looks at +24 and finds nonsense, which it must not follow.
 */
static void test_unpadded_tag(void **state)
{
	tag_sized(MB2_TAG_CMDLINE, 13, "abcd", 5);
	std_mmap_tag();
	end_tag();
	assert_int_equal(parse(finish()), -EINVAL);
	assert_string_equal(bi.cmdline, "abcd");
	assert_warning("runs past total_size");
	assert_int_equal(bi.nr_mmap, 0);
}

/* The mbi itself not 8-byte aligned: warned, and still read correctly. */
static void test_unaligned_mbi(void **state)
{
	uint8_t *p;

	std_mmap_tag();
	cmdline_tag("x");
	end_tag();
	memcpy(b.buf, &b.len, 4);
	blob = malloc(b.len + 4);
	p = blob + 4;
	memcpy(p, b.buf, b.len);
	assert_int_equal(parse(p), 0);
	assert_warning("not 8-byte aligned");
	assert_int_equal(bi.nr_mmap, 4);
	assert_string_equal(bi.cmdline, "x");
}

/* Tag types Pagoda does not read are skipped without a word. */
static void test_unknown_tags_ignored(void **state)
{
	tag(MB2_TAG_BOOTDEV, (uint32_t[]){ 0x80, ~0u, ~0u }, 12);
	tag(MB2_TAG_ELF_SECTIONS, (uint32_t[]){ 0, 0, 0 }, 12);
	tag(MB2_TAG_APM, "0123456789abcdefghij", 20);
	tag(99, "whatever", 8);
	tag(0xffffffff, NULL, 0);
	std_mmap_tag();
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_no_warnings();
	assert_int_equal(bi.nr_mmap, 4);
}

static void test_mmap_entry_size_too_small(void **state)
{
	meminfo_tag(639, 1024);
	mmap_tag(std_mmap, 4, 16);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("entry_size 16 invalid");
	assert_true(bi.mmap_from_meminfo);
}

static void test_mmap_entry_size_not_multiple_of_8(void **state)
{
	mmap_tag(std_mmap, 4, 28);
	end_tag();
	assert_int_equal(parse(finish()), -EINVAL);
	assert_warning("entry_size 28 invalid");
}

/* A later entry_version may grow the entries: the stride is entry_size. */
static void test_mmap_larger_entries(void **state)
{
	mmap_tag(std_mmap, 4, 40);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_no_warnings();
	assert_int_equal(bi.nr_mmap, 4);
	assert_int_equal(bi.mmap[2].base.v, 0x100000);
	assert_int_equal(bi.mmap[2].len, 0x7ee0000);
	assert_int_equal(bi.mmap[3].type, MB2_MEMORY_RESERVED);
}

/* The tag ends inside an entry: the whole entries are kept, the rest not read. */
static void test_mmap_partial_entry(void **state)
{
	uint8_t p[8 + 24 + 10];
	uint32_t hdr[2] = { 24, 0 };

	memcpy(p, hdr, 8);
	memcpy(p + 8, &std_mmap[0], 24);
	memcpy(p + 32, &std_mmap[1], 10);
	tag_sized(MB2_TAG_MMAP, 8 + sizeof(p), p, sizeof(p));
	/* no padding, no end tag: the blob ends with the tag */
	assert_int_equal(parse(finish()), 0);
	assert_warning("ends 10 bytes into an entry");
	assert_int_equal(bi.nr_mmap, 1);
	assert_int_equal(bi.mmap[0].base.v, 0x100000);
}

static void test_mmap_too_many_entries(void **state)
{
	struct mb2_mmap_entry e[BOOT_MAX_MMAP + 2];

	for (unsigned int i = 0; i < ARRAY_SIZE(e); i++)
		e[i] = (struct mb2_mmap_entry){ (uint64_t)i << 20, 1 << 20, 1, 0 };
	mmap_tag(e, ARRAY_SIZE(e), 24);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("2 mmap entries dropped");
	assert_int_equal(bi.nr_mmap, BOOT_MAX_MMAP);
	assert_int_equal(bi.mmap[BOOT_MAX_MMAP - 1].base.v,
			 (uint64_t)(BOOT_MAX_MMAP - 1) << 20);
}

static void test_mmap_wrapping_and_empty(void **state)
{
	const struct mb2_mmap_entry e[] = {
		{ 0, 0x9fc00, 1, 0 },
		{ 0x200000, 0, 1, 0 }, /* empty: skipped */
		{ 0xfffffffffffff000, 0x2000, 2, 0 },
	};

	mmap_tag(e, ARRAY_SIZE(e), 24);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("wraps");
	assert_int_equal(bi.nr_mmap, 2);
	assert_int_equal(bi.mmap[1].base.v + bi.mmap[1].len, UINT64_MAX);
}

/* Overlaps are reported, also when a range lies inside a much earlier one. */
static void test_mmap_overlaps(void **state)
{
	const struct mb2_mmap_entry e[] = {
		{ 0x9000, 0x1000, 2, 0 },
		{ 0, 0x100000, 1, 0 },
		{ 0x1000, 0x1000, 2, 0 },
		{ 0x100000, 0x100000, 1, 0 }, /* touches, does not overlap */
		{ 0x1fffff, 0x1000, 2, 0 }, /* one byte in */
	};

	mmap_tag(e, ARRAY_SIZE(e), 24);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi.nr_warnings, 3);
	assert_warning("at 0x100000 (type 1) and 0x1fffff (type 2) overlap");
	assert_warning("at 0 (type 1) and 0x1000 (type 2) overlap");
	assert_warning("at 0 (type 1) and 0x9000 (type 2) overlap");
}

static void test_no_mmap_meminfo_fallback(void **state)
{
	meminfo_tag(639, 129920);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("no memory map; using meminfo lower 639K upper 129920K");
	assert_true(bi.mmap_from_meminfo);
	assert_int_equal(bi.nr_mmap, 2);
	assert_int_equal(bi.mmap[0].base.v, 0);
	assert_int_equal(bi.mmap[0].len, 639 * 1024);
	assert_int_equal(bi.mmap[1].base.v, 0x100000);
	assert_int_equal(bi.mmap[1].len, 129920ull * 1024);
	assert_int_equal(bi.mmap[1].type, MEM_USABLE);
}

static void test_meminfo_lower_too_big(void **state)
{
	meminfo_tag(4096, 0);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("lower 4096K > 640K");
	assert_int_equal(bi.nr_mmap, 1);
	assert_int_equal(bi.mmap[0].len, 640 * 1024);
}

static void test_meminfo_empty(void **state)
{
	meminfo_tag(0, 0);
	end_tag();
	assert_int_equal(parse(finish()), -EINVAL);
	assert_warning("reports no memory");
}

static void test_meminfo_too_short(void **state)
{
	tag(MB2_TAG_BASIC_MEMINFO, (uint32_t[]){ 639 }, 4);
	end_tag();
	assert_int_equal(parse(finish()), -EINVAL);
	assert_warning("meminfo tag too short (12 < 16 bytes)");
}

/* An mmap of only empty ranges counts as none. */
static void test_mmap_all_empty(void **state)
{
	const struct mb2_mmap_entry e[] = { { 0x1000, 0, 1, 0 } };

	mmap_tag(e, 1, 24);
	meminfo_tag(0, 1024);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_true(bi.mmap_from_meminfo);
	assert_int_equal(bi.nr_mmap, 1);
}

static void test_second_mmap_ignored(void **state)
{
	const struct mb2_mmap_entry e[] = { { 0x1000, 0x1000, 1, 0 } };

	std_mmap_tag();
	mmap_tag(e, 1, 24);
	cmdline_tag("first");
	cmdline_tag("second");
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("second mmap tag ignored");
	assert_warning("second cmdline tag ignored");
	assert_int_equal(bi.nr_mmap, 4);
	assert_string_equal(bi.cmdline, "first");
}

static void test_module_end_before_start(void **state)
{
	std_mmap_tag();
	module_tag(0x300000, 0x200000, "backwards");
	module_tag(0x400000, 0x500000, "fine");
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("ends before it starts");
	assert_int_equal(bi.nr_mods, 1);
	assert_string_equal(bi.mods[0].name, "fine");
}

static void test_module_overlaps_image(void **state)
{
	std_mmap_tag();
	module_tag(IMG_END - 0x1000, IMG_END + 0x1000, "on top of us");
	module_tag(IMG_START - 0x1000, IMG_START, "just below"); /* touches only */
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("overlaps the image");
	assert_int_equal(bi.nr_mods, 1);
	assert_string_equal(bi.mods[0].name, "just below");
}

static void test_modules_overlap(void **state)
{
	std_mmap_tag();
	module_tag(0x200000, 0x300000, "a");
	module_tag(0x2ff000, 0x400000, "b");
	module_tag(0x300000, 0x400000, "c");
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("overlaps module 0");
	assert_int_equal(bi.nr_mods, 2);
	assert_string_equal(bi.mods[1].name, "c");
}

static void test_too_many_modules(void **state)
{
	char name[8];

	std_mmap_tag();
	for (unsigned int i = 0; i < BOOT_MAX_MODULES + 1; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		module_tag(0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000 + 0x800, name);
	}
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("more than 16 modules");
	assert_int_equal(bi.nr_mods, BOOT_MAX_MODULES);
	assert_string_equal(bi.mods[BOOT_MAX_MODULES - 1].name, "m15");
}

/* The last tag, unpadded, holds a string with no NUL: not read past its end. */
static void test_module_string_unterminated(void **state)
{
	uint32_t p[2] = { 0x200000, 0x201000 };

	std_mmap_tag();
	tag_sized(MB2_TAG_MODULE, 16 + 5, NULL, 0);
	put(p, 8);
	put("linux", 5);
	assert_int_equal(parse(finish()), 0);
	assert_warning("module string not NUL-terminated");
	assert_int_equal(bi.nr_mods, 1);
	assert_string_equal(bi.mods[0].name, "linux");
}

/* A name of exactly BOOT_MODNAME_MAX characters: one too many for the NUL. */
static void test_module_string_too_long(void **state)
{
	char name[BOOT_MODNAME_MAX + 1];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	std_mmap_tag();
	module_tag(0x200000, 0x201000, name);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("module string cut to 255 bytes");
	assert_int_equal(strlen(bi.mods[0].name), BOOT_MODNAME_MAX - 1);
}

static void test_module_too_short(void **state)
{
	std_mmap_tag();
	tag(MB2_TAG_MODULE, (uint32_t[]){ 0x200000 }, 4);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("module tag too short (12 < 16 bytes)");
	assert_int_equal(bi.nr_mods, 0);
}

static void test_cmdline_unterminated(void **state)
{
	std_mmap_tag();
	tag_sized(MB2_TAG_CMDLINE, 8 + 7, "test=on", 7);
	assert_int_equal(parse(finish()), 0);
	assert_warning("cmdline string not NUL-terminated");
	assert_string_equal(bi.cmdline, "test=on");
}

static void test_cmdline_too_long(void **state)
{
	char s[600];

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	std_mmap_tag();
	cmdline_tag(s);
	tag(MB2_TAG_BOOT_LOADER_NAME, s, 100); /* 100 bytes, no NUL */
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("cmdline string cut to 511 bytes");
	assert_warning("loader name string not NUL-terminated");
	assert_warning("loader name string cut to 63 bytes");
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi.loader), sizeof(bi.loader) - 1);
}

static void test_empty_cmdline(void **state)
{
	std_mmap_tag();
	tag(MB2_TAG_CMDLINE, NULL, 0); /* size 8: no string at all */
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("cmdline string not NUL-terminated");
	assert_string_equal(bi.cmdline, "");
}

static void test_rsdp_v1_bad_checksum(void **state)
{
	uint8_t r[20];

	make_rsdp(r, 0);
	r[8]++;
	std_mmap_tag();
	tag(MB2_TAG_ACPI_OLD, r, 20);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("RSDP v1 checksum bad");
	assert_int_equal(bi.rsdp.v, 0);
}

static void test_rsdp_bad_signature(void **state)
{
	uint8_t r[20];

	make_rsdp(r, 0);
	r[0] = 'X';
	r[8] -= 'X' - 'R';
	std_mmap_tag();
	tag(MB2_TAG_ACPI_OLD, r, 20);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("signature wrong");
	assert_int_equal(bi.rsdp.v, 0);
}

static void test_rsdp_tag_too_short(void **state)
{
	uint8_t r[20];

	make_rsdp(r, 0);
	std_mmap_tag();
	tag(MB2_TAG_ACPI_OLD, r, 19);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("ACPI old tag too short");
	assert_int_equal(bi.rsdp.v, 0);
}

/* With both copies, the XSDP wins, whichever comes first. */
static void test_rsdp_v2_preferred(void **state)
{
	uint8_t r1[20], r2[36];
	const uint8_t *x;

	make_rsdp(r1, 0);
	make_rsdp(r2, 2);
	std_mmap_tag();
	tag(MB2_TAG_ACPI_NEW, r2, 36);
	tag(MB2_TAG_ACPI_OLD, r1, 20);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_no_warnings();
	assert_int_equal(bi.rsdp_rev, 2);
	x = hpa_to_ptr(bi.rsdp);
	assert_memory_equal(x, r2, 36);
	assert_true(x > blob && x < blob + b.len);
}

static void test_rsdp_v2_bad_ext_checksum(void **state)
{
	uint8_t r1[20], r2[36];

	make_rsdp(r1, 0);
	make_rsdp(r2, 2);
	r2[24]++; /* XSDT address: only the extended checksum covers it */
	std_mmap_tag();
	tag(MB2_TAG_ACPI_OLD, r1, 20);
	tag(MB2_TAG_ACPI_NEW, r2, 36);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("XSDP extended checksum bad");
	assert_int_equal(bi.rsdp_rev, 0);
	assert_memory_equal(hpa_to_ptr(bi.rsdp), r1, 20);
}

/* An XSDP whose length field claims more than the tag holds is not summed. */
static void test_rsdp_v2_length_past_tag(void **state)
{
	uint8_t r2[36];
	uint32_t len = 4096;

	make_rsdp(r2, 2);
	memcpy(r2 + 20, &len, 4);
	std_mmap_tag();
	tag_sized(MB2_TAG_ACPI_NEW, 8 + 36, r2, 36); /* last, unpadded */
	assert_int_equal(parse(finish()), 0);
	assert_warning("XSDP length 4096 invalid");
	assert_int_equal(bi.rsdp.v, 0);
}

static void test_framebuffer_too_short(void **state)
{
	std_mmap_tag();
	tag(MB2_TAG_FRAMEBUFFER, "0123456789abcdefghi", 19);
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_warning("framebuffer tag too short (27 < 30 bytes)");
	assert_false(bi.has_fb);
}

/* Past BOOT_MAX_WARNINGS warnings are still counted, and printing says so. */
static void test_warnings_overflow(void **state)
{
	std_mmap_tag();
	for (int i = 0; i < 12; i++)
		module_tag(0x300000, 0x200000, "backwards");
	end_tag();
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi.nr_warnings, 12);
	boot_info_print_warnings(&bi);
	assert_non_null(strstr(fake_console_text(),
			       "mb2: module [0x300000-0x200000) ends before it starts; dropped\n"));
	assert_non_null(strstr(fake_console_text(), "mb2: 4 more warnings not kept\n"));
}

static void test_print_warnings_lines(void **state)
{
	std_mmap_tag();
	tag(99, NULL, 0);
	tag_sized(MB2_TAG_CMDLINE, 3, NULL, 0);
	assert_int_equal(parse(finish()), 0);
	assert_int_equal(bi.nr_warnings, 1);
	boot_info_print_warnings(&bi);
	assert_string_equal(fake_console_text(),
			    "mb2: tag type 1 at +128: size 3 < 8; stop\n");
}

static const struct shell_cmd *find_cmd(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void test_mods_command(void **state)
{
	const struct shell_cmd *c = find_cmd("mods");
	char *argv[] = { "mods", NULL };

	assert_non_null(c);
	std_mmap_tag();
	module_tag(0x200000, 0x5a1234, "linux console=ttyS0");
	end_tag();
	assert_int_equal(parse(finish()), 0);
	boot_info = bi;
	assert_int_equal(c->fn(1, argv), 0);
	assert_string_equal(fake_console_text(),
			    " 0 0x00200000-0x005a1234   3805748 linux console=ttyS0\n");
	fake_console_reset();
	boot_info.nr_mods = 0;
	assert_int_equal(c->fn(1, argv), 0);
	assert_string_equal(fake_console_text(), "no modules\n");
	assert_int_equal(c->fn(2, argv), -EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good_blob),
		T(test_mmap_sorted),
		T(test_bad_magic),
		T(test_null_mbi),
		T(test_total_size_below_8),
		T(test_total_size_8),
		T(test_total_size_huge),
		T(test_total_size_huge_no_end),
		T(test_total_size_unaligned),
		T(test_tag_size_below_8),
		T(test_tag_past_total),
		T(test_total_cuts_tag),
		T(test_missing_end_tag),
		T(test_end_tag_bad_size),
		T(test_unpadded_tag),
		T(test_unaligned_mbi),
		T(test_unknown_tags_ignored),
		T(test_mmap_entry_size_too_small),
		T(test_mmap_entry_size_not_multiple_of_8),
		T(test_mmap_larger_entries),
		T(test_mmap_partial_entry),
		T(test_mmap_too_many_entries),
		T(test_mmap_wrapping_and_empty),
		T(test_mmap_overlaps),
		T(test_no_mmap_meminfo_fallback),
		T(test_meminfo_lower_too_big),
		T(test_meminfo_empty),
		T(test_meminfo_too_short),
		T(test_mmap_all_empty),
		T(test_second_mmap_ignored),
		T(test_module_end_before_start),
		T(test_module_overlaps_image),
		T(test_modules_overlap),
		T(test_too_many_modules),
		T(test_module_string_unterminated),
		T(test_module_string_too_long),
		T(test_module_too_short),
		T(test_cmdline_unterminated),
		T(test_cmdline_too_long),
		T(test_empty_cmdline),
		T(test_rsdp_v1_bad_checksum),
		T(test_rsdp_bad_signature),
		T(test_rsdp_tag_too_short),
		T(test_rsdp_v2_preferred),
		T(test_rsdp_v2_bad_ext_checksum),
		T(test_rsdp_v2_length_past_tag),
		T(test_framebuffer_too_short),
		T(test_warnings_overflow),
		T(test_print_warnings_lines),
		T(test_mods_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
