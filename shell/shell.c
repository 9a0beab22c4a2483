/*
 * shell.c - the debug shell: tokenizer, command lookup and dispatch.
 *
 * Commands live in the linker section "shell_cmds" (SHELL_COMMAND in
 * shell.h), placed by linker.ld in the image and collected by the host
 * linker in tests, which defines __start_/__stop_shell_cmds for a section
 * whose name is a C identifier. The shell owns one line editor; the caller
 * feeds it bytes with shell_input() and never blocks in here: the
 * command runs, then the prompt is printed, and control returns.
 *
 * Context: pure, host-testable; called from the console poll loop (later
 * the VM-exit loop) with interrupts off.
 */
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "shell.h"

/* The entries are laid end to end as an array: no padding between them. */
static_assert(sizeof(struct shell_cmd) % 8 == 0, "shell_cmd must tile the section");

static struct line_editor shell_le;

void shell_init(const char *prompt)
{
	line_init(&shell_le, prompt);
}

/* The panic shell may start before shell_init(): it still gets a prompt. */
#define SHELL_DEFAULT_PROMPT "pagoda> "

void shell_prompt(void)
{
	if (!shell_le.prompt)
		shell_le.prompt = SHELL_DEFAULT_PROMPT;
	line_prompt(&shell_le);
}

/* shell_input: feed one byte; a finished line runs before the next prompt. */
void shell_input(char c)
{
	int res = line_feed(&shell_le, c);

	if (res == LINE_DONE)
		shell_exec(shell_le.buf);
	if (res != LINE_NONE)
		shell_prompt();
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * shell_word: copy one word starting at *rp to *wp (in place, w <= r),
 * dropping double quotes, which group spaces. Returns 0, or -EINVAL when a
 * quote is not closed.
 */
static int shell_word(char **rp, char **wp)
{
	char *r = *rp, *w = *wp;
	bool quoted = false;

	for (; *r && (quoted || !is_space(*r)); r++) {
		if (*r == '"')
			quoted = !quoted;
		else
			*w++ = *r;
	}
	if (quoted)
		return -EINVAL;
	if (*r)
		r++; /* the separator; the NUL below may overwrite it */
	*w++ = '\0';
	*rp = r;
	*wp = w;
	return 0;
}

/*
 * shell_tokenize: split line in place into argv[0..n-1] (argv is not
 * NULL-terminated). Spaces and tabs separate, "double quotes" group, ""
 * is an empty argument; there is no escape character. Returns n (0 for a
 * blank line), -E2BIG for more than max words or -EINVAL for an
 * unterminated quote, each after a one-line message.
 */
int shell_tokenize(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		while (is_space(*r))
			r++;
		if (!*r)
			return argc;
		if (argc >= max) {
			printk("shell: too many arguments (max %d)\n", max);
			return -E2BIG;
		}
		argv[argc++] = w;
		if (shell_word(&r, &w)) {
			printk("shell: unterminated quote\n");
			return -EINVAL;
		}
	}
}

/* shell_find: the command called name, or NULL. */
const struct shell_cmd *shell_find(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (c->name && strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Sort order of the table: by name, then by address for duplicate names. */
static bool cmd_before(const struct shell_cmd *a, const struct shell_cmd *b)
{
	int d = strcmp(a->name, b->name);

	return d < 0 || (d == 0 && a < b);
}

/*
 * shell_next_sorted: the command after prev in name order (the first one
 * when prev is NULL), or NULL after the last. Quadratic over the table,
 * which is small, so help needs no memory to sort in.
 */
const struct shell_cmd *shell_next_sorted(const struct shell_cmd *prev)
{
	const struct shell_cmd *best = NULL;

	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++) {
		if (!c->name || (prev && !cmd_before(prev, c)))
			continue;
		if (!best || cmd_before(c, best))
			best = c;
	}
	return best;
}

/*
 * shell_exec: tokenize line (in place) and run its command. Returns the
 * command's result, 0 for a blank line, or a negative code after a
 * one-line message (bad syntax, unknown command, command failure).
 */
int shell_exec(char *line)
{
	char *argv[SHELL_MAX_ARGS + 1];
	const struct shell_cmd *cmd;
	int argc, err;

	argc = shell_tokenize(line, argv, SHELL_MAX_ARGS);
	if (argc <= 0)
		return argc;
	argv[argc] = NULL; /* for commands that walk argv to its end */
	cmd = shell_find(argv[0]);
	if (!cmd) {
		printk("shell: unknown command '%s' (try help)\n", argv[0]);
		return -ENOENT;
	}
	err = cmd->fn(argc, argv);
	if (err == -EINVAL)
		printk("usage: %s\n", cmd->usage ? cmd->usage : cmd->name);
	else if (err < 0)
		printk("%s: %s\n", cmd->name, err_name(err));
	return err;
}

/*
 * shell_arg_u64: parse a command argument as a number (0x, 0b, 0o, K/M/G/T
 * suffixes). Returns 0, or -EINVAL/-ERANGE after "shell: bad number".
 */
int shell_arg_u64(const char *s, uint64_t *v)
{
	int err = parse_u64(s, v, true);

	if (err)
		printk("shell: bad number '%s'\n", s);
	return err;
}
