/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tools/exitcode.h"

#include <errno.h>

static const struct {
	int err;
	int code;
} map[] = {
	{ENOMEDIUM, EXIT_UNRECOGNISED}, {EUCLEAN, EXIT_BAD_INPUT}, {EFBIG, EXIT_BAD_INPUT},
	{ELOOP, EXIT_BAD_INPUT},	{EIO, EXIT_BAD_INPUT},	   {ENAMETOOLONG, EXIT_BAD_INPUT},
	{EINVAL, EXIT_BAD_INPUT},	{ENOTDIR, EXIT_BAD_INPUT}, {EMEDIUMTYPE, EXIT_FORMAT},
	{ENOENT, EXIT_ACCESS},		{EACCES, EXIT_ACCESS},	   {EPERM, EXIT_ACCESS},
	{EBUSY, EXIT_ACCESS},		{EROFS, EXIT_ACCESS},	   {EOPNOTSUPP, EXIT_UNSUPPORTED},
	{ENOSPC, EXIT_NOSPACE},		{ENOEXEC, EXIT_NO_KERNEL}, {ESTALE, EXIT_CONFLICT},
};

int exit_code_for(int err)
{
	if (err >= 0)
		return EXIT_OK;
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].err == -err)
			return map[i].code;
	return EXIT_INTERNAL;
}
