/*
 * parse.c - number parsing for the shell and the boot command line.
 *
 * Context: pure, host-testable.
 */
#include "errcode.h"
#include "lib.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* base_prefix: the base a number's prefix selects, and how long the prefix is. */
static int base_prefix(const char *s, int *skip)
{
	*skip = 0;
	if (s[0] != '0' || s[1] == '\0')
		return 10;
	*skip = 2;
	if (s[1] == 'x' || s[1] == 'X')
		return 16;
	if (s[1] == 'b' || s[1] == 'B')
		return 2;
	if (s[1] == 'o' || s[1] == 'O')
		return 8;
	*skip = 1;
	return 8;
}

static int suffix_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	default: return -1;
	}
}

static int apply_suffix(const char *s, uint64_t *v)
{
	int shift = suffix_shift(s[0]);
	if (shift < 0 || s[1] != '\0')
		return -EINVAL;
	if (*v > (UINT64_MAX >> shift))
		return -ERANGE;
	*v <<= shift;
	return 0;
}

int parse_u64(const char *s, uint64_t *out, bool allow_suffix)
{
	uint64_t v = 0;
	int skip, base, d, ndigits = 0, err;

	if (!s || !*s)
		return -EINVAL;
	base = base_prefix(s, &skip);
	for (s += skip; (d = digit_value(*s)) < base; s++, ndigits++) {
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	/* "0x" alone is not a number; a lone leading "0" of octal is. */
	if (ndigits == 0 && skip != 1)
		return -EINVAL;
	if (*s) {
		if (!allow_suffix)
			return -EINVAL;
		err = apply_suffix(s, &v);
		if (err)
			return err;
	}
	*out = v;
	return 0;
}
