# SPDX-License-Identifier: GPL-2.0
# `make check` as part of the test run: each static check on each lane is
# one result.

suite_check_host() {
	local l klanes log=$VA_RUN/check.log verdict rest
	klanes=
	for l in $lanes; do
		case " $klanes " in *" ${l%-debug} "*) ;; *) klanes+="${klanes:+ }${l%-debug}" ;; esac
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
	suite_check_selftest "${klanes%% *}"
}

# The checks can fail: plant one finding for each tool in a copy of the
# tree (as if it were a driver) and expect each tool to report it.
suite_check_selftest() {
	local lane=$1 tree=$VA_RUN/check-selftest log tool
	rm -rf "$tree"
	mkdir -p "$tree/drivers/virtio-can" "$tree/include/uapi" "$tree/tools/testing"
	cp "$VA_TOP/Kbuild" "$VA_TOP/Makefile" "$tree/"
	echo 'obj-m += va_check_selftest.o' >"$tree/drivers/virtio-can/Kbuild"
	cat >"$tree/drivers/virtio-can/va_check_selftest.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/slab.h>

/**
 * va_check_selftest() - kernel-doc: names a parameter that does not exist
 * @x: not a parameter
 *
 * W=1 and sparse: global, but declared nowhere.
 */
int va_check_selftest(int y)
{
	void *p = kmalloc(16, GFP_KERNEL);
	if (p)
		kfree(p);
	return y;
}

MODULE_DESCRIPTION("make check self-test");
MODULE_LICENSE("GPL");
C
	log=$VA_RUN/check-selftest.log
	VA_SRC=$tree LANE=$lane "$VA_TESTING/scripts/check.sh" >"$log" 2>&1
	for tool in "W=1 build" "sparse" "checkpatch" "coccicheck" "kernel-doc"; do
		va_check "check: $tool reports a planted finding ($lane)" "see $log" \
			grep -q "^FAIL  $tool" "$log"
	done
}
