# SPDX-License-Identifier: GPL-2.0
# Host-side unit tests of the rig's vhost-user library and device models
# (cmocka). Every test case counts.

suite_unit_host() {
	local log=$VA_RUN/unit.log tools
	if ! tools=$("$VA_TESTING/scripts/host-tools.sh" 2>"$log"); then
		va_fail "unit: build" "$(tail -n 5 "$log")"
		return
	fi
	make -s -C "$VA_TESTING" O="$tools" unit >>"$log" 2>&1
	local rc=$?
	# cmocka: "[       OK ] name", "[  FAILED  ] name", "[  SKIPPED ] name"
	local n=0 verdict name
	while read -r verdict name; do
		n=$((n + 1))
		case $verdict in
		OK) va_pass "unit: $name" ;;
		SKIPPED) va_skip "unit: $name" "skipped by the test" ;;
		*) va_fail "unit: $name" "see $log" ;;
		esac
	done < <(sed -n 's/^\[ *\(OK\|FAILED\|SKIPPED\|ERROR\) *\] \([A-Za-z_][A-Za-z0-9_]*\)$/\1 \2/p' "$log" | awk '!seen[$0]++')
	[ $n -gt 0 ] || va_fail "unit: tests ran" "no cmocka results in $log"
	[ $rc = 0 ] || grep -q '^FAIL.*unit:' "$RESULTS" || va_fail "unit: make unit" "exit status $rc"
}
