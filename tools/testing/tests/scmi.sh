# SPDX-License-Identifier: GPL-2.0
# virtio-scmi-ext: drivers/virtio-scmi-ext/ in a guest with one virtio SCMI
# device served by va-scmi-model (Base, Sensor 3.1, System power, a vendor
# protocol), exercised by guest/scmi-test.sh: discovery in sysfs against the
# model's configuration, hwmon and lm-sensors readings, asynchronous reads,
# an orderly power-off requested by the platform, and every fault the model
# injects. On the debug lane the same runs under KASAN, lockdep and kmemleak;
# on virtio-mmio a transport-focused part of it.

SCMI_TESTS=${SCMI_TESTS:-"probe discovery hwmon sensors_tool async iio iio_buffer iio_trigger trips powercap poweroff unsubscribe hostile_response hostile_timeout hostile_delayed hostile_events user user_gone plugin rebind"}
# On virtio-mmio, what goes through the transport differently: both
# queues, notifications, delayed responses, faults, rebinding. (The whole
# list passes there too; CI's time budget keeps it to this.)
SCMI_MMIO_TESTS=${SCMI_MMIO_TESTS:-"probe discovery hwmon async iio_buffer poweroff hostile_timeout hostile_delayed hostile_events user rebind"}
# Under KASAN on TCG every process start costs about a second: the debug
# lane keeps to what allocates, frees, races or takes locks on paths the
# fast lanes cannot watch: both buffer modes, trip events, the power
# request, every fault, and the device going away under its users. The
# read-only sysfs and tool tests stay on the release lanes.
SCMI_DEBUG_TESTS=${SCMI_DEBUG_TESTS:-"probe iio_buffer iio_trigger trips poweroff unsubscribe hostile_response hostile_timeout hostile_delayed hostile_events user_gone plugin rebind"}

suite_scmi() {
	local lane=$1 transport=$2 t=scmi-$1-$2 out obj tools mpid rc timeout=300
	local vendor=va-rig-$RANDOM impl=$((RANDOM * 65536 + RANDOM)) tests=$SCMI_TESTS
	[ "$(lane_flavour "$lane")" = debug ] && timeout=900 tests=$SCMI_DEBUG_TESTS
	[ "$transport" = mmio ] && tests=$SCMI_MMIO_TESTS
	out=$VA_RUN/$t
	mkdir -p "$out/ko" "$out/scmi-ctl"
	obj=$("$VA_TESTING/scripts/modules.sh" "$lane" 2>"$out/modules.log") || {
		va_fail "$t: modules build" "$(tail -n 3 "$out/modules.log")"
		return
	}
	cp "$obj"/drivers/virtio-scmi-ext/*.ko "$out/ko/"
	tools=$("$VA_TESTING/scripts/host-tools.sh")
	cp "$tools/va-scmi-tool" "$out/"
	"$tools/va-scmi-model" --socket "$out/scmi.sock" --ctl-dir "$out/scmi-ctl" \
		--vendor "$vendor" --impl-version "$impl" --late-ms 1500 \
		>"$out/model.log" 2>&1 &
	mpid=$!
	guest "$t" "$lane" "$transport" -T "$timeout" -B "32:2:0:$out/scmi.sock" -- "
		SCMI_VENDOR=$vendor SCMI_IMPL=$(printf 0x%08x "$impl") \
		sh /mnt/src/tools/testing/guest/scmi-test.sh $tests >scmi.ktap
		$leak_scan"
	rc=$?
	kill "$mpid" 2>/dev/null
	wait "$mpid" 2>/dev/null
	va_check "$t: guest ran the tests" "guest exit status $rc" test $rc = 0
	va_ktap "$t" "$GUEST_OUT/scmi.ktap"
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}
