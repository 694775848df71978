# Helpers for tests/cli/*.sh. Each check prints one PASS/FAIL/SKIP line.
# Environment from tests/run-tests: MORPH, MORPH_SRC, MORPH_TMP, MORPH_FIXTURES.
set -u
: "${MORPH:?run through tests/run-tests or make check}"

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# expect_exit NAME CODE PATTERN CMD...: CMD exits CODE and its stderr
# matches the grep -E PATTERN (empty: not checked).
expect_exit() {
	local name=$1 code=$2 pat=$3 rc
	shift 3
	"$@" >"$MORPH_TMP/out" 2>"$MORPH_TMP/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail "$name: exit $rc, wanted $code"
		sed 's/^/    /' "$MORPH_TMP/err" | head -5
		return
	fi
	if [ -n "$pat" ] && ! grep -qE "$pat" "$MORPH_TMP/err"; then
		fail "$name: stderr does not match /$pat/"
		sed 's/^/    /' "$MORPH_TMP/err" | head -5
		return
	fi
	pass "$name"
}

# golden NAME FILE: FILE equals tests/golden/NAME (MORPH_UPDATE_GOLDEN=1
# rewrites it).
golden() {
	local name=$1 file=$2 want=$MORPH_SRC/tests/golden/$1
	if [ "${MORPH_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$file" "$want"
		pass "golden $name (updated)"
	elif [ ! -f "$want" ]; then
		fail "golden $name: tests/golden/$name is missing (MORPH_UPDATE_GOLDEN=1 writes it)"
	elif diff -u "$want" "$file" >"$MORPH_TMP/diff"; then
		pass "golden $name"
	else
		fail "golden $name"
		head -40 "$MORPH_TMP/diff" | sed 's/^/    /'
	fi
}
