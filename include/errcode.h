/*
 * errcode.h - error codes. Fallible functions return 0 or -E*.
 *
 * The values are Linux's (and so glibc's), which lets host tests include
 * both this header and the C library's <errno.h> without conflict.
 *
 * Context: pure, host-testable.
 */
#ifndef PAGODA_ERRCODE_H
#define PAGODA_ERRCODE_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENODATA 61
#define EOVERFLOW 75
#define EOPNOTSUPP 95

const char *err_name(int err);

#endif
