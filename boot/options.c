/*
 * options.c - Pagoda's boot options: their table, defaults and printing.
 *
 * One line per option in pagoda_option_table; adding an option is adding
 * a field to struct pagoda_options, a default below and a table line.
 * Also owns the `cmdline` shell command.
 *
 * Context: pure, host-testable; parsed once at boot.
 */
#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "mb2.h"
#include "options.h"
#include "shell.h"

#define PAGODA_OPTIONS_DEFAULTS                                              \
	{                                                                    \
		.loglevel = LOG_INFO, .mem = 0, .guest_mem = MiB(256),       \
		.ept = true, .budget = 0, .swap = MiB(256), .apf = true,     \
		.console = CONSOLE_GUEST, .test = false,                     \
	}

static const struct pagoda_options options_defaults = PAGODA_OPTIONS_DEFAULTS;
struct pagoda_options options = PAGODA_OPTIONS_DEFAULTS;

static const char *const console_choices[] = {
	[CONSOLE_GUEST] = "guest", [CONSOLE_SHELL] = "shell", NULL
};

#define OPT_FIELD(f) offsetof(struct pagoda_options, f)

static const struct option_desc pagoda_option_table[] = {
	{ "loglevel", OPT_U64, OPT_FIELD(loglevel), LOG_ERR, LOG_DEBUG, NULL,
	  "log verbosity: 0 errors, 1 warnings, 2 info, 3 debug" },
	{ "mem", OPT_SIZE, OPT_FIELD(mem), 0, UINT64_MAX, NULL,
	  "cap on the RAM Pagoda uses (0 = all)" },
	{ "guest_mem", OPT_SIZE, OPT_FIELD(guest_mem), MiB(16), UINT64_MAX,
	  NULL, "guest RAM size" },
	{ "ept", OPT_BOOL, OPT_FIELD(ept), 0, 0, NULL,
	  "use EPT (off forces shadow paging)" },
	{ "budget", OPT_SIZE, OPT_FIELD(budget), 0, UINT64_MAX, NULL,
	  "guest resident memory budget for reclaim (0 = unlimited)" },
	{ "swap", OPT_SIZE, OPT_FIELD(swap), 0, UINT64_MAX, NULL,
	  "simulated swap size" },
	{ "apf", OPT_BOOL, OPT_FIELD(apf), 0, 0, NULL,
	  "offer async page faults to the guest" },
	{ "console", OPT_ENUM, OPT_FIELD(console), 0, 0, console_choices,
	  "side the serial input starts on" },
	{ "test", OPT_BOOL, OPT_FIELD(test), 0, 0, NULL,
	  "test mode: the guest ending ends the emulator run" },
};

int options_parse(const char *cmdline, struct pagoda_options *o)
{
	*o = options_defaults;
	return cmdline_parse(cmdline, pagoda_option_table,
			     ARRAY_SIZE(pagoda_option_table), o);
}

void options_apply(const struct pagoda_options *o)
{
	log_level = (int)o->loglevel;
}

void options_print(const struct pagoda_options *o)
{
	const struct option_desc *d;
	char value[CMDLINE_TOKEN_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pagoda_option_table); i++) {
		d = &pagoda_option_table[i];
		cmdline_format_value(d, o, value, sizeof(value));
		printk("  %-9s = %-6s %s\n", d->name, value, d->help);
	}
}

static int cmd_cmdline(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	printk("cmdline: \"%s\"\n", boot_info.cmdline);
	options_print(&options);
	return 0;
}
SHELL_COMMAND(cmdline, "cmdline", "the boot command line and option values",
	      cmd_cmdline);
