# SPDX-License-Identifier: GPL-2.0
# virtio-rng: our vhost-user rng model (tools/testing/models/) behind QEMU's
# generic vhost-user device, read by the guest's in-tree virtio-rng driver.
# The model logs every byte it hands out; what the guest reads from
# /dev/hwrng must be one contiguous run of that log, so a lost buffer, a
# wrong offset or a wrong length fails.

# virtio-rng is the kernel's driver, here to prove the rig: the release
# lanes only (the debug lane is for our drivers; its guest takes about
# 90 s there).
suite_rng_applies() { [ "$(lane_flavour "$1")" = release ]; }

suite_rng() {
	local lane=$1 transport=$2 t=rng-$1-$2 seed=$RANDOM rc
	guest "$t" "$lane" "$transport" -T 240 \
		-b "4:1:0:va-rng-model --seed $seed --log @OUT@/model.bin" -- "
		set -e
		modprobe virtio_rng
		cat /sys/class/misc/hw_random/rng_current >rng_current
		dd if=/dev/hwrng of=guest.bin bs=4096 count=16 iflag=fullblock 2>/dev/null
		$leak_scan"
	rc=$?
	va_check "$t: guest reads /dev/hwrng" "guest exit status $rc" test $rc = 0
	va_check "$t: virtio_rng is the current hwrng" "rng_current: $(cat "$GUEST_OUT/rng_current" 2>/dev/null)" \
		grep -q '^virtio_rng' "$GUEST_OUT/rng_current"
	va_check "$t: guest bytes are one contiguous run of the model's stream" \
		"$(rng_compare "$GUEST_OUT" 2>&1)" rng_compare "$GUEST_OUT"
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}

rng_compare() {
	python3 "$VA_TESTING/scripts/measure.py" stream "$1/guest.bin" "$1/model.bin" 65536
}
