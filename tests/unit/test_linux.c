/*
 * test_linux.c - the bzImage loader (guest/linux.c) on synthetic images:
 * where the kernel, initrd and command line land, the zero page's fields
 * and e820 map, the identity page tables (walked with pt_walk_guest), the
 * boot GDT and the 64-bit entry state; and every malformed-image case,
 * which must be refused with one line naming the module and with nothing
 * written to guest memory.
 *
 * Guest RAM is a real gmem whose frames come from the frame allocator over
 * a host buffer (hpa == host pointer in host tests), so the loader's
 * writes land in memory ASan watches.
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
#include "errcode.h"
#include "frame.h"
#include "gmem.h"
#include "guest.h"
#include "kalloc.h"
#include "linux_boot.h"
#include "msr.h"
#include "pt.h"

#define HOST_POOL MiB(64)
#define GUEST_RAM MiB(64)
#define IMAGE_MAX KiB(64)
#define KERNEL_LEN KiB(12)
#define ZERO_PAGE 0x7000ULL
#define CMDLINE_GPA 0x20000ULL
#define GDT_GPA 0x6000ULL
#define MOD 2 /* module index of the kernel in messages */
#define INITRD_MOD 3

static uint8_t *pool;
static struct gmem gm;
static uint8_t image[IMAGE_MAX];
static size_t image_len;
static uint8_t initrd[KiB(100) + 5];
static struct guest_image img;
static struct guest_boot_state gs;
static struct boot_params bp;

static struct setup_header *hdr(void)
{
	return (struct setup_header *)(image + LINUX_SETUP_HEADER_OFFSET);
}

static uint64_t kernel_off(void)
{
	return (uint64_t)((hdr()->setup_sects ?: 4) + 1) * 512;
}

/* A plausible bzImage: protocol 2.15, relocatable, 64-bit entry, like a 6.x kernel. */
static void make_image(unsigned int setup_sects, size_t kernel_len)
{
	struct setup_header *h = hdr();

	memset(image, 0, sizeof(image));
	h->setup_sects = setup_sects;
	h->boot_flag = 0xaa55;
	h->jump = 0x6aeb; /* "jmp +0x6a": the header ends at 0x26c */
	h->header = LINUX_HDRS_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->initrd_addr_max = 0x7fffffff;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->min_alignment = 21;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = 2047;
	h->pref_address = 0x1000000;
	h->init_size = MiB(8);
	/* Setup code right after the header: must not leak into boot_params. */
	memset(image + 0x26c, 0xcc, 0x290 - 0x26c);
	image_len = kernel_off() + kernel_len;
	assert_true(image_len <= sizeof(image));
	for (size_t i = 0; i < kernel_len; i++)
		image[kernel_off() + i] = (uint8_t)(i * 7 + 3);
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
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 13 + 1);
	make_image(0x1f, KERNEL_LEN);
	img = (struct guest_image){ .kind = GUEST_LINUX, .image = image, .image_len = image_len,
				    .cmdline = "console=ttyS0 earlyprintk=serial",
				    .image_mod = MOD, .initrd_mod = INITRD_MOD };
	memset(&gs, 0xa5, sizeof(gs));
	fake_console_reset();
	return 0;
}

static int teardown(void **state)
{
	gmem_destroy(&gm);
	return 0;
}

static int load(void)
{
	img.image_len = image_len;
	int err = linux_load(&gm, &img, &gs);
	if (!err)
		assert_int_equal(gmem_read(&gm, gpa(ZERO_PAGE), &bp, sizeof(bp)), 0);
	return err;
}

/* A refused image: -EINVAL, one message naming module `mod`, guest RAM untouched. */
static void expect_refused(const char *msg, unsigned int mod)
{
	char name[32];

	assert_int_equal(load(), -EINVAL);
	snprintf(name, sizeof(name), "module %u: ", mod);
	assert_non_null(strstr(fake_console_text(), name));
	assert_non_null(strstr(fake_console_text(), msg));
	assert_int_equal(gm.nr_backed, 0);
}

/* Fill the loader's low area with junk, as a guest reboot would leave it. */
static void dirty_low_memory(void)
{
	static uint8_t junk[0x30000 - 0x6000];

	memset(junk, 0xee, sizeof(junk));
	assert_int_equal(gmem_write(&gm, gpa(0x6000), junk, sizeof(junk)), 0);
}

static void expect_guest_bytes(uint64_t a, const void *want, size_t len)
{
	uint8_t *got = malloc(len);

	assert_non_null(got);
	assert_int_equal(gmem_read(&gm, gpa(a), got, len), 0);
	assert_memory_equal(got, want, len);
	free(got);
}

static void expect_cmdline(const char *want)
{
	char got[64];

	assert_int_equal(bp.hdr.cmd_line_ptr, CMDLINE_GPA);
	assert_int_equal(gmem_read(&gm, gpa(CMDLINE_GPA), got, sizeof(got)), 0);
	assert_int_equal(strnlen(got, sizeof(got)), strlen(want));
	assert_string_equal(got, want);
}

/* ---- happy path ---- */

static void test_kernel_lands_at_pref_address(void **state)
{
	assert_int_equal(load(), 0);
	expect_guest_bytes(0x1000000, image + kernel_off(), KERNEL_LEN);
	/* Nothing before it: the setup sectors are not loaded. */
	uint64_t before;
	assert_int_equal(gmem_read(&gm, gpa(0x1000000 - 8), &before, 8), 0);
	assert_int_equal(before, 0);
	assert_non_null(strstr(fake_console_text(), "boot protocol 2.15, kernel at 0x1000000"));
}

static void test_zero_page_fields(void **state)
{
	static const uint8_t zero[0x40];

	dirty_low_memory();
	assert_int_equal(load(), 0);
	assert_int_equal(bp.hdr.type_of_loader, 0xff);
	assert_int_equal(bp.hdr.loadflags, LOADED_HIGH | CAN_USE_HEAP);
	assert_int_equal(bp.hdr.heap_end_ptr, 0xe000 - 0x200);
	assert_int_equal(bp.hdr.code32_start, 0x1000000);
	/* Copied from the image as is. */
	assert_int_equal(bp.hdr.header, LINUX_HDRS_MAGIC);
	assert_int_equal(bp.hdr.version, 0x020f);
	assert_int_equal(bp.hdr.setup_sects, 0x1f);
	assert_int_equal(bp.hdr.boot_flag, 0xaa55);
	assert_int_equal(bp.hdr.init_size, MiB(8));
	assert_int_equal(bp.hdr.pref_address, 0x1000000);
	assert_int_equal(bp.hdr.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	/* No initrd, no ACPI, no screen, and the rest of the page zero. */
	assert_int_equal(bp.hdr.ramdisk_image, 0);
	assert_int_equal(bp.hdr.ramdisk_size, 0);
	assert_int_equal(bp.ext_ramdisk_image, 0);
	assert_int_equal(bp.ext_ramdisk_size, 0);
	assert_int_equal(bp.ext_cmd_line_ptr, 0);
	assert_int_equal(bp.acpi_rsdp_addr, 0);
	assert_memory_equal(bp.screen_info, zero, sizeof(bp.screen_info));
	assert_int_equal(bp.sentinel, 0);
	assert_memory_equal(bp._pad7, zero, sizeof(bp._pad7));
	expect_cmdline("console=ttyS0 earlyprintk=serial");
}

static void test_e820(void **state)
{
	static const struct { uint64_t addr, size; uint32_t type; } want[] = {
		{ 0, 0x9fc00, E820_TYPE_RAM },
		{ 0x9fc00, 0x400, E820_TYPE_RESERVED },
		{ 0xf0000, 0x10000, E820_TYPE_RESERVED },
		{ 0x100000, GUEST_RAM - 0x100000, E820_TYPE_RAM },
	};

	assert_int_equal(load(), 0);
	assert_int_equal(bp.e820_entries, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(bp.e820_table[i].addr, want[i].addr);
		assert_int_equal(bp.e820_table[i].size, want[i].size);
		assert_int_equal(bp.e820_table[i].type, want[i].type);
	}
	assert_int_equal(bp.e820_table[ARRAY_SIZE(want)].type, 0);
}

static void test_entry_state(void **state)
{
	assert_int_equal(load(), 0);
	assert_int_equal(gs.mode, GUEST_MODE_LONG64);
	assert_int_equal(gs.rip, 0x1000200);
	assert_int_equal(gs.gpr[REG_RSI], ZERO_PAGE);
	assert_int_equal(gs.gpr[REG_RSP], 0x8ff0);
	for (unsigned int r = 0; r < NR_GPRS; r++)
		if (r != REG_RSI && r != REG_RSP)
			assert_int_equal(gs.gpr[r], 0);
	assert_int_equal(gs.rflags, 0x2);
	assert_int_equal(gs.cr0 & (BIT(0) | BIT(31)), BIT(0) | BIT(31)); /* PE, PG */
	assert_int_equal(gs.cr4 & BIT(5), BIT(5)); /* PAE */
	assert_int_equal(gs.efer, EFER_LME | EFER_LMA);
	assert_int_equal(gs.cr3, 0xa000);
	assert_int_equal(gs.cs.sel, __BOOT_CS);
	assert_int_equal(gs.cs.ar, GUEST_AR_CODE64);
	assert_int_equal(gs.cs.ar, 0xa09b);
	const struct guest_seg *data[] = { &gs.ds, &gs.es, &gs.ss, &gs.fs, &gs.gs };
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		assert_int_equal(data[i]->sel, __BOOT_DS);
		assert_int_equal(data[i]->ar, 0xc093);
		assert_int_equal(data[i]->base, 0);
		assert_int_equal(data[i]->limit, 0xffffffff);
	}
	assert_int_equal(gs.tr.ar, 0x8b); /* usable busy TSS: VM entry requires it */
	assert_int_equal(gs.tr.limit, 0xffff);
	assert_true(gs.ldtr.ar & VMX_AR_UNUSABLE);
	assert_int_equal(gs.gdtr_base, GDT_GPA);
	assert_int_equal(gs.gdtr_limit, 4 * 8 - 1);
	assert_int_equal(gs.idtr_base, 0);
	assert_int_equal(gs.idtr_limit, 0);
}

static void test_gdt(void **state)
{
	uint64_t gdt[4];

	assert_int_equal(load(), 0);
	assert_int_equal(gmem_read(&gm, gpa(GDT_GPA), gdt, sizeof(gdt)), 0);
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[1], 0);
	assert_int_equal(gdt[__BOOT_CS / 8], 0x00af9b000000ffffULL); /* 64-bit code, flat */
	assert_int_equal(gdt[__BOOT_DS / 8], 0x00cf93000000ffffULL); /* data, flat, 4 GiB */
}

static void *guest_table(void *ctx, uint64_t table_gpa)
{
	hfn_t f;

	if (gmem_backing(ctx, gpa_to_gfn(gpa(table_gpa)), false, &f, NULL))
		return NULL;
	return hpa_to_ptr(hfn_to_hpa(f));
}

static void test_identity_map(void **state)
{
	const uint64_t addrs[] = { 0, ZERO_PAGE + 0x1e8, CMDLINE_GPA + 3, 0x1000200,
				   0x1000000 + MiB(8) - 1, GUEST_RAM - 1, GiB(3) + 0x1234,
				   GiB(4) - 1 };
	struct pt_xlate xl = { guest_table, &gm };
	struct pt_walk_result res;
	struct pt_format fmt;

	img.initrd = initrd;
	img.initrd_len = sizeof(initrd);
	dirty_low_memory();
	assert_int_equal(load(), 0);
	assert_int_equal(pt_format_ia32e(&fmt, 46, false, true), 0);
	for (size_t i = 0; i < ARRAY_SIZE(addrs); i++) {
		assert_int_equal(pt_walk_guest(&fmt, &xl, gs.cr3, addrs[i], &res), 0);
		assert_int_equal(res.out, addrs[i]);
		assert_int_equal(res.level, PG_LEVEL_2M);
		assert_true(res.perm_and & PTE_RW);
	}
	assert_int_equal(pt_walk_guest(&fmt, &xl, gs.cr3, bp.hdr.ramdisk_image + 5, &res), 0);
	assert_int_equal(res.out, bp.hdr.ramdisk_image + 5);
	/* Nothing above 4 GiB. */
	assert_int_equal(pt_walk_guest(&fmt, &xl, gs.cr3, GiB(4), &res), -ENOENT);
	assert_int_equal(res.level, PG_LEVEL_1G);
}

/* ---- initrd placement ---- */

static void test_initrd_at_top(void **state)
{
	uint64_t want = ALIGN_DOWN(GUEST_RAM - sizeof(initrd), PAGE_SIZE);

	img.initrd = initrd;
	img.initrd_len = sizeof(initrd);
	assert_int_equal(load(), 0);
	assert_int_equal(bp.hdr.ramdisk_image, want);
	assert_int_equal(bp.hdr.ramdisk_size, sizeof(initrd));
	assert_int_equal(bp.ext_ramdisk_image, 0);
	assert_int_equal(bp.ext_ramdisk_size, 0);
	expect_guest_bytes(want, initrd, sizeof(initrd));
}

static void test_initrd_below_addr_max(void **state)
{
	img.initrd = initrd;
	img.initrd_len = sizeof(initrd);
	hdr()->initrd_addr_max = MiB(32) - 1; /* highest byte it may occupy */
	assert_int_equal(load(), 0);
	assert_int_equal(bp.hdr.ramdisk_image, ALIGN_DOWN(MiB(32) - sizeof(initrd), PAGE_SIZE));
	assert_true(bp.hdr.ramdisk_image + bp.hdr.ramdisk_size - 1 <= MiB(32) - 1);
	expect_guest_bytes(bp.hdr.ramdisk_image, initrd, sizeof(initrd));
}

static void test_initrd_below_kernel(void **state)
{
	img.initrd = initrd;
	img.initrd_len = sizeof(initrd);
	hdr()->init_size = MiB(48); /* the kernel takes [16, 64) MiB */
	assert_int_equal(load(), 0);
	assert_int_equal(bp.hdr.ramdisk_image, ALIGN_DOWN(MiB(16) - sizeof(initrd), PAGE_SIZE));
	expect_guest_bytes(bp.hdr.ramdisk_image, initrd, sizeof(initrd));
}

static void test_initrd_too_large(void **state)
{
	img.initrd = initrd; /* the loader must refuse before reading it */
	img.initrd_len = MiB(41); /* 40 MiB above the kernel, 15 below: neither fits */
	expect_refused("initrd of 41984 KiB does not fit", INITRD_MOD);
}

static void test_initrd_not_below_1m(void **state)
{
	img.initrd = initrd;
	img.initrd_len = sizeof(initrd);
	hdr()->initrd_addr_max = MiB(1) + KiB(64) - 1; /* room only if it started below 1 MiB */
	expect_refused("does not fit in guest RAM below 0x110000", INITRD_MOD);
}

static void test_initrd_fills_ram_above_kernel(void **state)
{
	static uint8_t big[MiB(40)];

	img.initrd = big; /* exactly the 40 MiB between the kernel's end and RAM's */
	img.initrd_len = sizeof(big);
	big[0] = 0x5a;
	big[sizeof(big) - 1] = 0xa5;
	assert_int_equal(load(), 0);
	assert_int_equal(bp.hdr.ramdisk_image, MiB(24));
	expect_guest_bytes(MiB(24), big, 1);
	expect_guest_bytes(GUEST_RAM - 1, big + sizeof(big) - 1, 1);
}

static void test_empty_initrd_is_none(void **state)
{
	img.initrd = initrd;
	img.initrd_len = 0;
	assert_int_equal(load(), 0);
	assert_int_equal(bp.hdr.ramdisk_image, 0);
	assert_int_equal(bp.hdr.ramdisk_size, 0);
}

/* ---- command line ---- */

static void test_cmdline_truncated(void **state)
{
	hdr()->cmdline_size = 10;
	dirty_low_memory();
	assert_int_equal(load(), 0);
	expect_cmdline("console=tt");
	assert_non_null(strstr(fake_console_text(), "command line of 32 bytes truncated to 10"));
}

static void test_cmdline_exact_fit(void **state)
{
	hdr()->cmdline_size = strlen(img.cmdline);
	assert_int_equal(load(), 0);
	expect_cmdline("console=ttyS0 earlyprintk=serial");
	assert_null(strstr(fake_console_text(), "truncated"));
}

static void test_cmdline_empty(void **state)
{
	img.cmdline = NULL;
	assert_int_equal(load(), 0);
	expect_cmdline("");
}

/* ---- load address ---- */

static void test_pref_address_honoured(void **state)
{
	hdr()->pref_address = MiB(48);
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, MiB(48) + 0x200);
	expect_guest_bytes(MiB(48), image + kernel_off(), KERNEL_LEN);
}

static void test_pref_address_fallback(void **state)
{
	hdr()->pref_address = MiB(60); /* 60 + 8 MiB does not fit in 64 */
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, MiB(16) + 0x200);

	hdr()->pref_address = MiB(48) + PAGE_SIZE; /* not aligned to 2 MiB */
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, MiB(16) + 0x200);
}

static void test_alignment_rounds_default(void **state)
{
	hdr()->kernel_alignment = MiB(64);
	hdr()->pref_address = 0;
	guest_resize(MiB(128));
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, MiB(64) + 0x200);
	assert_int_equal(bp.hdr.code32_start, MiB(64));
}

static void test_bad_alignment(void **state)
{
	hdr()->kernel_alignment = 0x3000;
	expect_refused("kernel_alignment 0x3000 is not a power of two", MOD);
}

static void test_fixed_kernel_at_pref_address(void **state)
{
	hdr()->relocatable_kernel = 0;
	hdr()->pref_address = MiB(33); /* not aligned: a fixed kernel goes there anyway */
	assert_int_equal(load(), 0);
	assert_int_equal(gs.rip, MiB(33) + 0x200);
}

static void test_fixed_kernel_does_not_fit(void **state)
{
	hdr()->relocatable_kernel = 0;
	hdr()->pref_address = MiB(60);
	expect_refused("kernel needs 68 MiB, guest has 64 MiB", MOD);
}

static void test_fixed_kernel_below_1m(void **state)
{
	hdr()->relocatable_kernel = 0;
	hdr()->pref_address = 0x10000;
	expect_refused("kernel must run at 0x10000, outside [1 MiB, 4 GiB)", MOD);
}

/* ---- malformed images and small guests ---- */

static void test_too_short(void **state)
{
	image_len = 0x200;
	expect_refused("not a bzImage (512 bytes: too short", MOD);
	make_image(0x1f, KERNEL_LEN);
	img.image = NULL;
	fake_console_reset();
	expect_refused("not a bzImage", MOD);
}

static void test_no_magic(void **state)
{
	hdr()->header = 0x53726447;
	expect_refused("not a bzImage (no HdrS magic)", MOD);
}

static void test_old_protocol(void **state)
{
	hdr()->version = 0x020b;
	expect_refused("boot protocol 2.11 too old for 64-bit entry", MOD);
}

static void test_not_loaded_high(void **state)
{
	hdr()->loadflags = 0;
	expect_refused("not a bzImage (a zImage", MOD);
}

static void test_no_64bit_entry(void **state)
{
	hdr()->xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G | XLF_EFI_HANDOVER_64;
	expect_refused("no 64-bit entry point (XLF_KERNEL_64 clear)", MOD);
}

static void test_setup_sects_past_end(void **state)
{
	hdr()->setup_sects = 200; /* 100 KiB of setup in a 28 KiB file */
	expect_refused("200 setup sectors leave no kernel", MOD);
}

static void test_setup_sects_leave_no_entry(void **state)
{
	make_image(0x1f, 0x200); /* the kernel ends where startup_64 would start */
	expect_refused("31 setup sectors leave no kernel", MOD);
}

static void test_setup_sects_zero_means_four(void **state)
{
	make_image(0, KERNEL_LEN);
	assert_int_equal(load(), 0);
	expect_guest_bytes(0x1000000, image + 5 * 512, KERNEL_LEN);
}

static void test_header_too_short(void **state)
{
	image[LINUX_JUMP_LEN_OFFSET] = 0x10; /* ends at 0x212, before init_size */
	expect_refused("setup header ends at 0x212, before init_size", MOD);
}

static void test_header_length_respected(void **state)
{
	static const uint8_t cc[0x290 - 0x26c] = { [0 ... 0x290 - 0x26c - 1] = 0xcc };

	image[LINUX_JUMP_LEN_OFFSET] = 0x8e; /* declares a header up to 0x290 */
	assert_int_equal(load(), 0);
	assert_memory_equal(bp._pad7, cc, sizeof(cc)); /* newer fields are copied */
	assert_int_equal(bp.hdr.type_of_loader, 0xff); /* and ours still win */
	memset(image + 0x290, 0xdd, 0x40);
	image[LINUX_JUMP_LEN_OFFSET] = 0xff; /* past the hole: bounded */
	assert_int_equal(load(), 0);
	assert_int_equal(bp.edd_mbr_sig_buffer[0], 0);
}

static void test_init_size_larger_than_ram(void **state)
{
	hdr()->init_size = MiB(64);
	expect_refused("kernel needs 80 MiB, guest has 64 MiB", MOD);
}

static void test_guest_ram_too_small(void **state)
{
	guest_resize(MiB(16));
	expect_refused("kernel needs 24 MiB, guest has 16 MiB", MOD);
}

static void test_kernel_bigger_than_init_size(void **state)
{
	hdr()->init_size = PAGE_SIZE; /* the file's 12 KiB still have to fit */
	hdr()->pref_address = GUEST_RAM - PAGE_SIZE;
	hdr()->relocatable_kernel = 0;
	expect_refused("kernel needs 65 MiB, guest has 64 MiB", MOD);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_kernel_lands_at_pref_address),
		T(test_zero_page_fields),
		T(test_e820),
		T(test_entry_state),
		T(test_gdt),
		T(test_identity_map),
		T(test_initrd_at_top),
		T(test_initrd_below_addr_max),
		T(test_initrd_below_kernel),
		T(test_initrd_too_large),
		T(test_initrd_not_below_1m),
		T(test_initrd_fills_ram_above_kernel),
		T(test_empty_initrd_is_none),
		T(test_cmdline_truncated),
		T(test_cmdline_exact_fit),
		T(test_cmdline_empty),
		T(test_pref_address_honoured),
		T(test_pref_address_fallback),
		T(test_alignment_rounds_default),
		T(test_bad_alignment),
		T(test_fixed_kernel_at_pref_address),
		T(test_fixed_kernel_does_not_fit),
		T(test_fixed_kernel_below_1m),
		T(test_too_short),
		T(test_no_magic),
		T(test_old_protocol),
		T(test_not_loaded_high),
		T(test_no_64bit_entry),
		T(test_setup_sects_past_end),
		T(test_setup_sects_leave_no_entry),
		T(test_setup_sects_zero_means_four),
		T(test_header_too_short),
		T(test_header_length_respected),
		T(test_init_size_larger_than_ram),
		T(test_guest_ram_too_small),
		T(test_kernel_bigger_than_init_size),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
