#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# can-ctl.sh - send one command to va-can-model's control directory and
# print the reply.  POSIX sh (busybox in the guest).
#
#   can-ctl.sh [-d DIR] [-t SECONDS] COMMAND...
#
# DIR defaults to $VA_CAN_CTL, else /mnt/work/can-ctl (the host's --ctl-dir
# seen over 9p); the timeout defaults to 10 s ("wait D STATE MS" extends it
# to MS plus 2 s).  The request is written to DIR/.req-SEQ.tmp and renamed
# to DIR/req-SEQ; the model answers in DIR/rsp-SEQ.
#
# Exit status: 0 reply "ok...", 1 reply "error...", 2 no reply in time,
# 3 usage error.
#
# Commands (D is the 0-based device index, see va-can-model):
#   busoff D | status D VALUE | txfail D N | txresult D VALUE N
#   txdelay D MS | txhold D on|off | flood D N|inf [classic|fd|mixed] [ID]
#   rx D ID LEN [FLAGS] | malformed D KIND | state D | stats D
#   wait D started|stopped MS | quit

me=can-ctl.sh
dir=${VA_CAN_CTL:-/mnt/work/can-ctl}
timeout=10

usage() {
	echo "usage: $me [-d DIR] [-t SECONDS] COMMAND..." >&2
	exit 3
}

while getopts d:t:h opt; do
	case $opt in
	d) dir=$OPTARG ;;
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case $timeout in
'' | *[!0-9]*)
	echo "$me: invalid timeout '$timeout' (whole seconds)" >&2
	exit 3
	;;
esac
if [ ! -d "$dir" ]; then
	echo "$me: control directory $dir does not exist" >&2
	exit 3
fi

# a "wait" must not time out here before the model answers
if [ "$1" = wait ] && [ $# -eq 4 ]; then
	case $4 in
	'' | *[!0-9]*) ;;
	*)
		w=$(($4 / 1000 + 2))
		[ "$w" -gt "$timeout" ] && timeout=$w
		;;
	esac
fi

# unique per call: pid, nanoseconds and a few random bits
ns=$(date +%s%N 2>/dev/null | tr -cd '0-9')
rnd=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -cd '0-9')
seq="$$-${ns:-0}-${rnd:-0}"
req="$dir/req-$seq"
rsp="$dir/rsp-$seq"
tmp="$dir/.req-$seq.tmp"

if ! printf '%s\n' "$*" >"$tmp" || ! mv -f "$tmp" "$req"; then
	rm -f "$tmp"
	echo "$me: cannot write a request to $dir" >&2
	exit 3
fi

end=$(($(date +%s) + timeout))
i=0
while [ ! -e "$rsp" ]; do
	sleep 0.01
	i=$((i + 1))
	if [ $((i % 20)) -eq 0 ] && [ "$(date +%s)" -ge "$end" ]; then
		[ -e "$rsp" ] && break
		rm -f "$req"
		echo "$me: no reply to '$*' from the CAN model within ${timeout}s ($dir)" >&2
		exit 2
	fi
done

reply=
IFS= read -r reply <"$rsp"
rm -f "$rsp"
printf '%s\n' "$reply"
case $reply in
ok | ok\ *) exit 0 ;;
*) exit 1 ;;
esac
