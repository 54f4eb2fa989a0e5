# SPDX-License-Identifier: GPL-2.0
# virtio-scmi-ext: drivers/virtio-scmi-ext/ in a guest with one virtio SCMI
# device served by va-scmi-model (Base, Sensor 3.1, System power, a vendor
# protocol), exercised by guest/scmi-test.sh: discovery in sysfs against the
# model's configuration, hwmon and lm-sensors readings, asynchronous reads,
# an orderly power-off requested by the platform, and every fault the model
# injects. On the debug lane the same runs under KASAN, lockdep and kmemleak;
# on virtio-mmio a transport-focused part of it. On the release lanes over
# virtio-pci, a second guest shows the forced power-off after the grace
# period (scmi-forced), and two more get a device tree node that describes
# the SCMI device, available or disabled, before the driver loads (scmi-dt).

SCMI_TESTS=${SCMI_TESTS:-"probe names discovery hwmon sensors_tool async iio iio_buffer iio_timestamps iio_trigger trips powercap poweroff unsubscribe hostile_response hostile_timeout hostile_delayed hostile_events user user_gone plugin rebind"}
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
	mkdir -p "$out"
	obj=$("$VA_TESTING/scripts/modules.sh" "$lane" 2>"$out/modules.log") || {
		va_fail "$t: modules build" "$(tail -n 3 "$out/modules.log")"
		return
	}
	scmi_names "$t" "$obj"
	tools=$("$VA_TESTING/scripts/host-tools.sh")
	cp "$tools/va-scmi-tool" "$out/"
	scmi_model "$out" "$obj" "$tools" --vendor "$vendor" --impl-version "$impl" --late-ms 1500
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
	if [ "$(lane_flavour "$lane")" = release ] && [ "$transport" = pci ]; then
		scmi_forced "$lane" "$transport" "$obj" "$tools"
		scmi_dt "$lane" "$obj" "$tools"
	fi
	scmi_pm "$lane" "$transport" "$obj" "$tools"
}

# None of upstream's SCMI names in the built modules (guest/scmi-test.sh
# t_names checks the running system): every exported symbol is vscmi_* in
# the VIRTIO_SCMI_EXT namespace (arm_scmi exports scmi_*), and the module
# aliases are the virtio ID and our auxiliary devices (none of arm_scmi's
# scmi-protocol-0x.. or a MODULE_DEVICE_TABLE(scmi) entry, which would let
# upstream's bus load our modules).
scmi_names() {
	local t=$1 obj=$2 exports bad aliases
	exports=$(awk '$3 ~ /virtio-scmi-ext\// { print $2, $5 }' "$obj/Module.symvers")
	bad=$(grep -v '^vscmi_[a-z0-9_]* VIRTIO_SCMI_EXT$' <<<"$exports")
	va_check "$t: exports only vscmi_* in VIRTIO_SCMI_EXT" \
		"$(wc -l <<<"$exports") exports; not: $(tr '\n' ' ' <<<"$bad")" \
		test -n "$exports" -a -z "$bad"
	aliases=$(modinfo -F alias "$obj"/drivers/virtio-scmi-ext/*.ko)
	bad=$(grep -v -e '^virtio:d00000020v\*$' -e '^auxiliary:virtio_scmi_ext\.' <<<"$aliases")
	va_check "$t: module aliases only for device 32 and our auxiliary devices" \
		"not: $(tr '\n' ' ' <<<"$bad")" test -n "$aliases" -a -z "$bad"
}

# A system sleep cycle (guest/scmi-pm.py): the driver's freeze and restore
# callbacks run, the device is reset, and afterwards hwmon still reads and
# an IIO stream started before the sleep streams again. The guest reports
# on its console (its 9p shares do not survive the sleep), and the rig
# checks with the model that the device was reset and that the system
# power front-end subscribed again.
scmi_pm() {
	local lane=$1 transport=$2 obj=$3 tools=$4 t=scmi-pm-$1-$2 out mpid watch rc r0 r1 sub timeout=120
	[ "$(lane_flavour "$lane")" = debug ] && timeout=400
	out=$VA_RUN/$t
	scmi_model "$out" "$obj" "$tools"
	# The model's view after the resume, while the guest is still up (its
	# end resets the device too).
	. "$VA_TESTING/guest/ctl-lib.sh"
	(
		while ! grep -q "va-pm: resumed" "$out/console.log" 2>/dev/null; do sleep 0.1; done
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			va_ctl "$out/scmi-ctl" 5 stats >"$out/stats-after" 2>&1
			grep -q ' subscribed=1' "$out/stats-after" && break
			sleep 0.2
		done
	) &
	watch=$!
	guest "$t" "$lane" "$transport" -T "$timeout" -E "va-pm: done" \
		-B "32:2:0:$out/scmi.sock" -- '
		for m in virtio_scmi_ext virtio_scmi_ext_sensor virtio_scmi_ext_power; do
			insmod ko/$m.ko || exit 2
		done
		[ -e /sys/power/pm_test ] || { echo no-pm-test >pm-status; exit 3; }
		. /mnt/src/tools/testing/guest/ctl-lib.sh
		i=0
		while [ "$(va_ctl /mnt/work/scmi-ctl 30 stats | tr " " "\\n" | sed -n "s/^subscribed=//p")" != 1 ] &&
		      [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		va_ctl /mnt/work/scmi-ctl 30 stats >stats-before
		python3 /mnt/src/tools/testing/guest/scmi-pm.py 45123
		exit 4'
	rc=$?
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
	kill "$mpid" 2>/dev/null
	wait "$mpid" 2>/dev/null
	va_check "$t: the guest slept, checked and ended" \
		"guest exit status $rc$(cat "$out/pm-status" 2>/dev/null | sed 's/^/: /')" test $rc = 0
	tr -d '\r' <"$out/console.log" | sed -n 's/^va-pm: //p' | grep -v '^\(resumed\|done\)$' >"$out/pm.ktap"
	va_ktap "$t" "$out/pm.ktap"
	r0=$(stats_field "$out/stats-before" resets)
	r1=$(stats_field "$out/stats-after" resets)
	va_check "$t: the sleep reset the device" "resets before: '$r0', after: '$r1'" \
		test -n "$r0" -a -n "$r1" -a "${r1:-0}" -gt "${r0:-0}"
	sub=$(stats_field "$out/stats-after" subscribed)
	va_check "$t: system power subscribed again after the reset" "subscribed=$sub" test "$sub" = 1
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}

# stats_field FILE NAME: NAME's value in a saved reply to the model's
# "stats" (as mstat in guest/scmi-test.sh reads it live).
stats_field() {
	tr ' ' '\n' <"$1" 2>/dev/null | sed -n "s/^$2=//p"
}

# scmi_model OUT OBJ TOOLS [MODEL-OPTIONS]: OUT/ko gets the driver's
# modules from the build in OBJ, and the model starts on OUT/scmi.sock with
# its control directory OUT/scmi-ctl (its pid in mpid).
scmi_model() {
	local out=$1 obj=$2 tools=$3
	shift 3
	mkdir -p "$out/ko" "$out/scmi-ctl"
	cp "$obj"/drivers/virtio-scmi-ext/*.ko "$out/ko/"
	"$tools/va-scmi-model" --socket "$out/scmi.sock" --ctl-dir "$out/scmi-ctl" "$@" \
		>"$out/model.log" 2>&1 &
	mpid=$!
}

# The kernel time (seconds) of the first console line containing $2, in $1.
console_time() {
	grep -F -m 1 "$2" "$1" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# The platform asks for a graceful shutdown within 1 s; the guest's
# poweroff_cmd runs but does not power off (as when user space hangs). When
# the grace period ends the front-end powers the kernel off by itself. This
# x86 guest has no ACPI, so "power off" halts: the rig ends the guest when
# the console shows the kernel's "Power down".
scmi_forced() {
	local lane=$1 transport=$2 obj=$3 tools=$4 t=scmi-forced-$1-$2 out mpid rc t0 t1
	out=$VA_RUN/$t
	scmi_model "$out" "$obj" "$tools"
	guest "$t" "$lane" "$transport" -T 120 -E "reboot: Power down" \
		-B "32:2:0:$out/scmi.sock" -- '
		insmod ko/virtio_scmi_ext.ko && insmod ko/virtio_scmi_ext_power.ko || exit 2
		d=/sys/bus/auxiliary/drivers/virtio_scmi_ext_power.system_power/virtio_scmi_ext.system_power.0
		i=0
		while [ ! -e $d ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		printf "#!/bin/sh\necho \$0 >/mnt/work/poweroff-ran\n" >/tmp/va-poweroff
		chmod +x /tmp/va-poweroff
		echo /tmp/va-poweroff >/proc/sys/kernel/poweroff_cmd
		. /mnt/src/tools/testing/guest/ctl-lib.sh
		va_ctl /mnt/work/scmi-ctl 30 power shutdown graceful 1000 >/dev/null || exit 3
		sleep 60
		exit 4'
	rc=$?
	kill "$mpid" 2>/dev/null
	wait "$mpid" 2>/dev/null
	va_check "$t: the kernel powered off by itself" "guest exit status $rc (4: still up after 60 s)" \
		test $rc = 0
	va_check "$t: the orderly power-off was tried first" "poweroff_cmd never ran" \
		test -e "$out/poweroff-ran"
	t0=$(console_time "$out/console.log" "requests a shutdown within 1000 ms")
	t1=$(console_time "$out/console.log" "grace period over, forcing it")
	va_check "$t: forced 1 to 5 s after the request" "request at '$t0' s, forced at '$t1' s" \
		awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(a != "" && b != "" && b - a >= 1 && b - a < 5) }'
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}

# Coexistence with upstream's arm_scmi: when the guest's device tree has an
# available "arm,scmi-virtio" node (what an arm64 guest's firmware gives it),
# arm_scmi owns the device, and virtio_scmi_ext refuses to load: no device
# bound, none touched, no message to the platform. With the same node
# disabled the device tree describes no SCMI device, and the driver binds.
# The guest is x86: the node comes from an overlay that the rig's helper
# module (tools/testing/dt/) applies before the driver loads. (QEMU's -dtb
# does not get a DTB to these kernels: the setup_data it appends to the
# kernel image reads as type 0 in the guest, overwritten at boot.) 6.1 has
# no device tree root on x86 to apply an overlay to.
scmi_dt() {
	local lane=$1 obj=$2 tools=$3 status t out rc cmds kdir helper
	if [ "$(lane_kernel "$lane")" = 6.1 ]; then
		va_skip "scmi-dt-$lane" "6.1 has no device tree root on x86"
		return
	fi
	# The helper module, built once for both guests.
	kdir=$("$VA_TESTING/scripts/kernel.sh" "$(lane_kernel "$lane")" "$(lane_flavour "$lane")")
	helper=$VA_RUN/scmi-dt-$lane
	mkdir -p "$helper"
	cp "$VA_TESTING"/dt/* "$helper/"
	if ! make -s -C "$kdir" M="$helper" modules >"$helper/build.log" 2>&1; then
		va_fail "scmi-dt-$lane: helper module build" "$(tail -n 3 "$helper/build.log")"
		return
	fi
	. "$VA_TESTING/guest/ctl-lib.sh"
	for status in okay disabled; do
		t=scmi-dt-$status-$lane
		out=$VA_RUN/$t
		mkdir -p "$out/dt"
		cp "$helper/va_dt_overlay.ko" "$out/dt/"
		scmi_dtso "$status" >"$out/scmi.dtso"
		if ! dtc -q -I dts -O dtb -o "$out/scmi.dtbo" "$out/scmi.dtso" >"$out/dtc.log" 2>&1; then
			va_fail "$t: overlay build" "$(tail -n 3 "$out/dtc.log")"
			continue
		fi
		scmi_model "$out" "$obj" "$tools"
		guest "$t" "$lane" pci -T 120 -B "32:2:0:$out/scmi.sock" -- '
			insmod dt/va_dt_overlay.ko || exit 2
			cat scmi.dtbo >/sys/kernel/debug/va_dt_overlay/apply || exit 3
			n=/sys/firmware/devicetree/base/firmware/scmi
			tr -d "\0" <$n/compatible >dt-compatible
			tr -d "\0" <$n/status >dt-status
			insmod ko/virtio_scmi_ext.ko 2>insmod.err
			echo $? >insmod-rc
			for d in /sys/bus/virtio/devices/*; do
				[ "$(cat $d/device)" = 0x0020 ] || continue
				drv=$(readlink $d/driver)
				echo "${drv##*/}" >bound
			done
			ls /sys/bus/auxiliary/devices >aux
			dmesg >dmesg.txt
			[ "$(cat insmod-rc)" != 0 ] || rmmod virtio_scmi_ext || exit 4
			rmmod va_dt_overlay || exit 5
			[ ! -e $n ] || exit 6'
		rc=$?
		va_ctl "$out/scmi-ctl" 5 stats >"$out/stats" 2>&1
		cmds=$(stats_field "$out/stats" commands)
		kill "$mpid" 2>/dev/null
		wait "$mpid" 2>/dev/null
		va_check "$t: guest ran" "guest exit status $rc (2: helper not loaded, 3: overlay refused, 4 and 5: unload failed, 6: node left after the overlay's removal)" \
			test $rc = 0
		va_check "$t: the guest kernel has the node" \
			"compatible '$(cat "$out/dt-compatible" 2>/dev/null)', status '$(cat "$out/dt-status" 2>/dev/null)'" \
			test "$(cat "$out/dt-compatible" 2>/dev/null)" = arm,scmi-virtio -a \
			"$(cat "$out/dt-status" 2>/dev/null)" = $status
		if [ $status = okay ]; then
			va_check "$t: the module refuses to load" \
				"insmod status '$(cat "$out/insmod-rc" 2>/dev/null)': $(cat "$out/insmod.err" 2>/dev/null)" \
				grep -q "No such device" "$out/insmod.err"
			va_check "$t: it says why" "no 'leaving SCMI to arm_scmi' in the kernel log" \
				grep -q "virtio_scmi_ext: an arm,scmi-virtio device tree node exists: leaving SCMI to arm_scmi" \
				"$out/dmesg.txt"
			va_check "$t: the SCMI device stays unbound" "bound to '$(cat "$out/bound" 2>/dev/null)'" \
				test -e "$out/bound" -a -z "$(cat "$out/bound" 2>/dev/null)"
			va_check "$t: no protocol devices" "$(grep -c virtio_scmi_ext "$out/aux" 2>/dev/null) exist" \
				test -e "$out/aux" -a "$(grep -c virtio_scmi_ext "$out/aux" 2>/dev/null)" = 0
			va_check "$t: the platform got no message" "commands='$cmds'" test "$cmds" = 0
		else
			va_check "$t: the module loads" "insmod: $(cat "$out/insmod.err" 2>/dev/null)" \
				test "$(cat "$out/insmod-rc" 2>/dev/null)" = 0
			va_check "$t: the driver binds" "bound to '$(cat "$out/bound" 2>/dev/null)'" \
				test "$(cat "$out/bound" 2>/dev/null)" = virtio_scmi_ext
			va_check "$t: protocol devices exist" "auxiliary devices: $(tr '\n' ' ' <"$out/aux" 2>/dev/null)" \
				grep -qx virtio_scmi_ext.sensor.0 "$out/aux"
			va_check "$t: the platform was driven" "commands='$cmds'" test "${cmds:-0}" -gt 0
		fi
		va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
	done
}

# scmi_dtso STATUS: a device tree overlay that adds what an arm64 guest's
# firmware describes for an SCMI over virtio device (the binding's
# "arm,scmi-virtio", with its sensor protocol), the node's status STATUS.
scmi_dtso() {
	cat <<EOF
/dts-v1/;
/plugin/;

&{/} {
	firmware {
		scmi {
			compatible = "arm,scmi-virtio";
			status = "$1";
			#address-cells = <1>;
			#size-cells = <0>;

			protocol@15 {
				reg = <0x15>;
				#thermal-sensor-cells = <1>;
			};
		};
	};
};
EOF
}
