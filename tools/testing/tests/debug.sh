# SPDX-License-Identifier: GPL-2.0
# The debug flavour's checkers work, and the rig's kernel log check sees
# what they report: KASAN, lockdep and kmemleak are active, a deliberate
# use-after-free (lkdtm) produces a KASAN report and a deliberate leak (the
# kmemleak sample) a kmemleak report. Debug lanes only.

suite_debug_applies() { [ "$(lane_flavour "$1")" = debug ]; }

suite_debug() {
	local lane=$1 transport=$2 t=debug-$1-$2 rc
	guest "$t" "$lane" "$transport" -T 400 -- "
		grep -q ' kasan_report' /proc/kallsyms && echo kasan >>active
		[ -e /proc/lockdep ] && echo lockdep >>active
		[ -e /sys/kernel/debug/kmemleak ] && echo kmemleak >>active
		modprobe lkdtm
		echo READ_AFTER_FREE >/sys/kernel/debug/provoke-crash/DIRECT
		modprobe kmemleak-test
		rmmod kmemleak-test
		$leak_scan"
	rc=$?
	va_check "$t: guest ran" "guest exit status $rc" test $rc = 0
	for c in kasan lockdep kmemleak; do
		va_check "$t: $c is active" "not found in the guest" grep -qx "$c" "$GUEST_OUT/active"
	done
	va_check "$t: a use-after-free is reported by KASAN" "no KASAN report in the console" \
		grep -q 'BUG: KASAN: .*use-after-free' "$GUEST_OUT/console.log"
	va_check "$t: a leak is reported by kmemleak" "no kmemleak report" \
		grep -q 'unreferenced object' "$GUEST_OUT/console.log"
	va_check "$t: the kernel log check catches them" "kernel_log_clean found nothing" \
		kernel_log_dirty
}

kernel_log_dirty() { ! kernel_log_clean; }
