#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The test command (README.md, `make test`). Runs every suite on every lane
# and transport it applies to, and ends with the line
#   N passed, N failed, N skipped
# exiting non-zero when anything failed.
#
# Selection (environment or make variables; space or comma separated):
#   SUITE=unit,check,rig,dkms,rng,alsa,can,video,scmi,kunit,debug  suites (default: all; see tests/*.sh)
#   LANE=mainline,6.12,6.1,mainline-debug
#                                    lanes (default: all)
#   TRANSPORT=pci,mmio               transports (default: both)
# Logs: $VA_CACHE/runs/latest/ (one directory per guest run).
set -uo pipefail
. "$(dirname "$0")/scripts/common.sh"

ALL_SUITES="unit check rig dkms rng alsa can video scmi kunit debug"
ALL_LANES="$VA_LANES mainline-debug"
ALL_TRANSPORTS="pci mmio"
suites=${SUITE:-$ALL_SUITES} lanes=${LANE:-$ALL_LANES} transports=${TRANSPORT:-$ALL_TRANSPORTS}
suites=${suites//,/ } lanes=${lanes//,/ } transports=${transports//,/ }

if [ -n "${VA_RUN_DIR:-}" ]; then	# a run inside a run (the rig suite)
	VA_RUN=$VA_RUN_DIR
	mkdir -p "$VA_RUN"
else
	VA_RUN=$VA_CACHE/runs/$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$VA_RUN"
	ln -sfn "$VA_RUN" "$VA_CACHE/runs/latest"
	# Keep the ten newest runs.
	ls -1d "$VA_CACHE"/runs/2* 2>/dev/null | head -n -10 | xargs -r rm -rf
fi

# Killed (SIGINT, SIGTERM, SIGHUP): take everything we started with us.
# Long steps run in the background with "wait", so the trap runs at once
# instead of after the step.
on_signal() {
	local k
	trap - INT TERM HUP
	for k in $(pgrep -P $$); do va_kill_tree "$k"; done
	wait
	echo "run-tests: killed" >&2
	exit 130
}
trap on_signal INT TERM HUP
va_bg() { "$@" & wait $!; }
RESULTS=$VA_RUN/results
: >"$RESULTS"
export VA_RUN RESULTS

va_pass() { printf 'PASS\t%s\n' "$1" >>"$RESULTS"; printf 'ok       %s\n' "$1"; }
va_fail() { printf 'FAIL\t%s\t%s\n' "$1" "$2" >>"$RESULTS"; printf 'FAIL     %s: %s\n' "$1" "$2"; }
va_skip() { printf 'SKIP\t%s\t%s\n' "$1" "$2" >>"$RESULTS"; printf 'skip     %s # %s\n' "$1" "$2"; }
va_check() { # NAME DETAIL-IF-FAILED COMMAND...
	local name=$1 detail=$2
	shift 2
	if "$@" >/dev/null; then va_pass "$name"; else va_fail "$name" "$detail"; fi
}

lane_kernel() { echo "${1%-debug}"; }
lane_flavour() { case $1 in *-debug) echo debug ;; *) echo release ;; esac; }

# guest NAME LANE TRANSPORT [run-guest options] -- COMMAND: boot a guest in
# $VA_RUN/NAME; the guest's exit status is returned, and its kernel log is
# checked for reports of kernel bugs (on the debug flavour, after a kmemleak
# scan). GUEST_OUT is set to the output directory.
guest() {
	local name=$1 lane=$2 transport=$3 rc
	shift 3
	GUEST_OUT=$VA_RUN/$name
	mkdir -p "$GUEST_OUT"
	va_bg "$VA_TESTING/scripts/run-guest.sh" -l "$(lane_kernel "$lane")" \
		-f "$(lane_flavour "$lane")" -t "$transport" -o "$GUEST_OUT" "$@"
	rc=$?
	if [ $rc -ge 124 ]; then
		printf '  console (last lines) of %s:\n' "$name"
		tail -n 25 "$GUEST_OUT/console.log" | sed 's/^/  | /'
	fi
	return $rc
}

# The kernel log of the last guest holds no report of a kernel bug.
kernel_log_clean() {
	! grep -E 'BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|possible circular locking|possible recursive locking|inconsistent lock state|suspected memory leak|Call Trace:' \
		"$GUEST_OUT/console.log" >"$GUEST_OUT/kernel-reports.txt"
}

# Prefix for guest commands: on the debug flavour, a kmemleak scan at the end
# reports leaks into the console, where kernel_log_clean finds them.
# kmemleak reports only objects older than 5 s, and a first scan can miss
# what a second one finds.
leak_scan='if [ -e /sys/kernel/debug/kmemleak ]; then sleep 6; echo scan >/sys/kernel/debug/kmemleak; sleep 1; echo scan >/sys/kernel/debug/kmemleak; cat /sys/kernel/debug/kmemleak; fi'

for f in "$VA_TESTING"/tests/*.sh; do . "$f"; done

va_host_setup
start=$SECONDS

# Prepare what the guests need up front, so a failure is reported once and
# build time is not charged to the first test: the trixie tree (QEMU and the
# guest's user space), the host tools, and each lane's kernel.
if [ "$suites" != unit ]; then
	echo "== preparing: trixie tree, host tools, kernels for: $lanes"
	"$VA_TESTING/scripts/chroot.sh" >"$VA_RUN/prepare.log" 2>&1 ||
		va_die "trixie tree failed: $(tail -n 3 "$VA_RUN/prepare.log")"
	"$VA_TESTING/scripts/host-tools.sh" >>"$VA_RUN/prepare.log" 2>&1 ||
		va_die "host tools failed: $(tail -n 3 "$VA_RUN/prepare.log")"
	ok_lanes=
	for lane in $lanes; do
		t0=$SECONDS
		if va_bg "$VA_TESTING/scripts/kernel.sh" "$(lane_kernel "$lane")" "$(lane_flavour "$lane")" \
			>"$VA_RUN/kernel-$lane.log" 2>&1; then
			ok_lanes+=" $lane"
			echo "   kernel $lane ready ($((SECONDS - t0)) s)"
		else
			va_fail "kernel $lane builds" "$(tail -n 3 "$VA_RUN/kernel-$lane.log")"
		fi
	done
	lanes=${ok_lanes# }
fi
for suite in $suites; do
	case " $ALL_SUITES " in *" $suite "*) ;; *) va_die "unknown suite $suite (suites: $ALL_SUITES)" ;; esac
	if [ "$(type -t "suite_${suite}_host")" = function ]; then
		echo "== $suite"
		t0=$SECONDS
		"suite_${suite}_host"
		echo "   $suite took $((SECONDS - t0)) s"
		continue
	fi
	for lane in $lanes; do
		case " $ALL_LANES " in *" $lane "*) ;; *) va_die "unknown lane $lane (lanes: $ALL_LANES)" ;; esac
		for transport in $transports; do
			# The debug flavour is slow under TCG: it runs on virtio-pci only.
			if [ "$(lane_flavour "$lane")" = debug ] && [ "$transport" != pci ]; then
				continue
			fi
			# A suite may apply to some lanes only.
			if [ "$(type -t "suite_${suite}_applies")" = function ] &&
			   ! "suite_${suite}_applies" "$lane" "$transport"; then
				continue
			fi
			echo "== $suite on $lane/$transport"
			t0=$SECONDS
			"suite_${suite}" "$lane" "$transport"
			echo "   $suite on $lane/$transport took $((SECONDS - t0)) s"
		done
	done
done

passed=$(grep -c '^PASS' "$RESULTS")
failed=$(grep -c '^FAIL' "$RESULTS")
skipped=$(grep -c '^SKIP' "$RESULTS")
echo "logs: $VA_RUN ($((SECONDS - start)) s)"
if [ "$failed" -gt 0 ]; then
	echo "failed:"
	grep '^FAIL' "$RESULTS" | cut -f2- | sed 's/\t/: /; s/^/  /'
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
