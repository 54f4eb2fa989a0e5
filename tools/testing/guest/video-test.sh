#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# video-test.sh - the virtio-video decoder tests, run in the guest against
# va-video-model.  Prints KTAP: one result per test, a "# NAME took N s"
# comment after each.  POSIX sh (busybox) plus v4l-utils, FFmpeg and
# GStreamer from the guest tree.
#
#   video-test.sh [-k KODIR] [-c CLIPDIR] TEST...
#
# TEST: probe compliance compliance_stream ffmpeg:CLIP gst:CLIP
#       streams:CLIP
# CLIPDIR holds CLIP.mkv, CLIP.codec (h264, hevc, vp8 or vp9), CLIP.md5
# (the host's decode: one MD5 a frame, of NV12) and CLIP.size (bytes of a
# frame), and small.h264 (raw H.264 for v4l2-compliance).
export LC_ALL=C
HERE=$(dirname "$0")
kodir=/mnt/work/ko clips=/mnt/work/clips
while getopts "k:c:" o; do
	case $o in
	k) kodir=$OPTARG ;;
	c) clips=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
TMP=/tmp/video-test
mkdir -p $TMP
# The guest's root is read-only: keep GStreamer's plugin registry, which
# takes long to build on the debug kernel, for the whole run.
export GST_REGISTRY=$TMP/gst-registry.bin
n=0
VDEC=

FAIL=
fail() { [ -n "$FAIL" ] || FAIL=$*; }
. "$HERE/ctl-lib.sh"
ctl() { va_ctl "${VA_MODEL_CTL:-/mnt/work/video-ctl}" 30 "$@"; }

load_driver() {
	for m in v4l2-mem2mem videobuf2-dma-sg videobuf2-dma-contig; do
		modprobe $m || return 1
	done
	insmod "$kodir/virtio_video.ko" || return 1
	i=0
	while [ -z "$(find_node)" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || return 1
		sleep 0.1
	done
	VDEC=$(find_node)
}

find_node() {
	for d in /dev/video*; do
		[ -e "$d" ] || continue
		if v4l2-ctl -d "$d" --info 2>/dev/null | grep -q "Driver name *: virtio-video"; then
			echo "$d"
			return
		fi
	done
}

# A clip's file (Matroska) and its codec (h264, hevc, vp8, vp9).
clip_file() { echo "$clips/$1.mkv"; }
codec_of() { cat "$clips/$1.codec"; }

# Compare the frame MD5s of an FFmpeg framemd5 file with the reference.
md5_check() { # NAME FRAMEMD5 REFERENCE
	grep -v '^#' "$2" | awk -F, '{ gsub(/ /, "", $6); print $6 }' >$TMP/got.md5
	if ! cmp -s $TMP/got.md5 "$3"; then
		fail "$1: $(wc -l <$TMP/got.md5) frames decoded, $(wc -l <"$3") expected; first difference: $(diff $TMP/got.md5 "$3" | sed -n 2p)"
	fi
}

t_probe() {
	[ -n "$VDEC" ] || { fail "no virtio-video node"; return; }
	v4l2-ctl -d "$VDEC" --list-formats-out >$TMP/fmt.txt 2>&1 || fail "list OUTPUT formats"
	grep -q "'H264'" $TMP/fmt.txt || fail "H.264 not among the OUTPUT formats"
	v4l2-ctl -d "$VDEC" --list-formats >$TMP/fmt.txt 2>&1 || fail "list CAPTURE formats"
	grep -q "'NV12'" $TMP/fmt.txt || fail "NV12 not among the CAPTURE formats"
	dmesg | grep -q "virtio-video v10: decoder" || fail "no probe message"
}

# v4l2-compliance: its summary line must say 0 failed, 0 warnings.
compliance() { # NAME ARGS...
	name=$1
	shift
	v4l2-compliance -d "$VDEC" "$@" >$TMP/$name.txt 2>&1
	grep -E "^(\s*fail|\s*warn)" $TMP/$name.txt | head -n 5 | sed "s/^/# $name: /"
	total=$(grep "^Total for" $TMP/$name.txt | tail -n 1)
	echo "# $total"
	case $total in
	*"Failed: 0, Warnings: 0"*) ;;
	*) fail "$name: ${total:-no summary}" ;;
	esac
}

t_compliance() { compliance compliance; }

t_compliance_stream() {
	compliance compliance_stream -s 10 --stream-from "$clips/small.h264"
}

t_ffmpeg() { # CLIP
	f=$(clip_file "$1") c=$(codec_of "$1")
	rm -f $TMP/ff.md5
	timeout -k 5 120 ffmpeg -hide_banner -loglevel error -nostdin -y \
		-c:v "${c}_v4l2m2m" -i "$f" -f framemd5 -pix_fmt nv12 \
		$TMP/ff.md5 2>$TMP/ff.err || fail "ffmpeg failed: $(tail -n 2 $TMP/ff.err | tr '\n' ' ')"
	md5_check "ffmpeg $1" $TMP/ff.md5 "$clips/$1.md5"
}

t_gst() { # CLIP
	f=$(clip_file "$1") c=$(codec_of "$1")
	case $c in
	h264) parse="h264parse !" ;;
	hevc) parse="h265parse !" ;;
	*) parse= ;;
	esac
	el=$(gst-inspect-1.0 2>/dev/null | awk -v c="$c" -F: '$2 ~ "v4l2" c "dec" { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$el" ] || { fail "no GStreamer v4l2 $c decoder element"; return; }
	rm -f $TMP/gst.yuv
	# shellcheck disable=SC2086
	timeout -k 5 120 gst-launch-1.0 -q filesrc location="$f" ! matroskademux ! \
		$parse "$el" ! \
		videoconvert ! video/x-raw,format=NV12 ! \
		filesink location=$TMP/gst.yuv >$TMP/gst.err 2>&1 ||
		{ fail "gst-launch failed: $(tail -n 2 $TMP/gst.err | tr '\n' ' ')"; return; }
	# One NV12 frame of the clip's size, then its MD5.
	size=$(awk '{ print $1 }' "$clips/$1.size")
	rm -f $TMP/gst.frame.*
	split -b "$size" -a 4 $TMP/gst.yuv $TMP/gst.frame.
	for fr in $TMP/gst.frame.*; do md5sum <"$fr" | cut -d' ' -f1; done >$TMP/gst.md5
	if ! cmp -s $TMP/gst.md5 "$clips/$1.md5"; then
		fail "gst $1: $(wc -l <$TMP/gst.md5) frames, $(wc -l <"$clips/$1.md5") expected; first difference: $(diff $TMP/gst.md5 "$clips/$1.md5" | sed -n 2p)"
	fi
}

# Several clips at once, each its own stream, each bit-exact.
t_streams() { # CLIP
	f=$(clip_file "$1") c=$(codec_of "$1")
	pids=
	for i in 1 2 3; do
		rm -f $TMP/st$i.md5
		timeout -k 5 120 ffmpeg -hide_banner -loglevel error -nostdin -y \
			-c:v "${c}_v4l2m2m" -i "$f" -f framemd5 -pix_fmt nv12 \
			$TMP/st$i.md5 2>$TMP/st$i.err &
		pids="$pids $!"
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		wait "$p" || fail "stream $i: ffmpeg failed: $(tail -n 1 $TMP/st$i.err)"
		md5_check "stream $i" $TMP/st$i.md5 "$clips/$1.md5"
	done
}

if ! load_driver; then
	echo "not ok 1 load # no virtio-video node appeared"
	dmesg | tail -n 5 | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
for TEST in "$@"; do
	n=$((n + 1))
	FAIL=
	START=$(date +%s)
	case $TEST in
	*:*) "t_${TEST%%:*}" "${TEST#*:}" ;;
	*) "t_$TEST" ;;
	esac
	echo "# $TEST took $(($(date +%s) - START)) s"
	if [ -n "$FAIL" ]; then
		echo "not ok $n $TEST # $FAIL"
		dmesg | tail -n 5 | sed 's/^/# /'
	else
		echo "ok $n $TEST"
	fi
done
echo "1..$n"
