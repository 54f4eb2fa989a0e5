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
#     the host measures its frequency in QEMU's recording.
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
cp "$obj/drivers/virtio-can/virtio_can.ko" "$out/ko/"
tools=$("$VA_TESTING/scripts/host-tools.sh")
"$tools/va-can-model" --socket "$out/can0.sock" --socket "$out/can1.sock" \
	--ctl-dir "$out/can-ctl" --log "$out/can-bus.log" >"$out/can-model.log" 2>&1 &
mpid=$!
trap 'kill $mpid 2>/dev/null; wait $mpid 2>/dev/null' EXIT
sox -n -r 48000 -c 2 -b 16 "$out/tone.wav" synth 2 sine 440 vol 0.5

va_log "booting the $lane guest on virtio-$transport (QEMU: $("$VA_TESTING/scripts/qemu.sh" --which))"
rc=0
"$VA_TESTING/scripts/run-guest.sh" -l "$lane" -t "$transport" -T 300 -o "$out" \
	-B "36:3:2:$out/can0.sock" -B "36:3:2:$out/can1.sock" \
	-b "4:1:0:va-rng-model --seed 2026 --log @OUT@/model.bin" \
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
