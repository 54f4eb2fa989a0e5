# SPDX-License-Identifier: GPL-2.0
# KUnit: suites built as modules are loaded in the guest and their KTAP
# results, read back from debugfs, are counted one test case at a time:
# our drivers' suites (built against the lane's kernel), and two in-tree
# suites that prove the plumbing on each lane.

KUNIT_MODULES="list-test bitfield_kunit"
# Our suites: module paths under drivers/, each after the module it tests.
KUNIT_OURS="virtio-can/virtio_can.ko virtio-can/virtio_can_kunit.ko
	virtio-video/virtio_video.ko virtio-video/virtio_video_kunit.ko
	virtio-scmi-ext/virtio_scmi_ext.ko virtio-scmi-ext/virtio_scmi_ext_kunit.ko"
# In-tree modules ours need (insmod does not load dependencies).
KUNIT_DEPS="v4l2-mem2mem videobuf2-dma-sg videobuf2-dma-contig"

suite_kunit() {
	local lane=$1 transport=$2 t=kunit-$1-$2 rc obj m
	mkdir -p "$VA_RUN/$t/ko"
	obj=$("$VA_TESTING/scripts/modules.sh" "$lane" 2>"$VA_RUN/$t/modules.log") ||
		va_fail "$t: modules build" "$(tail -n 3 "$VA_RUN/$t/modules.log")"
	for m in $KUNIT_OURS; do cp "$obj/drivers/$m" "$VA_RUN/$t/ko/" 2>/dev/null; done
	guest "$t" "$lane" "$transport" -T 300 -- "
		for m in $KUNIT_MODULES $KUNIT_DEPS; do
			modprobe \$m || echo \"not ok 1 modprobe-\$m\" >>kunit.ktap
		done
		for m in $(for m in $KUNIT_OURS; do basename "$m"; done | tr '\n' ' '); do
			insmod ko/\$m || echo \"not ok 1 insmod-\$m\" >>kunit.ktap
		done
		cat /sys/kernel/debug/kunit/*/results >>kunit.ktap
		$leak_scan"
	rc=$?
	va_check "$t: guest ran the suites" "guest exit status $rc" test $rc = 0
	va_ktap "$t" "$GUEST_OUT/kunit.ktap"
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}
