#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench SUITE=can`: our virtio_can against mainline's in-tree
# virtio_can and vcan (the software limit), in one mainline guest on
# virtio-pci with one va-can-model bus, one after the other:
#   - TX frames/s, classic (8 bytes) and FD (64 bytes): one raw socket
#     writes as fast as the socket takes frames (no receiver on the bus);
#   - RX frames/s, classic and FD: the model floods the interface (vcan: a
#     second socket writes), a raw socket counts;
#   - round trip: write one frame, wait for its local echo (the TX
#     confirmation, which on virtio-can needs the device's completion);
#     p50/p99 over BENCH_RTT_COUNT frames;
#   - guest CPU time per frame (all CPUs' busy time / frames) for TX and RX.
# Last line:
#   ratio throughput_vs_mainline=X.XX p99_vs_mainline=Y.YY throughput_vs_vcan=Z.ZZ
# "throughput" is the geometric mean of the four frames/s ratios (ours
# divided by the reference); p99 is ours divided by mainline's (lower is
# better). Each figure is the median of BENCH_ROUNDS rounds (default 3)
# that interleave the three drivers. Environment: BENCH_SECONDS (per
# measurement, default 4), BENCH_RTT_COUNT (default 2000), BENCH_TRANSPORT
# (pci|mmio, default pci).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

secs=${BENCH_SECONDS:-4} rtt=${BENCH_RTT_COUNT:-2000} transport=${BENCH_TRANSPORT:-pci}
rounds=${BENCH_ROUNDS:-3}
va_bench_prepare can
cp "$obj"/drivers/virtio-can/virtio_can.ko "$out/ko/"
cp "$tools/va-can-bench" "$out/"

"$tools/va-can-model" --socket "$out/can0.sock" --socket "$out/can1.sock" \
	--ctl-dir "$out/can-ctl" >"$out/model.log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; wait $mpid 2>/dev/null' EXIT

echo "== can benchmark: mainline guest on $transport, $rounds rounds, ${secs}s per measurement, $rtt round trips"
rc=0
"$VA_TESTING/scripts/run-guest.sh" -l mainline -t "$transport" -T 900 -o "$out" \
	-B "36:3:2:$out/can0.sock" -B "36:3:2:$out/can1.sock" -- "
	B=/mnt/work/va-can-bench
	ctl() { sh /mnt/src/tools/testing/guest/can-ctl.sh \"\$@\" >/dev/null; }
	run() { # DRIVER IFACE RX-SOURCE
		echo \"\$1 tx_classic \$(\$B tx \$2 $secs)\"
		echo \"\$1 tx_fd \$(\$B tx \$2 $secs fd)\"
		if [ \$3 = model ]; then
			ctl flood 0 inf classic; ctl flood 1 inf classic
			echo \"\$1 rx_classic \$(\$B rx \$2 $secs)\"
			ctl flood 0 0; ctl flood 1 0; sleep 0.5
			ctl flood 0 inf fd; ctl flood 1 inf fd
			echo \"\$1 rx_fd \$(\$B rx \$2 $secs)\"
			ctl flood 0 0; ctl flood 1 0; sleep 0.5
		else
			echo \"\$1 rx_classic \$(\$B rx \$2 $secs self)\"
			echo \"\$1 rx_fd \$(\$B rx \$2 $secs selffd)\"
		fi
		echo \"\$1 rtt \$(\$B rtt \$2 $rtt)\"
	}
	set -e
	modprobe vcan
	ip link add vcan0 type vcan
	ip link set vcan0 mtu 72
	ip link set vcan0 up
	# Rounds interleave the drivers, so that drift on the host hits all alike.
	for r in \$(seq $rounds); do
		insmod ko/virtio_can.ko
		ip link set can0 type can bitrate 500000 dbitrate 2000000 fd on
		ip link set can0 up
		run ours can0 model >>bench.txt
		ip link set can0 down
		rmmod virtio_can
		modprobe virtio_can
		sleep 0.5
		ip link set can0 up
		run mainline can0 model >>bench.txt
		ip link set can0 down
		rmmod virtio_can
		run vcan vcan0 self >>bench.txt
	done
	" || rc=$?
[ $rc = 0 ] || va_die "benchmark guest failed (status $rc), see $out/console.log"

python3 - "$out/bench.txt" <<'EOF'
import math, sys

import statistics

runs = {}
for line in open(sys.argv[1]):
    drv, metric, *kv = line.split()
    for k, v in (x.split("=") for x in kv):
        runs.setdefault((drv, metric, k), []).append(float(v))
res = {}
for (drv, metric, k), vals in runs.items():
    res.setdefault(drv, {}).setdefault(metric, {})[k] = statistics.median(vals)

drivers = ["ours", "mainline", "vcan"]
tput = ["tx_classic", "tx_fd", "rx_classic", "rx_fd"]
print("median of %d rounds" % len(runs[("ours", "rtt", "p99_us")]))
print("%-16s" % "", *("%12s" % d for d in drivers))
for m in tput:
    print("%-16s" % (m + " f/s"), *("%12.0f" % res[d][m]["fps"] for d in drivers))
for m in tput:
    print("%-16s" % (m + " cpu us/f"), *("%12.2f" % res[d][m]["cpu_us_per_frame"] for d in drivers))
for k in ("p50_us", "p99_us", "max_us"):
    print("%-16s" % ("rtt " + k), *("%12.1f" % res[d]["rtt"][k] for d in drivers))

def geo(ref):
    return math.exp(sum(math.log(res["ours"][m]["fps"] / res[ref][m]["fps"]) for m in tput) / len(tput))

for m in tput:
    print("ratio %s: vs mainline %.2f, vs vcan %.2f" % (m, res["ours"][m]["fps"] / res["mainline"][m]["fps"],
                                                      res["ours"][m]["fps"] / res["vcan"][m]["fps"]))
print("ratio throughput_vs_mainline=%.2f p99_vs_mainline=%.2f throughput_vs_vcan=%.2f" % (
    geo("mainline"), res["ours"]["rtt"]["p99_us"] / res["mainline"]["rtt"]["p99_us"], geo("vcan")))
EOF
