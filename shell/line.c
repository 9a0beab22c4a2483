/*
 * line.c - the debug shell's line editor: one byte in, echo out.
 *
 * A pure state machine (struct line_editor) fed one byte at a time from
 * the serial line; it never blocks and never waits for a later byte, so
 * it can be fed from a polled loop or from the VM-exit loop. It owns the
 * edit buffer, the cursor, the history ring and the escape-sequence
 * decoder (VT100/xterm keys: ESC [ A..D, H, F, n~ and ESC O x).
 *
 * Behaviour on bad input, chosen so nothing can wedge or crash it:
 *  - a byte that cannot continue an escape sequence ends the sequence and
 *    is then handled as an ordinary key (so Enter or Ctrl-C always work);
 *    complete sequences we do not know (F-keys...) are ignored;
 *  - other control bytes and 8-bit bytes are ignored but counted; a line
 *    that had any is rejected on Enter ("shell: ignored N non-text bytes");
 *  - once SHELL_LINE_MAX - 1 characters are in, further ones are dropped
 *    (one BEL), and the line is rejected on Enter as too long.
 *  The counts apply to everything typed since the prompt; Ctrl-U and
 *  Ctrl-C clear them. CR, LF and CR LF (or telnet's CR NUL) each end one
 *  line; LF CR gives a line and an empty one.
 *
 * Context: pure, host-testable; output through console_write().
 */
#include "lib.h"
#include "log.h"
#include "shell.h"

enum esc_state {
	ESC_NONE,
	ESC_START,	/* got ESC */
	ESC_CSI,	/* got ESC [ and maybe digits of the first parameter */
	ESC_CSI_REST,	/* got ESC [ n ; ... : later parameters are ignored */
	ESC_SS3,	/* got ESC O */
};

#define ESC_PARAM_MAX 9999	/* saturate: no key has a larger code */
#define LINE_CHARS_MAX (SHELL_LINE_MAX - 1)

typedef int (*key_fn)(struct line_editor *le);

static void echo(const char *s, size_t n)
{
	if (n)
		console_write(s, n);
}

static void echo_repeat(char c, unsigned int n)
{
	char b[16];

	memset(b, c, sizeof(b));
	while (n) {
		unsigned int k = MIN(n, (unsigned int)sizeof(b));
		console_write(b, k);
		n -= k;
	}
}

static void line_reset(struct line_editor *le)
{
	le->len = le->cursor = 0;
	le->buf[0] = '\0';
	le->garbage = 0;
	le->overflow = false;
	le->ready = false;
	le->hist_pos = 0;
	le->esc = ESC_NONE;
}

void line_init(struct line_editor *le, const char *prompt)
{
	memset(le, 0, sizeof(*le));
	le->prompt = prompt;
}

/* line_prompt: print the prompt, and the line being edited if any. */
void line_prompt(struct line_editor *le)
{
	if (le->prompt)
		echo(le->prompt, strlen(le->prompt));
	if (le->ready)
		return;
	echo(le->buf, le->len);
	echo_repeat('\b', le->len - le->cursor);
}

/* Redraw from the cursor to the end after a deletion, erasing the last cell. */
static void redraw_tail(struct line_editor *le)
{
	echo(le->buf + le->cursor, le->len - le->cursor);
	echo(" ", 1);
	echo_repeat('\b', le->len - le->cursor + 1);
}

/* Replace the whole line by s (history, kill) and put the cursor at its end. */
static void line_replace(struct line_editor *le, const char *s)
{
	unsigned int old = le->len;

	echo_repeat('\b', le->cursor);
	le->len = (unsigned int)strnlen(s, LINE_CHARS_MAX);
	memcpy(le->buf, s, le->len);
	le->buf[le->len] = '\0';
	echo(le->buf, le->len);
	if (old > le->len) {
		echo_repeat(' ', old - le->len);
		echo_repeat('\b', old - le->len);
	}
	le->cursor = le->len;
}

static int key_insert(struct line_editor *le, char c)
{
	if (le->len >= LINE_CHARS_MAX) {
		if (!le->overflow)
			echo("\a", 1);
		le->overflow = true;
		return LINE_NONE;
	}
	/* Move the tail and its NUL one cell right. */
	memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor + 1);
	le->buf[le->cursor] = c;
	le->len++;
	echo(le->buf + le->cursor, le->len - le->cursor);
	le->cursor++;
	echo_repeat('\b', le->len - le->cursor);
	return LINE_NONE;
}

static int key_delete(struct line_editor *le)
{
	if (le->cursor == le->len)
		return LINE_NONE;
	memmove(le->buf + le->cursor, le->buf + le->cursor + 1, le->len - le->cursor);
	le->len--;
	redraw_tail(le);
	return LINE_NONE;
}

static int key_backspace(struct line_editor *le)
{
	if (le->cursor == 0)
		return LINE_NONE;
	le->cursor--;
	echo("\b", 1);
	return key_delete(le);
}

static int key_left(struct line_editor *le)
{
	if (le->cursor > 0) {
		le->cursor--;
		echo("\b", 1);
	}
	return LINE_NONE;
}

static int key_right(struct line_editor *le)
{
	if (le->cursor < le->len)
		echo(le->buf + le->cursor++, 1);
	return LINE_NONE;
}

static int key_home(struct line_editor *le)
{
	echo_repeat('\b', le->cursor);
	le->cursor = 0;
	return LINE_NONE;
}

static int key_end(struct line_editor *le)
{
	echo(le->buf + le->cursor, le->len - le->cursor);
	le->cursor = le->len;
	return LINE_NONE;
}

static int key_ignore(struct line_editor *le)
{
	return LINE_NONE;
}

/* Ctrl-U: an empty line, and a clean slate for the garbage/overflow counts. */
static int key_kill(struct line_editor *le)
{
	line_replace(le, "");
	le->garbage = 0;
	le->overflow = false;
	le->hist_pos = 0;
	return LINE_NONE;
}

static int key_cancel(struct line_editor *le)
{
	echo("^C\n", 3);
	line_reset(le);
	return LINE_CANCEL;
}

/* Ctrl-L: clear the screen and redraw the prompt and the line. */
static int key_redraw(struct line_editor *le)
{
	echo("\x1b[2J\x1b[H", 7);
	line_prompt(le);
	return LINE_NONE;
}

/* hist_entry: the k-th newest history line, k in 1..hist_count. */
static char *hist_entry(struct line_editor *le, unsigned int k)
{
	return le->hist[(le->hist_head + LINE_HISTORY - k) % LINE_HISTORY];
}

static bool is_blank(const char *s)
{
	while (*s == ' ')
		s++;
	return *s == '\0';
}

/* Keep a finished line, unless blank or the same as the newest entry. */
static void hist_add(struct line_editor *le)
{
	if (is_blank(le->buf))
		return;
	if (le->hist_count && strcmp(hist_entry(le, 1), le->buf) == 0)
		return;
	memcpy(le->hist[le->hist_head], le->buf, le->len + 1);
	le->hist_head = (le->hist_head + 1) % LINE_HISTORY;
	if (le->hist_count < LINE_HISTORY)
		le->hist_count++;
}

/* Up: an older entry; the line being typed is kept to come back to. */
static int key_up(struct line_editor *le)
{
	if (le->hist_pos >= le->hist_count)
		return LINE_NONE;
	if (le->hist_pos == 0)
		memcpy(le->saved, le->buf, le->len + 1);
	le->hist_pos++;
	line_replace(le, hist_entry(le, le->hist_pos));
	return LINE_NONE;
}

static int key_down(struct line_editor *le)
{
	if (le->hist_pos == 0)
		return LINE_NONE;
	le->hist_pos--;
	line_replace(le, le->hist_pos ? hist_entry(le, le->hist_pos) : le->saved);
	return LINE_NONE;
}

/*
 * key_enter: end the line. Returns LINE_DONE with the line in le->buf, or
 * LINE_CANCEL after a one-line message when the line was too long or had
 * non-text bytes in it.
 */
static int key_enter(struct line_editor *le)
{
	echo("\n", 1);
	if (le->overflow) {
		printk("shell: line too long (max %d characters)\n", LINE_CHARS_MAX);
		line_reset(le);
		return LINE_CANCEL;
	}
	if (le->garbage) {
		printk("shell: ignored %u non-text bytes\n", le->garbage);
		line_reset(le);
		return LINE_CANCEL;
	}
	hist_add(le);
	le->ready = true;
	return LINE_DONE;
}

static int key_cr(struct line_editor *le)
{
	le->after_cr = true;
	return key_enter(le);
}

static int key_esc(struct line_editor *le)
{
	le->esc = ESC_START;
	return LINE_NONE;
}

/* Control bytes with a meaning; the others are counted as garbage. */
static const key_fn ctrl_keys[0x20] = {
	[0x01] = key_home,	/* Ctrl-A */
	[0x02] = key_left,	/* Ctrl-B */
	[0x03] = key_cancel,	/* Ctrl-C */
	[0x04] = key_delete,	/* Ctrl-D */
	[0x05] = key_end,	/* Ctrl-E */
	[0x06] = key_right,	/* Ctrl-F */
	['\b'] = key_backspace,
	['\t'] = key_ignore,	/* no completion; not garbage either */
	['\n'] = key_enter,
	[0x0c] = key_redraw,	/* Ctrl-L */
	['\r'] = key_cr,
	[0x0e] = key_down,	/* Ctrl-N */
	[0x10] = key_up,	/* Ctrl-P */
	[0x15] = key_kill,	/* Ctrl-U */
	[0x1b] = key_esc,
};

struct esc_key {
	unsigned int code;	/* final byte, or the parameter of "ESC [ n ~" */
	key_fn fn;
};

/* ESC [ x and ESC O x, x being the final byte. */
static const struct esc_key esc_letters[] = {
	{ 'A', key_up }, { 'B', key_down }, { 'C', key_right },
	{ 'D', key_left }, { 'H', key_home }, { 'F', key_end },
};

/* ESC [ n ~ (vt220 editing keys; 1/7 and 4/8 differ between terminals). */
static const struct esc_key esc_tilde[] = {
	{ 1, key_home }, { 3, key_delete }, { 4, key_end },
	{ 7, key_home }, { 8, key_end },
};

static int esc_dispatch(struct line_editor *le, const struct esc_key *keys,
			size_t n, unsigned int code)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].code == code)
			return keys[i].fn(le);
	return LINE_NONE; /* a key we do not use */
}

static bool is_final_byte(unsigned char c)
{
	return c >= 0x40 && c <= 0x7e;
}

/* A complete "ESC [ ... final": run its key. */
static int csi_final(struct line_editor *le, unsigned char c)
{
	le->esc = ESC_NONE;
	if (c == '~')
		return esc_dispatch(le, esc_tilde, ARRAY_SIZE(esc_tilde), le->esc_param);
	return esc_dispatch(le, esc_letters, ARRAY_SIZE(esc_letters), c);
}

/*
 * esc_feed: run byte c through the escape-sequence decoder. Returns true
 * when c belonged to the sequence (*res is then the key's result), false
 * when c cannot continue it: the sequence is dropped and c is an ordinary key.
 */
static bool esc_feed(struct line_editor *le, unsigned char c, int *res)
{
	enum esc_state st = le->esc;

	*res = LINE_NONE;
	le->esc = ESC_NONE;
	if (st == ESC_START && (c == '[' || c == 'O')) {
		le->esc = c == '[' ? ESC_CSI : ESC_SS3;
		le->esc_param = 0;
	} else if (st == ESC_CSI && c >= '0' && c <= '9') {
		le->esc = ESC_CSI;
		le->esc_param = MIN(le->esc_param * 10 + (c - '0'), ESC_PARAM_MAX);
	} else if ((st == ESC_CSI || st == ESC_CSI_REST) && c >= 0x20 && c <= 0x3f) {
		le->esc = ESC_CSI_REST; /* ';', further parameters, intermediates */
	} else if ((st == ESC_CSI || st == ESC_CSI_REST) && is_final_byte(c)) {
		*res = csi_final(le, c);
	} else if (st == ESC_SS3 && is_final_byte(c)) {
		*res = esc_dispatch(le, esc_letters, ARRAY_SIZE(esc_letters), c);
	} else {
		return false;
	}
	return true;
}

/* An ordinary byte: text, a control key, or garbage to count. */
static int key_feed(struct line_editor *le, unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		return key_insert(le, (char)c);
	if (c == 0x7f)
		return key_backspace(le);
	if (c < 0x20 && ctrl_keys[c])
		return ctrl_keys[c](le);
	if (le->garbage < UINT32_MAX)
		le->garbage++;
	return LINE_NONE;
}

/*
 * line_feed: take one input byte. Returns LINE_DONE when a line is ready
 * in le->buf (valid until the next call), LINE_CANCEL when the line was
 * dropped (the caller prints a fresh prompt), else LINE_NONE.
 */
int line_feed(struct line_editor *le, char ch)
{
	unsigned char c = (unsigned char)ch;
	int res;

	if (le->after_cr) {
		le->after_cr = false;
		if (c == '\n' || c == '\0')
			return LINE_NONE; /* the finished line stays in le->buf */
	}
	if (le->ready)
		line_reset(le);
	if (le->esc != ESC_NONE && esc_feed(le, c, &res))
		return res;
	return key_feed(le, c);
}
