/*
 * test_line.c - the shell's line editor, fed byte sequences as a terminal
 * (or line noise) would send them.
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
#include "shell.h"

static struct line_editor le;
static unsigned int nr_done, nr_cancel;

/* feed: n bytes; returns the last result other than LINE_NONE (or NONE). */
static int feed(const char *s, size_t n)
{
	int last = LINE_NONE;

	for (size_t i = 0; i < n; i++) {
		int r = line_feed(&le, s[i]);
		assert_true(r == LINE_NONE || r == LINE_DONE || r == LINE_CANCEL);
		nr_done += r == LINE_DONE;
		nr_cancel += r == LINE_CANCEL;
		if (r != LINE_NONE)
			last = r;
	}
	return last;
}

static int feed_str(const char *s)
{
	return feed(s, strlen(s));
}

static int setup(void **state)
{
	line_init(&le, "> ");
	fake_console_reset();
	nr_done = nr_cancel = 0;
	return 0;
}

/* Typing keys ends a line whose text is exactly want. */
static void expect_line(const char *keys, const char *want)
{
	assert_int_equal(feed_str(keys), LINE_DONE);
	assert_string_equal(le.buf, want);
}

static void test_plain_line(void **state)
{
	expect_line("hello world\r", "hello world");
	assert_string_equal(fake_console_text(), "hello world\n");
	assert_int_equal(nr_done, 1);
}

static void test_line_endings(void **state)
{
	/* CR LF is one line; so is CR NUL (telnet); LF alone works. */
	feed_str("ab\r\ncd\r\n");
	assert_int_equal(nr_done, 2);
	assert_string_equal(le.buf, "cd");
	feed("ef\r\0gh\n", 7);
	assert_int_equal(nr_done, 4);
	assert_string_equal(le.buf, "gh");
	assert_int_equal(nr_cancel, 0);
	/* A LF after anything but CR ends a (here empty) line. */
	assert_int_equal(feed_str("\n"), LINE_DONE);
	assert_string_equal(le.buf, "");
	/* LF CR: a line and an empty line. */
	feed_str("ij\n\r");
	assert_int_equal(nr_done, 7);
	assert_string_equal(le.buf, "");
}

static void test_buffer_kept_until_next_byte(void **state)
{
	expect_line("first\r", "first");
	assert_string_equal(le.buf, "first");
	assert_int_equal(feed_str("x"), LINE_NONE);
	assert_string_equal(le.buf, "x");
	assert_int_equal(le.cursor, 1);
}

static void test_backspace(void **state)
{
	expect_line("abc\x7f\x08" "d\r", "ad");
	expect_line("\x7f\x08x\r", "x"); /* at the start: nothing */
	fake_console_reset();
	feed_str("abc\x1b[D\x7f");
	assert_string_equal(le.buf, "ac");
	/* b erased mid-line: back, redraw "c", blank the old last cell, back. */
	assert_string_equal(fake_console_text(), "abc\b\bc \b\b");
}

static void test_cursor_insert(void **state)
{
	fake_console_reset();
	expect_line("ac\x1b[Db\r", "abc");
	assert_string_equal(fake_console_text(), "ac\bbc\b\n");
	expect_line("ab\x1b[D\x1b[D\x1b[CX\r", "aXb");
	/* Left at the start and right at the end do nothing. */
	expect_line("a\x1b[D\x1b[D\x1b[DZ\x1b[C\x1b[C\x1b[CY\r", "ZaY");
	/* Emacs keys: Ctrl-B left, Ctrl-F right. */
	expect_line("ac\x02" "b\x06" "d\r", "abcd");
}

static void test_home_end(void **state)
{
	expect_line("bc\x1b[Ha\x1b[F" "d\r", "abcd");
	expect_line("bc\x1b[1~a\x1b[4~" "d\r", "abcd");
	expect_line("bc\x1b[7~a\x1b[8~" "d\r", "abcd");
	expect_line("bc\x1bOHa\x1bOF" "d\r", "abcd");
	expect_line("bc\x01" "a\x05" "d\r", "abcd");
}

static void test_delete(void **state)
{
	expect_line("abc\x1b[H\x1b[3~\r", "bc");
	expect_line("abc\x1b[3~\r", "abc"); /* at the end: nothing */
	expect_line("abc\x1b[D\x04\r", "ab"); /* Ctrl-D */
	expect_line("abc\x1b[D\x1b[3;5~\r", "ab"); /* with a modifier */
}

static void test_kill_line(void **state)
{
	expect_line("abc\x15xy\r", "xy");
	fake_console_reset();
	feed_str("abc\x1b[D\x15");
	/* Back to the start, blank all three cells, back again. */
	assert_string_equal(fake_console_text(), "abc\b\b\b   \b\b\b");
	assert_int_equal(le.len, 0);
	assert_int_equal(le.cursor, 0);
}

static void test_ctrl_c(void **state)
{
	assert_int_equal(feed_str("abc\x03"), LINE_CANCEL);
	assert_string_equal(fake_console_text(), "abc^C\n");
	assert_int_equal(le.len, 0);
	expect_line("d\r", "d");
	assert_int_equal(nr_cancel, 1);
}

static void test_tab_ignored(void **state)
{
	expect_line("a\tb\r", "ab");
	assert_int_equal(nr_cancel, 0);
}

static void test_garbage_rejected(void **state)
{
	assert_int_equal(feed_str("a\x07\x80\xff" "b\r"), LINE_CANCEL);
	assert_string_equal(fake_console_text(), "ab\nshell: ignored 3 non-text bytes\n");
	assert_int_equal(nr_done, 0);
	/* The count was per line: the next line is fine. */
	expect_line("ok\r", "ok");
	/* Ctrl-U forgets the garbage along with the text. */
	expect_line("x\x07\x15y\r", "y");
	/* A NUL not after CR is garbage too. */
	assert_int_equal(feed("a\0b\n", 4), LINE_CANCEL);
}

static void test_overlong_line(void **state)
{
	char keys[SHELL_LINE_MAX + 64], want[SHELL_LINE_MAX];

	/* Exactly the maximum is fine. */
	memset(want, 'x', SHELL_LINE_MAX - 1);
	want[SHELL_LINE_MAX - 1] = '\0';
	snprintf(keys, sizeof(keys), "%s\r", want);
	expect_line(keys, want);

	memset(keys, 'y', SHELL_LINE_MAX + 40);
	strcpy(keys + SHELL_LINE_MAX + 40, "\r");
	fake_console_reset();
	assert_int_equal(feed_str(keys), LINE_CANCEL);
	assert_non_null(strstr(fake_console_text(),
			       "\nshell: line too long (max 255 characters)\n"));
	/* One BEL for the first dropped character, not one per character. */
	assert_int_equal(strchr(fake_console_text(), '\a') -
				 strrchr(fake_console_text(), '\a'), 0);
	/* Inserting mid-line into a full buffer is refused as well. */
	memset(keys, 'z', SHELL_LINE_MAX - 1);
	strcpy(keys + SHELL_LINE_MAX - 1, "\x1b[H!\r");
	assert_int_equal(feed_str(keys), LINE_CANCEL);
	expect_line("short\r", "short");
}

static void test_history_browse(void **state)
{
	expect_line("one\r", "one");
	expect_line("two\r", "two");
	expect_line("two\r", "two");	/* duplicate: kept once */
	expect_line("\r", "");		/* empty: not kept */
	expect_line("   \r", "   ");	/* blank: not kept */
	expect_line("three\r", "three");
	assert_int_equal(le.hist_count, 3);

	feed_str("par");
	feed_str("\x1b[A");
	assert_string_equal(le.buf, "three");
	feed_str("\x1b[A\x1b[A");
	assert_string_equal(le.buf, "one");
	feed_str("\x1b[A"); /* oldest: stays */
	assert_string_equal(le.buf, "one");
	feed_str("\x1b[B\x1b[B");
	assert_string_equal(le.buf, "three");
	feed_str("\x1b[B"); /* back to the line being typed */
	assert_string_equal(le.buf, "par");
	assert_int_equal(le.cursor, 3);
	feed_str("\x1b[B"); /* below it: nothing */
	expect_line("t\r", "part");
	/* Ctrl-P / Ctrl-N, and editing a recalled line. */
	expect_line("\x10\x10" "!\r", "three!");
	expect_line("\x10\x0e\r", "");
}

static void test_history_echo(void **state)
{
	expect_line("xy\r", "xy");
	fake_console_reset();
	feed_str("abcd\x1b[A");
	/* Back four, write "xy", blank the two leftover cells, back two. */
	assert_string_equal(fake_console_text(), "abcd\b\b\b\bxy  \b\b");
}

static void test_history_ring_wraps(void **state)
{
	char line[16];

	for (int i = 0; i < LINE_HISTORY + 4; i++) {
		snprintf(line, sizeof(line), "c%d\r", i);
		feed_str(line);
	}
	assert_int_equal(le.hist_count, LINE_HISTORY);
	for (int i = 0; i < LINE_HISTORY + 3; i++)
		feed_str("\x1b[A");
	snprintf(line, sizeof(line), "c%d", 4);
	assert_string_equal(le.buf, line);
}

static void test_odd_escape_sequences(void **state)
{
	/* A sequence cut by Enter or Ctrl-C: the key still works. */
	expect_line("ab\x1b\r", "ab");
	expect_line("ab\x1b[\r", "ab");
	expect_line("ab\x1b[12\r", "ab");
	expect_line("ab\x1bO\r", "ab");
	assert_int_equal(feed_str("ab\x1b[1;\x03"), LINE_CANCEL);
	/* ESC ESC [ D: the second ESC starts the sequence over. */
	expect_line("ab\x1b\x1b[Dx\r", "axb");
	/* Unknown but complete sequences are ignored: F1, F5, ESC [ x. */
	expect_line("a\x1bOP\x1b[15~\x1b[x" "b\r", "ab");
	/* Ctrl-Right (with modifiers) is right. */
	expect_line("ab\x1b[D\x1b[1;5Cc\r", "abc");
	/* A huge parameter saturates and is ignored (2^32 + 3 must not be 3). */
	expect_line("a\x1b[99999999999999999999~b\r", "ab");
	expect_line("ab\x1b[D\x1b[4294967299~\r", "ab");
	/* ESC then a letter (Alt-x): the sequence ends, the letter is text. */
	expect_line("a\x1bx\r", "ax");
	/* An 8-bit byte inside a sequence ends it and counts as garbage. */
	assert_int_equal(feed_str("a\x1b[\x9b" "A\r"), LINE_CANCEL);
	assert_non_null(strstr(fake_console_text(), "ignored 1 non-text bytes"));
}

static void test_split_sequence_across_calls(void **state)
{
	/* The editor keeps its state between bytes: a sequence may straddle calls. */
	feed_str("ab");
	feed_str("\x1b");
	feed_str("[");
	feed_str("D");
	feed_str("X");
	expect_line("\r", "aXb");
}

static void test_prompt_and_redraw(void **state)
{
	line_prompt(&le);
	assert_string_equal(fake_console_text(), "> ");
	feed_str("abc\x1b[D");
	fake_console_reset();
	line_prompt(&le);
	assert_string_equal(fake_console_text(), "> abc\b");
	fake_console_reset();
	feed_str("\x0c"); /* Ctrl-L */
	assert_string_equal(fake_console_text(), "\x1b[2J\x1b[H> abc\b");
	assert_string_equal(le.buf, "abc");
	/* After a finished line, only the prompt. */
	feed_str("\r");
	fake_console_reset();
	line_prompt(&le);
	assert_string_equal(fake_console_text(), "> ");
}

static void test_zeroed_editor_works(void **state)
{
	static struct line_editor z;

	line_prompt(&z); /* no prompt: prints nothing */
	assert_string_equal(fake_console_text(), "");
	assert_int_equal(line_feed(&z, 'q'), LINE_NONE);
	assert_int_equal(line_feed(&z, '\r'), LINE_DONE);
	assert_string_equal(z.buf, "q");
}

/* A stream of random bytes: no crash, invariants hold, the editor recovers. */
static void test_random_bytes(void **state)
{
	uint32_t x = 12345;

	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245 + 12345;
		line_feed(&le, (char)(x >> 16));
		assert_true(le.len < SHELL_LINE_MAX);
		assert_true(le.cursor <= le.len);
		assert_int_equal(le.buf[le.len], '\0');
		assert_true(le.hist_pos <= le.hist_count);
		if (i % 4096 == 0)
			fake_console_reset();
	}
	feed_str("\x03");
	expect_line("ok\r", "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_line, setup),
		cmocka_unit_test_setup(test_line_endings, setup),
		cmocka_unit_test_setup(test_buffer_kept_until_next_byte, setup),
		cmocka_unit_test_setup(test_backspace, setup),
		cmocka_unit_test_setup(test_cursor_insert, setup),
		cmocka_unit_test_setup(test_home_end, setup),
		cmocka_unit_test_setup(test_delete, setup),
		cmocka_unit_test_setup(test_kill_line, setup),
		cmocka_unit_test_setup(test_ctrl_c, setup),
		cmocka_unit_test_setup(test_tab_ignored, setup),
		cmocka_unit_test_setup(test_garbage_rejected, setup),
		cmocka_unit_test_setup(test_overlong_line, setup),
		cmocka_unit_test_setup(test_history_browse, setup),
		cmocka_unit_test_setup(test_history_echo, setup),
		cmocka_unit_test_setup(test_history_ring_wraps, setup),
		cmocka_unit_test_setup(test_odd_escape_sequences, setup),
		cmocka_unit_test_setup(test_split_sequence_across_calls, setup),
		cmocka_unit_test_setup(test_prompt_and_redraw, setup),
		cmocka_unit_test_setup(test_zeroed_editor_works, setup),
		cmocka_unit_test_setup(test_random_bytes, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
