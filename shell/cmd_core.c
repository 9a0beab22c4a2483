/*
 * cmd_core.c - the shell's own commands: help, version, hexdump, loglevel.
 *
 * Commands of other modules (mem, cpu, reboot...) are registered in those
 * modules' files; these are the ones that belong to no module but the
 * shell. shell_hexdump() is here too, for any command that dumps memory.
 *
 * Context: pure, host-testable; runs from the shell with interrupts off.
 */
#include "errcode.h"
#include "frame.h" /* mm_range_readable */
#include "lib.h"
#include "log.h"
#include "shell.h"

#define HEXDUMP_PER_LINE 16
#define HEXDUMP_DEFAULT 256
#define HEXDUMP_MAX KiB(64)
#define HELP_USAGE_WIDTH 28 /* longer usages push their help text right */

/* help [cmd]: every command in name order, or one command's usage and help. */
static int cmd_help(int argc, char **argv)
{
	const struct shell_cmd *c;
	int width = 0;

	if (argc > 2)
		return -EINVAL;
	if (argc == 2) {
		c = shell_find(argv[1]);
		if (!c)
			return -ENOENT;
		printk("usage: %s\n  %s\n", c->usage, c->help);
		return 0;
	}
	for (c = shell_next_sorted(NULL); c; c = shell_next_sorted(c))
		width = MAX(width, (int)strnlen(c->usage, HELP_USAGE_WIDTH));
	for (c = shell_next_sorted(NULL); c; c = shell_next_sorted(c))
		printk("  %-*s  %s\n", width, c->usage, c->help);
	return 0;
}
SHELL_COMMAND(help, "help [cmd]", "list commands, or show one command's usage", cmd_help);

static int cmd_version(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	printk("Pagoda " PAGODA_VERSION " (built " __DATE__ " " __TIME__ ")\n");
	return 0;
}
SHELL_COMMAND(version, "version", "show the Pagoda version and build date", cmd_version);

/* Append n bytes as "xx " (blank cells past n), a gap after the eighth. */
static size_t hex_cells(char *out, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;

	for (size_t i = 0; i < HEXDUMP_PER_LINE; i++) {
		if (i == HEXDUMP_PER_LINE / 2)
			out[pos++] = ' ';
		out[pos++] = i < n ? hex[p[i] >> 4] : ' ';
		out[pos++] = i < n ? hex[p[i] & 0xf] : ' ';
		out[pos++] = ' ';
	}
	return pos;
}

/* One line: "<addr:16 hex>  xx xx ... xx  xx ... xx  |ascii|". */
static void hexdump_line(uint64_t addr, const uint8_t *p, size_t n)
{
	char line[96];
	size_t pos;

	pos = (size_t)snprintf(line, sizeof(line), "%016llx  ", (unsigned long long)addr);
	pos += hex_cells(line + pos, p, n);
	line[pos++] = ' ';
	line[pos++] = '|';
	for (size_t i = 0; i < n; i++)
		line[pos++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	line[pos++] = '|';
	line[pos] = '\0';
	printk("%s\n", line);
}

/* shell_hexdump: print len bytes at data, 16 a line, labelled from addr. */
void shell_hexdump(uint64_t addr, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t off = 0; off < len; off += HEXDUMP_PER_LINE)
		hexdump_line(addr + off, p + off, MIN((size_t)HEXDUMP_PER_LINE, len - off));
}

/*
 * hexdump <hpa> [len]: dump host memory. Returns -EINVAL (usage), -ERANGE
 * (len not in 1..64 KiB) or -EFAULT (not readable RAM).
 */
static int cmd_hexdump(int argc, char **argv)
{
	uint64_t start, len = HEXDUMP_DEFAULT;
	int err;

	if (argc < 2 || argc > 3)
		return -EINVAL;
	err = shell_arg_u64(argv[1], &start);
	if (!err && argc == 3)
		err = shell_arg_u64(argv[2], &len);
	if (err)
		return err;
	if (len == 0 || len > HEXDUMP_MAX)
		return -ERANGE;
	if (start + len < start || !mm_range_readable(hpa(start), len))
		return -EFAULT;
	shell_hexdump(start, hpa_to_ptr(hpa(start)), (size_t)len);
	return 0;
}
SHELL_COMMAND(hexdump, "hexdump <hpa> [len]",
	      "dump host memory, 16 bytes a line (len 1..64K, default 256)", cmd_hexdump);

static const char *const level_names[] = {
	[LOG_ERR] = "err", [LOG_WARN] = "warn", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* parse_level: a level by number or name. Returns 0, -EINVAL or -ERANGE. */
static int parse_level(const char *s, int *level)
{
	uint64_t n;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*level = (int)i;
			return 0;
		}
	}
	err = shell_arg_u64(s, &n);
	if (err)
		return err;
	if (n >= ARRAY_SIZE(level_names))
		return -ERANGE;
	*level = (int)n;
	return 0;
}

/* loglevel [n]: show, or set to 0..3 (err, warn, info, debug). */
static int cmd_loglevel(int argc, char **argv)
{
	int err;

	if (argc > 2)
		return -EINVAL;
	if (argc == 2) {
		err = parse_level(argv[1], &log_level);
		if (err)
			return err;
	}
	if (log_level >= 0 && log_level < (int)ARRAY_SIZE(level_names))
		printk("log level %d (%s)\n", log_level, level_names[log_level]);
	else
		printk("log level %d\n", log_level);
	return 0;
}
SHELL_COMMAND(loglevel, "loglevel [n]", "show or set the log level: 0 err .. 3 debug",
	      cmd_loglevel);
