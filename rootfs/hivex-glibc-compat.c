// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one glibc symbol Debian's libhivex.a needs that musl lacks.
 *
 * The hivex 1.3.23 source tarball is no longer served by the archive, so the
 * appliance links the static library of the pinned libhivex-dev binary
 * package (rootfs/sources.lock). It was compiled against glibc with
 * _FORTIFY_SOURCE=2, which turns its fprintf() debug messages into
 * __fprintf_chk(). Every other libc symbol it calls (__ctype_b_loc,
 * __assert_fail, __errno_location, iconv, mmap, ...) musl provides with the
 * same x86_64 ABI. scripts/build-userland adds this object to libhivex.a.
 */
#include <stdarg.h>
#include <stdio.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);

/* glibc's flag asks for %n checks; musl's printf has no such mode. */
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}
