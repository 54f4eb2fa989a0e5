#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# virtio-can tests, run inside a rig guest with stock can-utils, iproute2
# and ethtool. The guest has three virtio-can devices on one va-can-model
# bus: devices 0 and 1 offer everything, device 2 classic CAN only (no FD,
# no RTR). Results are KTAP lines on standard output.
#
# Usage: can-test.sh [-i] [-k DIR] TEST...
#   -i       drive mainline's in-tree virtio_can (modprobe) instead of ours
#   -k DIR   where our virtio_can.ko is (default /mnt/work/ko)
# Tests: probe updown fdonoff seq_classic seq_fd eff_rtr canfdtest
#        busoff_auto busoff_manual openclose txsat hostile_rx hostile_tx
#        hostile_status hostile_txdelay hostile_txhold hostile_flood
#        hostile_ctrl hostile_vq
# Environment: VA_CAN_CTL (the model's control directory, default
#              /mnt/work/can-ctl)
#              CAN_TXSAT_SECONDS (default 30), CAN_SEQ_COUNT (frames per
#              sequence check, default 2000), CAN_CYCLES (open/close cycles,
#              default 100), CAN_FLOOD_COUNT (frames of hostile_flood,
#              default 20000): the debug lane, slow under TCG, uses less
export LC_ALL=C
HERE=$(dirname "$0")
intree= kodir=/mnt/work/ko
while getopts "ik:" o; do
	case $o in
	i) intree=1 ;;
	k) kodir=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
TMP=/tmp/can-test
SEQ=${CAN_SEQ_COUNT:-2000} CYCLES=${CAN_CYCLES:-100} FLOOD=${CAN_FLOOD_COUNT:-20000}
mkdir -p $TMP
n=0

# The helpers below run built-ins where they can: on the debug lane every
# exec costs about a second.
. "$HERE/ctl-lib.sh"
ctl() { va_ctl "${VA_CAN_CTL:-/mnt/work/can-ctl}" 30 "$@"; }
stat() {
	read -r v <"/sys/class/net/$1/statistics/$2"
	echo "$v"
}
xstat() {
	ethtool -S "$1" | while read -r k v; do
		[ "$k" = "$2:" ] && echo "$v"
	done
}
state() { ip -d link show "$1" | sed -n 's/.*can <[^>]*> state \([A-Z-]*\).*/\1/p; s/.*can state \([A-Z-]*\).*/\1/p' | head -n 1; }
# Wait up to $3 tenths of a second for interface $1 to reach state $2.
wait_state() {
	i=0
	while [ "$(state "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -le "$3" ] || return 1
		sleep 0.1
	done
}

. "$HERE/ktap-lib.sh"

load_driver() {
	if [ -n "$intree" ]; then
		modprobe virtio_can
	else
		insmod "$kodir/virtio_can.ko"
	fi
	i=0
	while [ ! -e /sys/class/net/can2 ]; do
		i=$((i + 1))
		[ $i -le 50 ] || return 1
		sleep 0.1
	done
}
unload_driver() {
	printf 'link set can%s down\n' 0 1 2 | ip -force -batch - 2>/dev/null
	rmmod virtio_can
}

# Configure and bring up an interface: fd | classic, then extra "ip link
# ... type can" words. Mainline's driver has FD always on and no bitrate.
link_up() { # IFACE fd|classic [WORDS...]
	dev=$1 mode=$2
	shift 2
	if [ -n "$intree" ] || [ "$dev" = can2 ]; then
		type=${*:+"link set $dev type can $*"}
	elif [ "$mode" = fd ]; then
		type="link set $dev type can bitrate 500000 dbitrate 2000000 fd on $*"
	else
		type="link set $dev type can fd off $*"
	fi
	# one ip(8) run: it stops at the first command that fails
	ip -batch - <<-EOF
		link set $dev down
		$type
		link set $dev up
	EOF
}

# The model numbers devices in socket order; find which interface each one
# became by injecting a frame into each device's RX.
map_devices() {
	for i in 0 1 2; do link_up "can$i" classic || return 1; done
	candump -T 30000 -n 3 -L any >$TMP/map.log &
	p=$!
	sleep 1
	for d in 0 1 2; do ctl rx $d 0x7a$d 1 0 >/dev/null || return 1; done
	wait $p
	for d in 0 1 2; do
		eval "DEV$d=\$(awk '\$3 ~ /^7A$d#/ { print \$2 }' $TMP/map.log)"
	done
	[ -n "$DEV0" ] && [ -n "$DEV1" ] && [ -n "$DEV2" ] && return
	echo "# cannot map the model's devices to interfaces: $(cat $TMP/map.log)"
	return 1
}

# Which model device is interface $1?
devno() {
	for d in 0 1 2; do
		eval "[ \"\$DEV$d\" = \"$1\" ]" && { echo $d; return; }
	done
	echo 99
}

# Send COUNT frames from $1 to $2 with cangen (incrementing payload) and
# check that $2 got all of them in order, and the counters on both sides.
seq_check() { # FROM TO COUNT CANGEN-OPTS...
	from=$1 to=$2 count=$3
	shift 3
	tx0=$(stat "$from" tx_packets) rx0=$(stat "$to" rx_packets)
	candump -r 8388608 -T 20000 -n "$count" -L "$to" >$TMP/seq.log &
	p=$!
	sleep 0.3
	cangen "$from" -n "$count" -g 0 -p 100 -I 5A5 -D i "$@" || fail "cangen $from failed"
	wait $p || fail "candump on $to got $(wc -l <$TMP/seq.log) of $count frames"
	got=$(wc -l <$TMP/seq.log)
	expect_eq "frames received on $to" "$got" "$count"
	# cangen -D i counts in the first payload byte (wrapping at 256).
	bad=$(awk '{ n = split($3, p, "#"); data = p[n]; if (n == 3) data = substr(data, 2)
		v = index("0123456789ABCDEF", substr(data, 1, 1)) * 16 + index("0123456789ABCDEF", substr(data, 2, 1)) - 17
		if (NR > 1 && v != (last + 1) % 256) { print NR; exit }
		last = v }' $TMP/seq.log)
	bad=$(awk '{ split($3, p, "#"); if (p[1] != "5A5") { print NR; exit } }' $TMP/seq.log)
	[ -z "$bad" ] || fail "frame $bad on $to has a wrong id"
	expect_eq "$from tx_packets delta" "$(($(stat "$from" tx_packets) - tx0))" "$count"
	expect_eq "$to rx_packets delta" "$(($(stat "$to" rx_packets) - rx0))" "$count"
}

t_probe() {
	for i in 0 1 2; do
		drv=$(basename "$(readlink /sys/class/net/can$i/device/driver)")
		expect_eq "can$i driver" "$drv" virtio_can
	done
	[ -n "$intree" ] && return
	expect_eq "ethtool -i driver" "$(ethtool -i can0 | sed -n 's/^driver: //p')" virtio_can
	expect_eq "can2 private flags" "$(ethtool --show-priv-flags can2 | awk '/^fd-frames/ { print $3 }')" off
	expect_eq "can0 TX slots" "$(ethtool -g can0 | awk '/^TX:/ { print $2; exit }')" 128
}

t_updown() {
	for r in 1 2 3; do
		ip link set can0 down
		expect_eq "state when down ($r)" "$(state can0)" STOPPED
		ip link set can0 up || fail "ip link set up failed ($r)"
		expect_eq "state when up ($r)" "$(state can0)" ERROR-ACTIVE
	done
	expect "bitrate is reported unknown or set" ip -d link show can0
}

t_fdonoff() {
	link_up can0 fd || fail "fd on refused"
	expect_eq "MTU with fd on" "$(cat /sys/class/net/can0/mtu)" 72
	expect "an FD frame can be sent with fd on" cansend can0 123##0112233
	link_up can0 classic || fail "fd off refused"
	expect_eq "MTU with fd off" "$(cat /sys/class/net/can0/mtu)" 16
	cansend can0 123##0112233 >/dev/null 2>&1 && fail "an FD frame was accepted with fd off"
	ip link set can2 down
	ip link set can2 type can bitrate 500000 dbitrate 2000000 fd on 2>/dev/null &&
		fail "the classic-only device accepted fd on"
	ip link set can2 up
	link_up can0 fd || fail "fd on again refused"
	expect_eq "MTU with fd on again" "$(cat /sys/class/net/can0/mtu)" 72
}

t_seq_classic() {
	link_up can0 classic && link_up can1 classic || fail "link setup"
	seq_check can0 can1 "$SEQ" -L 8
	seq_check can1 can0 "$SEQ" -L 8
}

t_seq_fd() {
	link_up can0 fd && link_up can1 fd || fail "link setup"
	seq_check can0 can1 "$SEQ" -f -L 64
	seq_check can1 can0 "$SEQ" -f -L 12
}

t_eff_rtr() {
	link_up can0 fd && link_up can1 fd && link_up can2 classic || fail "link setup"
	candump -T 10000 -n 4 -L can1 >$TMP/rtr1.log &
	p1=$!
	candump -T 2000 -L can2 >$TMP/rtr2.log &
	p2=$!
	sleep 0.3
	cansend can0 12345678#DEADBEEF
	cansend can0 123#R
	cansend can0 1ABCDEF0#R3
	cansend can0 7AB##0112233
	wait $p1 || fail "can1 got $(wc -l <$TMP/rtr1.log) of 4 frames"
	wait $p2
	expect_eq "can1 frames" "$(awk '{ printf "%s ", $3 }' $TMP/rtr1.log)" \
		"12345678#DEADBEEF 123#R 1ABCDEF0#R3 7AB##4112233 "
	# The FD frame arrives marked CANFD_FDF (the 4). Classic-only, no RTR:
	# can2 gets the data frame only.
	expect_eq "can2 frames" "$(awk '{ printf "%s ", $3 }' $TMP/rtr2.log)" "12345678#DEADBEEF "
}

# canfdtest: can1 echoes what can0 sends, each byte incremented, and can0
# checks every answer (50 frames in flight).
canfdtest_run() { # NAME OPTIONS...
	name=$1
	shift
	canfdtest -v "$@" can1 >$TMP/dut.log 2>&1 &
	p=$!
	sleep 0.3
	timeout 120 canfdtest -g "$@" -l 2000 can0 >$TMP/host.log 2>&1 ||
		fail "canfdtest $name: $(tail -n 1 $TMP/host.log)"
	kill $p 2>/dev/null
	wait $p 2>/dev/null
}

t_canfdtest() {
	link_up can0 fd && link_up can1 fd || fail "link setup"
	# Bursts of 50 frames outrun the default qdisc of 10 (ENOBUFS), which
	# canfdtest does not retry.
	ip link set can0 txqueuelen 100
	ip link set can1 txqueuelen 100
	canfdtest_run classic
	canfdtest_run extended -e
	canfdtest_run FD -d
}

# can_stats of ip -s -d: "re-started bus-errors arbit-lost error-warn
# error-pass bus-off" and the values on the next line.
canstat() { # IFACE NAME
	ip -s -d link show "$1" | awk -v k="$2" '
		/re-started/ { for (i = 1; i <= NF; i++) col[$i] = i; getline; print $col[k]; exit }'
}

t_busoff_auto() {
	d=$(devno can0)
	link_up can0 classic restart-ms 100 && link_up can1 classic || fail "link setup"
	b0=$(canstat can0 bus-off) r0=$(canstat can0 re-started)
	candump -T 10000 -n 2 -L 'can0,0~0,#FFFFFFFF' >$TMP/err.log &
	p=$!
	sleep 0.3
	ctl busoff "$d" >/dev/null || fail "busoff injection"
	wait $p || fail "error frames: $(cat $TMP/err.log)"
	expect_eq "error frames: bus-off, then restarted" \
		"$(awk '{ split($3, p, "#"); printf "%s ", p[1] }' $TMP/err.log)" "20000040 20000100 "
	wait_state can0 ERROR-ACTIVE 30 || fail "not ERROR-ACTIVE after restart-ms: $(state can0)"
	expect_eq "bus-off count" "$(canstat can0 bus-off)" $((b0 + 1))
	expect_eq "restart count" "$(canstat can0 re-started)" $((r0 + 1))
	seq_check can0 can1 100 -L 8
	link_up can0 classic restart-ms 0
}

t_busoff_manual() {
	d=$(devno can0)
	link_up can0 classic restart-ms 0 && link_up can1 classic || fail "link setup"
	r0=$(canstat can0 re-started)
	ctl busoff "$d" >/dev/null || fail "busoff injection"
	wait_state can0 BUS-OFF 30 || fail "not BUS-OFF: $(state can0)"
	sleep 0.5
	expect_eq "still bus-off without restart-ms" "$(state can0)" BUS-OFF
	ip link set can0 type can restart || fail "manual restart refused"
	wait_state can0 ERROR-ACTIVE 30 || fail "not ERROR-ACTIVE after restart: $(state can0)"
	expect_eq "restart count" "$(canstat can0 re-started)" $((r0 + 1))
	seq_check can0 can1 100 -L 8
}

t_openclose() {
	d=$(devno can0)
	link_up can0 classic || fail "link setup"
	ctl flood "$d" inf classic >/dev/null || fail "flood start"
	for i in $(seq "$CYCLES"); do
		ip link set can0 down || { fail "down failed in cycle $i"; break; }
		ip link set can0 up || { fail "up failed in cycle $i"; break; }
		timeout 5 candump -n 3 can0 >/dev/null || { fail "no RX after open in cycle $i"; break; }
	done
	ctl flood "$d" 0 >/dev/null
	expect_eq "state after the cycles" "$(state can0)" ERROR-ACTIVE
}

t_txsat() {
	secs=${CAN_TXSAT_SECONDS:-30}
	link_up can0 classic && link_up can1 classic || fail "link setup"
	tx0=$(stat can0 tx_packets) rx0=$(stat can1 rx_packets)
	cangen can0 -g 0 -p 1000 -I 100 -L 8 -D i &
	p=$!
	last=$tx0 step=5 el=0
	while [ $el -lt "$secs" ]; do
		sleep $step
		el=$((el + step))
		now=$(stat can0 tx_packets)
		[ "$now" -gt "$last" ] || fail "TX stalled in the 5 s before ${el} s"
		last=$now
	done
	kill $p
	wait $p 2>/dev/null
	sleep 1
	sent=$(($(stat can0 tx_packets) - tx0))
	echo "# txsat: $sent frames in $secs s ($((sent / secs))/s)"
	expect_eq "frames received on can1 equal frames sent on can0" \
		"$(($(stat can1 rx_packets) - rx0))" "$sent"
	seq_check can0 can1 10 -L 8
}

# ---- hostile device: each fault on a freshly loaded driver --------------

reload() {
	unload_driver && load_driver && map_devices
}

# h_rx NAME KIND IFACE COUNTER: a malformed RX buffer is counted and
# dropped, and the next valid frame still arrives.
h_rx() {
	name=$1 kind=$2 dev=$3 counter=$4
	d=$(devno "$dev")
	c0=$(xstat "$dev" "$counter")
	ctl malformed "$d" "$kind" >/dev/null || { fail "$name: injection refused"; return; }
	sleep 0.5
	expect_eq "$name: $counter" "$(xstat "$dev" "$counter")" $((c0 + 1))
	candump -T 30000 -n 1 -L "$dev" >$TMP/h.log &
	p=$!
	sleep 1
	ctl rx "$d" 0x155 2 >/dev/null
	wait $p || fail "$name: no valid frame after the fault"
}

# h_broken NAME KIND: a fault that breaks a virtqueue must not crash or hang
# the driver; the interface can be taken down and the module unloaded.
h_broken() {
	name=$1 kind=$2
	d=$(devno can0)
	ctl malformed "$d" "$kind" >/dev/null || { fail "$name: injection refused"; return; }
	cansend can0 123#01
	ctl rx "$d" 0x155 2 >/dev/null
	sleep 0.5
	cangen can0 -n 20 -g 0 -i >/dev/null 2>&1
	timeout 10 ip link set can0 down || fail "$name: down hangs or fails"
	reload || fail "$name: reload after the fault"
}

t_hostile_rx() {
	reload || { fail "reload"; return; }
	link_up can0 fd && link_up can1 fd || fail "link setup"
	h_rx short short can0 rx_short
	h_rx len-over len-over can0 rx_bad_length
	h_rx len-trunc len-trunc can0 rx_truncated
	h_rx flags flags can0 rx_bad_flags
	h_rx type type can0 rx_bad_type
	h_rx id-range id-range can0 rx_bad_id
	h_rx rtr-fd rtr-fd can0 rx_bad_flags
	h_rx fd-unneg fd-unneg can2 rx_not_negotiated
	h_rx rtr-unneg rtr-unneg can2 rx_not_negotiated
}

# TX refused, with NOT_OK and with an unknown result, and without one.
t_hostile_tx() {
	reload || { fail "reload"; return; }
	link_up can0 fd && link_up can1 fd || fail "link setup"
	d=$(devno can0)
	n0=$(xstat can0 tx_not_ok) e0=$(stat can0 tx_errors) rx0=$(stat can1 rx_packets)
	ctl txfail "$d" 3 >/dev/null
	cangen can0 -n 5 -g 10 -L 8 -p 100
	sleep 0.5
	expect_eq "txfail: tx_not_ok" "$(xstat can0 tx_not_ok)" $((n0 + 3))
	expect_eq "txfail: tx_errors" "$(stat can0 tx_errors)" $((e0 + 3))
	expect_eq "txfail: frames on the bus" "$(($(stat can1 rx_packets) - rx0))" 2
	ctl txresult "$d" 7 1 >/dev/null
	cansend can0 123#01
	sleep 0.3
	expect_eq "txresult: tx_bad_result" "$(xstat can0 tx_bad_result)" 1
	ctl malformed "$d" tx-len0 >/dev/null
	cansend can0 123#01
	sleep 0.3
	expect_eq "tx-len0: tx_bad_len" "$(xstat can0 tx_bad_len)" 1
	seq_check can0 can1 20 -L 8
}

# Unknown status bits are reported, not taken for bus-off.
t_hostile_status() {
	d=$(devno can0)
	link_up can0 classic && link_up can1 classic || fail "link setup"
	u0=$(xstat can0 status_unknown)
	ctl status "$d" 0x8000 >/dev/null
	sleep 0.5
	expect_eq "status_unknown" "$(xstat can0 status_unknown)" $((u0 + 1))
	expect_eq "state" "$(state can0)" ERROR-ACTIVE
	seq_check can0 can1 20 -L 8
}

# Delayed TX acknowledgement: nothing lost, nothing stuck.
t_hostile_txdelay() {
	d=$(devno can0)
	link_up can0 classic && link_up can1 classic || fail "link setup"
	ctl txdelay "$d" 50 >/dev/null
	seq_check can0 can1 50 -L 8
	ctl txdelay "$d" 0 >/dev/null
}

# TX requests held by the device, then STOP: all come back.
t_hostile_txhold() {
	d=$(devno can0)
	link_up can0 classic && link_up can1 classic || fail "link setup"
	o0=$(xstat can0 tx_orphaned)
	ctl txhold "$d" on >/dev/null
	cangen can0 -n 300 -g 0 -i -L 8 >/dev/null 2>&1
	sleep 0.5
	timeout 10 ip link set can0 down || fail "down with held TX requests"
	expect_eq "tx_orphaned" "$(xstat can0 tx_orphaned)" "$o0"
	ctl txhold "$d" off >/dev/null
	link_up can0 classic || fail "up after txhold"
	seq_check can0 can1 20 -L 8
}

# An RX flood is delivered in full.
t_hostile_flood() {
	d=$(devno can0)
	link_up can0 fd || fail "link setup"
	rx0=$(stat can0 rx_packets)
	ctl flood "$d" "$FLOOD" mixed >/dev/null
	i=0
	while [ $((i += 1)) -le 300 ]; do
		ctl stats "$d" | grep -q ' flood_left=0 ' && break
		sleep 0.2
	done
	sleep 0.5
	expect_eq "frames received" "$(($(stat can0 rx_packets) - rx0))" "$FLOOD"
}

# Control requests refused, answered wrongly, or never answered.
t_hostile_ctrl() {
	reload || { fail "reload"; return; }
	d=$(devno can0)
	ip link set can0 down
	ctl malformed "$d" ctrl-fail >/dev/null
	ip link set can0 up 2>/dev/null && fail "ctrl-fail: up succeeded"
	ctl malformed "$d" ctrl-result >/dev/null
	ip link set can0 up 2>/dev/null && fail "ctrl-result: up succeeded"
	expect_eq "ctrl: ctrl_not_ok" "$(xstat can0 ctrl_not_ok)" 2
	# A down the device never answers costs the driver's 2 s control
	# timeout on top of what an answered one costs (measured here: one
	# ip(8) run is seconds on the debug lane).
	s=$(date +%s)
	ip link set can0 up || fail "up after refused control requests"
	base=$(($(date +%s) - s))
	ctl malformed "$d" ctrl-silent >/dev/null
	s=$(date +%s)
	timeout 30 ip link set can0 down || fail "ctrl-silent: down hangs or fails"
	expect "ctrl-silent: down took at most 5 s more than an up" \
		test $(($(date +%s) - s)) -le $((base + 5))
	expect_eq "ctrl-silent: ctrl_timeout" "$(xstat can0 ctrl_timeout)" 1
	timeout 20 ip link set can0 up 2>/dev/null && fail "ctrl-silent: up succeeded"
	reload || fail "reload after ctrl-silent"
}

# Faults that break a virtqueue: duplicate and unknown used ids.
t_hostile_vq() {
	for k in rx-dup rx-unknown tx-dup tx-unknown; do
		link_up can0 fd || fail "$k: link setup"
		h_broken "$k" "$k"
	done
	unload_driver || fail "unload at the end"
	load_driver && map_devices || fail "load at the end"
}

if ! load_driver; then
	echo "not ok 1 load # the driver did not create can0..can2"
	exit 1
fi
if ! map_devices; then
	n=1
	echo "not ok 1 map # the model's devices were not found on can0..can2"
fi
ktap_run "$n" "$@"
