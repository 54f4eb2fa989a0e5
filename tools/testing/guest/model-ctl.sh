#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# model-ctl.sh - send one command to a device model's control directory
# (va-video-model, va-can-model: the shared protocol of
# tools/testing/models/ctl/ctl-dir.h) and print the reply.  POSIX sh
# (busybox in the guest).
#
#   model-ctl.sh [-d DIR] [-t SECONDS] COMMAND...
#
# DIR defaults to $VA_MODEL_CTL (the host's --ctl-dir seen over 9p); the
# timeout defaults to 10 s ("wait-idle MS" and "wait D STATE MS" extend it
# to MS plus 2 s).  The request is written to DIR/.req-SEQ.tmp and renamed
# to DIR/req-SEQ; the model answers in DIR/rsp-SEQ.
#
# Exit status: 0 reply "ok...", 1 reply "error...", 2 no reply in time,
# 3 usage error.

me=${VA_CTL_NAME:-model-ctl.sh}
dir=${VA_MODEL_CTL:-}
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
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
	echo "$me: control directory '$dir' does not exist (-d DIR or VA_MODEL_CTL)" >&2
	exit 3
fi

# a waiting command must not time out here before the model answers
ms=
case "$1 $#" in
"wait-idle 2") ms=$2 ;;
"wait 4") ms=$4 ;;
"dev 4") [ "$3" = wait-idle ] && ms=$4 ;;
esac
case $ms in
'' | *[!0-9]*) ;;
*)
	w=$((ms / 1000 + 2))
	[ "$w" -gt "$timeout" ] && timeout=$w
	;;
esac

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
		echo "$me: no reply to '$*' from the model within ${timeout}s ($dir)" >&2
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
