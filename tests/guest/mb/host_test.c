/*
 * host_test.c - host tests of the test kernels' mbi reader and option parser.
 *
 * mbi.c and cmdline.c are pure, so they build here against a fake
 * physical memory (FAKE_BASE..FAKE_BASE+FAKE_SIZE; anything else is
 * unreadable). The cases feed well-formed and hostile boot information:
 * wrapping addresses, a map with zero-sized entries, strings without NUL,
 * structures overlapping the kernel. Prints one "ok - ..." or
 * "not ok - ..." line per check (tests/integration/test_mbkernels_qemu.py
 * counts them) and exits 1 when any failed.
 *
 * Build: gcc -std=gnu11 -Wall -Wextra -Werror -fsanitize=address,undefined
 *        -Itests/guest/mb -Iinclude tests/guest/mb/{host_test,mbi,cmdline}.c
 * Context: host program (x86-64 Linux), ASan/UBSan.
 */
#include <stdio.h>
#include <string.h>

#include "mb.h"

#define FAKE_BASE 0x80000U
#define FAKE_SIZE 0x10000U
#define KERNEL_START 0x100000U
#define KERNEL_END 0x110000U

static uint8_t fake_mem[FAKE_SIZE];
static const struct mb_span kernel = { KERNEL_START, KERNEL_END };
static int failures;

int mb_phys_read(void *dst, uint32_t pa, uint32_t len)
{
	if (pa < FAKE_BASE || (uint64_t)pa + len > (uint64_t)FAKE_BASE + FAKE_SIZE)
		return -EFAULT;
	memcpy(dst, &fake_mem[pa - FAKE_BASE], len);
	return 0;
}

static void check(const char *name, bool ok)
{
	printf("%sok - %s\n", ok ? "" : "not ", name);
	failures += !ok;
}

static void *at(uint32_t pa)
{
	return &fake_mem[pa - FAKE_BASE];
}

/* Fresh memory with an mbi at FAKE_BASE carrying @flags. */
static struct multiboot_info *new_mbi(uint32_t flags)
{
	struct multiboot_info *mi = at(FAKE_BASE);

	memset(fake_mem, 0, sizeof(fake_mem));
	mi->flags = flags;
	return mi;
}

/* Writes @n entries of @size (>= 20) at @pa; entry i is [i MiB, i+1 MiB) type 1. */
static uint32_t put_mmap(uint32_t pa, uint32_t n, uint32_t size)
{
	for (uint32_t i = 0; i < n; i++) {
		struct multiboot_mmap_entry e = { size, (uint64_t)i << 20, 1ULL << 20, 1 };

		memcpy(at(pa + i * (size + 4)), &e, sizeof(e));
	}
	return n * (size + 4);
}

static int parse(struct mb_boot *b)
{
	return mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, FAKE_BASE, kernel, b);
}

static void test_mbi_basics(void)
{
	struct mb_boot b;
	struct multiboot_info *mi = new_mbi(MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
					    MULTIBOOT_INFO_MEM_MAP |
					    MULTIBOOT_INFO_BOOT_LOADER_NAME);

	mi->mem_lower = 639;
	mi->mem_upper = 129920;
	mi->cmdline = FAKE_BASE + 0x100;
	strcpy(at(mi->cmdline), "/boot/k pages=3");
	mi->boot_loader_name = FAKE_BASE + 0x200;
	strcpy(at(mi->boot_loader_name), "qemu");
	mi->mmap_addr = FAKE_BASE + 0x1000;
	mi->mmap_length = put_mmap(mi->mmap_addr, 3, 20);
	check("mbi: good mbi parses", parse(&b) == 0 && b.bad == 0);
	check("mbi: mem fields copied", b.mem_lower == 639 && b.mem_upper == 129920);
	check("mbi: cmdline copied", !strcmp(b.cmdline, "/boot/k pages=3"));
	check("mbi: loader name copied", !strcmp(b.loader, "qemu"));
	check("mbi: 3 mmap entries", b.nr_mmap == 3 && b.mmap[2].addr == 2 << 20 &&
					     b.mmap[2].len == 1 << 20 && b.mmap[2].type == 1);
	check("mbi: bad magic is -EINVAL",
	      mbi_parse(0x1BADB002, FAKE_BASE, kernel, &b) == -EINVAL);
	check("mbi: mbi at 0 is -EFAULT", mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, 0, kernel, &b) ==
						  -EFAULT);
	check("mbi: mbi wrapping 4 GiB is -EFAULT",
	      mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, 0xfffffff0, kernel, &b) == -EFAULT);
	check("mbi: mbi inside the kernel is -EFAULT",
	      mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, KERNEL_START + 8, kernel, &b) == -EFAULT);
	check("mbi: mbi straddling the kernel start is -EFAULT",
	      mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, KERNEL_START - 8, kernel, &b) == -EFAULT);
	check("mbi: unreadable mbi is -EFAULT",
	      mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, 0x1000, kernel, &b) == -EFAULT);
}

static void test_mbi_strings(void)
{
	struct mb_span k2 = { FAKE_BASE + 0x2000, FAKE_BASE + 0x3000 };
	struct mb_boot b;
	struct multiboot_info *mi = new_mbi(MULTIBOOT_INFO_CMDLINE);

	mi->cmdline = FAKE_BASE + 0x100;
	memset(at(mi->cmdline), 'a', 1000);
	check("mbi: cmdline without NUL is truncated",
	      parse(&b) == 0 && b.bad == MBI_CMDLINE_TRUNC &&
		      strlen(b.cmdline) == MB_CMDLINE_MAX - 1);
	mi->cmdline = 0;
	check("mbi: cmdline at 0 is flagged", parse(&b) == 0 && b.bad == MBI_BAD_CMDLINE);
	mi->cmdline = KERNEL_START;
	check("mbi: cmdline in the kernel is flagged",
	      parse(&b) == 0 && b.bad == MBI_BAD_CMDLINE && b.cmdline[0] == '\0');
	mi->cmdline = k2.start - 4; /* "aaaa" then the kernel */
	memset(at(k2.start - 4), 'a', 8);
	check("mbi: cmdline running into the kernel stops there",
	      mbi_parse(MULTIBOOT_BOOTLOADER_MAGIC, FAKE_BASE, k2, &b) == 0 &&
		      b.bad == MBI_BAD_CMDLINE && !strcmp(b.cmdline, "aaaa"));
	mi->cmdline = 0xfffffffe;
	check("mbi: cmdline wrapping 4 GiB is flagged", parse(&b) == 0 && b.bad == MBI_BAD_CMDLINE);
	mi->flags = MULTIBOOT_INFO_BOOT_LOADER_NAME;
	mi->boot_loader_name = 0x10; /* unreadable */
	check("mbi: unreadable loader name is flagged", parse(&b) == 0 && b.bad == MBI_BAD_NAME);
}

static void test_mmap_hostile(void)
{
	struct mb_boot b;
	struct multiboot_info *mi = new_mbi(MULTIBOOT_INFO_MEM_MAP);
	uint32_t len;

	mi->mmap_addr = FAKE_BASE + 0x1000;
	put_mmap(mi->mmap_addr, 3, 0);
	mi->mmap_length = 3 * sizeof(struct multiboot_mmap_entry);
	check("mmap: size-0 entry stops the walk",
	      parse(&b) == 0 && b.bad == MBI_BAD_MMAP_ENTRY && b.nr_mmap == 0);
	put_mmap(mi->mmap_addr, 1, 0xffffffff);
	check("mmap: huge entry size stops the walk",
	      parse(&b) == 0 && b.bad == MBI_BAD_MMAP_ENTRY && b.nr_mmap == 0);
	mi->mmap_length = put_mmap(mi->mmap_addr, 4, 28);
	check("mmap: 28-byte entries are walked by their size",
	      parse(&b) == 0 && b.bad == 0 && b.nr_mmap == 4 && b.mmap[3].addr == 3 << 20);
	mi->mmap_length = put_mmap(mi->mmap_addr, 2, 20) + 10;
	check("mmap: trailing bytes are flagged, entries kept",
	      parse(&b) == 0 && b.bad == MBI_BAD_MMAP_ENTRY && b.nr_mmap == 2);
	mi->mmap_length = put_mmap(mi->mmap_addr, 40, 20);
	check("mmap: 40 entries keep 32 and flag truncation",
	      parse(&b) == 0 && b.bad == MBI_MMAP_TRUNC && b.nr_mmap == MB_MMAP_MAX);
	len = put_mmap(mi->mmap_addr, MB_MMAP_WALK_MAX + 10, 20);
	mi->mmap_length = len;
	put_mmap(mi->mmap_addr + MB_MMAP_WALK_MAX * 24, 1, 0); /* a bad entry past the bound */
	check("mmap: walk bounded at MB_MMAP_WALK_MAX",
	      parse(&b) == 0 && b.bad == MBI_MMAP_TRUNC && b.nr_mmap == MB_MMAP_MAX);
}

static void test_mmap_ranges(void)
{
	struct mb_boot b;
	struct multiboot_info *mi = new_mbi(MULTIBOOT_INFO_MEM_MAP);

	mi->mmap_addr = FAKE_BASE + FAKE_SIZE - 24; /* one entry, then unreadable */
	mi->mmap_length = 0x1000;
	put_mmap(mi->mmap_addr, 1, 20);
	check("mmap: length past readable memory stops cleanly",
	      parse(&b) == 0 && b.bad == MBI_BAD_MMAP_ENTRY && b.nr_mmap == 1);
	mi->mmap_addr = 0xfffffff0;
	mi->mmap_length = 0x100;
	check("mmap: range wrapping 4 GiB is ignored",
	      parse(&b) == 0 && b.bad == MBI_BAD_MMAP && b.nr_mmap == 0);
	mi->mmap_addr = KERNEL_START - 0x10;
	check("mmap: range overlapping the kernel is ignored",
	      parse(&b) == 0 && b.bad == MBI_BAD_MMAP);
	mi->mmap_addr = FAKE_BASE + 0x1000;
	mi->mmap_length = 0;
	check("mmap: zero length is flagged", parse(&b) == 0 && b.bad == MBI_BAD_MMAP);
}

static void test_mmap_wrap_and_mem(void)
{
	struct mb_boot b;
	struct multiboot_info *mi = new_mbi(MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_MEMORY);
	struct multiboot_mmap_entry e = { 20, 0xfffffffffffff000ULL, 0x2000, 1 };

	mi->mmap_addr = FAKE_BASE + 0x1000;
	mi->mmap_length = put_mmap(mi->mmap_addr, 2, 20);
	memcpy(at(mi->mmap_addr), &e, sizeof(e));
	check("mmap: wrapping region is skipped",
	      parse(&b) == 0 && b.bad == MBI_BAD_REGION && b.nr_mmap == 1);
	mi->mem_lower = 4000;
	check("mem: mem_lower > 640 is flagged", parse(&b) == 0 && (b.bad & MBI_BAD_MEM));
	mi->mem_lower = 639;
	mi->mem_upper = 0xffffffff;
	check("mem: mem_upper past 4 GiB is flagged", parse(&b) == 0 && (b.bad & MBI_BAD_MEM));
}

static void test_ram_covers(void)
{
	struct mb_boot b = { .flags = MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_MEMORY,
			     .mem_upper = 15 * 1024, /* RAM to 16 MiB */
			     .nr_mmap = 2,
			     .mmap = { { 0x100000, 0x7ee0000, 1 }, { 0x7fe0000, 0x20000, 2 } } };

	check("covers: inside available", mbi_ram_covers(&b, 0x400000, 0x400000));
	check("covers: up to the end exactly", mbi_ram_covers(&b, 0x400000, 0x7fe0000 - 0x400000));
	check("covers: one page past the end", !mbi_ram_covers(&b, 0x400000, 0x7fe1000 - 0x400000));
	check("covers: reserved is not RAM", !mbi_ram_covers(&b, 0x7fe0000, 0x1000));
	check("covers: start+len wrapping 64 bits", !mbi_ram_covers(&b, 0x400000, ~0ULL));
	b.mmap[0].len = 0x200000000ULL;
	check("covers: nothing past 4 GiB", !mbi_ram_covers(&b, 0xfffff000, 0x2000));
	b.flags = MULTIBOOT_INFO_MEMORY;
	check("covers: mem_upper used without a map", mbi_ram_covers(&b, 0x400000, 0xc00000) &&
							 !mbi_ram_covers(&b, 0x400000, 0xc01000));
	check("covers: mem_upper starts at 1 MiB", !mbi_ram_covers(&b, 0xff000, 0x2000));
	b.flags = MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_MEMORY;
	b.bad = MBI_BAD_MMAP;
	check("covers: unusable map falls back to mem_upper",
	      mbi_ram_covers(&b, 0x400000, 0xc00000) && !mbi_ram_covers(&b, 0x400000, 0xd00000));
	b.flags = 0;
	check("covers: no memory info covers nothing", !mbi_ram_covers(&b, 0x400000, 0x1000));
}

/* The value token of @key in @line as a string, or "<absent>" / "<bare>". */
static const char *value_of(const char *line, const char *key)
{
	static char buf[64];
	struct mb_token t;

	if (mb_cmdline_find(line, key, &t))
		return "<absent>";
	if (!t.val)
		return "<bare>";
	snprintf(buf, sizeof(buf), "%.*s", (int)t.val_len, t.val);
	return buf;
}

static void test_cmdline(void)
{
	const char *line = "/boot/mb-touch.elf pages=10\tstride=0x2\n rounds= pages=12 corrupt";

	check("cmdline: last pages= wins", !strcmp(value_of(line, "pages"), "12"));
	check("cmdline: tab and newline separate", !strcmp(value_of(line, "stride"), "0x2"));
	check("cmdline: empty value", !strcmp(value_of(line, "rounds"), ""));
	check("cmdline: bare key", !strcmp(value_of(line, "corrupt"), "<bare>"));
	check("cmdline: prefix of a key does not match",
	      !strcmp(value_of(line, "page"), "<absent>"));
	check("cmdline: longer key does not match", !strcmp(value_of(line, "pagesx"), "<absent>"));
	check("cmdline: path token is not a key",
	      !strcmp(value_of(line, "/boot/mb-touch.elf"), "<bare>"));
	check("cmdline: empty line", !strcmp(value_of("", "pages"), "<absent>"));
	check("cmdline: only spaces", !strcmp(value_of("   \t ", "pages"), "<absent>"));
	check("cmdline: first '=' splits", !strcmp(value_of("a=b=c", "a"), "b=c"));
}

/* mb_parse_u32 of the whole string @s: its result, value in *v. */
static int num(const char *s, uint32_t *v)
{
	*v = 0xdeadbeef;
	return mb_parse_u32(s, (uint32_t)strlen(s), v);
}

static void test_numbers(void)
{
	uint32_t v;

	check("u32: 0", num("0", &v) == 0 && v == 0);
	check("u32: 4294967295", num("4294967295", &v) == 0 && v == 0xffffffff);
	check("u32: 4294967296 is -ERANGE", num("4294967296", &v) == -ERANGE);
	check("u32: 0xffffffff", num("0xffffffff", &v) == 0 && v == 0xffffffff);
	check("u32: 0X1f", num("0X1f", &v) == 0 && v == 31);
	check("u32: 0x100000000 is -ERANGE", num("0x100000000", &v) == -ERANGE);
	check("u32: 30 digits is -ERANGE", num("999999999999999999999999999999", &v) == -ERANGE);
	check("u32: empty is -EINVAL", num("", &v) == -EINVAL);
	check("u32: 0x alone is -EINVAL", num("0x", &v) == -EINVAL);
	check("u32: -1 is -EINVAL", num("-1", &v) == -EINVAL);
	check("u32: 12a is -EINVAL", num("12a", &v) == -EINVAL);
	check("u32: 0x1g is -EINVAL", num("0x1g", &v) == -EINVAL);
	check("u32: failure leaves *out alone", num("zz", &v) == -EINVAL && v == 0xdeadbeef);
}

int main(void)
{
	test_mbi_basics();
	test_mbi_strings();
	test_mmap_hostile();
	test_mmap_ranges();
	test_mmap_wrap_and_mem();
	test_ram_covers();
	test_cmdline();
	test_numbers();
	return failures ? 1 : 0;
}
