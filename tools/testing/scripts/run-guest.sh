#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a guest on a lane and transport with a set of device back-ends, run a
# command inside, return its exit status. Everything it starts (QEMU, the
# back-ends) is killed when it returns, times out or is killed itself.
#
# Usage: run-guest.sh [options] -- COMMAND...
#   -l LANE         mainline | 6.12 | 6.1                  (default mainline)
#   -f FLAVOUR      release | debug                        (default release)
#   -t TRANSPORT    pci (q35) | mmio (microvm)             (default pci)
#   -T SECONDS      timeout for the whole run              (default 300)
#   -o DIR          output directory (console.log, back-end logs, files the
#                   guest writes to /mnt/work)             (default: a new one)
#   -b ID:NVQS:CONFIG_SIZE:COMMAND
#                   a vhost-user back-end: COMMAND is run with
#                   "--socket PATH" appended, and QEMU gets a generic
#                   vhost-user device with virtio-id ID, NVQS queues and a
#                   config space of CONFIG_SIZE bytes (0: none). "@OUT@" in
#                   COMMAND is replaced by the output directory. Repeatable.
#   -B ID:NVQS:CONFIG_SIZE:SOCKET
#                   the same for a back-end the caller started, listening on
#                   SOCKET (e.g. one model process serving several devices
#                   or guests). Repeatable; -b and -B devices are added in
#                   the order given.
#   -d DEVICE[,PROPS]
#                   a QEMU virtio device by transport-neutral name, e.g.
#                   "virtio-sound,audiodev=snd0": -pci is appended on pci,
#                   -device on mmio. Repeatable.
#   -q ARG          a raw QEMU argument (e.g. -q -audiodev -q wav,id=snd0,...).
#   -a ARGS         extra kernel command line.
#   -E TEXT         the guest is done, with exit status 0, once its console
#                   shows TEXT (for runs that end without a guest exit
#                   status, such as a kernel that halts).
#   -v              copy the console to standard error as it is written.
# Inside the guest the command runs as root with /bin/sh in /mnt/work (the
# output directory, read-write); the repository is at /mnt/src (read-only)
# and the lane's modules at /lib/modules.
# Exit status: the command's, 124 on timeout, 125 when the guest died without
# reporting one (panic, crash).
set -euo pipefail
. "$(dirname "$0")/common.sh"

lane=mainline flavour=release transport=pci timeout=300 out= verbose= end_text=
backends=() devices=() qextra=() append=
while getopts "l:f:t:T:o:b:B:d:q:a:E:vh" opt; do
	case $opt in
	l) lane=$OPTARG ;;
	f) flavour=$OPTARG ;;
	t) transport=$OPTARG ;;
	T) timeout=$OPTARG ;;
	o) out=$OPTARG ;;
	b) backends+=("b:$OPTARG") ;;
	B) backends+=("B:$OPTARG") ;;
	d) devices+=("$OPTARG") ;;
	q) qextra+=("$OPTARG") ;;
	a) append+=" $OPTARG" ;;
	E) end_text=$OPTARG ;;
	v) verbose=1 ;;
	h) sed -n '4,40p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || va_die "no command given (run-guest.sh -h)"
case $transport in pci | mmio) ;; *) va_die "transport must be pci or mmio" ;; esac

root=$("$VA_TESTING/scripts/chroot.sh")
kdir=$("$VA_TESTING/scripts/kernel.sh" "$lane" "$flavour")
tools=$("$VA_TESTING/scripts/host-tools.sh")
[ -n "$out" ] || out=$(mktemp -d "${TMPDIR:-/tmp}/va-guest.XXXXXX")
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/guest-status" "$out/console.log"

# The guest's PID 1 lives on the read-only root; refresh it when it changed.
if ! cmp -s "$VA_TESTING/guest/init.sh" "$root/sbin/va-init"; then
	va_root install -m 0755 "$VA_TESTING/guest/init.sh" "$root/sbin/va-init"
fi
printf '%s\n' "$*" >"$out/guest-cmd.sh"

pids=()
cleanup() {
	local p
	trap - EXIT INT TERM HUP
	for p in "${pids[@]}"; do va_kill_tree "$p"; done
	sleep 0.2
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM HUP

# Children die with us even if we are killed with SIGKILL.
spawn() {
	setpriv --pdeathsig KILL -- "$@" &
	pids+=($!)
}

vdev() { # transport-neutral virtio device name -> QEMU device
	local name=${1%%,*} props=
	[ "$name" = "$1" ] || props=,${1#*,}
	if [ "$transport" = pci ]; then
		echo "$name-pci$props"
	elif [ "${name%-device}" != "$name" ]; then
		echo "$name$props"	# vhost-user-test-device sits on virtio-mmio as is
	else
		echo "$name-device$props"
	fi
}

args=(-nodefaults -no-user-config -display none -no-reboot -accel tcg)
mem=1G
# No 5-level paging: 7.3's identify_cpu() clears the CPU feature bits, LA57
# among them, with interrupts on, and an interrupt in that window makes a
# KASAN kernel misjudge every address (a "wild-memory-access" report in
# start_kernel, seen on the debug lane). Four levels are what our guests
# need anyway.
cpu=max,la57=off
if [ "$transport" = pci ]; then
	args+=(-machine q35,memory-backend=mem -cpu "$cpu" -smp 2)
else
	args+=(-machine microvm,acpi=off,memory-backend=mem -cpu "$cpu" -smp 2)
	# Modern (virtio 1.x) virtio-mmio, as drivers that require VERSION_1 need.
	args+=(-global virtio-mmio.force-legacy=false)
fi
args+=(-m "$mem" -object "memory-backend-memfd,id=mem,size=$mem,share=on")
args+=(-serial "file:$out/console.log")
p9share() { # tag path ro|rw
	local ro=
	[ "$3" = ro ] && ro=,readonly=on
	args+=(-fsdev "local,id=fs-$1,path=$2,security_model=none$ro"
		-device "$(vdev virtio-9p,fsdev=fs-$1,mount_tag=$1)")
}
p9share rootfs "$root" ro
p9share work "$out" rw
p9share src "$VA_TOP" ro
p9share modules "$kdir/modroot/lib/modules" ro

n=0
for b in "${backends[@]}"; do
	IFS=: read -r kind id nvqs cfg cmd <<<"$b"
	if [ "$kind" = B ]; then
		sock=$cmd
		for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
		[ -S "$sock" ] || va_die "no back-end listens on $sock"
	else
		sock=$out/vhu-$n.sock
		cmd=${cmd//@OUT@/$out}
		rm -f "$sock"
		# shellcheck disable=SC2086 # COMMAND is a word list by design
		spawn env PATH="$tools:$PATH" $cmd --socket "$sock" >"$out/backend-$n.log" 2>&1
		for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
		[ -S "$sock" ] || { cat "$out/backend-$n.log" >&2; va_die "back-end $n did not listen: $cmd"; }
	fi
	props="chardev=vhu$n,virtio-id=$id,num_vqs=$nvqs"
	[ "$cfg" = 0 ] || props+=",config_size=$cfg"
	props+=",vq_size=256"
	args+=(-chardev "socket,id=vhu$n,path=$sock"
		-device "$(vdev vhost-user-test-device,$props)")
	n=$((n + 1))
done
for d in "${devices[@]}"; do args+=(-device "$(vdev "$d")"); done
args+=("${qextra[@]}")

cmdline="console=ttyS0 root=rootfs rootfstype=9p"
cmdline+=" rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
cmdline+=" init=/sbin/va-init panic=-1 reboot=t loglevel=6"
cmdline+=" rng_core.default_quality=0"
# Under TCG the guest's TSC is the host's. Without ACPI the guest has nothing
# to calibrate it against (PIT calibration fails under TCG) and its clock
# would drift; give it the host's measured TSC frequency instead.
cmdline+=" tsc_early_khz=$("$tools/va-tsc-khz") tsc=reliable$append"
args+=(-kernel "$kdir/arch/x86/boot/bzImage" -append "$cmdline")

echo "${args[*]}" >"$out/qemu.cmd"
: >"$out/console.log"
spawn "$VA_TESTING/scripts/qemu.sh" "${args[@]}"
qpid=${pids[-1]}
if [ -n "$verbose" ]; then
	spawn tail -n +1 -f "$out/console.log" >&2
fi

rc=0 ended=
deadline=$((SECONDS + timeout))
parent=$PPID
while kill -0 "$qpid" 2>/dev/null; do
	if [ $SECONDS -ge $deadline ]; then
		va_log "guest timed out after $timeout s ($lane $transport)"
		rc=124
		break
	fi
	if [ -n "$end_text" ] && grep -qF -- "$end_text" "$out/console.log" 2>/dev/null; then
		va_log "guest console shows \"$end_text\": ending it ($lane $transport)"
		echo 0 >"$out/guest-status"
		ended=1
		break
	fi
	# Our caller was killed outright (SIGKILL): do not outlive it.
	if ! kill -0 "$parent" 2>/dev/null; then
		va_log "caller $parent is gone, stopping the guest"
		rc=143
		break
	fi
	sleep 0.2
done
if [ $rc = 0 ]; then
	[ -n "$ended" ] || wait "$qpid" || true
	if [ -f "$out/guest-status" ]; then
		rc=$(cat "$out/guest-status")
	else
		rc=125
		va_log "guest ended without an exit status ($lane $transport), see $out/console.log"
	fi
fi
cleanup
echo "$out" >"${VA_GUEST_OUT_FILE:-/dev/null}"
exit "$rc"
