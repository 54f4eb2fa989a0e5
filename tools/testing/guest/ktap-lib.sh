# SPDX-License-Identifier: GPL-2.0
#
# ktap-lib.sh - what the guest test scripts (can-, scmi- and video-test.sh)
# share, as shell functions to source. POSIX sh.
#
#   fail REASON              the running test fails; its first reason is kept
#   expect DESC COMMAND...   fail DESC unless COMMAND succeeds (its output is
#                            discarded)
#   expect_eq DESC GOT WANT  fail unless GOT is WANT
#   ktap_run N TEST...       run the test functions and report KTAP: TEST
#                            runs t_TEST ("NAME:ARG" runs t_NAME ARG), and its
#                            result is numbered from N + 1 (N results came
#                            before). Each test prints "# TEST took S s" and
#                            "ok" or "not ok" with its first reason and the
#                            kernel log's last lines; the plan comes last.
#
# Test functions run in the caller's shell and share its variables; the
# ones used here are upper case (FAIL, TEST, START, KTAP_N) or start with _.

FAIL=
fail() { [ -n "$FAIL" ] || FAIL=$*; }

expect() {
	_what=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$_what"
}

expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

ktap_run() {
	KTAP_N=$1
	shift
	for TEST in "$@"; do
		KTAP_N=$((KTAP_N + 1))
		FAIL=
		START=$(date +%s)
		case $TEST in
		*:*) "t_${TEST%%:*}" "${TEST#*:}" ;;
		*) "t_$TEST" ;;
		esac
		echo "# $TEST took $(($(date +%s) - START)) s"
		if [ -n "$FAIL" ]; then
			echo "not ok $KTAP_N $TEST # $FAIL"
			dmesg | tail -n 5 | sed 's/^/# /'
		else
			echo "ok $KTAP_N $TEST"
		fi
	done
	echo "1..$KTAP_N"
}
