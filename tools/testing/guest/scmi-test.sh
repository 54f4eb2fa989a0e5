#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtio-scmi-ext tests, run inside a rig guest with one virtio SCMI device
# served by va-scmi-model (tools/testing/models/scmi/scmi-platform.c names
# its sensors and values). Results are KTAP lines on standard output.
#
# Usage: scmi-test.sh [-k DIR] TEST...
#   -k DIR   where our modules are (default /mnt/work/ko)
# Tests: probe discovery hwmon sensors_tool async iio iio_buffer
#        iio_timestamps iio_trigger trips powercap poweroff unsubscribe hostile_response hostile_timeout
#        hostile_delayed hostile_events user user_gone plugin rebind
# Environment: VA_SCMI_CTL (the model's control directory, default
#              /mnt/work/scmi-ctl); SCMI_VENDOR, SCMI_SUB_VENDOR,
#              SCMI_IMPL (what the model was started with)
export LC_ALL=C
HERE=$(dirname "$0")
kodir=/mnt/work/ko
while getopts "k:" o; do
	case $o in
	k) kodir=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
n=0
: "${SCMI_VENDOR:=va-rig}"

. "$HERE/ctl-lib.sh"
ctl() { va_ctl "${VA_SCMI_CTL:-/mnt/work/scmi-ctl}" 30 "$@"; }

. "$HERE/ktap-lib.sh"
rd() { # FILE: its first line, or "error: <message>"
	if ! r=$(cat "$1" 2>&1); then
		echo "error: ${r##*: }"
		return
	fi
	echo "$r"
}
# Wait up to $2 tenths of a second for file $1 to exist.
wait_for() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -le "$2" ] || return 1
		sleep 0.1
	done
}
# Model statistic $1 (from "stats").
mstat() { ctl stats | tr ' ' '\n' | sed -n "s/^$1=//p"; }

DRV=/sys/bus/virtio/drivers/virtio_scmi_ext
dev() { for d in "$DRV"/virtio*; do [ -e "$d" ] && echo "$d"; done | head -n 1; }
stat_of() { rd "$(dev)/scmi_stats/$1"; }
HWMON=
find_hwmon() {
	HWMON=
	for h in /sys/class/hwmon/hwmon*; do
		[ "$(cat "$h/name" 2>/dev/null)" = vscmi_sensors ] && HWMON=$h
	done
	[ -n "$HWMON" ]
}

load() {
	insmod "$kodir/virtio_scmi_ext.ko" || return 1
	insmod "$kodir/virtio_scmi_ext_sensor.ko" || return 1
	insmod "$kodir/virtio_scmi_ext_power.ko" || return 1
	insmod "$kodir/virtio_scmi_ext_powercap.ko" || return 1
	wait_for /sys/bus/auxiliary/devices/virtio_scmi_ext.sensor.0 50 &&
		wait_for /sys/bus/auxiliary/drivers/virtio_scmi_ext_sensor.sensor/virtio_scmi_ext.sensor.0 50
}

t_probe() {
	d=$(dev)
	expect "the SCMI device is bound to virtio_scmi_ext" test -n "$d"
	for a in sensor.0 system_power.0 powercap.0 vendor_0x80.0; do
		expect "auxiliary device virtio_scmi_ext.$a" \
			test -e /sys/bus/auxiliary/devices/virtio_scmi_ext.$a
	done
	expect "the system power front-end is bound" test -e \
		/sys/bus/auxiliary/drivers/virtio_scmi_ext_power.system_power/virtio_scmi_ext.system_power.0
	expect_eq "eventq in use" "$(dmesg | grep -c 'command channels, event queue')" 1
}

# None of upstream's SCMI names: no scmi_protocol bus, no driver called
# scmi-virtio or arm-scmi, no "scmi" debugfs directory. (tests/scmi.sh
# checks the exported symbols and module aliases on the host.)
t_names() {
	expect "no scmi_protocol bus" test ! -e /sys/bus/scmi_protocol
	expect "virtio driver virtio_scmi_ext" test -d /sys/bus/virtio/drivers/virtio_scmi_ext
	expect "no scmi-virtio or arm-scmi driver" \
		sh -c '! ls -d /sys/bus/*/drivers/scmi-virtio /sys/bus/*/drivers/arm-scmi 2>/dev/null | grep -q .'
	expect "no scmi debugfs directory" test ! -e /sys/kernel/debug/scmi
}

t_discovery() {
	s=$(dev)/scmi
	expect_eq version "$(rd "$s/version")" 2.1
	expect_eq vendor "$(rd "$s/vendor")" "$SCMI_VENDOR"
	expect_eq sub_vendor "$(rd "$s/sub_vendor")" "${SCMI_SUB_VENDOR:-virtio-auto}"
	expect_eq impl_version "$(rd "$s/impl_version")" "${SCMI_IMPL:-0x00010203}"
	expect_eq num_agents "$(rd "$s/num_agents")" 2
	expect_eq agent_id "$(rd "$s/agent_id")" 1
	expect_eq agent_name "$(rd "$s/agent_name")" guest
	# four protocols listed two per DISCOVER_LIST_PROTOCOLS reply
	expect_eq protocols "$(rd "$s/protocols")" "0x12 0x15 0x18 0x80"
	a=/sys/bus/auxiliary/devices/virtio_scmi_ext
	expect_eq "sensor version" "$(rd $a.sensor.0/version)" 3.1
	expect_eq "sensor protocol" "$(rd $a.sensor.0/protocol)" 0x15
	expect_eq "system power version" "$(rd $a.system_power.0/version)" 2.1
	expect_eq "vendor version" "$(rd $a.vendor_0x80.0/version)" 1.0
	expect_eq "powercap version" "$(rd $a.powercap.0/version)" 2.0
	expect "version is read-only" sh -c "! echo 3.0 >$s/version"
}

t_hwmon() {
	find_hwmon || { fail "no hwmon device named vscmi_sensors"; return; }
	# sensor values of the model, in hwmon units
	expect_eq temp1_label "$(rd "$HWMON/temp1_label")" soc-temperature-cluster0-big-cores
	expect_eq temp1_input "$(rd "$HWMON/temp1_input")" 45123
	expect_eq temp2_label "$(rd "$HWMON/temp2_label")" cabin-temp
	expect_eq in0_input "$(rd "$HWMON/in0_input")" 13800
	expect_eq curr1_input "$(rd "$HWMON/curr1_input")" -2500
	expect_eq power1_input "$(rd "$HWMON/power1_input")" 4250000
	expect_eq energy1_input "$(rd "$HWMON/energy1_input")" 123456000
	expect "multi-axis sensors stay out of hwmon" test ! -e "$HWMON/temp3_input"
	ctl sensor 0 0 -5250 >/dev/null || fail "model: sensor set"
	expect_eq "temp1_input follows the platform" "$(rd "$HWMON/temp1_input")" -5250
	ctl sensor 0 0 45123 >/dev/null
}

t_sensors_tool() {
	out=$(sensors 'vscmi_sensors-*' 2>&1)
	echo "$out" | sed 's/^/# /'
	echo "$out" | grep -q 'soc-temperature-cluster0-big-cores: *+45\.1' ||
		fail "sensors: no soc temperature of +45.1"
	echo "$out" | grep -q 'battery-volt: *13\.80 V' || fail "sensors: no 13.80 V"
	echo "$out" | grep -q 'battery-curr: *-2\.50 A' || fail "sensors: no -2.50 A"
	echo "$out" | grep -q 'cabin-temp: *+21\.5' || fail "sensors: no cabin +21.5"
}

# cabin-temp reads asynchronously: a response, then a delayed response.
t_async() {
	find_hwmon || { fail "no hwmon"; return; }
	d0=$(mstat delayed)
	expect_eq "async read" "$(rd "$HWMON/temp2_input")" 21500
	expect_eq "the model sent a delayed response" "$(mstat delayed)" $((d0 + 1))
	ctl fault dly-first >/dev/null
	expect_eq "delayed response before the response" "$(rd "$HWMON/temp2_input")" 21500
	ctl sensor 5 0 -123 >/dev/null
	expect_eq "negative async value" "$(rd "$HWMON/temp2_input")" -12300
	ctl sensor 5 0 215 >/dev/null
}

# The IIO device named $1.
iio_dev() {
	for i in /sys/bus/iio/devices/iio:device*; do
		[ "$(cat "$i/name" 2>/dev/null)" = "$1" ] && echo "$i" && return
	done
}
# A number as printed by IIO, compared as a float: close DESCRIPTION GOT WANT
close() {
	awk -v g="$2" -v w="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= 1e-9 + 1e-6 * (w < 0 ? -w : w)) }' ||
		fail "$1: got '$2', want $3"
}

t_iio() {
	n_iio=$(for i in /sys/bus/iio/devices/iio:device*; do cat "$i/name"; done | wc -l)
	expect_eq "IIO devices (one per sensor)" "$n_iio" 9
	t=$(iio_dev soc-temperature-cluster0-big-cores)
	expect_eq "temp raw" "$(rd "$t/in_temp_raw")" 45123
	close "temp scale (millidegrees)" "$(rd "$t/in_temp_scale")" 1
	expect_eq "temp offset" "$(rd "$t/in_temp_offset")" 0
	c=$(iio_dev cabin-temp)
	expect_eq "async temp raw" "$(rd "$c/in_temp_raw")" 215
	close "cabin scale" "$(rd "$c/in_temp_scale")" 100
	p=$(iio_dev pmic-power)
	close "power scale (mW)" "$(rd "$p/in_power_scale")" 0.001
	a=$(iio_dev imu-accel)
	expect_eq "accel x" "$(rd "$a/in_accel_x_raw")" 12
	expect_eq "accel y" "$(rd "$a/in_accel_y_raw")" -34
	expect_eq "accel z" "$(rd "$a/in_accel_z_raw")" 9806
	close "accel scale (m/s^2)" "$(rd "$a/in_accel_x_scale")" 0.001
	six=$(iio_dev imu-6dof)
	expect_eq "6dof gyro z" "$(rd "$six/in_anglvel_z_raw")" -7
	expect_eq "6dof accel z" "$(rd "$six/in_accel_z_raw")" 9807
	expect "6dof has six axes" test -e "$six/in_anglvel_x_raw" -a -e "$six/in_accel_x_raw"
	g=$(iio_dev imu-gyro)
	expect "gyro has three rate axes" test -e "$g/in_anglvel_z_raw"
	close "gyro scale (rad/s)" "$(rd "$g/in_anglvel_x_scale")" 0.001
	expect "no rate on a polled multi-axis sensor" test ! -e "$g/sampling_frequency"
	expect_eq "update rates" "$(rd "$a/sampling_frequency_available")" \
		"100.000000 50.000000 10.000000"
	echo 50 >"$a/sampling_frequency" || fail "set 50 Hz"
	close "50 Hz" "$(rd "$a/sampling_frequency")" 50
	echo 10 >"$a/sampling_frequency" || fail "set 10 Hz"
	close "10 Hz" "$(rd "$a/sampling_frequency")" 10
	expect "no rate on a sensor without updates" test ! -e "$t/sampling_frequency"
}

# SENSOR_UPDATE notifications into the kfifo buffer, read by iio_readdev:
# IIO_SAMPLES samples at 100 Hz, in order, none lost, timestamps never
# going back.
t_iio_buffer() {
	a=$(iio_dev imu-accel)
	want=${IIO_SAMPLES:-300}
	echo 100 >"$a/sampling_frequency" || fail "set 100 Hz"
	u0=$(ctl updates 6 | cut -d' ' -f2)
	timeout 60 iio_readdev -u local: -b 16 -s "$want" imu-accel >/tmp/accel.bin 2>/tmp/readdev.err ||
		fail "iio_readdev: $(cat /tmp/readdev.err)"
	u1=$(ctl updates 6 | cut -d' ' -f2)
	echo "# iio_buffer: $want samples read; the model sent $((u1 - u0)) updates meanwhile"
	r=$(python3 - "$want" <<-'EOF'
		import struct, sys
		want = int(sys.argv[1])
		data = open("/tmp/accel.bin", "rb").read()
		if len(data) != want * 32:
		    print(f"{len(data)} bytes, want {want * 32}")
		    sys.exit(1)
		prev_seq = prev_ts = None
		for k in range(want):
		    x, y, z, ts = struct.unpack_from("<qqqq", data, 32 * k)
		    if x % 8 or y != x + 1 or z != x + 2:
		        print(f"sample {k}: {x} {y} {z} is not one update")
		        sys.exit(1)
		    seq = x // 8
		    if prev_seq is not None and seq != prev_seq + 1:
		        print(f"sample {k}: update {seq} after {prev_seq}: {seq - prev_seq - 1} lost")
		        sys.exit(1)
		    # notifications taken in one interrupt share its time
		    if prev_ts is not None and ts < prev_ts:
		        print(f"sample {k}: timestamp {ts} before {prev_ts}")
		        sys.exit(1)
		    prev_seq, prev_ts = seq, ts
		print("ok")
	EOF
	)
	expect_eq "samples in order, none lost" "$r" ok
	sleep 0.3
	u2=$(ctl updates 6 | cut -d' ' -f2)
	sleep 0.5
	expect_eq "updates stop when the buffer is disabled" "$(ctl updates 6 | cut -d' ' -f2)" "$u2"
}

# platform_times FILE N LO HI: "ok" when FILE holds N 32-byte IIO scans
# whose timestamps (their last 8 bytes, ns) are whole microseconds of the
# platform's clock, between LO and HI (us: clock readings taken around the
# capture), and increasing; otherwise what is wrong. The comparisons are
# made in us, where awk's doubles stay exact for any host uptime.
platform_times() {
	od -An -t d8 -v -w32 "$1" | awk -v n="$2" -v lo="$3" -v hi="$4" '
		{ us = substr($4, 1, length($4) - 3) + 0 }
		$4 !~ /000$/ || us < lo || us > hi || (NR > 1 && us <= prev) { bad = bad " " $4 }
		{ prev = us }
		END { print NR == n && !bad ? "ok" : NR " samples, bad:" bad " (clock " lo "-" hi " us)" }'
}

# Timestamps: the guest's receive time by default; on request, for a sensor
# whose readings carry them, the platform's (the model's clock, in us).
t_iio_timestamps() {
	a=$(iio_dev imu-accel)
	t=$(iio_dev soc-temperature-cluster0-big-cores)
	expect_eq "sources of a timestamped sensor" "$(rd "$a/timestamp_source_available")" \
		"guest platform"
	expect_eq "sources of the others" "$(rd "$t/timestamp_source_available")" guest
	expect_eq "guest time by default" "$(rd "$a/timestamp_source")" guest
	expect "platform time refused without platform timestamps" \
		sh -c "! echo platform >$t/timestamp_source"
	expect "an unknown source refused" sh -c "! echo tai >$a/timestamp_source"
	echo platform >"$a/timestamp_source" || fail "select platform timestamps"
	expect_eq "platform selected" "$(rd "$a/timestamp_source")" platform
	echo 100 >"$a/sampling_frequency"
	c0=$(ctl clock | cut -d' ' -f2)
	timeout 60 iio_readdev -u local: -b 16 -s 50 imu-accel >/tmp/pts.bin 2>/tmp/readdev.err ||
		fail "iio_readdev: $(cat /tmp/readdev.err)"
	c1=$(ctl clock | cut -d' ' -f2)
	echo guest >"$a/timestamp_source" || fail "back to guest timestamps"
	expect_eq "samples carry the platform's time" "$(platform_times /tmp/pts.bin 50 "$c0" "$c1")" ok
}

# The triggered fallback: a sysfs trigger polls READING_GET.
t_iio_trigger() {
	v=$(iio_dev battery-volt)
	modprobe iio-trig-sysfs || { fail "modprobe iio-trig-sysfs"; return; }
	[ -e /sys/bus/iio/devices/trigger0 ] ||
		echo 7 >/sys/bus/iio/devices/iio_sysfs_trigger/add_trigger || fail "add trigger"
	tr=$(for t in /sys/bus/iio/devices/trigger*; do [ "$(cat "$t/name")" = sysfstrig7 ] && echo "$t"; done)
	echo sysfstrig7 >"$v/trigger/current_trigger" || fail "set trigger"
	echo 1 >"$v/scan_elements/in_voltage_en"
	echo 1 >"$v/scan_elements/in_timestamp_en"
	echo 16 >"$v/buffer/length"
	echo 1 >"$v/buffer/enable" || fail "enable buffer"
	# a trigger that fires while the last poll runs is dropped: pace them
	for k in 1 2 3 4 5; do
		echo 1 >"$tr/trigger_now"
		sleep 0.3
	done
	sleep 0.5
	echo 0 >"$v/buffer/enable"
	dev=/dev/$(basename "$v")
	got=$(dd if="$dev" bs=16 count=5 iflag=nonblock 2>/dev/null | od -An -t d8 -v -w16 | awk '{ print $1 }' | tr '\n' ' ')
	expect_eq "five polled samples" "$got" "13800 13800 13800 13800 13800 "
	echo >"$v/trigger/current_trigger"

	# A multi-axis sensor without updates: one READING_GET per trigger
	# carries every axis. The model adds 1000 * (its read count) to each
	# axis, so a sample built from several commands would show it. Its
	# readings carry timestamps: with timestamp_source "platform" each
	# sample has its reading's (the model's clock, in us).
	g=$(iio_dev imu-gyro)
	expect_eq "gyro timestamp sources" "$(rd "$g/timestamp_source_available")" \
		"guest platform"
	echo platform >"$g/timestamp_source" || fail "select gyro platform timestamps"
	echo sysfstrig7 >"$g/trigger/current_trigger" || fail "set gyro trigger"
	for a in x y z timestamp; do
		echo 1 >"$g/scan_elements/in_$([ $a = timestamp ] || echo anglvel_)${a}_en" ||
			fail "enable $a"
	done
	echo 16 >"$g/buffer/length"
	r0=$(ctl reads 8 | cut -d' ' -f2)
	c0=$(ctl clock | cut -d' ' -f2)
	echo 1 >"$g/buffer/enable" || fail "enable gyro buffer"
	for k in 1 2 3; do
		echo 1 >"$tr/trigger_now"
		sleep 0.3
	done
	sleep 0.5
	echo 0 >"$g/buffer/enable"
	c1=$(ctl clock | cut -d' ' -f2)
	r1=$(ctl reads 8 | cut -d' ' -f2)
	expect_eq "one READING_GET per trigger" "$((r1 - r0))" 3
	dd if="/dev/$(basename "$g")" of=/tmp/gyro.bin bs=32 count=3 iflag=nonblock 2>/dev/null
	got=$(od -An -t d8 -v -w32 /tmp/gyro.bin | awk '{ print $1 - 100, $2 + 200, $3 - 300 }' | tr '\n' ' ')
	n1=$(((r0 + 1) * 1000)) n2=$(((r0 + 2) * 1000)) n3=$(((r0 + 3) * 1000))
	expect_eq "each sample's axes from one reading" "$got" \
		"$n1 $n1 $n1 $n2 $n2 $n2 $n3 $n3 $n3 "
	expect_eq "polled samples carry the platform's time" \
		"$(platform_times /tmp/gyro.bin 3 "$c0" "$c1")" ok
	echo guest >"$g/timestamp_source" || fail "back to gyro guest timestamps"
	echo >"$g/trigger/current_trigger"
}

# Trip points: hwmon thresholds and alarms, IIO threshold events.
t_trips() {
	find_hwmon || { fail "no hwmon"; return; }
	expect_eq "no threshold before one is set" "$(rd "$HWMON/temp1_max")" "error: No data available"
	echo 50000 >"$HWMON/temp1_max" || fail "set temp1_max"
	echo -1000 >"$HWMON/temp1_min" || fail "set temp1_min"
	expect_eq temp1_max "$(rd "$HWMON/temp1_max")" 50000
	expect_eq temp1_min "$(rd "$HWMON/temp1_min")" -1000
	expect_eq "no alarm yet" "$(rd "$HWMON/temp1_max_alarm")" 0
	ctl sensor 0 0 50500 >/dev/null
	sleep 0.3
	expect_eq "max alarm after a rising crossing" "$(rd "$HWMON/temp1_max_alarm")" 1
	expect_eq "alarm cleared by reading it" "$(rd "$HWMON/temp1_max_alarm")" 0
	expect_eq "min alarm untouched" "$(rd "$HWMON/temp1_min_alarm")" 0
	ctl sensor 0 0 -2000 >/dev/null
	sleep 0.3
	expect_eq "min alarm after a falling crossing" "$(rd "$HWMON/temp1_min_alarm")" 1
	expect "no thresholds on a sensor without trip points" test ! -e "$HWMON/in0_max"
	# the same trip point as an IIO event
	t=$(iio_dev soc-temperature-cluster0-big-cores)
	ev=$t/events
	expect_eq "IIO rising value (shared with hwmon)" "$(rd "$ev/in_temp_thresh_rising_value")" 50000
	echo 60000 >"$ev/in_temp_thresh_rising_value" || fail "set IIO threshold"
	expect_eq "IIO rising enabled" "$(rd "$ev/in_temp_thresh_rising_en")" 1
	rm -f /tmp/event.ready
	$TOOL iio-event "/dev/$(basename "$t")" 30 /tmp/event.ready >/tmp/event.out &
	# the event must come after the tool listens (a second or more under KASAN)
	wait_for /tmp/event.ready 200 || fail "iio-event did not start listening"
	ctl sensor 0 0 61000 >/dev/null
	wait
	# type 0 (threshold), direction 1 (rising), channel type 9 (temp)
	expect_eq "IIO event" "$(cat /tmp/event.out)" "event type=0 dir=1 channel_type=9"
	echo 0 >"$ev/in_temp_thresh_rising_en" || fail "disable IIO event"
	expect_eq "IIO rising disabled" "$(rd "$ev/in_temp_thresh_rising_en")" 0
	ctl sensor 0 0 45123 >/dev/null
}

# Powercap domains as powercap zones: soc, and gpu inside it.
t_powercap() {
	z=/sys/class/powercap/vscmi-0
	expect "control type vscmi-0" test -d $z
	soc=$z/vscmi-0:0 gpu=$z/vscmi-0:0/vscmi-0:0:0
	expect_eq "soc name" "$(rd $soc/name)" soc
	expect_eq "gpu name (nested)" "$(rd $gpu/name)" gpu
	expect_eq "constraint" "$(rd $soc/constraint_0_name)" long_term
	expect_eq "soc cap" "$(rd $soc/constraint_0_power_limit_uw)" 15000000
	expect_eq "soc max" "$(rd $soc/constraint_0_max_power_uw)" 20000000
	expect_eq "soc min" "$(rd $soc/constraint_0_min_power_uw)" 1000000
	expect_eq "soc window" "$(rd $soc/constraint_0_time_window_us)" 10000
	expect_eq "soc power" "$(rd $soc/power_uw)" 4200000
	expect_eq "gpu cap (milliwatt domain)" "$(rd $gpu/constraint_0_power_limit_uw)" 6000000
	expect_eq "gpu power" "$(rd $gpu/power_uw)" 2500000
	echo 7000000 >$gpu/constraint_0_power_limit_uw || fail "set gpu cap"
	expect_eq "gpu cap set" "$(rd $gpu/constraint_0_power_limit_uw)" 7000000
	expect "cap above the maximum refused" sh -c "! echo 9000000 >$gpu/constraint_0_power_limit_uw"
	echo 500000 >$soc/constraint_0_time_window_us || fail "set soc window"
	expect_eq "soc window set" "$(rd $soc/constraint_0_time_window_us)" 500000
	echo 6000000 >$gpu/constraint_0_power_limit_uw
	echo 10000 >$soc/constraint_0_time_window_us
}

t_poweroff() {
	p=/sys/bus/auxiliary/devices/virtio_scmi_ext.system_power.0
	rm -f /mnt/work/poweroff-ran
	cat >/tmp/va-poweroff <<-'EOF'
		#!/bin/sh
		echo "$0 $*" >/mnt/work/poweroff-ran
	EOF
	chmod +x /tmp/va-poweroff
	echo /tmp/va-poweroff >/proc/sys/kernel/poweroff_cmd
	expect_eq "no request yet" "$(rd $p/last_request)" none
	ctl power shutdown graceful 60000 >/dev/null || fail "model: power request refused"
	wait_for /mnt/work/poweroff-ran 100 || fail "poweroff_cmd did not run"
	expect_eq last_request "$(rd $p/last_request)" "graceful shutdown 60000"
	expect "kernel log names the request" sh -c "dmesg | grep -q 'platform requests a shutdown within 60000 ms'"
	# a second request while one is in progress is ignored
	ctl power shutdown graceful 1000 >/dev/null
	sleep 0.5
	expect "second request ignored" sh -c "dmesg | grep -q 'one is in progress'"
	# removing the front-end cancels the fallback power-off
	rmmod virtio_scmi_ext_power || fail "rmmod power"
	insmod "$kodir/virtio_scmi_ext_power.ko" || fail "insmod power"
	echo /sbin/poweroff >/proc/sys/kernel/poweroff_cmd
}

t_unsubscribe() {
	expect_eq "subscribed" "$(mstat subscribed)" 1
	rmmod virtio_scmi_ext_power || fail "rmmod power"
	expect_eq "unsubscribed on remove" "$(mstat subscribed)" 0
	ctl power shutdown graceful >/dev/null 2>&1 && fail "model accepted a request nobody subscribed to"
	insmod "$kodir/virtio_scmi_ext_power.ko" || fail "insmod power"
	expect_eq "subscribed again" "$(mstat subscribed)" 1
}

# Malformed responses: each read fails with a clear error, the next works.
t_hostile_response() {
	find_hwmon || { fail "no hwmon"; return; }
	b0=$(stat_of bad_responses)
	for f in short:"Protocol error" bad-token:"Protocol error" \
		bad-proto:"Protocol error" truncate:"Protocol error" \
		error:"Input/output error"; do
		ctl fault "${f%%:*}" >/dev/null || fail "model: fault ${f%%:*}"
		expect_eq "${f%%:*}" "$(rd "$HWMON/temp1_input")" "error: ${f#*:}"
		expect_eq "${f%%:*}: next read" "$(rd "$HWMON/temp1_input")" 45123
	done
	# truncate is caught by the sensor parser, the others by the transport
	expect_eq bad_responses "$(stat_of bad_responses)" $((b0 + 3))
}

t_hostile_timeout() {
	find_hwmon || { fail "no hwmon"; return; }
	s=$(dev)/scmi
	echo 500 >"$s/timeout_ms"
	t0=$(stat_of timeouts) l0=$(stat_of late_responses)
	ctl fault late >/dev/null
	expect_eq "late response times out" "$(rd "$HWMON/temp1_input")" "error: Connection timed out"
	expect_eq timeouts "$(stat_of timeouts)" $((t0 + 1))
	# commands go on while the device holds the timed-out one
	expect_eq "next read" "$(rd "$HWMON/in0_input")" 13800
	i=0
	while [ "$(stat_of late_responses)" = "$l0" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	expect_eq "the late response is dropped" "$(stat_of late_responses)" $((l0 + 1))
	expect_eq "read after the late response" "$(rd "$HWMON/temp1_input")" 45123
	echo 2000 >"$s/timeout_ms"
	expect "timeout_ms refuses 0" sh -c "! echo 0 >$s/timeout_ms"
}

t_hostile_delayed() {
	find_hwmon || { fail "no hwmon"; return; }
	s=$(dev)/scmi
	echo 500 >"$s/delayed_timeout_ms"
	u0=$(stat_of unexpected_delayed)
	ctl fault dly-drop >/dev/null
	expect_eq "lost delayed response" "$(rd "$HWMON/temp2_input")" "error: Connection timed out"
	expect_eq "async read after the loss" "$(rd "$HWMON/temp2_input")" 21500
	ctl inject unsolicited-delayed >/dev/null
	sleep 0.3
	expect_eq unexpected_delayed "$(stat_of unexpected_delayed)" $((u0 + 1))
	expect_eq "async read after an unsolicited one" "$(rd "$HWMON/temp2_input")" 21500
	echo 2000 >"$s/delayed_timeout_ms"
}

t_hostile_events() {
	b0=$(stat_of bad_events) u0=$(stat_of unhandled_notifications)
	for k in short-event command-on-eventq reserved-bits; do
		ctl inject $k >/dev/null || fail "model: inject $k"
	done
	ctl inject unknown-notification >/dev/null
	ctl inject short-power >/dev/null
	sleep 0.5
	expect_eq bad_events "$(stat_of bad_events)" $((b0 + 3))
	expect_eq unhandled_notifications "$(stat_of unhandled_notifications)" $((u0 + 1))
	expect "short power notification refused" sh -c "dmesg | grep -q 'malformed notification (event 0, 4 bytes)'"
	find_hwmon && expect_eq "sensors still read" "$(rd "$HWMON/temp1_input")" 45123
}

TOOL=${SCMI_TOOL:-/mnt/work/va-scmi-tool}
cdev() { for c in /dev/vscmi*; do [ -e "$c" ] && echo "$c"; done | head -n 1; }

# The user channel: vendor protocol round trips; the allow-list; the
# commands the kernel keeps; CAP_SYS_ADMIN.
t_user() {
	c=$(cdev)
	expect "/dev/vscmiN exists" test -c "$c"
	u=$(dev)/scmi/user_protocols
	expect_eq "default allow-list" "$(rd "$u")" "0x80-0xff"
	expect_eq "vendor ADD" "$($TOOL xfer "$c" 0x80 4 u32:40 u32:2)" "status=0 rx=2a000000"
	expect_eq "vendor ECHO" "$($TOOL xfer "$c" 0x80 3 de ad be ef 01 02)" "status=0 rx=deadbeef0102"
	expect_eq "status of an unknown message" "$($TOOL xfer "$c" 0x80 0x7f)" "status=-4 rx="
	expect_eq "return values cut to the room" "$($TOOL xfer "$c" 0x80 3 -r 2 de ad be ef)" \
		"status=0 rx=dead"
	expect_eq "sensor protocol not allowed" "$($TOOL xfer "$c" 0x15 6 u32:1 u32:0)" "error=EPERM"
	echo "0x15 0x80-0xff" >"$u" || fail "set allow-list"
	expect_eq "allow-list" "$(rd "$u")" "0x15 0x80-0xff"
	expect_eq "sensor read when allowed" "$($TOOL xfer "$c" 0x15 6 u32:1 u32:0)" \
		"status=0 rx=e835$(printf '%028d' 0)"
	expect_eq "asynchronous read, delayed response" "$($TOOL xfer "$c" 0x15 6 -d u32:5 u32:1)" \
		"status=0 rx=05000000d7$(printf '%030d' 0)"
	echo "0x10-0xff" >"$u" || fail "allow everything"
	expect_eq "Base RESET_AGENT_CONFIGURATION refused" "$($TOOL xfer "$c" 0x10 0xb u32:0)" "error=EPERM"
	expect_eq "SYSTEM_POWER_STATE_SET refused" "$($TOOL xfer "$c" 0x12 3 u32:0 u32:0)" "error=EPERM"
	expect_eq "POWER_STATE_NOTIFY refused" "$($TOOL xfer "$c" 0x12 5 u32:0)" "error=EPERM"
	expect_eq "NEGOTIATE_PROTOCOL_VERSION refused" "$($TOOL xfer "$c" 0x15 0x10 u32:0x30000)" "error=EPERM"
	expect_eq "Base vendor when allowed" "$($TOOL xfer "$c" 0x10 3)" \
		"status=0 rx=$(printf '%s' "$SCMI_VENDOR" | od -An -tx1 -v | tr -d ' \n')$(printf '%0*d' $((32 - 2 * ${#SCMI_VENDOR})) 0)"
	expect "allow-list refuses junk" sh -c "! echo 0x80-0x7f >$u"
	echo none >"$u" || fail "allow nothing"
	expect_eq "vendor refused with an empty list" "$($TOOL xfer "$c" 0x80 4 u32:1 u32:1)" "error=EPERM"
	echo 0x80-0xff >"$u"
	expect_eq "too long" "$($TOOL xfer "$c" 0x80 3 $(i=0; while [ $i -lt 1025 ]; do printf '00 '; i=$((i + 1)); done))" \
		"error=EINVAL"
	chmod 666 "$c"
	expect_eq "unprivileged user refused" \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups $TOOL xfer "$c" 0x80 4 u32:1 u32:1)" \
		"error=EPERM"
	chmod 600 "$c"
}

# A file open while the device goes away: its command fails cleanly.
t_user_gone() {
	c=$(cdev)
	vdev=$(basename "$(dev)")
	$TOOL xfer "$c" 0x80 4 -w 2 u32:1 u32:1 >/tmp/gone.out &
	sleep 0.5
	echo "$vdev" >$DRV/unbind || fail "unbind"
	wait
	expect_eq "command after the device went" "$(cat /tmp/gone.out)" "error=ENODEV"
	echo "$vdev" >$DRV/bind || fail "bind"
	wait_for /sys/bus/auxiliary/drivers/virtio_scmi_ext_sensor.sensor/virtio_scmi_ext.sensor.0 50 ||
		fail "sensor front-end did not bind again"
	expect_eq "new channel works" "$($TOOL xfer "$(cdev)" 0x80 4 u32:1 u32:1)" "status=0 rx=02000000"
}

# The sample vendor plug-in (vscmi_vendor_sample.c): an auxiliary driver
# for vendor_0x80 that checks the platform, then drives the protocol with
# vscmi_cmd() (add) and in-place parameters (echo), and refuses replies
# that do not match what it sent.
t_plugin() {
	p=/sys/bus/auxiliary/drivers/virtio_scmi_ext_vendor_sample.vendor_sample/virtio_scmi_ext.vendor_0x80.0
	insmod "$kodir/virtio_scmi_ext_vendor_sample.ko" || { fail "insmod the sample"; return; }
	wait_for "$p" 50 || { fail "the sample did not bind"; rmmod virtio_scmi_ext_vendor_sample; return; }
	expect "probe named the platform" sh -c "dmesg | grep -q '$SCMI_VENDOR vendor protocol 0x80, version 1.0'"
	expect_eq "no sum before a command" "$(rd "$p/add")" "error: No data available"
	echo "40 2" >"$p/add" || fail "ADD"
	expect_eq "ADD" "$(rd "$p/add")" 42
	echo "4294967295 2" >"$p/add" || fail "ADD wrapping"
	expect_eq "ADD wraps as u32" "$(rd "$p/add")" 1
	printf 'hello, platform' >"$p/echo" || fail "ECHO"
	expect_eq "ECHO" "$(rd "$p/echo")" "hello, platform"
	ctl fault truncate >/dev/null
	expect "a truncated ECHO reply is refused" sh -c "! printf abcdefgh >$p/echo"
	expect_eq "the last good reply is kept" "$(rd "$p/echo")" "hello, platform"
	ctl fault truncate >/dev/null
	expect "a truncated ADD reply is refused" sh -c "! echo '1 1' >$p/add"
	expect_eq "the last good sum is kept" "$(rd "$p/add")" 1
	ctl fault error >/dev/null
	expect "a platform error fails the write" sh -c "! echo '1 1' >$p/add"
	expect "an ECHO longer than 64 bytes is refused" \
		sh -c "! printf '%065d' 0 >$p/echo"
	expect_eq "user space shares the protocol" "$($TOOL xfer "$(cdev)" 0x80 4 u32:5 u32:6)" \
		"status=0 rx=0b000000"
	rmmod virtio_scmi_ext_vendor_sample || fail "rmmod the sample"
	expect "unbound after rmmod" test ! -e "$p"
}

# Unbind and bind the device: discovery again, front-ends again, no leaks.
t_rebind() {
	vdev=$(basename "$(dev)")
	echo "$vdev" >$DRV/unbind || fail "unbind"
	expect "auxiliary devices gone" test ! -e /sys/bus/auxiliary/devices/virtio_scmi_ext.sensor.0
	echo "$vdev" >$DRV/bind || fail "bind"
	wait_for /sys/bus/auxiliary/drivers/virtio_scmi_ext_sensor.sensor/virtio_scmi_ext.sensor.0 50 ||
		fail "sensor front-end did not bind again"
	find_hwmon && expect_eq "hwmon after rebind" "$(rd "$HWMON/temp1_input")" 45123
	expect_eq "subscribed after rebind" "$(mstat subscribed)" 1
	rmmod virtio_scmi_ext_powercap virtio_scmi_ext_power virtio_scmi_ext_sensor virtio_scmi_ext ||
		fail "rmmod all"
	load || fail "reload"
}

if ! load; then
	echo "not ok 1 load # the modules did not load or bind"
	dmesg | tail -n 20 | sed 's/^/# /'
	exit 1
fi
ktap_run "$n" "$@"
