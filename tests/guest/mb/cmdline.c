/*
 * cmdline.c - split the kernel command line into key=value tokens.
 *
 * Loaders put the kernel's path first (QEMU and GRUB do, Pagoda may not),
 * so a token without '=' is not an error; it just never matches a key.
 * Numbers are decimal or 0x hex and must fit 32 bits.
 *
 * Context: pure, host-testable.
 */
#include "mb.h"

static bool is_sep(char c)
{
	return (unsigned char)c <= ' ';
}

const char *mb_token_next(const char *p, struct mb_token *t)
{
	const char *eq = NULL;

	while (*p && is_sep(*p))
		p++;
	if (!*p)
		return NULL;
	t->key = p;
	for (; *p && !is_sep(*p); p++)
		if (*p == '=' && !eq)
			eq = p;
	t->key_len = (uint32_t)((eq ? eq : p) - t->key);
	t->val = eq ? eq + 1 : NULL;
	t->val_len = eq ? (uint32_t)(p - eq - 1) : 0;
	return p;
}

/* True when the token's key is exactly @key. */
static bool key_is(const struct mb_token *t, const char *key)
{
	uint32_t i;

	for (i = 0; i < t->key_len; i++)
		if (key[i] != t->key[i])
			return false;
	return key[i] == '\0';
}

int mb_cmdline_find(const char *cmdline, const char *key, struct mb_token *t)
{
	struct mb_token cur;
	int err = -ENOENT;

	while ((cmdline = mb_token_next(cmdline, &cur)))
		if (key_is(&cur, key)) {
			*t = cur;
			err = 0;
		}
	return err;
}

/* Value of hex or decimal digit @c in @base, or -1. */
static int digit_value(char c, uint32_t base)
{
	int v = -1;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (uint32_t)v < base ? v : -1;
}

int mb_parse_u32(const char *s, uint32_t len, uint32_t *out)
{
	uint32_t base = 10, i = 0;
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		int d = digit_value(s[i], base);

		if (d < 0)
			return -EINVAL;
		v = v * base + (uint32_t)d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}
