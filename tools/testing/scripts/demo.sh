#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the main job. Sets up everything (host packages, the trixie
# tree with QEMU, the guest kernel), builds our modules for the guest, boots
# it with the rig's devices and shows them working:
#   - virtio-can: our virtio_can drives two devices on one va-can-model bus;
#     can0 and can1 talk (classic, remote and CAN FD frames, a cangen burst
#     checked on both sides), and the model's log shows the bus traffic;
#   - virtio-rng: our vhost-user model feeds the guest's /dev/hwrng, and the
#     bytes the guest reads are found, in order, in what the model produced;
#   - virtio-snd: the guest plays a tone with aplay through snd-virtio, and
#     the host measures its frequency in QEMU's recording;
#   - virtio-video: our virtio_video decodes an H.264 clip the host made,
#     through FFmpeg's h264_v4l2m2m in the guest, against va-video-model;
#     the guest's per-frame checksums equal the host's software decode;
#   - virtio-scmi-ext: our SCMI agent discovers va-scmi-model's platform;
#     lm-sensors reads its sensors through hwmon, and iio_readdev captures
#     accelerometer samples that SENSOR_UPDATE notifications fed.
# DEMO_LANE=mainline|6.12|6.1 and DEMO_TRANSPORT=pci|mmio select the guest.
set -euo pipefail
. "$(dirname "$0")/common.sh"

lane=${DEMO_LANE:-mainline} transport=${DEMO_TRANSPORT:-pci}
va_host_setup
out=$VA_CACHE/demo
rm -rf "$out"
mkdir -p "$out"

va_log "building our modules for the $lane guest kernel"
obj=$("$VA_TESTING/scripts/modules.sh" "$lane")
mkdir -p "$out/ko" "$out/can-ctl"
cp "$obj/drivers/virtio-can/virtio_can.ko" "$obj/drivers/virtio-video/virtio_video.ko" \
	"$obj"/drivers/virtio-scmi-ext/virtio_scmi_ext*.ko "$out/ko/"
tools=$("$VA_TESTING/scripts/host-tools.sh")
"$tools/va-can-model" --socket "$out/can0.sock" --socket "$out/can1.sock" \
	--ctl-dir "$out/can-ctl" --log "$out/can-bus.log" >"$out/can-model.log" 2>&1 &
mpids=$!
"$tools/va-video-model" --socket "$out/video.sock" >"$out/video-model.log" 2>&1 &
mpids+=" $!"
"$tools/va-scmi-model" --socket "$out/scmi.sock" >"$out/scmi-model.log" 2>&1 &
mpids+=" $!"
# shellcheck disable=SC2086
trap 'kill $mpids 2>/dev/null; wait $mpids 2>/dev/null' EXIT
sox -n -r 48000 -c 2 -b 16 "$out/tone.wav" synth 2 sine 440 vol 0.5
va_log "encoding a 320x240 H.264 clip (50 frames) and decoding it on the host"
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi \
	-i testsrc2=size=320x240:rate=25 -frames:v 50 -c:v libx264 \
	-pix_fmt yuv420p -g 25 "$out/clip.mkv"
ffmpeg -hide_banner -loglevel error -nostdin -i "$out/clip.mkv" \
	-f framemd5 -pix_fmt nv12 "$out/host.md5"

va_log "booting the $lane guest on virtio-$transport (QEMU: $("$VA_TESTING/scripts/qemu.sh" --which))"
rc=0
"$VA_TESTING/scripts/run-guest.sh" -l "$lane" -t "$transport" -T 300 -o "$out" \
	-B "36:3:2:$out/can0.sock" -B "36:3:2:$out/can1.sock" \
	-b "4:1:0:va-rng-model --seed 2026 --log @OUT@/model.bin" \
	-B "31:2:8:$out/video.sock" -B "32:2:0:$out/scmi.sock" \
	-q -audiodev -q "wav,id=snd0,path=$out/played.wav" -d virtio-sound,audiodev=snd0,streams=1 -- '
	set -e
	echo "== guest: $(uname -sr)"
	insmod ko/virtio_can.ko
	modprobe virtio_rng
	modprobe virtio_snd
	echo "== virtio devices and their drivers"
	for d in /sys/bus/virtio/devices/*; do
		printf "  %s  device id %d  driver %s\n" "${d##*/}" "$(cat $d/device)" \
			"$(basename "$(readlink $d/driver)")"
	done
	echo "== CAN: can0 and can1 on one virtual bus"
	for i in 0 1; do
		ip link set can$i type can bitrate 500000 dbitrate 2000000 fd on
		ip link set can$i up
	done
	ip -details link show can0 | grep -o "can .*state [A-Z-]*"
	candump -T 3000 -n 5 can1 >dump.txt &
	sleep 0.5
	cansend can0 123#DEADBEEF
	cansend can0 1ABCDEF0#R4
	cansend can0 7AB##0112233445566778899AABBCCDDEEFF
	cansend can0 456#
	cansend can0 321#0102030405060708
	wait
	echo "-- candump can1:"
	cat dump.txt
	echo "-- cangen: 500 frames can1 -> can0, counted on both sides"
	rx0=$(cat /sys/class/net/can0/statistics/rx_packets)
	cangen can1 -n 500 -g 0 -p 100 -L 8
	sleep 0.5
	echo "   can1 sent $(cat /sys/class/net/can1/statistics/tx_packets), can0 received $(($(cat /sys/class/net/can0/statistics/rx_packets) - rx0))"
	ethtool -i can0 | sed -n "1p;/bus-info/p"
	echo "== hwrng: $(cat /sys/class/misc/hw_random/rng_current)"
	dd if=/dev/hwrng of=guest.bin bs=4096 count=4 iflag=fullblock 2>/dev/null
	od -An -tx1 -N 32 guest.bin
	echo "== ALSA"
	aplay -l | grep -i card
	aplay -D plughw:0,0 tone.wav
	echo "== video: $(for m in v4l2-mem2mem videobuf2-dma-sg videobuf2-dma-contig; do modprobe $m; done
		insmod ko/virtio_video.ko && sleep 1 && dmesg | grep -o "virtio-video v10: .*" | tail -n 1)"
	for d in /dev/video*; do
		v4l2-ctl -d $d --info | grep -q "virtio-video" && vdev=$d
	done
	v4l2-ctl -d $vdev --list-formats-out | grep -o "\[[0-9]*\]: .*" | sed "s/^/   OUTPUT /"
	ffmpeg -hide_banner -loglevel error -nostdin -c:v h264_v4l2m2m -i clip.mkv \
		-f framemd5 -pix_fmt nv12 guest.md5
	echo "   $vdev: FFmpeg h264_v4l2m2m decoded $(grep -vc "^#" guest.md5) frames"
	echo "== SCMI: the platform behind the virtio SCMI device"
	insmod ko/virtio_scmi_ext.ko
	insmod ko/virtio_scmi_ext_sensor.ko
	insmod ko/virtio_scmi_ext_power.ko
	insmod ko/virtio_scmi_ext_powercap.ko
	sleep 1
	s=$(echo /sys/bus/virtio/drivers/virtio_scmi_ext/virtio*/scmi)
	echo "   SCMI $(cat $s/version), vendor $(cat $s/vendor)/$(cat $s/sub_vendor), protocols $(cat $s/protocols)"
	echo "   auxiliary devices: $(ls /sys/bus/auxiliary/devices | grep virtio_scmi_ext | tr "\n" " ")"
	echo "-- sensors (lm-sensors):"
	sensors "vscmi_sensors-*" | sed "s/^/   /"
	echo "-- powercap zones:"
	for zd in /sys/class/powercap/vscmi-0/vscmi-0:0 /sys/class/powercap/vscmi-0/vscmi-0:0/vscmi-0:0:0; do
		echo "   $(cat $zd/name): drawing $(cat $zd/power_uw) uW, capped at $(cat $zd/constraint_0_power_limit_uw) uW over $(cat $zd/constraint_0_time_window_us) us"
	done
	echo "-- IIO: imu-accel, 5 samples from SENSOR_UPDATE notifications at 100 Hz:"
	iio_readdev -u local: -b 5 -s 5 imu-accel 2>/dev/null | od -An -t d8 -w32 -v | sed "s/^/   x y z timestamp:/"
	echo "== done"' || rc=$?

sed -n '/== guest/,/== done/p' "$out/console.log" | grep -v 'va-guest:' |
	sed 's/^\[ *[0-9.]*\] //'
[ $rc = 0 ] || va_die "guest failed (status $rc), console: $out/console.log"
echo "== host: the model saw $(wc -l <"$out/can-bus.log") frames on the bus; the first five:"
head -n 5 "$out/can-bus.log" | sed 's/^/   /'
rng=$("$VA_TESTING/scripts/measure.py" stream "$out/guest.bin" "$out/model.bin" 16384) ||
	va_die "hwrng: $rng"
echo "== host: $rng"
tone=$("$VA_TESTING/scripts/measure.py" freq "$out/played.wav" 440 2>&1) || va_die "sound: $tone"
echo "== host: QEMU recorded $tone (played: 440 Hz)"
frames() { grep -v '^#' "$1" | awk -F, '{ gsub(/ /, "", $6); print $6 }'; }
if [ "$(frames "$out/host.md5")" = "$(frames "$out/guest.md5")" ]; then
	echo "== host: video: all $(frames "$out/host.md5" | wc -l) frame checksums of the guest's decode equal the host's software decode; frame 0: $(frames "$out/guest.md5" | head -n 1)"
else
	va_die "video: the guest's frames differ from the host's decode ($out/guest.md5, $out/host.md5)"
fi
