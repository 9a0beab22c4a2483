/*
 * errcode.c - names of error codes for one-line error messages.
 *
 * Context: pure, host-testable.
 */
#include "errcode.h"
#include "compiler.h"

static const char *const err_names[] = {
	[EPERM] = "operation not permitted",
	[ENOENT] = "no such entry",
	[EIO] = "I/O error",
	[E2BIG] = "too long",
	[ENOMEM] = "out of memory",
	[EFAULT] = "bad address",
	[EBUSY] = "busy",
	[EEXIST] = "already exists",
	[ENODEV] = "no such device",
	[EINVAL] = "invalid argument",
	[ENOSPC] = "no space left",
	[ERANGE] = "out of range",
	[ENOSYS] = "not implemented",
	[ENODATA] = "no data",
	[EOVERFLOW] = "overflow",
	[EOPNOTSUPP] = "not supported",
};

/* err_name: a short description of -E* or E*; never NULL. */
const char *err_name(int err)
{
	if (err < 0)
		err = -err;
	if ((unsigned int)err < ARRAY_SIZE(err_names) && err_names[err])
		return err_names[err];
	return "unknown error";
}
