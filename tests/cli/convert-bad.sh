#!/usr/bin/env bash
# Hostile and awkward guests for convert: malformed and huge fstabs, odd GRUB
# quoting, a menu.lst symlinked out of the guest, a read-only image, and the
# disk filling up at every point of apply (each file ends old or new, the
# journal stays consistent, e2fsck stays clean).
. "$MORPH_SRC/tests/lib.sh"
fx=$MORPH_FIXTURES
w=$MORPH_TMP/convert-bad
mkdir -p "$w"

tree_sums() { (cd "$1" && find . ! -name filler -printf '%p %y %m %l\n' | sort && find . -type f ! -name filler -print0 | sort -z | xargs -0 sha256sum); }
img_sums() { rm -rf "$w/dump" && mkdir "$w/dump" && debugfs -R "rdump / $w/dump" "$1" >/dev/null 2>&1 && tree_sums "$w/dump"; }

# A Debian guest on a whole-disk ext4 image (no partition table: /dev/sda1
# cannot be mapped, the other rules still have work).
base=$w/base.img
rm -f "$base"
mke2fs -q -F -t ext4 -b 1024 -N 2048 -d "$fx/debian12/root" "$base" 24M >/dev/null 2>&1 ||
	{ fail "convert-bad: cannot build the base image"; exit 0; }

# --- Disk full at each point of apply. ---
free_blocks() { dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Free blocks/ {gsub(/ /,"",$2); print $2}'; }
ok=1 saw_full=0 saw_done=0
for leave in 0 1 2 3 4 6 8 12 16 24 32 48 64 96 128 256; do
	img=$w/full.img
	cp "$base" "$img"
	free=$(free_blocks "$img")
	fill=$((free - leave - 2))
	[ $fill -gt 0 ] || continue
	# Not zeros: debugfs would write those as a hole.
	head -c $((fill * 1024)) /dev/zero | tr '\0' f >"$w/filler"
	debugfs -w -R "write $w/filler filler" "$img" >/dev/null 2>&1
	before=$(img_sums "$img")
	"$MORPH" convert --nic ens192=52:54:00:00:12:01 "$img" >"$w/out" 2>"$w/err"
	rc=$?
	if ! e2fsck -fn "$img" >"$w/fsck" 2>&1; then
		ok=0; fail "disk full (leave $leave blocks): e2fsck not clean after exit $rc"; sed 's/^/    /' "$w/fsck" | head -5
		continue
	fi
	if [ $rc -eq 0 ]; then
		saw_done=1
		"$MORPH" convert "$img" 2>/dev/null | grep -q '^Plan: 0 changes' ||
			{ ok=0; fail "disk full (leave $leave): converted guest not converted"; }
	elif [ $rc -eq 10 ]; then
		saw_full=1
		# Either everything was put back, or (when even that found no
		# space) the journal was kept and undo finishes the job.
		if grep -q "stays for 'morph undo'" "$w/err"; then
			debugfs -w -R "rm filler" "$img" >/dev/null 2>&1
			"$MORPH" undo "$img" >/dev/null 2>&1 ||
				{ ok=0; fail "disk full (leave $leave): undo after a kept journal failed"; }
		fi
		if [ "$(img_sums "$img")" != "$before" ]; then
			ok=0; fail "disk full (leave $leave blocks): guest changed after a failed convert"
			diff <(echo "$before") <(img_sums "$img") | head -5 | sed 's/^/    /'
		fi
		grep -q "nothing was changed\|putting back" "$w/err" ||
			{ ok=0; fail "disk full (leave $leave): no clear message"; sed 's/^/    /' "$w/err"; }
	else
		ok=0; fail "disk full (leave $leave blocks): exit $rc"; sed 's/^/    /' "$w/err" | head -5
	fi
done
[ $ok = 1 ] && [ $saw_full = 1 ] && [ $saw_done = 1 ] &&
	pass "disk full at every point of apply: old or new, never half, e2fsck clean"
[ $saw_full = 1 ] || fail "disk full: no run hit a full disk (test is not testing)"

# --- Malformed fstab lines, non-UTF-8, very long lines, 100,000 lines. ---
t=$w/fstab-tree
rm -rf "$t" && cp -a "$fx/debian12/root" "$t"
{
	printf '/dev/sda1\t/\text4\tdefaults\t0 1\n'
	printf 'onlyonefield\n\n   \t \n# /dev/sda1 / ext4 commented\n'
	printf '/dev/sda1 /\xff\xfe\xfd ext4 defaults 0 0\n'
	head -c 10000 /dev/zero | tr '\0' 'x'; printf ' /long ext4 defaults 0 0\n'
	printf '/dev/sda1 /no-newline ext4'
} >"$t/etc/fstab"
cp "$t/etc/fstab" "$w/fstab.orig"
expect_exit "malformed fstab: dry run" 0 "" "$MORPH" convert --dry-run "$t"
cmp -s "$t/etc/fstab" "$w/fstab.orig" && pass "malformed fstab: untouched by the dry run" ||
	fail "malformed fstab: changed by a dry run"
awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "/dev/sdb%d /data%d ext4 defaults 0 2\n", i, i }' >"$t/etc/fstab"
start=$(date +%s%N)
expect_exit "100,000-line fstab: convert" 0 "" "$MORPH" convert "$t"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
cmp -s "$t/etc/fstab" <(awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "/dev/sdb%d /data%d ext4 defaults 0 2\n", i, i }') &&
	pass "100,000-line fstab: unmappable names left alone (${ms} ms)" ||
	fail "100,000-line fstab changed"
expect_exit "100,000-line fstab: undo" 0 "" "$MORPH" undo "$t"

# --- GRUB quoting and a menu.lst pointing out of the guest. ---
t=$w/grub-tree
rm -rf "$t" && cp -a "$fx/centos6-xen/root" "$t"
rm -f "$t/boot/grub/menu.lst"
ln -s /../../../../../etc/passwd "$t/boot/grub/menu.lst"
cat >>"$t/boot/grub/grub.conf" <<'GRUB'
title "quoted \"title\" with 'quotes'"
	kernel /vmlinuz-2.6.32-754.el6.x86_64 ro "root=/dev/xvda1" console='hvc0' xencons=tty quiet\
GRUB
expect_exit "odd grub quoting and menu.lst -> /../etc/passwd: dry run" 0 "" \
	"$MORPH" convert --dry-run "$t"
if ! grep -rq "$(head -1 /etc/passwd)" "$MORPH_TMP/out" 2>/dev/null; then
	pass "menu.lst symlink resolved inside the guest (host /etc/passwd not read)"
else
	fail "menu.lst symlink read the host's /etc/passwd"
fi
expect_exit "odd grub quoting: convert + undo" 0 "" sh -c "'$MORPH' convert '$t' && '$MORPH' undo '$t'"

# --- A read-only image (immutable file: fails even for root). ---
ro=$w/ro.img
cp "$base" "$ro"
if chattr +i "$ro" 2>/dev/null; then
	expect_exit "read-only image" 6 "cannot open|Operation not permitted|Read-only" "$MORPH" convert "$ro"
	chattr -i "$ro"
elif [ "$(id -u)" -ne 0 ]; then
	chmod 444 "$ro"
	expect_exit "read-only image" 6 "Permission denied" "$MORPH" convert "$ro"
else
	skip "read-only image: chattr +i not supported here"
fi

# --- No kernel that can boot on virtio: nothing written, exit 8. ---
t=$w/nokernel
rm -rf "$t" && cp -a "$fx/photon5/root" "$t"
rm -rf "$t/lib/modules/6.1.10-11.ph5" "$t/boot/vmlinuz-6.1.10-11.ph5"
before=$(tree_sums "$t")
expect_exit "no virtio kernel: refused" 8 "lacks virtio_pci" "$MORPH" convert "$t"
[ "$(tree_sums "$t")" = "$before" ] && pass "no virtio kernel: nothing written" ||
	fail "no virtio kernel: guest changed"

# --- Command-line mistakes. ---
expect_exit "--nic without a MAC" 2 "OLDNAME=MAC" "$MORPH" convert --nic ens192 "$base"
expect_exit "--nic with a multicast MAC" 2 "unicast" "$MORPH" convert --nic ens192=01:00:5e:00:00:01 "$base"
expect_exit "--block-driver unknown" 2 "virtio-blk or virtio-scsi" "$MORPH" convert --block-driver ide "$base"
expect_exit "--console with a path" 2 "device name" "$MORPH" convert --console /dev/ttyS0 "$base"
expect_exit "--initramfs unknown" 2 "or guest" "$MORPH" convert --initramfs dracut "$base"
expect_exit "--initramfs guest on an image" 2 "one mounted DIR" "$MORPH" convert --initramfs guest "$base"
expect_exit "--initramfs guest, two inputs" 2 "one mounted DIR" "$MORPH" convert --initramfs guest "$w" "$w"
# As a user (root's CI drops to nobody): refused before anything is read.
if [ "$(id -u)" -ne 0 ]; then
	expect_exit "--initramfs guest as a user" 6 "run as root" "$MORPH" convert --initramfs guest /
elif command -v setpriv >/dev/null && setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$MORPH"; then
	expect_exit "--initramfs guest as a user" 6 "run as root" \
		setpriv --reuid 65534 --regid 65534 --clear-groups "$MORPH" convert --initramfs guest /
else
	skip "--initramfs guest as a user: $MORPH not reachable by nobody"
fi
expect_exit "converting Windows is refused" 7 "not implemented" "$MORPH" convert "$fx/win2019/root"
