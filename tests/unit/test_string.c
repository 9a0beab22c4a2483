/*
 * test_string.c - lib/string.c (built as pg_*), against the C library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

void *pg_memcpy(void *d, const void *s, size_t n);
void *pg_memmove(void *d, const void *s, size_t n);
void *pg_memset(void *d, int c, size_t n);
int pg_memcmp(const void *a, const void *b, size_t n);
size_t pg_strlen(const char *s);
size_t pg_strnlen(const char *s, size_t n);
int pg_strcmp(const char *a, const char *b);
int pg_strncmp(const char *a, const char *b, size_t n);
char *pg_strchr(const char *s, int c);

static int sign(int x) { return (x > 0) - (x < 0); }

static void test_mem(void **state)
{
	char a[32], b[32];
	for (int i = 0; i < 32; i++)
		a[i] = (char)i;
	assert_ptr_equal(pg_memcpy(b, a, 32), b);
	assert_memory_equal(a, b, 32);
	pg_memset(b, 0xab, 10);
	assert_int_equal((unsigned char)b[9], 0xab);
	assert_int_equal(b[10], 10);
	assert_true(pg_memcmp(a, b, 32) < 0);
	assert_int_equal(pg_memcmp(a + 10, b + 10, 22), 0);
	assert_int_equal(pg_memcmp(a, b, 0), 0);
}

static void test_memmove_overlap(void **state)
{
	char x[16] = "0123456789", y[16] = "0123456789";
	pg_memmove(x + 2, x, 8);
	memmove(y + 2, y, 8);
	assert_memory_equal(x, y, 16);
	pg_memmove(x, x + 3, 7);
	memmove(y, y + 3, 7);
	assert_memory_equal(x, y, 16);
}

static void test_str(void **state)
{
	assert_int_equal(pg_strlen(""), 0);
	assert_int_equal(pg_strlen("abc"), 3);
	assert_int_equal(pg_strnlen("abcdef", 4), 4);
	assert_int_equal(pg_strnlen("ab", 4), 2);
	assert_int_equal(sign(pg_strcmp("abc", "abd")), -1);
	assert_int_equal(sign(pg_strcmp("abc", "ab")), 1);
	assert_int_equal(pg_strcmp("x", "x"), 0);
	assert_int_equal(sign(pg_strcmp("\xff", "a")), sign(strcmp("\xff", "a")));
	assert_int_equal(pg_strncmp("abcX", "abcY", 3), 0);
	assert_int_equal(sign(pg_strncmp("ab", "abc", 5)), -1);
	assert_ptr_equal(pg_strchr("hello", 'l'), strchr("hello", 'l'));
	const char *s = "hi";
	assert_ptr_equal(pg_strchr(s, '\0'), s + 2);
	assert_null(pg_strchr("hi", 'z'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
