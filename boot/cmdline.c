/*
 * cmdline.c - a table-driven parser for `name=value` command lines.
 *
 * Words are separated by spaces or tabs; no quoting. Each value is parsed
 * into a local first and stored only when it is fully valid, so a bad
 * word leaves the field's previous value (the default) in place. Each
 * bad word is reported on one line saying what was expected.
 *
 * Context: pure, host-testable; runs once at boot.
 */
#define pr_fmt(fmt) "cmdline: " fmt

#include "errcode.h"
#include "lib.h"
#include "log.h"
#include "options.h"

#define EXPECT_MAX 96

struct bool_word {
	const char *word;
	bool val;
};

static const struct bool_word bool_words[] = {
	{ "on", true }, { "off", false }, { "yes", true }, { "no", false },
	{ "true", true }, { "false", false }, { "1", true }, { "0", false },
};

static void *field_of(const struct option_desc *d, void *base)
{
	return (char *)base + d->offset;
}

static int set_bool(const struct option_desc *d, void *field, const char *v)
{
	size_t i;

	if (!v) { /* a bare name turns the option on */
		*(bool *)field = true;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(bool_words); i++) {
		if (strcmp(v, bool_words[i].word) == 0) {
			*(bool *)field = bool_words[i].val;
			return 0;
		}
	}
	return -EINVAL;
}

/* set_number: OPT_U64 and OPT_SIZE; -EINVAL for junk, overflow or out of range. */
static int set_number(const struct option_desc *d, void *field, const char *v)
{
	uint64_t x;

	if (!v || parse_u64(v, &x, d->type == OPT_SIZE) != 0)
		return -EINVAL;
	if (x < d->min || x > d->max)
		return -EINVAL;
	*(uint64_t *)field = x;
	return 0;
}

static int set_enum(const struct option_desc *d, void *field, const char *v)
{
	unsigned int i;

	for (i = 0; v && d->choices[i]; i++) {
		if (strcmp(v, d->choices[i]) == 0) {
			*(unsigned int *)field = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int set_string(const struct option_desc *d, void *field, const char *v)
{
	size_t len;

	if (!v)
		return -EINVAL;
	len = strlen(v);
	if (len >= d->max)
		return -EINVAL;
	memcpy(field, v, len + 1);
	return 0;
}

void cmdline_format_size(uint64_t v, char *buf, size_t size)
{
	static const char suffix[] = "TGMK";
	static const int shift[] = { 40, 30, 20, 10 };
	unsigned int i;

	for (i = 0; v && i < ARRAY_SIZE(shift); i++) {
		if ((v & ((1ULL << shift[i]) - 1)) == 0) {
			snprintf(buf, size, "%lu%c", v >> shift[i], suffix[i]);
			return;
		}
	}
	snprintf(buf, size, "%lu", v);
}

/* describe_range: " from 16M to 1G" / ", at least 16M" / " up to 3" / "". */
static void describe_range(const struct option_desc *d, char *buf, size_t size)
{
	char lo[24], hi[24];

	if (d->type == OPT_SIZE) {
		cmdline_format_size(d->min, lo, sizeof(lo));
		cmdline_format_size(d->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%lu", d->min);
		snprintf(hi, sizeof(hi), "%lu", d->max);
	}
	if (d->min && d->max != UINT64_MAX)
		snprintf(buf, size, " from %s to %s", lo, hi);
	else if (d->min)
		snprintf(buf, size, ", at least %s", lo);
	else if (d->max != UINT64_MAX)
		snprintf(buf, size, " up to %s", hi);
	else
		buf[0] = '\0';
}

static void expect_bool(const struct option_desc *d, char *buf, size_t size)
{
	snprintf(buf, size, "on or off");
}

static void expect_number(const struct option_desc *d, char *buf, size_t size)
{
	char range[EXPECT_MAX];

	describe_range(d, range, sizeof(range));
	snprintf(buf, size, "%s%s",
		 d->type == OPT_SIZE ? "a size like 512M" : "a number", range);
}

static void expect_enum(const struct option_desc *d, char *buf, size_t size)
{
	size_t i, len = snprintf(buf, size, "one of ");

	for (i = 0; d->choices[i] && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "|" : "",
				d->choices[i]);
}

static void expect_string(const struct option_desc *d, char *buf, size_t size)
{
	snprintf(buf, size, "at most %lu characters", d->max - 1);
}

static void format_bool(const struct option_desc *d, const void *f, char *buf,
			size_t size)
{
	snprintf(buf, size, "%s", *(const bool *)f ? "on" : "off");
}

static void format_number(const struct option_desc *d, const void *f,
			  char *buf, size_t size)
{
	if (d->type == OPT_SIZE)
		cmdline_format_size(*(const uint64_t *)f, buf, size);
	else
		snprintf(buf, size, "%lu", *(const uint64_t *)f);
}

static void format_enum(const struct option_desc *d, const void *f, char *buf,
			size_t size)
{
	unsigned int i, v = *(const unsigned int *)f;

	for (i = 0; d->choices[i] && i < v; i++)
		;
	snprintf(buf, size, "%s", d->choices[i] ? d->choices[i] : "?");
}

static void format_string(const struct option_desc *d, const void *f,
			  char *buf, size_t size)
{
	snprintf(buf, size, "%s", (const char *)f);
}

/* What each field type needs: parse a value, print one, say what is expected. */
struct opt_ops {
	int (*set)(const struct option_desc *d, void *field, const char *v);
	void (*format)(const struct option_desc *d, const void *field,
		       char *buf, size_t size);
	void (*expect)(const struct option_desc *d, char *buf, size_t size);
};

static const struct opt_ops opt_ops[] = {
	[OPT_BOOL] = { set_bool, format_bool, expect_bool },
	[OPT_U64] = { set_number, format_number, expect_number },
	[OPT_SIZE] = { set_number, format_number, expect_number },
	[OPT_ENUM] = { set_enum, format_enum, expect_enum },
	[OPT_STRING] = { set_string, format_string, expect_string },
};

/* ops_of: a table entry's type is Pagoda's own data, so a bad one is a bug. */
static const struct opt_ops *ops_of(const struct option_desc *d)
{
	CHECK((size_t)d->type < ARRAY_SIZE(opt_ops));
	return &opt_ops[d->type];
}

static const struct option_desc *find_option(const char *name,
					     const struct option_desc *table,
					     size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, table[i].name) == 0)
			return &table[i];
	return NULL;
}

/* parse_word: apply one NUL-terminated word (modified in place). Returns 0 or -EINVAL. */
static int parse_word(char *word, const struct option_desc *table, size_t n,
		      void *base)
{
	char *value = strchr(word, '=');
	const struct option_desc *d;
	char expected[EXPECT_MAX];

	if (value)
		*value++ = '\0';
	d = find_option(word, table, n);
	if (!d) {
		pr_warn("unknown option '%s'\n", word);
		return -EINVAL;
	}
	if (ops_of(d)->set(d, field_of(d, base), value) == 0)
		return 0;
	ops_of(d)->expect(d, expected, sizeof(expected));
	if (value)
		pr_warn("bad value '%s' for '%s' (expected %s)\n", value,
			d->name, expected);
	else
		pr_warn("missing value for '%s' (expected %s)\n", d->name,
			expected);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

int cmdline_parse(const char *cmdline, const struct option_desc *table,
		  size_t n, void *base)
{
	const char *s = cmdline;
	char word[CMDLINE_TOKEN_MAX];
	size_t len;
	int errors = 0;

	while (s && *s) {
		for (len = 0; s[len] && !is_space(s[len]); len++)
			;
		if (len >= sizeof(word)) {
			pr_warn("word too long: '%.24s...' (max %d characters)\n",
				s, CMDLINE_TOKEN_MAX - 1);
			errors++;
		} else if (len) {
			memcpy(word, s, len);
			word[len] = '\0';
			errors += parse_word(word, table, n, base) != 0;
		}
		s += len;
		while (is_space(*s))
			s++;
	}
	return errors;
}

void cmdline_format_value(const struct option_desc *d, const void *base,
			  char *buf, size_t size)
{
	ops_of(d)->format(d, (const char *)base + d->offset, buf, size);
}
