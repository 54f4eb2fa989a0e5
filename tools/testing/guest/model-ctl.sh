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
# to MS plus 2 s).  The exchange itself is ctl-lib.sh's va_ctl.
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

. "$(dirname "$0")/ctl-lib.sh"
VA_CTL_NAME=$me va_ctl "$dir" "$timeout" "$@"
