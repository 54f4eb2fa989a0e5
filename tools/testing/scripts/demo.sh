#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the main job. Sets up everything (host packages, the trixie
# tree with QEMU, the guest kernel), builds our modules for the guest, boots
# it with the rig's devices and shows them working:
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
"$VA_TESTING/scripts/modules.sh" "$lane" >/dev/null
sox -n -r 48000 -c 2 -b 16 "$out/tone.wav" synth 2 sine 440 vol 0.5

va_log "booting the $lane guest on virtio-$transport (QEMU: $("$VA_TESTING/scripts/qemu.sh" --which))"
rc=0
"$VA_TESTING/scripts/run-guest.sh" -l "$lane" -t "$transport" -T 300 -o "$out" \
	-b "4:1:0:va-rng-model --seed 2026 --log @OUT@/model.bin" \
	-q -audiodev -q "wav,id=snd0,path=$out/played.wav" -d virtio-sound,audiodev=snd0,streams=1 -- '
	set -e
	echo "== guest: $(uname -sr)"
	modprobe virtio_rng
	modprobe virtio_snd
	echo "== virtio devices and their drivers"
	for d in /sys/bus/virtio/devices/*; do
		printf "  %s  device id %d  driver %s\n" "${d##*/}" "$(cat $d/device)" \
			"$(basename "$(readlink $d/driver)")"
	done
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
rng=$("$VA_TESTING/scripts/measure.py" stream "$out/guest.bin" "$out/model.bin" 16384) ||
	va_die "hwrng: $rng"
echo "== host: $rng"
tone=$("$VA_TESTING/scripts/measure.py" freq "$out/played.wav" 440 2>&1) || va_die "sound: $tone"
echo "== host: QEMU recorded $tone (played: 440 Hz)"
