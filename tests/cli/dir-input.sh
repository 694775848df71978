#!/usr/bin/env bash
# A guest given as a mounted directory (what the appliance does for XFS,
# btrfs and LVM roots): morph finds the volumes the host mounted there and
# still names /dev/sda1 by UUID; the swap it cannot see stays, with a note.
# A tree that is not a mount (unpacked on the host's disk) gets no volume;
# a btrfs root (mountinfo by path) with an ext4 /boot maps too.
# Needs root and loop devices (SKIP otherwise).
. "$MORPH_SRC/tests/lib.sh"
fx=$MORPH_FIXTURES
w=$MORPH_TMP/dir-input
mkdir -p "$w"
uuid=69f9d6f6-3e33-46ca-971b-2f0a624aa48d # debian12's root (tests/fixtures/debian12/layout)

if [ "$(id -u)" -ne 0 ]; then
	skip "directory input: needs root (loop devices, mount)"
	exit 0
fi
if ! losetup -f >/dev/null 2>&1; then
	skip "directory input: no free loop device"
	exit 0
fi

cp --sparse=always "$fx/debian12.img" "$w/d.img"
loop=$(losetup -fP --show "$w/d.img")
partx -a "$loop" 2>/dev/null || true
mkdir -p "$w/mnt"
cleanup() {
	umount "$w/mnt" 2>/dev/null
	losetup -d "$loop" 2>/dev/null
}
trap cleanup EXIT
for _ in 1 2 3 4 5; do [ -b "${loop}p1" ] && break; sleep 0.2; done
if ! mount -o ro "${loop}p1" "$w/mnt" 2>"$w/err"; then
	skip "directory input: cannot mount ${loop}p1 ($(head -c 200 "$w/err"))"
	exit 0
fi

"$MORPH" convert --dry-run "$w/mnt" >"$w/plan.txt" 2>"$w/err"
rc=$?
[ $rc -eq 0 ] && pass "dry run of a mounted tree" || { fail "dry run of a mounted tree: exit $rc"; sed 's/^/    /' "$w/err" | head; }
# fstab's line and the kernel command line in grub.cfg.
if grep -q "^+UUID=$uuid */ " "$w/plan.txt" && grep -q "^+.*linux.*root=UUID=$uuid" "$w/plan.txt"; then
	pass "/dev/sda1 named by the UUID of the mounted volume (fstab, grub.cfg)"
else
	fail "/dev/sda1 not mapped to UUID=$uuid"
	grep -E 'sda|UUID' "$w/plan.txt" | head -20 | sed 's/^/    /'
fi
if grep -q 'cannot map /dev/sda5' "$w/plan.txt"; then
	pass "the unmounted swap stays, with a note"
else
	fail "no note for /dev/sda5"
fi
"$MORPH" inspect --json "$w/mnt" >"$w/inspect.json" 2>/dev/null
if grep -q "\"$uuid\"" "$w/inspect.json"; then
	pass "inspect lists the mounted volume"
else
	fail "inspect does not list the mounted volume"
fi

# The same tree copied onto the host's own filesystem: not a mount, so no
# volume (it must not be given the host's root UUID).
mkdir -p "$w/copy"
cp -a "$w/mnt/." "$w/copy/"
"$MORPH" convert --dry-run "$w/copy" >"$w/plan2.txt" 2>/dev/null
if grep -q '^+UUID=' "$w/plan2.txt"; then
	fail "an unpacked tree was given a volume"
	grep '^+UUID=' "$w/plan2.txt" | head -3 | sed 's/^/    /'
elif grep -q 'cannot map /dev/sda1.*directory input' "$w/plan2.txt"; then
	pass "an unpacked tree gets no volume, and the note says why"
else
	fail "an unpacked tree: no note about the directory input"
fi

# btrfs root (stat gives the subvolume's own anonymous device, so the source
# comes from mountinfo by path) with /boot on ext4, fstab by kernel name.
cleanup
trap - EXIT
if ! "$MORPH_SRC/tests/qemu/mkbtrfs-guest" "$fx/debian12/root" "$w/b.img" names >/dev/null 2>&1; then
	skip "directory input on btrfs: cannot build the btrfs guest (btrfs-progs)"
	exit 0
fi
loop=$(losetup -fP --show "$w/b.img")
partx -a "$loop" 2>/dev/null || true
trap 'umount "$w/mnt/boot" 2>/dev/null; umount "$w/mnt" 2>/dev/null; losetup -d "$loop" 2>/dev/null' EXIT
for _ in 1 2 3 4 5; do [ -b "${loop}p2" ] && break; sleep 0.2; done
if ! mount -o ro "${loop}p2" "$w/mnt" 2>"$w/err" || ! mount -o ro "${loop}p1" "$w/mnt/boot" 2>>"$w/err"; then
	skip "directory input on btrfs: cannot mount ($(head -c 200 "$w/err"))"
	exit 0
fi
"$MORPH" convert --dry-run "$w/mnt" >"$w/plan3.txt" 2>"$w/err"
if grep -q '^+UUID=6d6f7270-6274-4000-8000-000000000001 / btrfs' "$w/plan3.txt" &&
	grep -q '^+UUID=6d6f7270-6274-4000-8000-000000000002 /boot ext4' "$w/plan3.txt"; then
	pass "btrfs root and ext4 /boot named by UUID"
else
	fail "btrfs root or /boot not mapped"
	grep -E '^[-+](/dev|UUID)|cannot map' "$w/plan3.txt" | head | sed 's/^/    /'
fi
