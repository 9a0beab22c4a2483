/*
 * shell.h - the serial debug shell's command table.
 *
 * A module registers its commands next to its own code, one line each:
 *
 *   SHELL_COMMAND(mem, "mem", "memory map and frames by owner", cmd_mem);
 *
 * The linker collects the entries into the section "shell_cmds"; `help`
 * is generated from it. A command returns 0 or a negative -E* code; the
 * shell prints a one-line error for a negative return it did not already
 * explain (-EINVAL prints the usage).
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_SHELL_H
#define PAGODA_SHELL_H

#include "types.h"

#define SHELL_MAX_ARGS 16
#define SHELL_LINE_MAX 256

struct shell_cmd {
	const char *name;
	const char *usage; /* e.g. "hexdump <hpa> [len]" */
	const char *help; /* one line */
	int (*fn)(int argc, char **argv);
};

#define SHELL_COMMAND(id, usage_, help_, fn_)                                \
	static const struct shell_cmd __shell_cmd_##id __used                 \
		__section("shell_cmds") __aligned(8) = {                     \
			.name = #id, .usage = usage_, .help = help_, .fn = fn_ \
		}

extern const struct shell_cmd __start_shell_cmds[];
extern const struct shell_cmd __stop_shell_cmds[];

/*
 * The line editor (shell/line.c): a pure state machine fed one byte at a
 * time, echoing through console_write(). It never blocks and never waits
 * for a second byte, so it can be fed from a polled loop or a VM-exit.
 */
#define LINE_HISTORY 16

enum line_result {
	LINE_NONE = 0,	/* keep feeding */
	LINE_DONE = 1,	/* a line is ready in le->buf (until the next byte) */
	LINE_CANCEL = 2,	/* line dropped (Ctrl-C, or rejected with a message) */
};

struct line_editor {
	char buf[SHELL_LINE_MAX]; /* always NUL-terminated */
	unsigned int len, cursor;
	unsigned int garbage;	/* non-text bytes ignored since the prompt */
	bool overflow;		/* characters dropped: the line is too long */
	bool ready;		/* buf holds a finished line: reset on next byte */
	bool after_cr;		/* swallow the LF (or NUL) of CR LF / CR NUL */
	uint8_t esc;		/* escape-sequence state, see line.c */
	unsigned int esc_param;
	const char *prompt;
	/* History ring: hist[(hist_head - k) % LINE_HISTORY] is the k-th newest. */
	char hist[LINE_HISTORY][SHELL_LINE_MAX];
	unsigned int hist_head, hist_count;
	unsigned int hist_pos;	/* 0: editing a new line; k: showing k-th newest */
	char saved[SHELL_LINE_MAX]; /* the new line, kept while browsing */
};

/* line_init: an empty editor and history; a zeroed editor is also valid. */
void line_init(struct line_editor *le, const char *prompt);
/* line_prompt: print the prompt, and the line being edited if any. */
void line_prompt(struct line_editor *le);
/* line_feed: take one input byte; returns enum line_result. */
int line_feed(struct line_editor *le, char c);

/*
 * The shell (shell/shell.c). The caller polls the UART and feeds each byte
 * to shell_input(), which runs a finished line's command and prints the
 * next prompt; nothing here blocks. shell_init() does not print the
 * prompt: call shell_prompt() when input starts (the panic shell may call
 * it without shell_init(), and gets a default prompt).
 */
void shell_init(const char *prompt);
void shell_prompt(void);
void shell_input(char c);
/* shell_exec: run one command line (modified in place); the command's result. */
int shell_exec(char *line);
/* shell_tokenize: split in place; argc, -E2BIG or -EINVAL (bad quote). */
int shell_tokenize(char *line, char **argv, int max);
const struct shell_cmd *shell_find(const char *name);
/* shell_next_sorted: iterate commands by name, starting from NULL. */
const struct shell_cmd *shell_next_sorted(const struct shell_cmd *prev);
/* shell_arg_u64: parse_u64 with K/M/G suffixes; prints "bad number" on error. */
int shell_arg_u64(const char *s, uint64_t *v);

/* shell_hexdump (shell/cmd_core.c): 16 bytes a line, labelled from addr. */
void shell_hexdump(uint64_t addr, const void *data, size_t len);

#endif
