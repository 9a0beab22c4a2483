/*
 * test_lib.c - number parsing, error names, logging and the rate limiter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "console_fake.h"
#include "errcode.h"
#include "lib.h"
#include "log.h"

static void test_parse_bases(void **state)
{
	uint64_t v;
	assert_int_equal(parse_u64("0", &v, false), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("1234", &v, false), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(parse_u64("0x1fF", &v, false), 0);
	assert_int_equal(v, 0x1ff);
	assert_int_equal(parse_u64("0b101", &v, false), 0);
	assert_int_equal(v, 5);
	assert_int_equal(parse_u64("017", &v, false), 0);
	assert_int_equal(v, 15);
	assert_int_equal(parse_u64("0o17", &v, false), 0);
	assert_int_equal(v, 15);
	assert_int_equal(parse_u64("0xffffffffffffffff", &v, false), 0);
	assert_true(v == UINT64_MAX);
}

static void test_parse_suffix(void **state)
{
	uint64_t v;
	assert_int_equal(parse_u64("4K", &v, true), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_u64("256M", &v, true), 0);
	assert_int_equal(v, 256ULL << 20);
	assert_int_equal(parse_u64("2g", &v, true), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse_u64("0x10M", &v, true), 0);
	assert_int_equal(v, 16ULL << 20);
	assert_int_equal(parse_u64("4K", &v, false), -EINVAL);
	assert_int_equal(parse_u64("4KB", &v, true), -EINVAL);
	assert_int_equal(parse_u64("99999999999T", &v, true), -ERANGE);
}

static void test_parse_rejects(void **state)
{
	uint64_t v = 77;
	const char *bad[] = { "", "x", "0x", "0b", "12a", "-1", " 1", "1 ", "0x1g", "09" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_u64(bad[i], &v, false), -EINVAL);
	assert_int_equal(v, 77); /* untouched on error */
	assert_int_equal(parse_u64(NULL, &v, false), -EINVAL);
	assert_int_equal(parse_u64("18446744073709551616", &v, false), -ERANGE);
	assert_int_equal(parse_u64("0x10000000000000000", &v, false), -ERANGE);
}

static void test_err_name(void **state)
{
	assert_string_equal(err_name(-ENOMEM), "out of memory");
	assert_string_equal(err_name(EINVAL), "invalid argument");
	assert_string_equal(err_name(-9999), "unknown error");
	assert_string_equal(err_name(-3), "unknown error");
}

static void test_log_levels(void **state)
{
	fake_console_reset();
	log_level = LOG_WARN;
	pr_info("hidden\n");
	pr_warn("shown %d\n", 1);
	pr_err("also\n");
	assert_string_equal(fake_console_text(), "shown 1\nalso\n");
	log_level = LOG_INFO;
}

static void test_log_truncates(void **state)
{
	char big[2000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fake_console_reset();
	int n = printk("%s", big);
	const char *t = fake_console_text();
	assert_int_equal(strlen(t), (size_t)n);
	assert_true(n < 600);
	assert_string_equal(t + n - 4, "...\n");
}

static void test_ratelimit(void **state)
{
	struct ratelimit rl = { .interval = 100, .burst = 3 };
	int ok = 0;
	fake_console_reset();
	for (uint64_t t = 1; t <= 50; t++)
		ok += ratelimit_ok(&rl, t);
	assert_int_equal(ok, 3);
	assert_int_equal(rl.missed, 47);
	assert_true(ratelimit_ok(&rl, 200)); /* new interval */
	assert_non_null(strstr(fake_console_text(), "47 messages suppressed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bases),
		cmocka_unit_test(test_parse_suffix),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_err_name),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_log_truncates),
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
