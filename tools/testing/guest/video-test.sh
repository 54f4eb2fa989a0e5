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
#       streams:CLIP seek:API drc:API (API av or gst) hostile_extra
#       hostile_broken hostile_close hostile_caps
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

. "$HERE/ktap-lib.sh"
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

# ---- seek, drain and resolution changes through the clients' APIs -------

# va-video-client.py (PyAV for FFmpeg, PyGObject for GStreamer): every
# frame checked against the reference, by timestamp.
client() { # NAME API CLIP EXT ARGS... (EXT: mkv, or h264 for Annex B)
	name=$1 api=$2 clip=$3 f=$clips/$3.$4
	shift 4
	timeout -k 5 180 python3 "$HERE/va-video-client.py" "$api" "$f" \
		"$(codec_of "$clip")" "$clips/$clip.md5" "$@" >$TMP/client.txt 2>&1
	st=$?
	[ $st = 0 ] || fail "$name: $(grep -m 2 -E 'FAIL|Error|error' $TMP/client.txt | tr '\n' ' ')${st#0}"
}

# Seek mid-stream: 15 frames, then back to key frame 10 (GOP 10), to the
# end; GStreamer also decodes once more after the drain at the end (FFmpeg
# cannot: its V4L2 decoders have no flush, see va-video-client.py).
t_seek() { # API
	client "$1 seek" "$1" small mkv --seek-after 15 --seek-to 10
	[ "$1" = av ] || client "$1 replay" "$1" small mkv --replay
}

# A resolution change mid-stream (176x144, then 320x240), from the
# elementary stream: a Matroska track has one size.
t_drc() { # API
	client "$1 drc" "$1" drc h264
}

# ---- hostile device: faults injected by the model ------------------------

dmesg_mark() { DMARK=$(dmesg | wc -l); }
# The driver's messages since dmesg_mark
new_errors() { dmesg | tail -n +$((DMARK + 1)) | grep 'virtio_video virtio'; }
faults() {
	for kv in $(ctl stats); do
		case $kv in faults=*) echo "${kv#faults=}" ;; esac
	done
}

# decode CLIP: FFmpeg, without judging the result; $TMP/ff.md5 and ff.err.
decode() {
	rm -f $TMP/ff.md5
	timeout -k 5 120 ffmpeg -hide_banner -loglevel error -nostdin -y \
		-c:v "$(codec_of "$1")_v4l2m2m" -i "$(clip_file "$1")" \
		-f framemd5 -pix_fmt nv12 $TMP/ff.md5 2>$TMP/ff.err
}

# Events the driver must drop while the decode goes on: a truncated event,
# answers with a wrong cookie or an impossible stream id, a standalone
# resource answer nobody asked for, and an answer sent twice.
t_hostile_extra() {
	f0=$(faults)
	for k in short-event bad-cookie bad-stream unsolicited dup-answer; do
		ctl fault $k 3 >/dev/null || fail "cannot arm $k"
	done
	dmesg_mark
	decode small || fail "ffmpeg failed: $(tail -n 2 $TMP/ff.err | tr '\n' ' ')"
	md5_check "decode with extra events" $TMP/ff.md5 "$clips/small.md5"
	expect_eq "faults fired" "$(($(faults) - f0))" 15
	[ -n "$(new_errors)" ] || fail "the driver reported none of them"
}

# Faults that break a command or a frame: the client gets an error or
# loses frames, nothing hangs, and afterwards a stream decodes bit-exact.
#   bad-sizes:  a frame larger than its buffer (that buffer is an error)
#   bad-flags:  an event with unknown flags (dropped; its command times
#               out, and the stream id is taken back with a CLOSE)
#   bad-params: a SET_PARAMS answer whose container overruns the event
t_hostile_broken() {
	for k in bad-sizes bad-flags bad-params; do
		f0=$(faults)
		ctl fault $k >/dev/null || fail "cannot arm $k"
		dmesg_mark
		decode small
		st=$?
		[ $st = 124 ] || [ $st = 137 ] && fail "$k: ffmpeg hangs"
		expect_eq "$k: faults fired" "$(($(faults) - f0))" 1
		[ -n "$(new_errors)" ] || fail "$k: the driver reported nothing"
	done
	decode small || fail "afterwards: ffmpeg failed: $(tail -n 2 $TMP/ff.err | tr '\n' ' ')"
	md5_check "afterwards" $TMP/ff.md5 "$clips/small.md5"
}

# The device closes a stream with an error in the middle of a decode: the
# client fails at once (no hang), the driver says why.
t_hostile_close() {
	dmesg_mark
	rm -f $TMP/ff.md5
	timeout -k 5 120 ffmpeg -hide_banner -loglevel error -nostdin -y \
		-c:v h264_v4l2m2m -re -i "$(clip_file long)" -f framemd5 \
		-pix_fmt nv12 $TMP/ff.md5 2>$TMP/ff.err &
	p=$!
	sid='' i=0
	# a poll a second: polling harder starves FFmpeg on a slow guest
	while [ -z "$sid" ] && [ $((i += 1)) -le 120 ]; do
		sleep 1
		for kv in $(ctl stats); do
			case $kv in
			s*.frames=0) ;;
			s*.frames=*)
				sid=${kv%%.*}
				sid=${sid#s}
				break
				;;
			esac
		done
	done
	[ -n "$sid" ] || { fail "no stream delivered a frame"; wait $p; return; }
	ctl fault stream-error "$sid" >/dev/null || fail "cannot close stream $sid"
	wait $p
	st=$?
	[ $st = 0 ] && fail "ffmpeg succeeded on a closed stream"
	[ $st = 124 ] || [ $st = 137 ] && fail "ffmpeg hangs on a closed stream"
	new_errors | grep -q "closed stream $sid with an error" ||
		fail "no report of the closed stream"
	got=$(grep -vc '^#' $TMP/ff.md5)
	[ "$got" -lt "$(wc -l <"$clips/long.md5")" ] || fail "all frames decoded after the close"
	decode small || fail "after the close: ffmpeg failed: $(tail -n 2 $TMP/ff.err | tr '\n' ' ')"
	md5_check "after the close" $TMP/ff.md5 "$clips/small.md5"
}

# Devices whose capabilities are malformed (the extra devices of the
# rig, one model each with --caps-fault): probe fails cleanly, with a
# reason, and only the good device has a node.
t_hostile_caps() {
	bound=$(ls -d /sys/bus/virtio/drivers/virtio_video/virtio* 2>/dev/null | wc -l)
	expect_eq "devices bound" "$bound" 1
	nodes=0
	for d in /dev/video*; do
		v4l2-ctl -d "$d" --info 2>/dev/null | grep -q "Driver name *: virtio-video" &&
			nodes=$((nodes + 1))
	done
	expect_eq "virtio-video nodes" "$nodes" 1
	refused=$(dmesg | grep -c 'virtio_video virtio.*refusing the capabilities')
	[ "$refused" -ge "${VIDEO_CAPS_FAULTS:-4}" ] ||
		fail "$refused devices refused, ${VIDEO_CAPS_FAULTS:-4} expected"
}

if ! load_driver; then
	echo "not ok 1 load # no virtio-video node appeared"
	dmesg | tail -n 5 | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
ktap_run "$n" "$@"
