# SPDX-License-Identifier: GPL-2.0
#
# ctl-lib.sh - the guest side of the device models' control directory
# (tools/testing/models/ctl/ctl-dir.h), as a shell function to source.
# POSIX sh (dash or busybox).
#
#   va_ctl DIR TIMEOUT COMMAND...
#
# writes COMMAND to DIR/req-SEQ, waits up to TIMEOUT seconds (whole; a
# "wait-idle MS" or "[dev D] wait D STATE MS" command gets at least MS
# plus 2 s) for DIR/rsp-SEQ and prints the reply.  Return status: 0 reply "ok...",
# 1 reply "error...", 2 no reply in time, 3 usage or I/O error.
#
# The test scripts call it hundreds of times, and on the debug lane (KASAN,
# lockdep and kmemleak under TCG) every fork and exec costs about a second:
# the request is written with the printf built-in and closed, which is when
# the model's inotify watch (IN_CLOSE_WRITE) takes it, and the reply is
# polled with the test built-in before any sleep(1) is run.  SEQ is the
# shell's pid and a call counter, so do not call va_ctl from two
# asynchronous subshells of one script at once.

VA_CTL_N=0

va_ctl() {
	_d=$1 _t=$2
	shift 2
	case $_t in
	'' | *[!0-9]*)
		echo "${VA_CTL_NAME:-va_ctl}: invalid timeout '$_t' (whole seconds)" >&2
		return 3
		;;
	esac
	if [ $# = 0 ] || [ ! -d "$_d" ]; then
		echo "${VA_CTL_NAME:-va_ctl}: usage: va_ctl DIR TIMEOUT COMMAND... ('$_d')" >&2
		return 3
	fi
	_ms=
	case "$1 $#" in
	"wait-idle 2") _ms=$2 ;;
	"wait 4") _ms=$4 ;;
	"dev 4") [ "$3" = wait-idle ] && _ms=$4 ;;
	esac
	case $_ms in
	'' | *[!0-9]*) ;;
	*) [ $((_ms / 1000 + 2)) -gt "$_t" ] && _t=$((_ms / 1000 + 2)) ;;
	esac
	VA_CTL_N=$((VA_CTL_N + 1))
	_s="$$-$VA_CTL_N"
	printf '%s\n' "$*" >"$_d/req-$_s" || {
		echo "${VA_CTL_NAME:-va_ctl}: cannot write a request to $_d" >&2
		return 3
	}
	_i=0 _end=
	while [ ! -e "$_d/rsp-$_s" ]; do
		_i=$((_i + 1))
		# a 9p round trip per check; sleep after the first 20
		[ $_i -le 20 ] && continue
		[ -n "$_end" ] || _end=$(($(date +%s) + _t))
		sleep 0.01
		if [ $((_i % 20)) -eq 0 ] && [ "$(date +%s)" -ge "$_end" ]; then
			[ -e "$_d/rsp-$_s" ] && break
			rm -f "$_d/req-$_s"
			echo "${VA_CTL_NAME:-va_ctl}: no reply to '$*' within ${_t}s ($_d)" >&2
			return 2
		fi
	done
	_r=
	IFS= read -r _r <"$_d/rsp-$_s"
	rm -f "$_d/rsp-$_s"
	printf '%s\n' "$_r"
	case $_r in
	ok | ok\ *) return 0 ;;
	*) return 1 ;;
	esac
}
