# SPDX-License-Identifier: GPL-2.0
# KUnit: suites built as modules are loaded in the guest and their KTAP
# results, read back from debugfs, are counted one test case at a time.
# Until our drivers have suites of their own, the plumbing is proven with
# in-tree suites of each lane's kernel.

KUNIT_MODULES="list-test bitfield_kunit"

suite_kunit() {
	local lane=$1 transport=$2 t=kunit-$1-$2 rc
	guest "$t" "$lane" "$transport" -T 300 -- "
		for m in $KUNIT_MODULES; do
			modprobe \$m || echo \"not ok 1 modprobe-\$m\" >>kunit.ktap
		done
		cat /sys/kernel/debug/kunit/*/results >>kunit.ktap
		$leak_scan"
	rc=$?
	va_check "$t: guest ran the suites" "guest exit status $rc" test $rc = 0
	va_ktap "$t" "$GUEST_OUT/kunit.ktap"
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}
