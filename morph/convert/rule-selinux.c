/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SELinux labels for what conversion creates. apply.c writes files offline,
 * where nothing assigns a label: an edited file keeps its own (the apply
 * keeps extended attributes on replace), but a new file, directory or
 * symlink has none, and an enforcing guest denies access to unlabeled_t
 * (systemd would not read a new unit, modprobe a new blacklist). An empty
 * /.autorelabel makes the guest relabel the whole filesystem at the next
 * boot (rc.sysinit on RHEL 6, selinux-autorelabel on systemd guests) and
 * reboot, before any of the new files is used.
 *
 * Runs last, over the plan the other rules made. A converted guest plans
 * nothing new on a second convert, so nothing here either; should
 * /.autorelabel still exist (no boot in between), writing "" again is no
 * change and is dropped.
 */
#include "convert/convert.h"

#include <errno.h>
#include <string.h>

#define SELINUX_RULE	    "selinux"
#define SELINUX_AUTORELABEL "/.autorelabel"

/* Does applying a put an inode without a label in the guest? Everything
 * but a file edited in place: also a symlink relinked (made beside and
 * renamed over) or a symlink replaced by a file. */
static bool selinuxrule_unlabeled(const struct action *a)
{
	if (!action_changes(a) || a->after.kind == FK_ABSENT)
		return false;
	return !(a->before.kind == FK_FILE && a->after.kind == FK_FILE);
}

int rule_selinux(struct convert *c)
{
	const char *mode = c->g->selinux;
	const struct action *first = NULL;
	size_t n = 0;
	char *reason;
	int r;

	if (!mode || (strcmp(mode, "enforcing") != 0 && strcmp(mode, "permissive") != 0))
		return 0;
	for (size_t i = 0; i < c->p->actions.n; i++) {
		const struct action *a = &c->p->actions.v[i];

		if (strcmp(a->path, SELINUX_AUTORELABEL) == 0 || !selinuxrule_unlabeled(a))
			continue;
		first = first ? first : a;
		n++;
	}
	if (!n)
		return 0;
	/* Permissive denies nothing but logs every access to an unlabeled
	 * file, and the guest may be switched to enforcing later. */
	reason = arena_printf(c->p->arena,
			      "SELinux is %s and conversion creates %zu file%s without a label "
			      "(%s%s): relabel at the next boot",
			      mode, n, n == 1 ? "" : "s", first->path, n > 1 ? ", ..." : "");
	if (!reason)
		return -ENOMEM;
	r = plan_write(c->p, SELINUX_AUTORELABEL, "", 0, 0644, SELINUX_RULE, reason);
	if (r < 0 && r != -ENOMEM && r != -EIO)
		return plan_note(c->p, SELINUX_RULE,
				 "cannot plan %s (%s): relabel the guest by hand (fixfiles onboot) "
				 "before enforcing",
				 SELINUX_AUTORELABEL, strerror(-r));
	return r;
}
