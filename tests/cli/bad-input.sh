#!/usr/bin/env bash
# Bad and hostile inputs: each gives a clear message and its documented exit
# code, never a crash (the suite also runs under ASan/UBSan), never a write.
. "$MORPH_SRC/tests/lib.sh"
bad=$MORPH_FIXTURES/bad
if [ ! -d "$bad" ]; then
	fail "bad-input: $bad was not built (tests/fixtures/build-all)"
	exit 0
fi
sum_before=$(cd "$bad" && find . -type f ! -path './bigosrelease/*' -print0 | sort -z | xargs -0 md5sum)

expect_exit "empty file" 4 "is empty" "$MORPH" inspect "$bad/empty.img"
expect_exit "random bytes" 3 "no partition table and no filesystem" "$MORPH" inspect "$bad/random.img"
expect_exit "truncated image" 4 "truncated|past the end" "$MORPH" inspect "$bad/truncated.img"
expect_exit "qcow2 as raw" 5 "qemu-img convert -f qcow2" "$MORPH" inspect "$bad/fake.qcow2"
expect_exit "vmdk as raw" 5 "qemu-img convert -f vmdk" "$MORPH" inspect "$bad/fake.vmdk"
expect_exit "qcow2 whose backing file is /etc/shadow" 5 "backing file" "$MORPH" inspect "$bad/backing.qcow2"
expect_exit "vmdk descriptor naming /etc/shadow" 5 "extent outside" "$MORPH" inspect "$bad/escape.vmdk"
expect_exit "ext4 claiming more than its partition" 4 "claims .* bytes but its partition holds" \
	"$MORPH" inspect "$bad/truncated-fs.img"
for f in "$bad"/fake.vhd "$bad"/fake.vpc "$bad"/fake.vhdx; do
	[ -f "$f" ] || continue
	expect_exit "$(basename "$f") as raw" 5 "qemu-img convert" "$MORPH" inspect "$f"
done
expect_exit "overlapping partitions" 4 "overlap" "$MORPH" inspect "$bad/overlap.img"
expect_exit "partition out of range" 4 "past the end" "$MORPH" inspect "$bad/outofrange.img"
expect_exit "corrupt ext4 superblock" 3 "not a usable ext2/3/4|no guest operating system" \
	"$MORPH" inspect "$bad/badsuper.img"
# A journal that needs recovery: inspect reads (read-only) and warns.
expect_exit "journal needs recovery" 0 "journal needs recovery" "$MORPH" inspect "$bad/needsrecovery.img"
expect_exit "1 GiB os-release" 4 "over the .*limit" "$MORPH" inspect "$bad/bigosrelease"
expect_exit "symlink loops" 3 "symlink loop" "$MORPH" inspect "$bad/symloop"
expect_exit "no such file" 6 "No such file" "$MORPH" inspect "$bad/does-not-exist.img"
expect_exit "no arguments" 2 "" "$MORPH" inspect
expect_exit "unknown command" 2 "unknown command" "$MORPH" frobnicate

# fstab -> /../../../etc/shadow must stay inside the guest (which has none).
"$MORPH" inspect --json "$bad/fstab-escape" >"$MORPH_TMP/esc.json" 2>"$MORPH_TMP/esc.err"
rc=$?
if [ $rc -eq 0 ] && ! grep -q 'root:' "$MORPH_TMP/esc.json" &&
	grep -q '"mounts": \[\]' "$MORPH_TMP/esc.json"; then
	pass "fstab symlink out of the guest resolves inside it"
else
	fail "fstab symlink out of the guest (exit $rc)"
fi

if [ -d "$MORPH_FIXTURES/badhive/root" ]; then
	expect_exit "corrupt registry hive" 4 "hive|SYSTEM" "$MORPH" inspect "$MORPH_FIXTURES/badhive/root"
else
	skip "corrupt registry hive: fixture not built"
fi

sum_after=$(cd "$bad" && find . -type f ! -path './bigosrelease/*' -print0 | sort -z | xargs -0 md5sum)
if [ "$sum_before" = "$sum_after" ]; then
	pass "bad inputs left untouched"
else
	fail "bad inputs were modified"
fi
