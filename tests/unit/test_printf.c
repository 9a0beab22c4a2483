/*
 * test_printf.c - lib/printf.c (built as pg_vsnprintf/pg_snprintf),
 * checked against the host C library's snprintf for the same formats.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

int pg_snprintf(char *buf, size_t size, const char *fmt, ...);

#define SAME(fmt, ...)                                                         \
	do {                                                                   \
		char a[256], b[256];                                           \
		int na = pg_snprintf(a, sizeof(a), fmt, __VA_ARGS__);         \
		int nb = snprintf(b, sizeof(b), fmt, __VA_ARGS__);            \
		assert_string_equal(a, b);                                     \
		assert_int_equal(na, nb);                                      \
	} while (0)

static void test_integers(void **state)
{
	SAME("%d %i %u", -42, 7, 3000000000u);
	SAME("%ld %lu %lld %llu", -1L, 18446744073709551615UL, -9223372036854775807LL - 1,
	     12345ULL);
	SAME("%x %X %#x %#X %o %#o", 0xdeadbeef, 0xabc, 255, 255, 8, 8);
	SAME("%hhu %hhd %hu %hd", 300, 200, 70000, 40000);
	SAME("%zu %zx %jd %td", (size_t)99, (size_t)0x1000, (intmax_t)-5, (ptrdiff_t)-7);
}

static void test_width_precision(void **state)
{
	SAME("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	SAME("[%.3d] [%8.3d] [%-8.3x] [%.0d]", 7, 7, 0xa, 0);
	SAME("[%016lx] [%*d] [%-*d] [%.*s]", 0x1234UL, 6, 9, 6, 9, 2, "abcdef");
	SAME("[%5s] [%-5s] [%.2s] [%c] [%3c]", "ab", "ab", "xyz", 'q', 'r');
	SAME("[%#010x] [%#.4x] [%08d]", 0x1f, 0x1f, -12);
}

static void test_pointers_and_percent(void **state)
{
	SAME("%p %%", (void *)0x1000);
	SAME("100%% %s", "done");
}

static void test_truncation(void **state)
{
	char buf[8];
	int n = pg_snprintf(buf, sizeof(buf), "%s", "0123456789");
	assert_int_equal(n, 10);
	assert_string_equal(buf, "0123456");
	n = pg_snprintf(buf, 1, "abc");
	assert_int_equal(n, 3);
	assert_string_equal(buf, "");
	n = pg_snprintf(NULL, 0, "%d", 12345);
	assert_int_equal(n, 5);
}

static void test_null_string_and_bad_conversion(void **state)
{
	char buf[64];
	pg_snprintf(buf, sizeof(buf), "%s", (char *)NULL);
	assert_string_equal(buf, "(null)");
	/* An unknown conversion is printed as-is rather than eating arguments. */
	pg_snprintf(buf, sizeof(buf), "a%qb");
	assert_string_equal(buf, "a%qb");
	pg_snprintf(buf, sizeof(buf), "end%");
	assert_string_equal(buf, "end%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_precision),
		cmocka_unit_test(test_pointers_and_percent),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_null_string_and_bad_conversion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
