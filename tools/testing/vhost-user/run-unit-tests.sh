#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run cmocka test binaries and sum their results.  The last line printed
# is "N passed, N failed" (", N skipped" added when a test skipped); the
# exit status is non-zero on any failure.  A binary that crashes counts
# its unfinished test (or itself) as failed.

passed=0
failed=0
skipped=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

for t in "$@"; do
	echo "== $t"
	# cmocka reports progress on stdout, failures on stderr: count from
	# stdout only so interleaving cannot break the lines
	"$t" >"$out" 2>"$err"
	rc=$?
	cat "$out" "$err"
	run=$(grep -o '^\[ RUN      \]' "$out" | wc -l)
	ok=$(grep -o '^\[       OK \]' "$out" | wc -l)
	skip=$(grep -o '^\[  SKIPPED \]' "$out" | wc -l)
	bad=$((run - ok - skip))
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		echo "$t: exited with status $rc"
		bad=1
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
	skipped=$((skipped + skip))
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
