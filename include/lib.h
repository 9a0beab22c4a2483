/*
 * lib.h - the small C library Pagoda carries: strings, formatting, number
 * parsing.
 *
 * The names and prototypes match the C library's, so pure modules compile
 * unchanged into the image (lib/) and into host tests (libc).
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_LIB_H
#define PAGODA_LIB_H

#include <stdarg.h>
#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/*
 * vsnprintf/snprintf: %d %i %u %x %X %o %c %s %p %% with flags '-' '0' ' ' '+' '#',
 * width, precision ('*' too) and the length modifiers hh h l ll z j t.
 * Return the length the full output would have had; always NUL-terminate
 * when size > 0.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * parse_u64: parse a whole string as an unsigned number: decimal, 0x hex,
 * 0b binary, 0o/leading-0 octal, with an optional K/M/G suffix when
 * allow_suffix. Returns 0, -EINVAL (not a number, trailing junk) or
 * -ERANGE (does not fit in 64 bits).
 */
int parse_u64(const char *s, uint64_t *out, bool allow_suffix);

#endif
