/*
 * test_shell.c - the shell's tokenizer, dispatch, number helper and the
 * core commands (help, version, hexdump, loglevel).
 *
 * Test commands are registered here with SHELL_COMMAND, as a module would;
 * the host linker puts them in the same "shell_cmds" section as the core
 * commands. In host tests an hpa is a host pointer (hpa_to_ptr is 1:1).
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
#include "shell.h"

/* What the last test command saw. */
static int seen_argc;
static char seen_argv[SHELL_MAX_ARGS + 1][SHELL_LINE_MAX];
static bool seen_null_end;

static int cmd_zzecho(int argc, char **argv)
{
	seen_argc = argc;
	for (int i = 0; i < argc; i++)
		snprintf(seen_argv[i], sizeof(seen_argv[i]), "%s", argv[i]);
	seen_null_end = argv[argc] == NULL;
	return 0;
}
SHELL_COMMAND(zzecho, "zzecho [args...]", "test: remember the arguments", cmd_zzecho);

static int cmd_aausage(int argc, char **argv)
{
	return -EINVAL;
}
SHELL_COMMAND(aausage, "aausage <x>", "test: always a usage error", cmd_aausage);

static int cmd_aafail(int argc, char **argv)
{
	return -EIO;
}
SHELL_COMMAND(aafail, "aafail", "test: always fails with -EIO", cmd_aafail);

/*
 * mm_range_readable belongs to mm/frame.c. This binary defines its own,
 * which answers as the test says and records the call, so hexdump's
 * checks are tested apart from the frame allocator. It is a strong
 * definition: if mm/frame.c ever gets linked in here, the link fails
 * (duplicate symbol) rather than the tests quietly changing meaning.
 */
static bool stub_answer;
static unsigned int stub_calls;
static uint64_t stub_start, stub_len;

bool mm_range_readable(hpa_t start, uint64_t len)
{
	stub_calls++;
	stub_start = start.v;
	stub_len = len;
	return stub_answer;
}

static int setup(void **state)
{
	fake_console_reset();
	seen_argc = -1;
	stub_answer = true;
	stub_calls = 0;
	log_level = LOG_INFO;
	return 0;
}

/* run: shell_exec of a copy of s (shell_exec tokenizes in place). */
static int run(const char *s)
{
	char line[SHELL_LINE_MAX];

	snprintf(line, sizeof(line), "%s", s);
	return shell_exec(line);
}

static const char *out(void)
{
	return fake_console_text();
}

/* --- tokenizer --- */

static int tok(const char *s, char *copy, char **argv, int max)
{
	strcpy(copy, s);
	return shell_tokenize(copy, argv, max);
}

static void test_tokenize_words(void **state)
{
	char line[64], *argv[8];

	assert_int_equal(tok(" a\tbb   ccc ", line, argv, 8), 3);
	assert_string_equal(argv[0], "a");
	assert_string_equal(argv[1], "bb");
	assert_string_equal(argv[2], "ccc");
	assert_string_equal(out(), "");
}

static void test_tokenize_quotes(void **state)
{
	char line[64], *argv[8];

	assert_int_equal(tok("say \"hello  world\" x", line, argv, 8), 3);
	assert_string_equal(argv[1], "hello  world");
	assert_string_equal(argv[2], "x");
	/* Quotes inside a word group and vanish; "" is an empty argument. */
	assert_int_equal(tok("a\"b c\"d \"\" \"\"e", line, argv, 8), 3);
	assert_string_equal(argv[0], "ab cd");
	assert_string_equal(argv[1], "");
	assert_string_equal(argv[2], "e");
}

static void test_tokenize_empty(void **state)
{
	char line[64], *argv[8];

	assert_int_equal(tok("", line, argv, 8), 0);
	assert_int_equal(tok("   \t  ", line, argv, 8), 0);
	assert_string_equal(out(), "");
}

static void test_tokenize_too_many(void **state)
{
	char line[64], *argv[4] = { NULL, NULL, NULL, NULL };

	assert_int_equal(tok("a b c", line, argv, 3), 3);
	assert_int_equal(tok("a b c   ", line, argv, 3), 3);
	assert_int_equal(tok("a b c d", line, argv, 3), -E2BIG);
	assert_null(argv[3]); /* never written past max */
	assert_string_equal(out(), "shell: too many arguments (max 3)\n");
	assert_int_equal(tok("a", line, argv, 0), -E2BIG);
}

static void test_tokenize_unterminated_quote(void **state)
{
	char line[64], *argv[8];

	assert_int_equal(tok("echo \"abc", line, argv, 8), -EINVAL);
	assert_string_equal(out(), "shell: unterminated quote\n");
	assert_int_equal(tok("\"", line, argv, 8), -EINVAL);
}

/* --- dispatch --- */

static void test_exec_runs_command(void **state)
{
	/* A longer line first, so stale argv slots would show. */
	assert_int_equal(run("zzecho a b c d e f"), 0);
	assert_true(seen_null_end);
	assert_int_equal(run("zzecho one \"two three\""), 0);
	assert_int_equal(seen_argc, 3);
	assert_string_equal(seen_argv[0], "zzecho");
	assert_string_equal(seen_argv[1], "one");
	assert_string_equal(seen_argv[2], "two three");
	assert_true(seen_null_end);
	assert_string_equal(out(), "");
}

static void test_exec_max_args(void **state)
{
	char line[SHELL_LINE_MAX] = "zzecho";

	for (int i = 1; i < SHELL_MAX_ARGS; i++)
		strcat(line, " x");
	assert_int_equal(run(line), 0);
	assert_int_equal(seen_argc, SHELL_MAX_ARGS);
	strcat(line, " y");
	seen_argc = -1;
	assert_int_equal(run(line), -E2BIG);
	assert_int_equal(seen_argc, -1);
}

static void test_exec_blank(void **state)
{
	assert_int_equal(run(""), 0);
	assert_int_equal(run("  \t "), 0);
	assert_string_equal(out(), "");
}

static void test_exec_unknown(void **state)
{
	assert_int_equal(run("foo bar"), -ENOENT);
	assert_string_equal(out(), "shell: unknown command 'foo' (try help)\n");
	fake_console_reset();
	assert_int_equal(run("zzech"), -ENOENT); /* no prefix matching */
}

static void test_exec_usage_and_error(void **state)
{
	assert_int_equal(run("aausage"), -EINVAL);
	assert_string_equal(out(), "usage: aausage <x>\n");
	fake_console_reset();
	assert_int_equal(run("aafail"), -EIO);
	assert_string_equal(out(), "aafail: I/O error\n");
	fake_console_reset();
	assert_int_equal(run("zzecho \"open"), -EINVAL);
	assert_string_equal(out(), "shell: unterminated quote\n");
	assert_int_equal(seen_argc, -1);
}

static void test_find(void **state)
{
	assert_non_null(shell_find("zzecho"));
	assert_ptr_equal(shell_find("zzecho")->fn, cmd_zzecho);
	assert_non_null(shell_find("help"));
	assert_null(shell_find("zz"));
	assert_null(shell_find(""));
}

static void test_next_sorted_covers_table(void **state)
{
	const struct shell_cmd *c, *prev = NULL;
	long n = 0;

	for (c = shell_next_sorted(NULL); c; prev = c, c = shell_next_sorted(c)) {
		if (prev)
			assert_true(strcmp(prev->name, c->name) <= 0);
		n++;
	}
	assert_int_equal(n, __stop_shell_cmds - __start_shell_cmds);
	assert_true(n >= 7); /* ours and the core ones */
}

/* --- shell_input: the byte-fed front end --- */

/* Must run first: the panic shell may prompt before shell_init() ran. */
static void test_prompt_before_init(void **state)
{
	shell_prompt();
	assert_string_equal(out(), "pagoda> ");
}

static void test_input_runs_and_prompts(void **state)
{
	const char *keys = "zzecho hi\r\n";

	shell_init("pagoda> ");
	shell_prompt();
	for (const char *k = keys; *k; k++)
		shell_input(*k);
	assert_int_equal(seen_argc, 2);
	assert_string_equal(seen_argv[1], "hi");
	assert_string_equal(out(), "pagoda> zzecho hi\npagoda> ");
	/* Ctrl-C: a fresh prompt, nothing run. */
	fake_console_reset();
	seen_argc = -1;
	shell_input('z');
	shell_input(3);
	assert_string_equal(out(), "z^C\npagoda> ");
	assert_int_equal(seen_argc, -1);
}

static void test_input_garbage_not_run(void **state)
{
	const char keys[] = "zzecho\x80 x\r";

	shell_init("$ ");
	for (size_t i = 0; i < sizeof(keys) - 1; i++)
		shell_input(keys[i]);
	assert_int_equal(seen_argc, -1);
	assert_string_equal(out(), "zzecho x\nshell: ignored 1 non-text bytes\n$ ");
}

/* --- numbers --- */

static void test_arg_u64(void **state)
{
	uint64_t v = 0;

	assert_int_equal(shell_arg_u64("0x10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(shell_arg_u64("4K", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(shell_arg_u64("12", &v), 0);
	assert_int_equal(v, 12);
	assert_string_equal(out(), "");
	v = 7;
	assert_int_equal(shell_arg_u64("zz", &v), -EINVAL);
	assert_int_equal(v, 7);
	assert_string_equal(out(), "shell: bad number 'zz'\n");
	fake_console_reset();
	assert_int_equal(shell_arg_u64("99999999999999999999", &v), -ERANGE);
	assert_string_equal(out(), "shell: bad number '99999999999999999999'\n");
	assert_int_equal(shell_arg_u64("", &v), -EINVAL);
}

/* --- help, version, loglevel --- */

/* column_of: where s starts within its line of text t. */
static long column_of(const char *t, const char *s)
{
	const char *p = strstr(t, s), *bol = p;

	assert_non_null(p);
	while (bol > t && bol[-1] != '\n')
		bol--;
	return p - bol;
}

static void test_help_lists_sorted(void **state)
{
	const char *t, *a, *h, *z;

	assert_int_equal(run("help"), 0);
	t = out();
	a = strstr(t, "aafail");
	h = strstr(t, "help [cmd]");
	z = strstr(t, "zzecho [args...]");
	assert_non_null(a);
	assert_non_null(h);
	assert_non_null(z);
	assert_true(a < h && h < z);
	assert_non_null(strstr(t, "test: remember the arguments\n"));
	/* Usages are padded to one width: the help texts line up. */
	assert_int_equal(column_of(t, "test: always fails"),
			 column_of(t, "test: remember the arguments"));
	assert_int_equal(column_of(t, "test: always fails"),
			 column_of(t, "dump host memory"));
	assert_true(strncmp(t, "  aafail  ", 10) == 0);
}

static void test_help_one(void **state)
{
	assert_int_equal(run("help zzecho"), 0);
	assert_string_equal(out(), "usage: zzecho [args...]\n  test: remember the arguments\n");
	fake_console_reset();
	assert_int_equal(run("help nosuch"), -ENOENT);
	assert_string_equal(out(), "help: no such entry\n");
	fake_console_reset();
	assert_int_equal(run("help a b"), -EINVAL);
	assert_string_equal(out(), "usage: help [cmd]\n");
}

static void test_version(void **state)
{
	assert_int_equal(run("version"), 0);
	assert_true(strncmp(out(), "Pagoda host (built ", 19) == 0);
	assert_int_equal(out()[strlen(out()) - 1], '\n');
	fake_console_reset();
	assert_int_equal(run("version x"), -EINVAL);
}

static void test_loglevel(void **state)
{
	assert_int_equal(run("loglevel"), 0);
	assert_string_equal(out(), "log level 2 (info)\n");
	fake_console_reset();
	assert_int_equal(run("loglevel 3"), 0);
	assert_int_equal(log_level, LOG_DEBUG);
	assert_string_equal(out(), "log level 3 (debug)\n");
	assert_int_equal(run("loglevel warn"), 0);
	assert_int_equal(log_level, LOG_WARN);
	assert_int_equal(run("loglevel 0"), 0);
	assert_int_equal(log_level, LOG_ERR);
	fake_console_reset();
	assert_int_equal(run("loglevel 4"), -ERANGE);
	assert_string_equal(out(), "loglevel: out of range\n");
	assert_int_equal(log_level, LOG_ERR);
	fake_console_reset();
	assert_int_equal(run("loglevel -1"), -EINVAL);
	assert_string_equal(out(), "shell: bad number '-1'\nusage: loglevel [n]\n");
	assert_int_equal(log_level, LOG_ERR);
	assert_int_equal(run("loglevel 1 2"), -EINVAL);
	log_level = LOG_INFO;
}

/* --- hexdump --- */

static void test_hexdump_format(void **state)
{
	uint8_t buf[40];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i + 0x3c);
	buf[0] = 0x00;
	buf[1] = 0x7f;
	buf[2] = 0xff;
	shell_hexdump(0x1000, buf, sizeof(buf));
	assert_string_equal(out(),
		"0000000000001000  00 7f ff 3f 40 41 42 43  44 45 46 47 48 49 4a 4b  |...?@ABCDEFGHIJK|\n"
		"0000000000001010  4c 4d 4e 4f 50 51 52 53  54 55 56 57 58 59 5a 5b  |LMNOPQRSTUVWXYZ[|\n"
		"0000000000001020  5c 5d 5e 5f 60 61 62 63                           |\\]^_`abc|\n");
	fake_console_reset();
	shell_hexdump(0, buf, 0);
	assert_string_equal(out(), "");
}

static void test_hexdump_command(void **state)
{
	static uint8_t page[256];
	char cmd[64];

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)i;
	snprintf(cmd, sizeof(cmd), "hexdump 0x%llx 20", (unsigned long long)(uintptr_t)page);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(stub_calls, 1);
	assert_int_equal(stub_start, (uintptr_t)page);
	assert_int_equal(stub_len, 20);
	assert_non_null(strstr(out(), "  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |"));
	assert_non_null(strstr(out(), "  10 11 12 13      "));
	assert_int_equal(strchr(out(), '\n') - out(), 86); /* a full line */
	/* The default length is 256: 16 lines. */
	fake_console_reset();
	snprintf(cmd, sizeof(cmd), "hexdump %llu", (unsigned long long)(uintptr_t)page);
	assert_int_equal(run(cmd), 0);
	assert_int_equal(stub_len, 256);
	assert_non_null(strstr(out(), "f0 f1 f2 f3"));
}

static void test_hexdump_rejects(void **state)
{
	assert_int_equal(run("hexdump"), -EINVAL);
	assert_string_equal(out(), "usage: hexdump <hpa> [len]\n");
	assert_int_equal(run("hexdump 1 2 3"), -EINVAL);
	assert_int_equal(run("hexdump nope"), -EINVAL);
	assert_int_equal(run("hexdump 0x1000 nope"), -EINVAL);
	fake_console_reset();
	assert_int_equal(run("hexdump 0x1000 0"), -ERANGE);
	assert_string_equal(out(), "hexdump: out of range\n");
	assert_int_equal(run("hexdump 0x1000 0x10001"), -ERANGE);
	assert_int_equal(stub_calls, 0);
	/* Wrapping past the top of the address space: refused before asking mm. */
	assert_int_equal(run("hexdump 0xffffffffffffff00 0x200"), -EFAULT);
	assert_int_equal(stub_calls, 0);
	/* Not readable: nothing is read (the address would crash if it were). */
	stub_answer = false;
	fake_console_reset();
	assert_int_equal(run("hexdump 0x10 64K"), -EFAULT);
	assert_int_equal(stub_calls, 1);
	assert_int_equal(stub_len, KiB(64));
	assert_string_equal(out(), "hexdump: bad address\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_prompt_before_init, setup),
		cmocka_unit_test_setup(test_tokenize_words, setup),
		cmocka_unit_test_setup(test_tokenize_quotes, setup),
		cmocka_unit_test_setup(test_tokenize_empty, setup),
		cmocka_unit_test_setup(test_tokenize_too_many, setup),
		cmocka_unit_test_setup(test_tokenize_unterminated_quote, setup),
		cmocka_unit_test_setup(test_exec_runs_command, setup),
		cmocka_unit_test_setup(test_exec_max_args, setup),
		cmocka_unit_test_setup(test_exec_blank, setup),
		cmocka_unit_test_setup(test_exec_unknown, setup),
		cmocka_unit_test_setup(test_exec_usage_and_error, setup),
		cmocka_unit_test_setup(test_find, setup),
		cmocka_unit_test_setup(test_next_sorted_covers_table, setup),
		cmocka_unit_test_setup(test_input_runs_and_prompts, setup),
		cmocka_unit_test_setup(test_input_garbage_not_run, setup),
		cmocka_unit_test_setup(test_arg_u64, setup),
		cmocka_unit_test_setup(test_help_lists_sorted, setup),
		cmocka_unit_test_setup(test_help_one, setup),
		cmocka_unit_test_setup(test_version, setup),
		cmocka_unit_test_setup(test_loglevel, setup),
		cmocka_unit_test_setup(test_hexdump_format, setup),
		cmocka_unit_test_setup(test_hexdump_command, setup),
		cmocka_unit_test_setup(test_hexdump_rejects, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
