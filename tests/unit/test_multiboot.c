/*
 * test_multiboot.c - the multiboot v1 loader (guest/multiboot.c) on
 * synthetic kernels: an ELF32 with one or two PT_LOAD segments and a flat
 * binary with the a.out kludge. Where their bytes land (and that bss reads
 * as zero over dirty memory), the multiboot information (flags, memory
 * sizes, memory map, command line, loader name) and the 32-bit entry state;
 * every refusal, which must be -EINVAL with one line naming the module,
 * nothing written and the boot state untouched; and thousands of mutated
 * and truncated images, which must never crash the loader.
 *
 * Guest RAM is a real gmem whose frames come from the frame allocator over
 * a host buffer (hpa == host pointer in host tests), so the loader's writes
 * land in memory ASan watches. Each image is handed to the loader in a
 * malloc'd buffer of exactly its length, so a read past the module's end is
 * caught as well.
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
#include "ram_fake.h"
#include "boot_info.h"
#include "errcode.h"
#include "gmem.h"
#include "guest.h"
#include "guest_acpi.h"
#include "multiboot1.h"

#define HOST_POOL MiB(64)
#define GUEST_RAM MiB(32)
#define IMAGE_MAX KiB(16)
#define MOD 2 /* module index of the kernel in messages */
#define MBI_GPA 0x9000ULL /* EBX at entry */
#define KERNEL_GPA 0x100000ULL
#define DIRTY 0xee

/*
 * The ELF image: headers, then at 0x1000 a text segment that starts with
 * the multiboot header and has bss after it, then a data segment that ends
 * the file. Program header 1 is a PT_NOTE with wild fields: never looked at.
 *
 *   file   0     52      148            0x1000        0x2800   0x2e00
 *          | ehdr | 3 phdrs |   (zeros)   | mbh, text   | data   |
 *   gpa                                0x100000  +0x1800 bss +0x4000
 *                                                0x200000 .. +0x600
 */
#define ELF_PHOFF 52
#define ELF_TEXT_OFF 0x1000
#define ELF_TEXT_LEN 0x1800
#define ELF_TEXT_MEMSZ 0x4000
#define ELF_DATA_OFF (ELF_TEXT_OFF + ELF_TEXT_LEN)
#define ELF_DATA_LEN 0x600
#define ELF_DATA_GPA 0x200000ULL
#define ELF_ENTRY (KERNEL_GPA + 0x20)
/* ELF's names for what multiboot1.h leaves out: the loader only needs to refuse them. */
#define ET_REL 1
#define ET_DYN 3
#define ET_CORE 4
#define PT_NOTE 4

/*
 * The a.out-kludge image: a flat binary whose multiboot header, at file
 * offset aout_off + 0x40, says where it goes: the AOUT_LEN bytes from
 * aout_off at 1 MiB, bss up to 1 MiB + 0x4000.
 */
#define AOUT_HDR_OFF 0x40
#define AOUT_LEN 0x1400
#define AOUT_BSS_END (KERNEL_GPA + 0x4000)
#define AOUT_ENTRY (KERNEL_GPA + 0x80)

static uint8_t *pool;
static struct gmem gm;
static uint8_t image[IMAGE_MAX] __aligned(16);
static size_t image_len;
static size_t mbh_off; /* where the multiboot header is in image[] */
static struct guest_image img;
static struct guest_boot_state gs;
static struct multiboot_info mbi;

static struct elf32_ehdr *ehdr(void)
{
	return (struct elf32_ehdr *)image;
}

static struct elf32_phdr *phdr(unsigned int i)
{
	return (struct elf32_phdr *)(image + ELF_PHOFF + i * sizeof(struct elf32_phdr));
}

static struct multiboot_header *mbh(void)
{
	return (struct multiboot_header *)(image + mbh_off);
}

static void sign_header(void)
{
	mbh()->checksum = -(mbh()->magic + mbh()->flags);
}

/* The file's bytes: a pattern with no zeros in a row, so misplaced copies show. */
static void fill(size_t off, size_t len)
{
	for (size_t i = off; i < off + len; i++)
		image[i] = (uint8_t)(i * 7 + 3);
}

static void put_header(size_t off, uint32_t flags)
{
	mbh_off = off;
	*mbh() = (struct multiboot_header){ .magic = MULTIBOOT_HEADER_MAGIC, .flags = flags };
	sign_header();
}

/* make_elf: nr_load 1 is the text segment alone, 2 adds the data segment. */
static void make_elf(unsigned int nr_load)
{
	struct elf32_ehdr *eh = ehdr();

	memset(image, 0, sizeof(image));
	fill(ELF_TEXT_OFF, ELF_TEXT_LEN + ELF_DATA_LEN);
	memcpy(eh->ident, "\x7f" "ELF\x01\x01\x01", 7); /* ELF32, little-endian, v1 */
	eh->type = ET_EXEC;
	eh->machine = EM_386;
	eh->version = 1;
	eh->entry = ELF_ENTRY;
	eh->phoff = ELF_PHOFF;
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(struct elf32_phdr);
	eh->phnum = nr_load == 1 ? 1 : 3;
	*phdr(0) = (struct elf32_phdr){ PT_LOAD, ELF_TEXT_OFF, KERNEL_GPA, KERNEL_GPA,
					ELF_TEXT_LEN, ELF_TEXT_MEMSZ, 5, 0x1000 };
	*phdr(1) = (struct elf32_phdr){ PT_NOTE, 0xffffffff, 0, 0, 0xffffffff, 0xffffffff, 4, 4 };
	*phdr(2) = (struct elf32_phdr){ PT_LOAD, ELF_DATA_OFF, ELF_DATA_GPA, ELF_DATA_GPA,
					ELF_DATA_LEN, ELF_DATA_LEN, 6, 0x1000 };
	put_header(ELF_TEXT_OFF, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
	image_len = nr_load == 1 ? ELF_DATA_OFF : ELF_DATA_OFF + ELF_DATA_LEN;
}

/* make_aout: the kludge image with file_off bytes before what is loaded. */
static void make_aout(size_t file_off)
{
	struct multiboot_header *h;

	memset(image, 0, sizeof(image));
	fill(0, file_off + AOUT_LEN);
	put_header(file_off + AOUT_HDR_OFF,
		   MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_AOUT_KLUDGE);
	h = mbh();
	h->header_addr = KERNEL_GPA + AOUT_HDR_OFF;
	h->load_addr = KERNEL_GPA;
	h->load_end_addr = KERNEL_GPA + AOUT_LEN;
	h->bss_end_addr = AOUT_BSS_END;
	h->entry_addr = AOUT_ENTRY;
	image_len = file_off + AOUT_LEN;
}

static void guest_resize(uint64_t size)
{
	gmem_destroy(&gm);
	assert_int_equal(gmem_init(&gm, size), 0);
}

FAKE_RAM_GROUP(pool, HOST_POOL)

static int setup(void **state)
{
	assert_int_equal(fake_ram_reset(pool, HOST_POOL), 0);
	assert_int_equal(gmem_init(&gm, GUEST_RAM), 0);
	make_elf(2);
	img = (struct guest_image){ .kind = GUEST_MULTIBOOT, .cmdline = "console=ttyS0 quiet",
				    .image_mod = MOD };
	memset(&gs, 0xa5, sizeof(gs));
	memset(&mbi, 0xa5, sizeof(mbi));
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	gmem_destroy(&gm);
	return 0;
}

/* load: the image in a buffer of exactly image_len bytes; on success, read the mbi. */
static int load(void)
{
	uint8_t *copy = malloc(image_len ?: 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, image, image_len);
	img.image = copy;
	img.image_len = image_len;
	err = multiboot_load(&gm, &img, &gs);
	free(copy);
	img.image = NULL;
	if (!err)
		assert_int_equal(gmem_read(&gm, gpa(gs.gpr[REG_RBX]), &mbi, sizeof(mbi)), 0);
	return err;
}

static unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A refusal: -EINVAL, one line naming module MOD and saying msg, no boot state. */
static void expect_error_line(const char *msg)
{
	const char *text;

	fake_console_reset();
	memset(&gs, 0xa5, sizeof(gs));
	assert_int_equal(load(), -EINVAL);
	text = fake_console_text();
	if (!strstr(text, msg))
		fail_msg("wanted \"%s\", got \"%s\"", msg, text);
	assert_non_null(strstr(text, "multiboot: module 2: "));
	assert_int_equal(count_lines(text), 1);
	assert_int_equal(gs.rip, 0xa5a5a5a5a5a5a5a5ULL);
	assert_int_equal(gs.gpr[REG_RAX], 0xa5a5a5a5a5a5a5a5ULL);
}

/* ... and guest RAM untouched: the image was refused before anything was copied. */
static void expect_refused(const char *msg)
{
	expect_error_line(msg);
	assert_int_equal(gm.nr_backed, 0);
}

static void dirty(uint64_t a, size_t len)
{
	uint8_t *junk = malloc(len);

	assert_non_null(junk);
	memset(junk, DIRTY, len);
	assert_int_equal(gmem_write(&gm, gpa(a), junk, len), 0);
	free(junk);
}

static void expect_guest_bytes(uint64_t a, const void *want, size_t len)
{
	uint8_t *got = malloc(len);

	assert_non_null(got);
	assert_int_equal(gmem_read(&gm, gpa(a), got, len), 0);
	assert_memory_equal(got, want, len);
	free(got);
}

static void expect_guest_fill(uint64_t a, uint8_t byte, size_t len)
{
	uint8_t *want = malloc(len);

	assert_non_null(want);
	memset(want, byte, len);
	expect_guest_bytes(a, want, len);
	free(want);
}

/* expect_guest_string: the NUL-terminated string at a (at most max bytes) is want. */
static void expect_guest_string(uint64_t a, size_t max, const char *want)
{
	char *got = malloc(max);

	assert_non_null(got);
	assert_int_equal(gmem_read(&gm, gpa(a), got, max), 0);
	assert_int_equal(strnlen(got, max), strlen(want));
	assert_string_equal(got, want);
	free(got);
}

/* ---- loading: ELF ---- */

static void test_elf_segment_and_bss(void **state)
{
	make_elf(1);
	dirty(KERNEL_GPA, ELF_TEXT_MEMSZ + PAGE_SIZE);
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image + ELF_TEXT_OFF, ELF_TEXT_LEN);
	/* memsz > filesz: the rest is zeroed, and not one byte more. */
	expect_guest_fill(KERNEL_GPA + ELF_TEXT_LEN, 0, ELF_TEXT_MEMSZ - ELF_TEXT_LEN);
	expect_guest_fill(KERNEL_GPA + ELF_TEXT_MEMSZ, DIRTY, PAGE_SIZE);
	assert_int_equal(gs.rip, ELF_ENTRY);
	assert_int_equal(count_lines(fake_console_text()), 0);
}

static void test_elf_two_segments(void **state)
{
	dirty(ELF_DATA_GPA - 16, ELF_DATA_LEN + 32);
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image + ELF_TEXT_OFF, ELF_TEXT_LEN);
	expect_guest_bytes(ELF_DATA_GPA, image + ELF_DATA_OFF, ELF_DATA_LEN);
	expect_guest_fill(ELF_DATA_GPA - 16, DIRTY, 16);
	expect_guest_fill(ELF_DATA_GPA + ELF_DATA_LEN, DIRTY, 16);
	/* The ELF and program headers are not part of any segment. */
	expect_guest_fill(KERNEL_GPA - PAGE_SIZE, 0, PAGE_SIZE);
	assert_int_equal(gs.rip, ELF_ENTRY);
}

static void test_elf_skips_empty_load(void **state)
{
	/* A PT_LOAD with memsz 0 has nothing to load, whatever its other fields say. */
	*phdr(1) = (struct elf32_phdr){ PT_LOAD, 0xfffffff0, 0x9000, 0x9000, 0x100, 0, 0, 0 };
	assert_int_equal(load(), 0);
	expect_guest_bytes(ELF_DATA_GPA, image + ELF_DATA_OFF, ELF_DATA_LEN);
}

static void test_elf_misaligned_phdrs(void **state)
{
	/* phoff is only an offset: a table at an odd one is still a table. */
	memmove(image + ELF_PHOFF + 1, image + ELF_PHOFF, 3 * sizeof(struct elf32_phdr));
	ehdr()->phoff = ELF_PHOFF + 1;
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image + ELF_TEXT_OFF, ELF_TEXT_LEN);
	expect_guest_bytes(ELF_DATA_GPA, image + ELF_DATA_OFF, ELF_DATA_LEN);
}

static void test_elf_phdrs_at_end_of_file(void **state)
{
	size_t table = 3 * sizeof(struct elf32_phdr);

	memcpy(image + image_len, image + ELF_PHOFF, table);
	ehdr()->phoff = image_len;
	image_len += table; /* the table ends exactly at the file's end */
	assert_int_equal(load(), 0);
	expect_guest_bytes(ELF_DATA_GPA, image + ELF_DATA_OFF, ELF_DATA_LEN);
	image_len--; /* one byte short */
	guest_resize(GUEST_RAM);
	expect_refused("ELF program headers are malformed");
}

static void test_elf_segment_ends_at_ram_end(void **state)
{
	/* No bss: nothing to zero at gpa == RAM's end, which gmem would refuse. */
	phdr(2)->paddr = GUEST_RAM - ELF_DATA_LEN;
	assert_int_equal(load(), 0);
	expect_guest_bytes(GUEST_RAM - ELF_DATA_LEN, image + ELF_DATA_OFF, ELF_DATA_LEN);
}

/* ---- loading: the a.out kludge ---- */

static void test_aout_kludge(void **state)
{
	make_aout(0);
	dirty(KERNEL_GPA, AOUT_BSS_END - KERNEL_GPA + PAGE_SIZE);
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image, AOUT_LEN);
	expect_guest_fill(KERNEL_GPA + AOUT_LEN, 0, AOUT_BSS_END - KERNEL_GPA - AOUT_LEN);
	expect_guest_fill(AOUT_BSS_END, DIRTY, PAGE_SIZE);
	assert_int_equal(gs.rip, AOUT_ENTRY);
}

static void test_aout_defaults(void **state)
{
	/* load_end_addr 0: the whole file; bss_end_addr 0: no bss. */
	make_aout(0);
	mbh()->load_end_addr = 0;
	mbh()->bss_end_addr = 0;
	sign_header();
	dirty(KERNEL_GPA, AOUT_LEN + PAGE_SIZE);
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image, AOUT_LEN);
	expect_guest_fill(KERNEL_GPA + AOUT_LEN, DIRTY, PAGE_SIZE);
}

static void test_aout_partial_file(void **state)
{
	/* The header lies 0x1000 into the file but 0x40 into the kernel: 0xfc0 bytes are skipped. */
	make_aout(0xfc0);
	assert_int_equal(mbh_off, 0x1000);
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image + 0xfc0, AOUT_LEN);
	expect_guest_fill(KERNEL_GPA - PAGE_SIZE, 0, PAGE_SIZE);

	/* load_end_addr 0: the rest of the file from there, not the whole file. */
	memset(image + image_len, 0xcc, 0x100);
	mbh()->load_end_addr = 0;
	mbh()->bss_end_addr = 0;
	sign_header();
	guest_resize(GUEST_RAM);
	dirty(KERNEL_GPA, AOUT_LEN + 0x100);
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image + 0xfc0, AOUT_LEN);
	expect_guest_fill(KERNEL_GPA + AOUT_LEN, DIRTY, 0x100);
}

static void test_aout_bss_ends_at_ram_end(void **state)
{
	make_aout(0);
	mbh()->bss_end_addr = GUEST_RAM;
	sign_header();
	dirty(GUEST_RAM - PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(load(), 0);
	expect_guest_fill(GUEST_RAM - PAGE_SIZE, 0, PAGE_SIZE);
}

static void test_aout_ends_at_ram_end(void **state)
{
	const uint32_t at = GUEST_RAM - AOUT_LEN;

	make_aout(0);
	mbh()->header_addr = at + AOUT_HDR_OFF;
	mbh()->load_addr = at;
	mbh()->load_end_addr = GUEST_RAM;
	mbh()->bss_end_addr = 0;
	mbh()->entry_addr = at + 0x80;
	sign_header();
	assert_int_equal(load(), 0);
	expect_guest_bytes(at, image, AOUT_LEN);
	assert_int_equal(gs.rip, at + 0x80);
}

static void test_aout_kludge_wins_over_elf(void **state)
{
	/* "use them instead of the fields in the actual executable header" */
	struct multiboot_header *h = mbh();

	h->flags |= MULTIBOOT_AOUT_KLUDGE;
	h->header_addr = KERNEL_GPA + ELF_TEXT_OFF;
	h->load_addr = KERNEL_GPA;
	h->entry_addr = KERNEL_GPA + 0x40;
	sign_header();
	assert_int_equal(load(), 0);
	expect_guest_bytes(KERNEL_GPA, image, image_len); /* the whole file, ELF header first */
	expect_guest_fill(ELF_DATA_GPA, 0, ELF_DATA_LEN); /* program headers ignored */
	assert_int_equal(gs.rip, KERNEL_GPA + 0x40);
}

/* ---- the header search ---- */

static void test_header_search_limit(void **state)
{
	/* 8160 is the last 4-aligned offset whose 32-byte header lies in the first 8 KiB. */
	make_aout(MULTIBOOT_SEARCH - 32 - AOUT_HDR_OFF);
	assert_int_equal(mbh_off, 8160);
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, AOUT_ENTRY);

	make_aout(MULTIBOOT_SEARCH - 28 - AOUT_HDR_OFF);
	guest_resize(GUEST_RAM);
	expect_refused("no multiboot header in its first 8 KiB");
}

static void test_optional_flags_ignored(void **state)
{
	/* Bits 16-31 are optional: an unknown one is not a reason to refuse. */
	mbh()->flags = BIT(20);
	sign_header();
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, ELF_ENTRY);
}

/* ---- the multiboot information and entry state ---- */

static void test_entry_state(void **state)
{
	const struct guest_seg *data[] = { &gs.ds, &gs.es, &gs.ss, &gs.fs, &gs.gs };

	assert_int_equal(load(), 0);
	assert_int_equal(gs.mode, GUEST_MODE_PROT32);
	assert_int_equal(gs.rip, ELF_ENTRY);
	assert_int_equal(gs.gpr[REG_RAX], MULTIBOOT_BOOTLOADER_MAGIC);
	assert_int_equal(gs.gpr[REG_RAX], 0x2badb002);
	assert_int_equal(gs.gpr[REG_RBX], MBI_GPA);
	for (unsigned int r = 0; r < NR_GPRS; r++)
		if (r != REG_RAX && r != REG_RBX)
			assert_int_equal(gs.gpr[r], 0);
	/* "Machine state": PE set, PG clear, IF and VM clear. */
	assert_int_equal(gs.rflags, 0x2);
	assert_int_equal(gs.cr0 & (BIT(0) | BIT(31)), BIT(0));
	assert_int_equal(gs.cr4, 0);
	assert_int_equal(gs.efer, 0);
	/* CS: 32-bit read/execute, offset 0, limit 4 GiB; the others read/write, the same. */
	assert_int_equal(gs.cs.sel, 0x08);
	assert_int_equal(gs.cs.base, 0);
	assert_int_equal(gs.cs.limit, 0xffffffff);
	assert_int_equal(gs.cs.ar, GUEST_AR_CODE32);
	assert_int_equal(gs.cs.ar, 0xc09b);
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		assert_int_equal(data[i]->sel, 0x10);
		assert_int_equal(data[i]->base, 0);
		assert_int_equal(data[i]->limit, 0xffffffff);
		assert_int_equal(data[i]->ar, 0xc093);
	}
	assert_int_equal(gs.tr.ar, 0x8b); /* usable busy TSS: VM entry requires it */
}

static void test_mbi_fields(void **state)
{
	dirty(0x8000, 0x3000); /* what a previous guest would have left */
	assert_int_equal(load(), 0);
	assert_int_equal(mbi.flags, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
					   MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME);
	assert_int_equal(mbi.mem_lower, 639);
	assert_int_equal(mbi.mem_upper, (GUEST_RAM - MiB(1)) >> 10);
	assert_int_equal(mbi.mods_count, 0);
	assert_int_equal(mbi.boot_device, 0);
	assert_int_equal(mbi.drives_length, 0);
	assert_int_equal(mbi.config_table, 0);
	assert_int_equal(mbi.apm_table, 0);
	expect_guest_string(mbi.boot_loader_name, 64, "Pagoda");
	expect_guest_string(mbi.cmdline, 64, "console=ttyS0 quiet");
	/* Everything the loader writes is in low RAM the memory map calls usable. */
	assert_true(MBI_GPA + sizeof(mbi) <= mbi.mmap_addr);
	assert_true(mbi.mmap_addr + mbi.mmap_length <= mbi.cmdline);
	assert_true(mbi.cmdline + 2048 <= mbi.boot_loader_name);
	assert_true(mbi.boot_loader_name + sizeof("Pagoda") <= GUEST_LOW_RAM_END);
}

static void test_mem_upper_follows_ram(void **state)
{
	const uint64_t sizes[] = { GMEM_MIN_SIZE, MiB(64), MiB(100) };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		guest_resize(sizes[i]);
		assert_int_equal(load(), 0);
		assert_int_equal(mbi.mem_lower, 639);
		assert_int_equal(mbi.mem_upper, (sizes[i] - MiB(1)) >> 10);
	}
}

static void test_mmap(void **state)
{
	/* The e820 layout guest/linux.c reports (guest.h), in multiboot's entry format. */
	static const struct { uint64_t addr, len; uint32_t type; } want[] = {
		{ 0, 0x9fc00, MULTIBOOT_MEMORY_AVAILABLE },
		{ 0x9fc00, 0x400, MULTIBOOT_MEMORY_RESERVED },
		{ 0xf0000, 0x10000, MULTIBOOT_MEMORY_RESERVED },
		{ 0x100000, GUEST_RAM - 0x100000, MULTIBOOT_MEMORY_AVAILABLE },
	};
	struct multiboot_mmap_entry e;
	uint64_t a;
	size_t i = 0;

	dirty(0x9000, 0x1000);
	assert_int_equal(load(), 0);
	assert_int_equal(mbi.mmap_length, ARRAY_SIZE(want) * sizeof(e));
	/* Walked as a kernel walks it: each entry's size field says where the next one is. */
	for (a = mbi.mmap_addr; a < mbi.mmap_addr + mbi.mmap_length; a += e.size + 4, i++) {
		assert_true(i < ARRAY_SIZE(want));
		assert_int_equal(gmem_read(&gm, gpa(a), &e, sizeof(e)), 0);
		assert_int_equal(e.size, 20);
		assert_int_equal(e.addr, want[i].addr);
		assert_int_equal(e.len, want[i].len);
		assert_int_equal(e.type, want[i].type);
	}
	assert_int_equal(i, ARRAY_SIZE(want));
	/* The ACPI tables the platform puts in the BIOS area are in a reserved range. */
	assert_true(GUEST_ACPI_RSDP_GPA >= want[2].addr);
	assert_true(GUEST_ACPI_END <= want[2].addr + want[2].len);
	/* So is the information itself available memory, below the hole. */
	assert_true(MBI_GPA + sizeof(mbi) <= want[0].len);
}

/* ---- command line ---- */

static void test_cmdline_empty(void **state)
{
	img.cmdline = "";
	dirty(0x9000, 0x1000);
	assert_int_equal(load(), 0);
	assert_true(mbi.flags & MULTIBOOT_INFO_CMDLINE);
	expect_guest_string(mbi.cmdline, 16, "");
}

static void test_cmdline_truncated(void **state)
{
	static char big[3000];

	memset(big, 'x', sizeof(big) - 1);
	img.cmdline = big;
	dirty(0x9000, 0x1000);
	assert_int_equal(load(), 0);
	big[2047] = '\0'; /* 2047 bytes and the NUL fill the 2 KiB slot */
	expect_guest_string(mbi.cmdline, 2048, big);
	expect_guest_string(mbi.boot_loader_name, 16, "Pagoda");
}

static void test_cmdline_from_module_string(void **state)
{
	/* What the guest sees from "multiboot  a b=c": the words after the type word. */
	static struct boot_info bi;
	const char *cases[][2] = {
		{ "multiboot   console=ttyS0 mb.pages=8", "console=ttyS0 mb.pages=8" },
		{ "multiboot", "" },
	};
	uint8_t *copy = malloc(image_len);

	assert_non_null(copy);
	memcpy(copy, image, image_len);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		bi.nr_mods = 1;
		bi.mods[0].start = hpa((uintptr_t)copy);
		bi.mods[0].end = hpa((uintptr_t)copy + image_len);
		snprintf(bi.mods[0].name, sizeof(bi.mods[0].name), "%s", cases[i][0]);
		assert_int_equal(guest_select(&bi, &img), 0);
		assert_int_equal(img.kind, GUEST_MULTIBOOT);
		guest_resize(GUEST_RAM);
		dirty(0x9000, 0x1000);
		assert_int_equal(multiboot_load(&gm, &img, &gs), 0);
		assert_int_equal(gmem_read(&gm, gpa(gs.gpr[REG_RBX]), &mbi, sizeof(mbi)), 0);
		expect_guest_string(mbi.cmdline, 64, cases[i][1]);
	}
	free(copy);
}

/* ---- refused: the header ---- */

static void test_no_header(void **state)
{
	mbh()->magic = 0;
	expect_refused("no multiboot header in its first 8 KiB");
	image_len = 0;
	expect_refused("no multiboot header in its first 8 KiB");
	make_aout(0);
	image_len = AOUT_HDR_OFF + 31; /* the file ends inside the header */
	expect_refused("no multiboot header in its first 8 KiB");
}

static void test_header_misaligned(void **state)
{
	make_elf(2);
	memmove(image + ELF_TEXT_OFF + 2, image + ELF_TEXT_OFF, 32);
	memset(image + ELF_TEXT_OFF, 0, 2);
	expect_refused("no multiboot header in its first 8 KiB");
}

static void test_header_bad_checksum(void **state)
{
	mbh()->checksum++;
	expect_refused("no multiboot header in its first 8 KiB");
}

static void test_required_flags_refused(void **state)
{
	/* Bits 0-15 are requirements: one the loader cannot meet must stop it. */
	const uint32_t bad[] = { BIT(3), BIT(15), MULTIBOOT_MEMORY_INFO | BIT(7) };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		make_elf(2);
		mbh()->flags = bad[i];
		sign_header();
		expect_refused("multiboot header requires features Pagoda lacks");
	}
	make_aout(0);
	mbh()->flags |= BIT(4);
	sign_header();
	expect_refused("multiboot header requires features Pagoda lacks");
}

/* A video mode (bit 2) is not given, but the kernel boots, as under QEMU's -kernel. */
static void test_video_mode_warned(void **state)
{
	make_elf(2);
	mbh()->flags = MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE;
	sign_header();
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, ELF_ENTRY);
	assert_false(mbi.flags & (1u << 11)); /* no VBE information */
	assert_non_null(strstr(fake_console_text(), "module 2: the kernel asks for a video mode"));
}

/* ---- refused: ELF ---- */

static void test_not_elf32_i386(void **state)
{
	static const struct { size_t off; uint8_t val; } bad[] = {
		{ 0, 0x7e }, /* magic */
		{ 3, 'f' },
		{ 4, 2 }, /* ELFCLASS64 */
		{ 5, 2 }, /* big-endian */
		{ offsetof(struct elf32_ehdr, machine), 62 }, /* EM_X86_64 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		make_elf(2);
		image[bad[i].off] = bad[i].val;
		expect_refused("not an ELF32 i386 executable and no a.out kludge");
	}
	/* Shorter than an ELF header, with a multiboot header after 16 junk bytes. */
	make_aout(0);
	memmove(image + 16, image + AOUT_HDR_OFF, 32);
	mbh_off = 16;
	mbh()->flags &= ~MULTIBOOT_AOUT_KLUDGE;
	sign_header();
	image_len = 48;
	expect_refused("not an ELF32 i386 executable");
}

static void test_elf_not_executable(void **state)
{
	const uint16_t types[] = { 0, ET_REL, ET_DYN, ET_CORE, 0xfe00 };

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		make_elf(2);
		ehdr()->type = types[i];
		expect_refused("not an ELF32 i386 executable");
	}
}

static void test_phdrs_malformed(void **state)
{
	ehdr()->phentsize = 40;
	expect_refused("ELF program headers are malformed");
	make_elf(2);
	ehdr()->phoff = image_len + 1;
	expect_refused("ELF program headers are malformed");
	make_elf(2);
	ehdr()->phoff = 0xffffffff;
	expect_refused("ELF program headers are malformed");
	make_elf(2);
	ehdr()->phoff = image_len - 3 * sizeof(struct elf32_phdr) + 1;
	expect_refused("ELF program headers are malformed");
	make_elf(2);
	ehdr()->phnum = 0xffff;
	expect_refused("ELF program headers are malformed");
}

static void test_segment_past_file_end(void **state)
{
	const struct { uint32_t offset, filesz, memsz; } bad[] = {
		{ ELF_TEXT_OFF, ELF_TEXT_LEN + 1, ELF_TEXT_MEMSZ }, /* one byte too many */
		{ ELF_TEXT_OFF + ELF_TEXT_LEN + 1, 0, 16 }, /* starts past the end */
		{ 0xffffffff, 2, 2 }, /* offset + filesz wraps in 32 bits */
		{ 0x10, 0xfffffff8, 0xfffffff8 },
		{ ELF_TEXT_OFF, ELF_TEXT_LEN, ELF_TEXT_LEN - 1 }, /* filesz > memsz */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		make_elf(1);
		phdr(0)->offset = bad[i].offset;
		phdr(0)->filesz = bad[i].filesz;
		phdr(0)->memsz = bad[i].memsz;
		expect_refused("segment runs past the end of the file");
	}
	/* Starting exactly at the end with nothing from the file is all bss: fine. */
	make_elf(1);
	phdr(0)->offset = image_len;
	phdr(0)->filesz = 0;
	assert_int_equal(load(), 0);
	expect_guest_fill(KERNEL_GPA, 0, ELF_TEXT_MEMSZ);
}

static void test_segment_outside_ram(void **state)
{
	const struct { uint32_t paddr, memsz; } bad[] = {
		{ 0, 0x1000 },
		{ MBI_GPA, 0x1000 }, /* over the loader's own information */
		{ 0xf0000, 0x1000 }, /* over the guest's ACPI tables */
		{ 0xff000, 0x2000 }, /* starts below 1 MiB */
		{ GUEST_RAM, 0x1000 },
		{ GUEST_RAM - 0x1000, 0x1001 },
		{ 0xfffff000, 0x2000 }, /* wraps around 4 GiB */
		{ KERNEL_GPA, 0xffffffff },
		{ KERNEL_GPA, GUEST_RAM - KERNEL_GPA + 1 },
	};
	char msg[96];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		make_elf(1);
		phdr(0)->paddr = bad[i].paddr;
		phdr(0)->memsz = bad[i].memsz;
		phdr(0)->filesz = MIN(ELF_TEXT_LEN, bad[i].memsz);
		snprintf(msg, sizeof(msg), "segment at 0x%x+0x%x is outside guest RAM [1 MiB, 32 MiB)",
			 bad[i].paddr, bad[i].memsz);
		expect_refused(msg);
	}
}

static void test_second_segment_refused(void **state)
{
	/* The first segment is already in guest RAM when the second one is refused. */
	phdr(2)->paddr = GUEST_RAM - ELF_DATA_LEN + 1;
	expect_error_line("is outside guest RAM");
	phdr(2)->paddr = ELF_DATA_GPA;
	phdr(2)->filesz = ELF_DATA_LEN + 1;
	phdr(2)->memsz = ELF_DATA_LEN + 1;
	expect_error_line("segment runs past the end of the file");
}

static void test_nothing_to_load(void **state)
{
	ehdr()->phnum = 0;
	expect_refused("ELF file has nothing to load");
	make_elf(2);
	phdr(0)->type = PT_NOTE;
	phdr(2)->memsz = 0;
	expect_refused("ELF file has nothing to load");
}

static void test_entry_outside(void **state)
{
	const uint32_t bad[] = { 0, 0x9000, 0xfffff, GUEST_RAM, 0xffffffff };
	char msg[64];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		make_elf(2);
		ehdr()->entry = bad[i];
		snprintf(msg, sizeof(msg), "entry point 0x%x is outside", bad[i]);
		expect_error_line(msg);
	}
	make_aout(0);
	mbh()->entry_addr = 0;
	sign_header();
	expect_error_line("entry point 0x0 is outside");
}

/* ---- refused: the a.out kludge ---- */

static void test_aout_header_addr_inconsistent(void **state)
{
	make_aout(0);
	mbh()->header_addr = KERNEL_GPA - 4; /* header before the load address */
	sign_header();
	expect_refused("multiboot header addresses are inconsistent");
	make_aout(0);
	mbh()->header_addr = KERNEL_GPA + AOUT_HDR_OFF + 4; /* the file would start before byte 0 */
	sign_header();
	expect_refused("multiboot header addresses are inconsistent");
	make_aout(0);
	mbh()->load_addr = 0xffffffff; /* above header_addr */
	sign_header();
	expect_refused("multiboot header addresses are inconsistent");
	/* header_addr - load_addr wraps to 0x1040, the header's real offset: still refused. */
	make_aout(0x1000);
	mbh()->load_addr = 0xfffff000;
	mbh()->header_addr = 0x40;
	sign_header();
	expect_refused("multiboot header addresses are inconsistent");
}

static void test_aout_end_before_start(void **state)
{
	make_aout(0);
	mbh()->load_end_addr = KERNEL_GPA - 1;
	sign_header();
	expect_refused("multiboot load/bss end before load address");
	make_aout(0);
	mbh()->bss_end_addr = KERNEL_GPA + AOUT_LEN - 1;
	sign_header();
	expect_refused("multiboot load/bss end before load address");
}

static void test_aout_past_file_end(void **state)
{
	make_aout(0);
	mbh()->load_end_addr = KERNEL_GPA + AOUT_LEN + 1;
	sign_header();
	expect_refused("segment runs past the end of the file");
	make_aout(0);
	mbh()->load_end_addr = 0xffffffff;
	mbh()->bss_end_addr = 0;
	sign_header();
	expect_refused("segment runs past the end of the file");
}

static void test_aout_outside_ram(void **state)
{
	const uint32_t bss_end[] = { GUEST_RAM + 1, 0xffffffff };

	for (size_t i = 0; i < ARRAY_SIZE(bss_end); i++) {
		make_aout(0);
		mbh()->bss_end_addr = bss_end[i];
		sign_header();
		expect_refused("is outside guest RAM");
	}
	make_aout(0);
	mbh()->load_addr = MBI_GPA; /* the a.out addresses below 1 MiB, over the information */
	mbh()->header_addr = MBI_GPA + AOUT_HDR_OFF;
	mbh()->load_end_addr = MBI_GPA + AOUT_LEN;
	mbh()->bss_end_addr = 0;
	sign_header();
	expect_refused("segment at 0x9000+0x1400 is outside guest RAM");
}

/* ---- hostile images ---- */

#define FUZZ_RAM GMEM_MIN_SIZE
#define FUZZ_ROUNDS 4000

struct fuzz_stats {
	unsigned int loaded, refused;
};

static uint32_t next(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

/* A 32-bit value a checker is likely to get wrong at. */
static uint32_t edgy(uint32_t *x, size_t len)
{
	const uint32_t v[] = { 0, 1, 0xffffffff, 0x80000000, 0xfffff000, (uint32_t)len,
			       (uint32_t)len - 1, KERNEL_GPA, FUZZ_RAM, FUZZ_RAM - 1, MBI_GPA };
	uint32_t r = next(x);

	return r & 1 ? next(x) : v[(r >> 1) % ARRAY_SIZE(v)];
}

/* mutate: a few bytes or words, mostly in the headers; a re-signed header now and then. */
static void mutate(uint32_t *x, size_t len, size_t hot, size_t hot_len)
{
	unsigned int n = 1 + next(x) % 4;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t r = next(x);
		size_t off = r & 1 ? hot + (next(x) % hot_len) : next(x) % len;
		if (r & 2) {
			uint32_t v = edgy(x, len);
			off &= ~(size_t)3;
			if (off + 4 <= len)
				memcpy(image + off, &v, 4);
		} else if (off < len) {
			image[off] = (uint8_t)next(x);
		}
	}
	if (next(x) % 4 && mbh_off + 12 <= len)
		sign_header();
}

static void expect_sane_load(int err)
{
	hfn_t f;

	if (err) {
		assert_int_equal(err, -EINVAL);
		assert_int_equal(count_lines(fake_console_text()), 1);
		assert_non_null(strstr(fake_console_text(), "multiboot: module 2: "));
		return;
	}
	assert_true(gs.rip >= KERNEL_GPA && gs.rip < FUZZ_RAM);
	assert_int_equal(gs.gpr[REG_RAX], MULTIBOOT_BOOTLOADER_MAGIC);
	assert_int_equal(gs.gpr[REG_RBX], MBI_GPA);
	assert_int_equal(mbi.mem_upper, (FUZZ_RAM - MiB(1)) >> 10);
	/* Below 1 MiB only the information's page was written: no segment got there. */
	for (uint64_t g = 0; g < (KERNEL_GPA >> PAGE_SHIFT); g++)
		assert_int_equal(gmem_backing(&gm, gfn(g), false, &f, NULL) == 0,
				 g == (MBI_GPA >> PAGE_SHIFT));
}

/* fuzz: FUZZ_ROUNDS mutations of the image make() builds, one in eight also truncated. */
static void fuzz(void (*make)(void), uint32_t seed, size_t hot, size_t hot_len,
		 struct fuzz_stats *st)
{
	static uint8_t base[IMAGE_MAX];
	size_t base_len;
	uint32_t x = seed;

	make();
	memcpy(base, image, sizeof(base));
	base_len = image_len;
	for (unsigned int i = 0; i < FUZZ_ROUNDS; i++) {
		memcpy(image, base, sizeof(image));
		image_len = base_len;
		mutate(&x, image_len, hot, hot_len);
		if (next(&x) % 8 == 0)
			image_len = next(&x) % (base_len + 1);
		guest_resize(FUZZ_RAM);
		fake_console_reset();
		memset(&gs, 0xa5, sizeof(gs));
		int err = load();
		expect_sane_load(err);
		if (err)
			st->refused++;
		else
			st->loaded++;
	}
}

static void make_elf2(void)
{
	make_elf(2);
	/* Data just below the smaller guest's end, so a nudge can push it out. */
	phdr(2)->paddr = FUZZ_RAM - ELF_DATA_LEN - 0x100;
}

static void make_aout0(void)
{
	make_aout(0);
	mbh()->bss_end_addr = FUZZ_RAM - 0x100;
	sign_header();
}

static void test_hostile_elf(void **state)
{
	struct fuzz_stats st = { 0 };

	/* Hot: the ELF header and program headers; the multiboot header is re-signed. */
	fuzz(make_elf2, 20240601, 0, ELF_PHOFF + 3 * sizeof(struct elf32_phdr), &st);
	/* Both outcomes must be common, or the mutations are not testing anything. */
	assert_true(st.loaded > FUZZ_ROUNDS / 10);
	assert_true(st.refused > FUZZ_ROUNDS / 10);
}

static void test_hostile_aout(void **state)
{
	struct fuzz_stats st = { 0 };

	fuzz(make_aout0, 77, AOUT_HDR_OFF, sizeof(struct multiboot_header), &st);
	assert_true(st.loaded > FUZZ_ROUNDS / 10);
	assert_true(st.refused > FUZZ_ROUNDS / 10);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf_segment_and_bss),
		T(test_elf_two_segments),
		T(test_elf_skips_empty_load),
		T(test_elf_misaligned_phdrs),
		T(test_elf_phdrs_at_end_of_file),
		T(test_elf_segment_ends_at_ram_end),
		T(test_aout_kludge),
		T(test_aout_defaults),
		T(test_aout_partial_file),
		T(test_aout_bss_ends_at_ram_end),
		T(test_aout_ends_at_ram_end),
		T(test_aout_kludge_wins_over_elf),
		T(test_header_search_limit),
		T(test_optional_flags_ignored),
		T(test_entry_state),
		T(test_mbi_fields),
		T(test_mem_upper_follows_ram),
		T(test_mmap),
		T(test_cmdline_empty),
		T(test_cmdline_truncated),
		T(test_cmdline_from_module_string),
		T(test_no_header),
		T(test_header_misaligned),
		T(test_header_bad_checksum),
		T(test_required_flags_refused),
		T(test_video_mode_warned),
		T(test_not_elf32_i386),
		T(test_elf_not_executable),
		T(test_phdrs_malformed),
		T(test_segment_past_file_end),
		T(test_segment_outside_ram),
		T(test_second_segment_refused),
		T(test_nothing_to_load),
		T(test_entry_outside),
		T(test_aout_header_addr_inconsistent),
		T(test_aout_end_before_start),
		T(test_aout_past_file_end),
		T(test_aout_outside_ram),
		T(test_hostile_elf),
		T(test_hostile_aout),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
