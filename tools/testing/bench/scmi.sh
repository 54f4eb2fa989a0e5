#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench SUITE=scmi`: what the front-ends cost over the bare transport,
# in one mainline guest on virtio-pci with one va-scmi-model device:
#   - sensor read round trip of one scalar sensor (battery-volt), three
#     ways, BENCH_READS reads each per round:
#       bare   SENSOR_READING_GET through the user channel (/dev/vscmiN):
#              the transport and the model, nothing else;
#       hwmon  in0_input through hwmon;
#       iio    in_voltage_raw through IIO;
#     in alternating chunks of 25; each round reports the median of its
#     reads;
#   - notification-to-buffer latency: SENSOR_UPDATE samples of imu-accel
#     at 100 Hz read one at a time from /dev/iio:deviceN; the latency is
#     the reader's time minus the sample's IIO timestamp (the guest time the
#     event queue interrupt arrived, CLOCK_MONOTONIC), p50/p90/p99/max.
# Last line:
#   ratio read_vs_bare=X.XX
# the median over BENCH_ROUNDS rounds (default 5) of hwmon / bare, each
# round's reads interleaved (target: 1.1 or less).
# Environment: BENCH_READS (default 2000), BENCH_ROUNDS, BENCH_SAMPLES
# (latency samples, default 500), BENCH_TRANSPORT (pci|mmio, default pci).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

reads=${BENCH_READS:-2000} rounds=${BENCH_ROUNDS:-5} samples=${BENCH_SAMPLES:-500}
transport=${BENCH_TRANSPORT:-pci}
va_bench_prepare scmi
cp "$obj"/drivers/virtio-scmi-ext/virtio_scmi_ext*.ko "$out/ko/"
cp "$tools/va-scmi-tool" "$out/"

"$tools/va-scmi-model" --socket "$out/scmi.sock" --ctl-dir "$out/scmi-ctl" \
	>"$out/model.log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; wait $mpid 2>/dev/null' EXIT

echo "== scmi benchmark: mainline guest on $transport, $rounds rounds of $reads reads each way, $samples notification samples"
rc=0
"$VA_TESTING/scripts/run-guest.sh" -l mainline -t "$transport" -T 900 -o "$out" \
	-B "32:2:0:$out/scmi.sock" -- "
	set -e
	for m in virtio_scmi_ext virtio_scmi_ext_sensor virtio_scmi_ext_power; do
		insmod ko/\$m.ko
	done
	sleep 1
	s=\$(echo /sys/bus/virtio/drivers/virtio_scmi_ext/virtio*/scmi)
	echo '0x15 0x80-0xff' >\$s/user_protocols
	for h in /sys/class/hwmon/hwmon*; do
		[ \"\$(cat \$h/name)\" = vscmi_sensors ] && hw=\$h
	done
	for i in /sys/bus/iio/devices/iio:device*; do
		case \"\$(cat \$i/name)\" in
		battery-volt) iv=\$i ;;
		imu-accel) ia=\$i ;;
		esac
	done
	cdev=\$(echo /dev/vscmi*)
	echo \"sensor: \$(cat \$hw/in0_label) \$(cat \$hw/in0_input) mV, IIO raw \$(cat \$iv/in_voltage_raw)\"
	./va-scmi-tool bench \$cdev 1 \$hw/in0_input \$iv/in_voltage_raw $reads $rounds >reads.txt
	cat reads.txt
	echo 100 >\$ia/sampling_frequency
	./va-scmi-tool latency \$ia $samples | tee latency.txt" >"$out/guest.log" 2>&1 || rc=$?
[ $rc = 0 ] || va_die "guest failed (status $rc): $(tail -n 5 "$out/console.log")"

python3 - "$out" <<'EOF'
import re, statistics, sys
out = sys.argv[1]
rows = []
for line in open(f"{out}/reads.txt"):
    m = re.match(r"round (\d+) bare_us=([\d.]+) hwmon_us=([\d.]+) iio_us=([\d.]+)", line)
    if m:
        rows.append(tuple(float(x) for x in m.groups()[1:]))
if not rows:
    sys.exit("no rounds in reads.txt")
bare = statistics.median(r[0] for r in rows)
hwmon = statistics.median(r[1] for r in rows)
iio = statistics.median(r[2] for r in rows)
r_hwmon = statistics.median(r[1] / r[0] for r in rows)
r_iio = statistics.median(r[2] / r[0] for r in rows)
print(f"sensor read round trip, median of {len(rows)} round medians:")
print(f"  bare (user channel) {bare:8.1f} us")
print(f"  hwmon in0_input     {hwmon:8.1f} us  ({r_hwmon:.2f} x bare)")
print(f"  iio in_voltage_raw  {iio:8.1f} us  ({r_iio:.2f} x bare)")
lat = open(f"{out}/latency.txt").read().strip()
print(f"notification to buffer reader: {lat.replace('latency_us ', '')} (us)")
with open(f"{out}/summary.txt", "w") as f:
    f.write(f"bare_us={bare:.1f} hwmon_us={hwmon:.1f} iio_us={iio:.1f} "
            f"read_vs_bare={r_hwmon:.2f} iio_vs_bare={r_iio:.2f} {lat}\n")
print(f"ratio read_vs_bare={r_hwmon:.2f}")
EOF
