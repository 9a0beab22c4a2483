/*
 * printf.c - vsnprintf for the image: the formats Pagoda's logs and shell use.
 *
 * Supports %d %i %u %x %X %o %c %s %p %% with flags - 0 space + #, width,
 * precision (and '*'), and the length modifiers hh h l ll z j t. An unknown
 * conversion is printed as-is, so a bad format shows up in the output
 * instead of crashing.
 *
 * Context: pure, host-testable (as pg_vsnprintf).
 */
#include "lib.h"

struct out {
	char *buf;
	size_t size, len;
};

struct spec {
	bool left, zero, space, plus, alt;
	int width, prec; /* prec < 0: none */
	int length; /* 0 int, 1 long, 2 long long / size_t / intmax_t */
	bool is_short, is_char;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const struct spec *sp, const char *s)
{
	int n;
	if (!s)
		s = "(null)";
	n = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	if (!sp->left)
		pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - n);
}

/* put_num: prefix (sign or 0x), zero padding from precision or '0' flag, digits. */
static void put_num(struct out *o, const struct spec *sp, uint64_t v, int base,
		    bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix), zeros, total;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	if (n == 0 && sp->prec != 0)
		tmp[n++] = '0';
	zeros = sp->prec > n ? sp->prec - n : 0;
	total = plen + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static uint64_t get_unsigned(const struct spec *sp, va_list *ap)
{
	uint64_t v;
	if (sp->length == 2)
		v = va_arg(*ap, unsigned long long);
	else if (sp->length == 1)
		v = va_arg(*ap, unsigned long);
	else
		v = va_arg(*ap, unsigned int);
	if (sp->is_char)
		v = (unsigned char)v;
	else if (sp->is_short)
		v = (unsigned short)v;
	return v;
}

static int64_t get_signed(const struct spec *sp, va_list *ap)
{
	int64_t v;
	if (sp->length == 2)
		v = va_arg(*ap, long long);
	else if (sp->length == 1)
		v = va_arg(*ap, long);
	else
		v = va_arg(*ap, int);
	if (sp->is_char)
		v = (signed char)v;
	else if (sp->is_short)
		v = (short)v;
	return v;
}

static void put_signed(struct out *o, const struct spec *sp, int64_t v)
{
	const char *prefix = v < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	put_num(o, sp, mag, 10, false, prefix);
}

static const char *parse_flags(const char *f, struct spec *sp)
{
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == '#')
			sp->alt = true;
		else
			return f;
	}
}

static const char *parse_int(const char *f, int *out, va_list *ap)
{
	if (*f == '*') {
		*out = va_arg(*ap, int);
		return f + 1;
	}
	*out = 0;
	while (*f >= '0' && *f <= '9')
		*out = *out * 10 + (*f++ - '0');
	return f;
}

static const char *parse_length(const char *f, struct spec *sp)
{
	if (f[0] == 'h' && f[1] == 'h') {
		sp->is_char = true;
		return f + 2;
	}
	if (f[0] == 'l' && f[1] == 'l') {
		sp->length = 2;
		return f + 2;
	}
	if (*f == 'h')
		sp->is_short = true;
	else if (*f == 'l')
		sp->length = 1;
	else if (*f == 'z' || *f == 'j' || *f == 't')
		sp->length = 2;
	else
		return f;
	return f + 1;
}

/* parse_spec: the part of a conversion between '%' and its letter. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	f = parse_flags(f, sp);
	f = parse_int(f, &sp->width, ap);
	if (sp->width < 0) {
		sp->left = true;
		sp->width = -sp->width;
	}
	if (*f == '.') {
		f = parse_int(f + 1, &sp->prec, ap);
		if (sp->prec < 0)
			sp->prec = -1;
	}
	return parse_length(f, sp);
}

static void convert(struct out *o, struct spec *sp, char c, va_list *ap)
{
	char ch;
	switch (c) {
	case 'd':
	case 'i':
		put_signed(o, sp, get_signed(sp, ap));
		break;
	case 'u':
		put_num(o, sp, get_unsigned(sp, ap), 10, false, "");
		break;
	case 'x':
	case 'X':
		put_num(o, sp, get_unsigned(sp, ap), 16, c == 'X',
			sp->alt ? (c == 'X' ? "0X" : "0x") : "");
		break;
	case 'o':
		put_num(o, sp, get_unsigned(sp, ap), 8, false, sp->alt ? "0" : "");
		break;
	case 'p':
		sp->alt = true;
		put_num(o, sp, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		break;
	case 'c':
		ch = (char)va_arg(*ap, int);
		sp->prec = 1;
		put_str(o, sp, &ch);
		break;
	case 's':
		put_str(o, sp, va_arg(*ap, const char *));
		break;
	default:
		put(o, '%');
		if (c)
			put(o, c);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		if (fmt[1] == '%') {
			put(&o, '%');
			fmt += 2;
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		convert(&o, &sp, *fmt, &aq);
		if (*fmt)
			fmt++;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
