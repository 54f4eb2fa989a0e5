# SPDX-License-Identifier: GPL-2.0
# `make check` as part of the test run: each static check on each lane is
# one result.

suite_check_host() {
	local l klanes= log=$VA_RUN/check.log verdict rest
	for l in $lanes; do
		case " $klanes " in *" ${l%-debug} "*) ;; *) klanes+=" ${l%-debug}" ;; esac
	done
	LANE=$klanes "$VA_TESTING/scripts/check.sh" >"$log" 2>&1
	while read -r verdict rest; do
		case $verdict in
		ok) va_pass "check: $rest" ;;
		FAIL) va_fail "check: ${rest%:}" "see $log" ;;
		esac
	done < <(grep -E '^(ok|FAIL) ' "$log")
	grep -qE '^make check: (clean|[0-9]+ check)' "$log" ||
		va_fail "check: completed" "$(tail -n 3 "$log")"
}
