/*
 * test_guest.c - choosing the guest among the boot modules (guest/guest.c):
 * the type word of each module string, the guest command line after it,
 * and every combination that must be refused with one line naming the
 * module.
 *
 * Context: host unit test (cmocka).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "boot_info.h"
#include "console_fake.h"
#include "errcode.h"
#include "guest.h"

static struct boot_info bi;
static uint8_t blobs[4][64]; /* module contents: only their addresses matter */

/* add: module n with the given string, over blobs[n]. */
static void add(const char *name)
{
	struct boot_module *m = &bi.mods[bi.nr_mods];

	m->start = ptr_to_hpa(blobs[bi.nr_mods]);
	m->end = hpa(m->start.v + sizeof(blobs[0]) - bi.nr_mods);
	snprintf(m->name, sizeof(m->name), "%s", name);
	bi.nr_mods++;
}

static int setup(void **state)
{
	memset(&bi, 0, sizeof(bi));
	fake_console_reset();
	return 0;
}

static void test_no_modules(void **state)
{
	struct guest_image img;

	assert_int_equal(guest_select(&bi, &img), 0);
	assert_int_equal(img.kind, GUEST_NONE);
	assert_string_equal(img.cmdline, "");
	assert_null(img.initrd);
}

static void test_linux_and_initrd(void **state)
{
	struct guest_image img;

	add("initrd");
	add("linux   console=ttyS0 quiet");
	assert_int_equal(guest_select(&bi, &img), 0);
	assert_int_equal(img.kind, GUEST_LINUX);
	assert_ptr_equal(img.image, blobs[1]);
	assert_int_equal(img.image_len, sizeof(blobs[0]) - 1);
	assert_int_equal(img.image_mod, 1);
	assert_string_equal(img.cmdline, "console=ttyS0 quiet"); /* spaces after the word go */
	assert_ptr_equal(img.initrd, blobs[0]);
	assert_int_equal(img.initrd_len, sizeof(blobs[0]));
	assert_int_equal(img.initrd_mod, 0);
}

static void test_multiboot_bare_word(void **state)
{
	struct guest_image img;

	add("multiboot");
	assert_int_equal(guest_select(&bi, &img), 0);
	assert_int_equal(img.kind, GUEST_MULTIBOOT);
	assert_string_equal(img.cmdline, "");
}

/* The type is a whole word: "linuxish" is not "linux". */
static void test_unknown_type(void **state)
{
	static const char *const bad[] = { "linuxish x", "Linux", "", " linux", "bzImage" };
	struct guest_image img;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(state);
		add(bad[i]);
		assert_int_equal(guest_select(&bi, &img), -EINVAL);
		assert_non_null(strstr(fake_console_text(), "module 0"));
		assert_non_null(strstr(fake_console_text(), "unknown type"));
	}
}

static void test_two_kernels(void **state)
{
	struct guest_image img;

	add("linux");
	add("multiboot");
	assert_int_equal(guest_select(&bi, &img), -EINVAL);
	assert_non_null(strstr(fake_console_text(), "module 1: a second guest kernel"));
}

static void test_two_initrds(void **state)
{
	struct guest_image img;

	add("linux");
	add("initrd");
	add("initrd");
	assert_int_equal(guest_select(&bi, &img), -EINVAL);
	assert_non_null(strstr(fake_console_text(), "module 2: a second initrd (module 1"));
}

static void test_initrd_needs_linux(void **state)
{
	struct guest_image img;

	add("initrd");
	assert_int_equal(guest_select(&bi, &img), -EINVAL);
	assert_non_null(strstr(fake_console_text(), "module 0: an initrd needs a linux module"));
	setup(state);
	add("multiboot");
	add("initrd");
	assert_int_equal(guest_select(&bi, &img), -EINVAL);
	assert_non_null(strstr(fake_console_text(), "module 1: an initrd needs a linux module"));
}

/* A module string of the longest length the parser keeps still parses. */
static void test_long_string(void **state)
{
	char name[BOOT_MODNAME_MAX];
	struct guest_image img;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memcpy(name, "linux ", 6);
	add(name);
	assert_int_equal(guest_select(&bi, &img), 0);
	assert_int_equal(strlen(img.cmdline), sizeof(name) - 1 - 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_modules, setup),
		cmocka_unit_test_setup(test_linux_and_initrd, setup),
		cmocka_unit_test_setup(test_multiboot_bare_word, setup),
		cmocka_unit_test_setup(test_unknown_type, setup),
		cmocka_unit_test_setup(test_two_kernels, setup),
		cmocka_unit_test_setup(test_two_initrds, setup),
		cmocka_unit_test_setup(test_initrd_needs_linux, setup),
		cmocka_unit_test_setup(test_long_string, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
