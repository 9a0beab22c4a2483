/*
 * test_cmdline.c - the table-driven command line parser (boot/cmdline.c)
 * and Pagoda's option table (boot/options.c).
 *
 * A test table covers every option type; Pagoda's own table is checked
 * for its defaults, its limits and its error lines.
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

#include "console_fake.h"
#include "errcode.h"
#include "log.h"
#include "mb2.h"
#include "options.h"
#include "shell.h"

struct topts {
	bool flag;
	uint64_t level;
	uint64_t size;
	unsigned int color;
	char name[8];
	uint64_t count;
};

static const char *const colors[] = { "red", "green", "blue", NULL };

#define F(f) offsetof(struct topts, f)
static const struct option_desc ttable[] = {
	{ "flag", OPT_BOOL, F(flag), 0, 0, NULL, "a flag" },
	{ "level", OPT_U64, F(level), 1, 5, NULL, "a number 1-5" },
	{ "size", OPT_SIZE, F(size), 0, UINT64_MAX, NULL, "any size" },
	{ "color", OPT_ENUM, F(color), 0, 0, colors, "a colour" },
	{ "name", OPT_STRING, F(name), 0, sizeof(((struct topts *)0)->name),
	  NULL, "a short string" },
	{ "count", OPT_U64, F(count), 0, UINT64_MAX, NULL, "any number" },
};

static const struct topts tdefaults = {
	.flag = false, .level = 3, .size = 4096, .color = 1, .name = "def",
	.count = 7,
};
static struct topts t;

static int tparse(const char *s)
{
	return cmdline_parse(s, ttable, ARRAY_SIZE(ttable), &t);
}

static void assert_defaults(void)
{
	assert_memory_equal(&t, &tdefaults, sizeof(t));
}

static int setup(void **state)
{
	t = tdefaults;
	fake_console_reset();
	return 0;
}

static void test_all_types_good(void **state)
{
	assert_int_equal(tparse("flag level=5 size=512M color=blue name=abcdefg"), 0);
	assert_true(t.flag);
	assert_int_equal(t.level, 5);
	assert_int_equal(t.size, 512ull << 20);
	assert_int_equal(t.color, 2);
	assert_string_equal(t.name, "abcdefg");
	assert_string_equal(fake_console_text(), "");
}

static void test_bool_words(void **state)
{
	static const struct { const char *s; bool v; } cases[] = {
		{ "flag", true }, { "flag=on", true }, { "flag=off", false },
		{ "flag=yes", true }, { "flag=no", false }, { "flag=true", true },
		{ "flag=false", false }, { "flag=1", true }, { "flag=0", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		t.flag = !cases[i].v;
		assert_int_equal(tparse(cases[i].s), 0);
		assert_int_equal(t.flag, cases[i].v);
	}
}

static void test_bool_bad(void **state)
{
	assert_int_equal(tparse("flag=maybe"), 1);
	assert_defaults();
	assert_string_equal(fake_console_text(),
			    "cmdline: bad value 'maybe' for 'flag' (expected on or off)\n");
	fake_console_reset();
	assert_int_equal(tparse("flag="), 1);
	assert_defaults();
	assert_string_equal(fake_console_text(),
			    "cmdline: bad value '' for 'flag' (expected on or off)\n");
}

static void test_u64_range_and_form(void **state)
{
	assert_int_equal(tparse("level=0x4"), 0);
	assert_int_equal(t.level, 4);
	assert_int_equal(tparse("level=1"), 0);
	assert_int_equal(t.level, 1);
	t = tdefaults;
	assert_int_equal(tparse("level=0 level=6 level=2K level=-1 level=x level"), 6);
	assert_int_equal(tparse("count=2K count=1M"), 2); /* no suffix on a plain number */
	assert_defaults();
	assert_non_null(strstr(fake_console_text(),
			       "cmdline: bad value '6' for 'level' (expected a number from 1 to 5)\n"));
	assert_non_null(strstr(fake_console_text(),
			       "cmdline: missing value for 'level' (expected a number from 1 to 5)\n"));
}

static void test_size_forms(void **state)
{
	static const struct { const char *s; uint64_t v; } cases[] = {
		{ "size=0", 0 }, { "size=512M", 512ull << 20 }, { "size=1g", 1ull << 30 },
		{ "size=4K", 4096 }, { "size=0x1000", 0x1000 }, { "size=2T", 2ull << 40 },
		{ "size=12345", 12345 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(tparse(cases[i].s), 0);
		assert_int_equal(t.size, cases[i].v);
	}
}

static void test_size_bad(void **state)
{
	assert_int_equal(tparse("size=99999999999T"), 1);
	assert_string_equal(fake_console_text(),
			    "cmdline: bad value '99999999999T' for 'size' (expected a size like 512M)\n");
	assert_int_equal(tparse("size=18446744073709551616 size=12Q size=M size=1MB "
				"size=1.5G size= size"), 7);
	assert_defaults();
}

static void test_enum(void **state)
{
	assert_int_equal(tparse("color=red"), 0);
	assert_int_equal(t.color, 0);
	t = tdefaults;
	assert_int_equal(tparse("color=RED"), 1);
	assert_defaults();
	assert_string_equal(fake_console_text(),
			    "cmdline: bad value 'RED' for 'color' (expected one of red|green|blue)\n");
	assert_int_equal(tparse("color"), 1);
	assert_defaults();
}

static void test_string(void **state)
{
	assert_int_equal(tparse("name="), 0);
	assert_string_equal(t.name, "");
	t = tdefaults;
	assert_int_equal(tparse("name=abcdefgh"), 1); /* 8 characters: no room for the NUL */
	assert_defaults();
	assert_string_equal(fake_console_text(),
			    "cmdline: bad value 'abcdefgh' for 'name' (expected at most 7 characters)\n");
	assert_int_equal(tparse("name"), 1);
	/* the first '=' splits; the rest belongs to the value */
	assert_int_equal(tparse("name=a=b"), 0);
	assert_string_equal(t.name, "a=b");
}

static void test_unknown_option(void **state)
{
	assert_int_equal(tparse("foo flag=on =3 Flag"), 3);
	assert_true(t.flag);
	assert_string_equal(fake_console_text(),
			    "cmdline: unknown option 'foo'\n"
			    "cmdline: unknown option ''\n"
			    "cmdline: unknown option 'Flag'\n");
}

static void test_empty_and_spaces(void **state)
{
	assert_int_equal(tparse(""), 0);
	assert_int_equal(tparse(NULL), 0);
	assert_int_equal(tparse("     \t  "), 0);
	assert_defaults();
	assert_int_equal(tparse("   flag\t\t level=2      size=1M   "), 0);
	assert_true(t.flag);
	assert_int_equal(t.level, 2);
	assert_int_equal(t.size, 1 << 20);
	assert_string_equal(fake_console_text(), "");
}

/* An overlong word is one error, cut in the message; the words after it count. */
static void test_overlong_word(void **state)
{
	char s[400];

	memset(s, 'x', sizeof(s));
	memcpy(s, "name=", 5);
	memcpy(s + 300, " level=4", 9);
	assert_int_equal(tparse(s), 1);
	assert_int_equal(t.level, 4);
	assert_string_equal(t.name, "def");
	assert_string_equal(fake_console_text(),
			    "cmdline: word too long: 'name=xxxxxxxxxxxxxxxxxxx...' (max 127 characters)\n");
	/* exactly the longest accepted word */
	memset(s, 'y', sizeof(s));
	memcpy(s, "size=", 5);
	s[CMDLINE_TOKEN_MAX - 1] = '\0';
	t = tdefaults;
	fake_console_reset();
	assert_int_equal(tparse(s), 1);
	assert_non_null(strstr(fake_console_text(), "bad value 'yyy"));
	/* one more character and it is too long */
	s[CMDLINE_TOKEN_MAX - 1] = 'y';
	s[CMDLINE_TOKEN_MAX] = '\0';
	fake_console_reset();
	assert_int_equal(tparse(s), 1);
	assert_non_null(strstr(fake_console_text(), "word too long"));
}

static void test_last_one_wins(void **state)
{
	assert_int_equal(tparse("level=2 level=4 level=9"), 1);
	assert_int_equal(t.level, 4);
}

static void test_format_size(void **state)
{
	static const struct { uint64_t v; const char *s; } cases[] = {
		{ 0, "0" }, { 1000, "1000" }, { 1024, "1K" }, { 256ull << 20, "256M" },
		{ 3ull << 30, "3G" }, { 1ull << 40, "1T" }, { 1025, "1025" },
		{ UINT64_MAX, "18446744073709551615" },
	};
	char buf[32];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cmdline_format_size(cases[i].v, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
	}
}

static void test_format_value(void **state)
{
	static const char *const want[] = { "on", "5", "2G", "blue", "abc", "1024" };
	char buf[32];

	t = (struct topts){ true, 5, 2ull << 30, 2, "abc", 1024 };
	for (size_t i = 0; i < ARRAY_SIZE(ttable); i++) {
		cmdline_format_value(&ttable[i], &t, buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
}

static void test_options_defaults(void **state)
{
	struct pagoda_options o;

	memset(&o, 0x5a, sizeof(o));
	assert_int_equal(options_parse(NULL, &o), 0);
	assert_int_equal(o.loglevel, 2);
	assert_int_equal(o.mem, 0);
	assert_int_equal(o.guest_mem, 256ull << 20);
	assert_true(o.ept);
	assert_int_equal(o.budget, 0);
	assert_int_equal(o.swap, 256ull << 20);
	assert_true(o.apf);
	assert_int_equal(o.console, CONSOLE_GUEST);
	assert_false(o.test);
	/* the global starts at the defaults too (fields: padding differs) */
	assert_int_equal(options.loglevel, o.loglevel);
	assert_int_equal(options.mem, o.mem);
	assert_int_equal(options.guest_mem, o.guest_mem);
	assert_int_equal(options.ept, o.ept);
	assert_int_equal(options.budget, o.budget);
	assert_int_equal(options.swap, o.swap);
	assert_int_equal(options.apf, o.apf);
	assert_int_equal(options.console, o.console);
	assert_int_equal(options.test, o.test);
}

static void test_options_all_set(void **state)
{
	struct pagoda_options o;

	assert_int_equal(options_parse("loglevel=3 mem=1G guest_mem=64M ept=off "
				       "budget=32M swap=1G apf=off console=shell test",
				       &o), 0);
	assert_int_equal(o.loglevel, 3);
	assert_int_equal(o.mem, 1ull << 30);
	assert_int_equal(o.guest_mem, 64ull << 20);
	assert_false(o.ept);
	assert_int_equal(o.budget, 32ull << 20);
	assert_int_equal(o.swap, 1ull << 30);
	assert_false(o.apf);
	assert_int_equal(o.console, CONSOLE_SHELL);
	assert_true(o.test);
	/* each parse starts from the defaults again */
	assert_int_equal(options_parse("", &o), 0);
	assert_true(o.ept);
	assert_int_equal(o.loglevel, 2);
}

static void test_options_errors(void **state)
{
	struct pagoda_options o;

	assert_int_equal(options_parse("loglevel=4 guest_mem=8M mem=x console=both "
				       "ept=maybe nosuch",
				       &o), 6);
	assert_string_equal(fake_console_text(),
			    "cmdline: bad value '4' for 'loglevel' (expected a number up to 3)\n"
			    "cmdline: bad value '8M' for 'guest_mem' (expected a size like 512M, at least 16M)\n"
			    "cmdline: bad value 'x' for 'mem' (expected a size like 512M)\n"
			    "cmdline: bad value 'both' for 'console' (expected one of guest|shell)\n"
			    "cmdline: bad value 'maybe' for 'ept' (expected on or off)\n"
			    "cmdline: unknown option 'nosuch'\n");
	assert_int_equal(o.loglevel, 2);
	assert_int_equal(o.guest_mem, 256ull << 20);
	assert_int_equal(o.mem, 0);
	assert_int_equal(o.console, CONSOLE_GUEST);
	assert_true(o.ept);
	assert_int_equal(options_parse("guest_mem=16M", &o), 0);
	assert_int_equal(o.guest_mem, 16ull << 20);
}

static void test_options_apply(void **state)
{
	struct pagoda_options o;
	int saved = log_level;

	assert_int_equal(options_parse("loglevel=0", &o), 0);
	options_apply(&o);
	assert_int_equal(log_level, LOG_ERR);
	log_level = saved;
}

static void test_options_print(void **state)
{
	struct pagoda_options o;

	assert_int_equal(options_parse("console=shell guest_mem=1G", &o), 0);
	options_print(&o);
	assert_non_null(strstr(fake_console_text(), "  loglevel  = 2      log verbosity"));
	assert_non_null(strstr(fake_console_text(), "  guest_mem = 1G     guest RAM size\n"));
	assert_non_null(strstr(fake_console_text(), "  console   = shell  "));
	assert_non_null(strstr(fake_console_text(), "  ept       = on     "));
	assert_non_null(strstr(fake_console_text(), "  test      = off    "));
}

static const struct shell_cmd *find_cmd(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void test_cmdline_command(void **state)
{
	const struct shell_cmd *c = find_cmd("cmdline");
	char *argv[] = { "cmdline", "x", NULL };

	assert_non_null(c);
	strcpy(boot_info.cmdline, "apf=off");
	assert_int_equal(options_parse(boot_info.cmdline, &options), 0);
	assert_int_equal(c->fn(1, argv), 0);
	assert_non_null(strstr(fake_console_text(), "cmdline: \"apf=off\"\n"));
	assert_non_null(strstr(fake_console_text(), "  apf       = off    "));
	assert_int_equal(c->fn(2, argv), -EINVAL);
	options_parse(NULL, &options);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_all_types_good),
		T(test_bool_words),
		T(test_bool_bad),
		T(test_u64_range_and_form),
		T(test_size_forms),
		T(test_size_bad),
		T(test_enum),
		T(test_string),
		T(test_unknown_option),
		T(test_empty_and_spaces),
		T(test_overlong_word),
		T(test_last_one_wins),
		T(test_format_size),
		T(test_format_value),
		T(test_options_defaults),
		T(test_options_all_set),
		T(test_options_errors),
		T(test_options_apply),
		T(test_options_print),
		T(test_cmdline_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
