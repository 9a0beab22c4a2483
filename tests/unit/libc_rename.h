/*
 * libc_rename.h - forced-included when lib/string.c and lib/printf.c are
 * built for the host tests: our C-library replacements get pg_ names so
 * they can be tested beside the host's C library without replacing it.
 */
#define memcpy pg_memcpy
#define memmove pg_memmove
#define memset pg_memset
#define memcmp pg_memcmp
#define strlen pg_strlen
#define strnlen pg_strnlen
#define strcmp pg_strcmp
#define strncmp pg_strncmp
#define strchr pg_strchr
#define vsnprintf pg_vsnprintf
#define snprintf pg_snprintf
