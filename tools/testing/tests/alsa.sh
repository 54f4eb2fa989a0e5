# SPDX-License-Identifier: GPL-2.0
# ALSA over virtio-snd: QEMU's virtio-sound device, the guest's in-tree
# virtio_snd driver, alsa-utils in the guest. Playback: aplay plays a sine
# tone made on the host and the host measures the frequency of what QEMU
# recorded. Capture: the guest's arecord records a tone QEMU reads from a
# file, and the host measures it. The kernel's own ALSA selftest pcm-test,
# built from the lane's source tree, runs on a card of its own and each of
# its KTAP results counts.

# pcm-test cases that fail for a reason outside the driver under test, each
# with its reason. They are reported as skipped while they fail, and as
# passed as soon as they pass.
ALSA_KNOWN_FAIL=(
	"default.time3.SoundCard.0.0.PLAYBACK|44.1 kHz stereo with 22500-frame periods plays at about 0.45x real time on QEMU 11.1 virtio-sound (4.4-4.5 s for 2 s; wav and none audiodevs; 6.12 and 7.3 guests); cause in QEMU or virtio_snd not found yet"
)

# The debug lane is for our drivers under KASAN, lockdep and kmemleak;
# virtio_snd is the kernel's, and its guest (about 100 s there) is left out
# to keep the test run within CI's time.
suite_alsa_applies() { [ "$(lane_flavour "$1")" = release ]; }

suite_alsa() {
	local lane=$1 transport=$2 t=alsa-$1-$2 out rc play_hz cap_hz src
	out=$VA_RUN/$t
	mkdir -p "$out"
	# Content, both directions, one boot. Card 0 plays into a wav file
	# (QEMU's wav audiodev, playback stream only); card 1 captures what
	# ALSA's file plugin reads from a raw file on the host (QEMU's alsa
	# audiodev). Frequencies are chosen per run.
	play_hz=$((300 + RANDOM % 700)) cap_hz=$((300 + RANDOM % 700))
	sox -n -r 48000 -c 2 -b 16 "$out/play.wav" synth 2 sine "$play_hz" vol 0.5
	sox -n -r 48000 -c 2 -b 16 -t raw "$out/capture-source.raw" synth 4 sine "$cap_hz" vol 0.5
	cat >"$out/asound.conf" <<CONF
pcm.va_out { type file; slave.pcm { type null }; file "/dev/null"; format "raw" }
pcm.va_in { type file; slave.pcm { type null }; file "/dev/null"; infile "$out/capture-source.raw"; format "raw" }
CONF
	ALSA_CONFIG_PATH=$out/asound.conf guest "$t" "$lane" "$transport" -T 300 \
		-q -audiodev -q "wav,id=snd0,path=$out/played.wav" \
		-q -audiodev -q "alsa,id=snd1,out.dev=va_out,in.dev=va_in,in.frequency=48000,out.frequency=48000" \
		-d virtio-sound,audiodev=snd0,streams=1 -d virtio-sound,audiodev=snd1 -- "
		modprobe virtio_snd || exit 1
		cat /proc/asound/cards >cards
		aplay -q -D plughw:0,0 play.wav || exit 2
		arecord -q -D plughw:1,0 -f S16_LE -r 48000 -c 2 -d 2 captured.wav || exit 3
		$leak_scan
		exit 0"
	rc=$?
	va_check "$t: aplay and arecord through snd-virtio" "guest exit status $rc" test $rc = 0
	va_check "$t: two virtio-snd cards" "cards: $(head -n 4 "$out/cards" 2>/dev/null)" \
		test "$(grep -c ']: virtio-snd' "$out/cards")" = 2
	va_check "$t: playback: host recording holds $play_hz Hz" \
		"$(alsa_freq "$out/played.wav" "$play_hz" 2>&1)" alsa_freq "$out/played.wav" "$play_hz"
	va_check "$t: capture: guest recording holds $cap_hz Hz" \
		"$(alsa_freq "$out/captured.wav" "$cap_hz" 2>&1)" alsa_freq "$out/captured.wav" "$cap_hz"
	va_check "$t: kernel log clean" "$(head -n 3 "$out/kernel-reports.txt" 2>/dev/null)" kernel_log_clean

	# Conformance: the kernel's pcm-test times every stream, so its card
	# must run in real time in both directions: QEMU's "none" audiodev.
	t=alsa-pcm-test-$1-$2
	out=$VA_RUN/$t
	mkdir -p "$out"
	src=$(readlink -f "$VA_CACHE/kernels/$(lane_kernel "$lane")-$(lane_flavour "$lane")/source")
	if ! alsa_build_pcm_test "$src" "$out/pcmtest" >"$out/build.log" 2>&1; then
		va_skip "$t" "no pcm-test from $(basename "$src"): $(tail -n 1 "$out/build.log")"
		return
	fi
	guest "$t" "$lane" "$transport" -T 300 -q -audiodev -q none,id=snd0 \
		-d virtio-sound,audiodev=snd0 -- "
		modprobe virtio_snd || exit 1
		cd pcmtest && ./pcm-test >../pcm-test.ktap 2>&1
		cd .. && $leak_scan"
	rc=$?
	va_check "$t: ran" "guest exit status $rc" test $rc = 0
	VA_KTAP_TOLERATE=alsa_tcg_timing va_ktap "$t" "$out/pcm-test.ktap" "${ALSA_KNOWN_FAIL[@]}"
	va_check "$t: kernel log clean" "$(head -n 3 "$out/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}

# pcm-test allows 2 s +- 100 ms for each stream. Under TCG the guest misses
# that by up to about 6 % now and then (1884 and 2104 ms seen, in runs where
# the same cases passed before). A timing failure within 10 % is reported as
# a skip that gives the figure; beyond 10 % it stays a failure.
alsa_tcg_timing() { # NAME DETAIL
	local want got
	[[ $2 =~ time\ mismatch:\ expected\ ([0-9]+)ms\ got\ ([0-9]+) ]] || return 0
	want=${BASH_REMATCH[1]} got=${BASH_REMATCH[2]}
	if [ $((got * 10)) -ge $((want * 9)) ] && [ $((got * 10)) -le $((want * 11)) ]; then
		echo "took $got ms for $want ms: within the rig's 10 % for TCG, outside pcm-test's 5 %"
	fi
}

# alsa_build_pcm_test KERNEL-SOURCE DIR: build the selftest into DIR with the
# files it reads at run time from its working directory.
alsa_build_pcm_test() {
	local src=$1 dir=$2 sel=$1/tools/testing/selftests/alsa
	[ -f "$sel/pcm-test.c" ] || { echo "this kernel's ALSA selftests have no pcm-test"; return 1; }
	mkdir -p "$dir"
	make -s -C "$sel" OUTPUT="$dir" "$dir/pcm-test" || return 1
	cp "$sel/pcm-test.conf" "$dir/"
	cp -r "$sel/conf.d" "$dir/"
}

# alsa_freq WAV HZ: the recording holds a tone of HZ (see measure.py).
alsa_freq() {
	python3 "$VA_TESTING/scripts/measure.py" freq "$1" "$2"
}
