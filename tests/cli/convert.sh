#!/usr/bin/env bash
# morph convert / undo on every Linux fixture guest:
#  - the dry run against its golden plan (tests/golden/convert-NAME.txt),
#    and a dry run writes nothing;
#  - apply, then e2fsck -fn is clean and a second convert plans nothing and
#    writes nothing (idempotency);
#  - undo restores every file byte for byte (checksums of every file, link
#    and directory in the filesystem before and after) and e2fsck is clean;
#  - undo after a hand edit refuses (exit 9) unless --force.
# Images use the ext backend, trees (rhel9: root on LVM) the dir backend.
. "$MORPH_SRC/tests/lib.sh"
fx=$MORPH_FIXTURES
w=$MORPH_TMP/convert
mkdir -p "$w"
export MORPH_RUN_ID=test-run

# The MAC each guest's first NIC gets on KVM in these tests.
declare -A nic=(
	[debian12]="--nic ens192=52:54:00:00:12:01"
	[photon5]="--nic ens192=52:54:00:00:12:02"
	[ubuntu2204]="--nic ens160=52:54:00:00:12:03"
	[sles15]="--nic eth0=52:54:00:00:12:04"
	[centos6-xen]="--nic eth0=52:54:00:00:12:05"
	[rhel9]="--nic ens192=52:54:00:00:12:06"
)

# Every ext partition of an image, extracted, for e2fsck and debugfs.
partitions() { # IMG -> prints "offset size" of ext partitions
	sfdisk -J "$1" 2>/dev/null | python3 -c '
import json,sys
t=json.load(sys.stdin)["partitiontable"]
for p in t["partitions"]:
    print(p["start"]*512, p["size"]*512)'
}

fsck_image() { # NAME IMG STAGE
	local off size n=0 bad=0
	while read -r off size; do
		n=$((n + 1))
		dd if="$2" of="$w/part" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$size" conv=sparse status=none
		blkid -p "$w/part" 2>/dev/null | grep -q 'TYPE="ext' || continue
		e2fsck -fn "$w/part" >"$w/fsck.log" 2>&1 || { bad=1; sed 's/^/    /' "$w/fsck.log" | head; }
	done < <(partitions "$2")
	[ $bad -eq 0 ] && pass "$1: e2fsck -fn clean $3" || fail "$1: e2fsck -fn $3"
}

# Checksums of every path in every ext partition (or a tree).
sums() { # IMG|DIR -> stdout
	if [ -d "$1" ]; then
		(cd "$1" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
		return
	fi
	local off size i=0
	while read -r off size; do
		i=$((i + 1))
		dd if="$1" of="$w/part" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$size" conv=sparse status=none
		blkid -p "$w/part" 2>/dev/null | grep -q 'TYPE="ext' || continue
		rm -rf "$w/dump" && mkdir "$w/dump"
		debugfs -R "rdump / $w/dump" "$w/part" >/dev/null 2>&1
		echo "partition $i"
		(cd "$w/dump" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
	done < <(partitions "$1")
}

for dir in "$MORPH_SRC"/tests/fixtures/*/; do
	name=$(basename "$dir")
	[ -n "${nic[$name]:-}" ] || continue
	if [ -f "$fx/$name.img" ] && [ "$name" != rhel9 ]; then
		target=$w/$name.img
		cp --sparse=always "$fx/$name.img" "$target"
	else
		target=$w/$name-root
		rm -rf "$target" && cp -a "$fx/$name/root" "$target"
	fi
	before=$(sums "$target")
	md5_0=$( [ -f "$target" ] && md5sum <"$target" )

	# Dry run: golden plan, nothing written.
	(cd "$w" && "$MORPH" convert --dry-run ${nic[$name]} "$(basename "$target")") \
		>"$w/$name.plan" 2>"$w/$name.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name: convert --dry-run exit $rc"; sed 's/^/    /' "$w/$name.err"; continue
	fi
	golden "convert-$name.txt" "$w/$name.plan"
	[ "$(sums "$target")" = "$before" ] && pass "$name: dry run wrote nothing" ||
		fail "$name: dry run changed the guest"

	# Apply.
	if ! "$MORPH" convert ${nic[$name]} "$target" >"$w/$name.out" 2>"$w/$name.err"; then
		fail "$name: convert failed"; sed 's/^/    /' "$w/$name.err"; continue
	fi
	pass "$name: convert applied"
	[ -f "$target" ] && fsck_image "$name" "$target" "after convert"
	converted=$(sums "$target")
	md5_1=$( [ -f "$target" ] && md5sum <"$target" )
	"$MORPH" convert ${nic[$name]} "$target" >"$w/$name.again" 2>&1
	if grep -q '^Plan: 0 changes' "$w/$name.again" && [ "$(sums "$target")" = "$converted" ] &&
		[ "$( [ -f "$target" ] && md5sum <"$target" )" = "$md5_1" ]; then
		pass "$name: second convert plans and writes nothing"
	else
		fail "$name: second convert is not a no-op"; head -20 "$w/$name.again" | sed 's/^/    /'
	fi

	# Undo.
	if grep -q '^Plan: 0 changes' "$w/$name.plan"; then
		expect_exit "$name: nothing changed, nothing to undo" 6 "nothing to undo" "$MORPH" undo "$target"
		continue
	fi
	if ! "$MORPH" undo "$target" >"$w/$name.undo" 2>"$w/$name.err"; then
		fail "$name: undo failed"; sed 's/^/    /' "$w/$name.err"; continue
	fi
	if [ "$(sums "$target")" = "$before" ]; then
		pass "$name: undo restores every file byte for byte"
	else
		fail "$name: undo left differences"
		diff <(echo "$before") <(sums "$target") | head -10 | sed 's/^/    /'
	fi
	[ -f "$target" ] && fsck_image "$name" "$target" "after undo"
	: "$md5_0"
done

# Undo after a hand edit: refused, then forced.
t=$w/edited
rm -rf "$t" && cp -a "$fx/debian12/root" "$t"
"$MORPH" convert "$t" >/dev/null 2>&1
echo "# edited by hand" >>"$t/etc/default/grub"
expect_exit "undo after a hand edit refuses" 9 "etc/default/grub was changed after" "$MORPH" undo "$t"
expect_exit "undo --force restores anyway" 0 "" "$MORPH" undo --force "$t"
if diff -r --no-dereference "$fx/debian12/root" "$t" >/dev/null; then
	pass "forced undo brings back the original"
else
	fail "forced undo differs from the original"
fi
expect_exit "undo with no journal" 6 "nothing to undo" "$MORPH" undo "$t"
