#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench SUITE=video`: decode rate of a 1080p H.264 clip through the
# virtio-video decoder (FFmpeg's h264_v4l2m2m in a mainline guest on
# virtio-pci, against va-video-model) versus the same model decoding the
# same clip standalone on the host (va-video-model --bench: the same
# parser, decoder and NV12 conversion, without a guest). Both run in this
# script, in BENCH_ROUNDS paired rounds (default 5); figures are medians.
# Rates are steady-state: every run decodes the whole clip and its first
# BENCH_HEAD frames, and the rate is the frames in between over the time
# in between, so that start-up (a guest FFmpeg loads in seconds under TCG)
# and the final drain cancel out. The guest's client does nothing with the
# frames (-f null), so the rate is the driver's and the device's.
# Also printed: the guest's CPU time per frame (all CPUs' busy time, the
# same difference, divided by the frames), the part of it spent in the
# kernel (system, irq and softirq time), and where the device's stream
# worker spent the guest's runs (the model's stats: decoding, writing
# frames into guest pages, waiting for input, waiting for output buffers).
# Last line:
#   ratio decode_vs_device=X.XX
# Environment: BENCH_FRAMES (clip length, default 900), BENCH_HEAD
# (default 30), BENCH_TRANSPORT (pci|mmio, default pci).
set -euo pipefail
. "$(dirname "$0")/../scripts/common.sh"

frames=${BENCH_FRAMES:-900} head=${BENCH_HEAD:-30} transport=${BENCH_TRANSPORT:-pci}
rounds=${BENCH_ROUNDS:-5}
va_bench_prepare video
cp "$obj"/drivers/virtio-video/virtio_video.ko "$out/ko/"

# The clip: cached, it takes a while to encode.
clip=$VA_CACHE/bench/clip-1080p-$frames.h264
if [ ! -f "$clip" ]; then
	ffmpeg -hide_banner -loglevel error -nostdin -y \
		-f lavfi -i "testsrc2=size=1920x1080:rate=30" -frames:v "$frames" \
		-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 30 -f h264 "$clip.tmp"
	mv "$clip.tmp" "$clip"
fi
cp "$clip" "$out/clip.h264"
ffmpeg -hide_banner -loglevel error -nostdin -y -i "$clip" -c copy \
	-frames:v "$head" -f h264 "$out/head.h264"

"$tools/va-video-model" --socket "$out/video0.sock" --ctl-dir "$out/video-ctl" \
	>"$out/model.log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; wait $mpid 2>/dev/null' EXIT

echo "== video benchmark: 1080p H.264, $frames frames, mainline guest on $transport, $rounds rounds"
# Each round measures the device alone, then the guest, back to back: the
# guest asks for the device's turn (dev-go-R in the shared directory) and
# waits, idle, until it is over (dev-done-R), so that both halves of a
# round see the same host; the ratio is the median of the rounds' ratios.
"$VA_TESTING/scripts/run-guest.sh" -l mainline -t "$transport" -T 1200 -o "$out" \
	-B "31:2:8:$out/video0.sock" -- "
	for m in v4l2-mem2mem videobuf2-dma-sg videobuf2-dma-contig; do modprobe \$m; done
	insmod ko/virtio_video.ko
	sleep 1
	busy() { awk '/^cpu / { print \$2 + \$3 + \$4 + \$7 + \$8 }' /proc/stat; }
	kern() { awk '/^cpu / { print \$4 + \$7 + \$8 }' /proc/stat; }
	# the device's worker time so far, as \$1decode_us=N \$1fill_us=N ...
	dev() {
		sh /mnt/src/tools/testing/guest/video-ctl.sh stats | tr ' ' '\\n' |
			grep -E '^(decode|fill|wait_input|wait_output)_us=' |
			sed \"s/^/\$1/\" | tr '\\n' ' '
	}
	# warm up: the first FFmpeg run loads its libraries over 9p
	ffmpeg -hide_banner -nostdin -c:v h264_v4l2m2m -i head.h264 -f null - 2>/dev/null
	for r in \$(seq $rounds); do
		: >dev-go-\$r
		while [ ! -e dev-done-\$r ]; do sleep 0.2; done
		for c in head clip; do
			d0=\$(dev a_) b0=\$(busy) k0=\$(kern) t0=\$(date +%s.%N)
			n=\$(ffmpeg -hide_banner -nostdin -nostats -c:v h264_v4l2m2m \
				-i \$c.h264 -f null - -progress pipe:1 2>/dev/null |
				sed -n 's/^frame=//p' | tail -n 1)
			t1=\$(date +%s.%N) b1=\$(busy) k1=\$(kern) d1=\$(dev b_)
			echo \"clip=\$c frames=\$n seconds=\$(awk -v a=\$t0 -v b=\$t1 'BEGIN { print b - a }') busy_ticks=\$((b1 - b0)) kernel_ticks=\$((k1 - k0)) \$d0 \$d1\" >>guest.txt
		done
	done" >/dev/null &
gpid=$!
for r in $(seq "$rounds"); do
	while [ ! -e "$out/dev-go-$r" ]; do
		kill -0 $gpid 2>/dev/null || break 2
		sleep 0.2
	done
	for c in head clip; do
		echo "clip=$c $("$tools/va-video-model" --bench "$out/$c.h264" --codec h264)"
	done >>"$out/device.txt"
	: >"$out/dev-done-$r"
done
wait $gpid || va_die "the guest failed; see $out/console.log"

python3 - "$out" "$frames" "$head" <<'EOF'
import re
import statistics
import sys

out, frames, head = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def rounds(path):
    """[(head run, whole clip run)] in order; values as floats."""
    runs = {"head": [], "clip": []}
    for line in open(path):
        c = re.search(r"clip=(\w+)", line)
        kv = dict(re.findall(r"(\w+)=([\d.]+)", line))
        if c and c.group(1) in runs:
            runs[c.group(1)].append({k: float(v) for k, v in kv.items()})
    return list(zip(runs["head"], runs["clip"]))


def check(name, rs):
    for h, c in rs:
        if int(h["frames"]) != head or int(c["frames"]) != frames:
            sys.exit("%s decoded %d and %d frames, not %d and %d"
                     % (name, h["frames"], c["frames"], head, frames))
    if not rs:
        sys.exit("no %s runs" % name)


dev = rounds(out + "/device.txt")
guest = rounds(out + "/guest.txt")
check("the device", dev)
check("the guest", guest)
if len(dev) != len(guest):
    sys.exit("%d device rounds, %d guest rounds" % (len(dev), len(guest)))
n = frames - head


def per_frame_ms(rs, ms):
    """Median over rounds of ms(whole clip run) - ms(head run), per frame."""
    return statistics.median((ms(c) - ms(h)) / n for h, c in rs)


dev_r = [n / (c["seconds"] - h["seconds"]) for h, c in dev]
guest_r = [n / (c["seconds"] - h["seconds"]) for h, c in guest]
ratios = [g / d for g, d in zip(guest_r, dev_r)]
ticks = 100.0  # USER_HZ
print("%-44s %10.1f" % ("device standalone fps", statistics.median(dev_r)))
print("%-44s %10.1f" % ("guest FFmpeg through driver fps", statistics.median(guest_r)))
print("%-44s %10.2f" % ("guest cpu ms/frame",
                        per_frame_ms(guest, lambda r: r["busy_ticks"] / ticks * 1000)))
print("%-44s %10.2f" % ("  of which kernel (system, irq)",
                        per_frame_ms(guest, lambda r: r["kernel_ticks"] / ticks * 1000)))
print("%-44s %10.2f" % ("device standalone ms/frame writing",
                        per_frame_ms(dev, lambda r: r["fill_seconds"] * 1000)))
# the device's worker during the guest's runs: its counters' growth (b_
# after a run, a_ before it)
for key, what in (("decode", "decoding"), ("fill", "writing guest pages"),
                  ("wait_input", "waiting for input"),
                  ("wait_output", "waiting for output buffers")):
    k = key + "_us"
    print("%-44s %10.2f" % ("device ms/frame " + what,
                            per_frame_ms(guest, lambda r: (r["b_" + k] - r["a_" + k]) / 1000)))
print("%-44s %s" % ("rounds' ratios", " ".join("%.2f" % r for r in ratios)))
print("ratio decode_vs_device=%.2f" % statistics.median(ratios))
EOF
