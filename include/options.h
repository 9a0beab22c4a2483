/*
 * options.h - Pagoda's boot options, and the table-driven parser behind them.
 *
 * The command line is a list of `name=value` or bare `name` words
 * separated by spaces. Each option is one line in a table (name, type,
 * field offset, range, help); boot/cmdline.c parses any such table into
 * any struct, boot/options.c holds Pagoda's own table and the global
 * `options`. A bad word is reported on one line and leaves the default.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_OPTIONS_H
#define PAGODA_OPTIONS_H

#include "types.h"

/* The field type each option writes. */
enum opt_type {
	OPT_BOOL, /* bool: bare name, or on|off yes|no true|false 1|0 */
	OPT_U64, /* uint64_t: a plain number in [min, max] */
	OPT_SIZE, /* uint64_t: a number with optional K/M/G/T suffix, in [min, max] */
	OPT_ENUM, /* unsigned int: index of the value in `choices` */
	OPT_STRING, /* char[max]: the value, at most max - 1 characters */
};

struct option_desc {
	const char *name;
	enum opt_type type;
	size_t offset; /* of the field in the options struct */
	uint64_t min, max; /* OPT_U64, OPT_SIZE range; OPT_STRING buffer size */
	const char *const *choices; /* OPT_ENUM: NULL-terminated */
	const char *help;
};

/* Longest `name=value` word accepted. */
#define CMDLINE_TOKEN_MAX 128

/*
 * cmdline_parse: apply each word of cmdline to the struct at base through
 * table. A bad word prints one "cmdline: ..." line and changes nothing.
 * Returns the number of bad words (0 when all were good).
 */
int cmdline_parse(const char *cmdline, const struct option_desc *table,
		  size_t n, void *base);

/* cmdline_format_value: the field's current value as the user would write it. */
void cmdline_format_value(const struct option_desc *d, const void *base,
			  char *buf, size_t size);

/* cmdline_format_size: 268435456 -> "256M", 0 -> "0", 1000 -> "1000". */
void cmdline_format_size(uint64_t v, char *buf, size_t size);

enum console_side {
	CONSOLE_GUEST = 0, /* serial input goes to the guest */
	CONSOLE_SHELL = 1, /* serial input goes to Pagoda's shell */
};

struct pagoda_options {
	uint64_t loglevel; /* 0-3, becomes log_level */
	uint64_t mem; /* cap on the RAM Pagoda uses; 0 = all */
	uint64_t guest_mem; /* guest RAM size */
	bool ept; /* false forces shadow paging */
	uint64_t budget; /* guest resident frame budget in bytes; 0 = unlimited */
	uint64_t swap; /* simulated swap size */
	bool apf; /* async page faults offered to the guest */
	unsigned int console; /* enum console_side */
	bool test; /* test mode: the guest ending ends the emulator run */
};

extern struct pagoda_options options;

/*
 * options_parse: reset *o to the defaults, then apply cmdline (NULL is
 * empty). Returns the number of bad words, each already reported.
 */
int options_parse(const char *cmdline, struct pagoda_options *o);
/* options_apply: make the options that act at once take effect (log_level). */
void options_apply(const struct pagoda_options *o);
/* options_print: one line per option: name=value and its help. */
void options_print(const struct pagoda_options *o);

#endif
