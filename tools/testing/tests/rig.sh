# SPDX-License-Identifier: GPL-2.0
# The rig itself: run-guest.sh returns the guest command's exit status,
# enforces its timeout, and leaves no QEMU or back-end process behind when
# it is killed (SIGTERM, SIGINT or SIGKILL) in the middle of a run; a run
# after that works; the same for a whole test run (run-tests.sh). Runs on
# the first selected lane, virtio-pci.

rig_leftovers() { # OUT-DIR: processes still mentioning the run's directory
	pgrep -af -- "$1" | grep -v pgrep || true
}

# rig_wait_gone PID: PID (our child) ends within 10 s.
rig_wait_gone() {
	for _ in $(seq 100); do
		kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
		sleep 0.1
	done
	return 1
}

# rig_kill_check NAME SIGNAL PID DIR: send SIGNAL to PID (our child); it
# must end within 10 s, and no process that mentions DIR may outlive it.
rig_kill_check() {
	local name=$1 sig=$2 pid=$3 dir=$4 left=
	kill -"$sig" "$pid"
	if ! rig_wait_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		va_fail "$name" "still running 10 s after SIG$sig"
		pkill -KILL -f -- "$dir"
		return
	fi
	for _ in $(seq 50); do
		left=$(rig_leftovers "$dir")
		[ -z "$left" ] && break
		sleep 0.1
	done
	va_check "$name" "left: $left" test -z "$left"
	[ -z "$left" ] || pkill -KILL -f -- "$dir"
}

# rig_kill SIGNAL: start a guest that never ends, kill run-guest.sh once the
# guest is up, and check that nothing it started survives.
rig_kill() {
	local sig=$1 lane=$2 t=rig-kill-$1 out pid
	out=$VA_RUN/$t
	mkdir -p "$out"
	# A background job of a script starts with SIGINT ignored; give it back
	# the default, as a terminal's Ctrl-C would find it.
	env --default-signal=INT "$VA_TESTING/scripts/run-guest.sh" -l "$(lane_kernel "$lane")" \
		-t pci -T 600 -o "$out" -b "4:1:0:va-rng-model --log @OUT@/model.bin" \
		-- "echo up >up; sleep 600" >"$out/run-guest.log" 2>&1 &
	pid=$!
	for _ in $(seq 600); do [ -f "$out/up" ] && break; sleep 0.2; done
	if [ ! -f "$out/up" ]; then
		kill -KILL "$pid" 2>/dev/null
		va_fail "rig: killed with SIG$sig leaves nothing behind" "guest never came up"
		return
	fi
	rig_kill_check "rig: killed with SIG$sig leaves nothing behind" "$sig" "$pid" "$out"
}

# rig_kill_run SIGNAL LANE: the same for a whole test run (run-tests.sh),
# killed as soon as its first guest's QEMU is up.
rig_kill_run() {
	local sig=$1 lane=$2 t=rig-kill-run-$1 dir pid up=
	dir=$VA_RUN/$t
	mkdir -p "$dir"
	VA_RUN_DIR=$dir SUITE=rng LANE=$lane TRANSPORT=pci \
		"$VA_TESTING/run-tests.sh" >"$dir.log" 2>&1 &
	pid=$!
	for _ in $(seq 1200); do
		pgrep -f -- "qemu-system.*$dir" >/dev/null && { up=1; break; }
		sleep 0.1
	done
	if [ -z "$up" ]; then
		kill -KILL "$pid" 2>/dev/null
		va_fail "rig: test run killed with SIG$sig leaves nothing behind" "its guest never started"
		pkill -KILL -f -- "$dir"
		return
	fi
	rig_kill_check "rig: test run killed with SIG$sig leaves nothing behind" "$sig" "$pid" "$dir"
}

# The tone measurement can fail: a wrong frequency, and a stream with
# too many gaps (a tone cut into 5 ms pieces, each a broken cycle), are
# refused; a few gaps are not.
rig_measure() {
	local dir=$VA_RUN/rig-measure
	mkdir -p "$dir"
	sox -n -r 48000 -c 2 -b 16 "$dir/tone.wav" synth 2 sine 500 vol 0.5
	va_check "rig: measure.py finds a 500 Hz tone" "$(alsa_freq "$dir/tone.wav" 500 2>&1)" \
		alsa_freq "$dir/tone.wav" 500
	va_check "rig: measure.py refuses 500 Hz as 510 Hz" "accepted" \
		eval '! alsa_freq "$dir/tone.wav" 510'
	sox "$dir/tone.wav" "$dir/few-gaps.wav" trim 0 =0.7 =0.703 =1.4 =1.407
	va_check "rig: measure.py takes a tone with two gaps" "$(alsa_freq "$dir/few-gaps.wav" 500 2>&1)" \
		alsa_freq "$dir/few-gaps.wav" 500
	sox "$dir/tone.wav" "$dir/gaps.wav" trim 0 0.0052 repeat 350
	va_check "rig: measure.py refuses a tone with a gap every 5 ms" "accepted" \
		eval '! alsa_freq "$dir/gaps.wav" 500'
}

suite_rig_host() {
	local lane=${lanes%% *} rc out
	rig_measure
	guest rig-status "$lane" pci -T 120 -- "exit 7"
	rc=$?
	va_check "rig: guest exit status reaches the host" "got $rc, expected 7" test $rc = 7
	out=$GUEST_OUT
	guest rig-timeout "$lane" pci -T 20 -- "sleep 600"
	rc=$?
	va_check "rig: timeout ends the run with 124" "got $rc" test $rc = 124
	va_check "rig: timeout leaves nothing behind" "$(rig_leftovers "$GUEST_OUT")" \
		test -z "$(rig_leftovers "$GUEST_OUT")"
	rig_kill TERM "$lane"
	rig_kill INT "$lane"
	rig_kill KILL "$lane"
	rig_kill_run TERM "$lane"
	rig_kill_run KILL "$lane"
	guest rig-after "$lane" pci -T 120 -- "true"
	rc=$?
	va_check "rig: a run after the kills works" "got $rc" test $rc = 0
}
