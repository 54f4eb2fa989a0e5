# SPDX-License-Identifier: GPL-2.0
# virtio-video: the decoder against va-video-model in a guest, driven by
# v4l2-compliance, FFmpeg and GStreamer. The clips are made at test time
# with the host's FFmpeg; the reference is the host's software decode of
# the same clip (per-frame MD5 of NV12).

VIDEO_HOSTILE="hostile_caps hostile_extra hostile_broken hostile_close"
# mainline on virtio-pci runs everything.
VIDEO_TESTS="probe compliance compliance_stream ffmpeg:small ffmpeg:odd
	ffmpeg:hevc ffmpeg:vp8 ffmpeg:vp9 gst:small gst:odd streams:small
	seek:av seek:gst drc:av drc:gst $VIDEO_HOSTILE"
# The other lanes and transports run a subset, to keep `make test` within
# CI's time: 6.1 and 6.12 skip the codecs that only exercise the device
# (the driver's path is the same) and the faults (which do not depend on
# the kernel); virtio-mmio runs the transport-sensitive core; the debug
# kernel (about 80 s a decode under TCG) runs the faults but
# hostile_close, whose FFmpeg does not reach its first frame there in
# reasonable time while the test polls the model.
VIDEO_LTS_TESTS="probe compliance compliance_stream ffmpeg:small ffmpeg:odd
	gst:small seek:av seek:gst drc:av drc:gst"
VIDEO_MMIO_TESTS="probe compliance ffmpeg:small gst:odd seek:av"
VIDEO_DEBUG_TESTS=${VIDEO_DEBUG_TESTS:-"probe hostile_caps hostile_extra hostile_broken"}
VIDEO_CAPS_FAULTS="truncated bad-link no-format huge-length"

# Only lanes whose kernel has what the driver needs build it.
suite_video_applies() {
	local obj
	obj=$("$VA_TESTING/scripts/modules.sh" "$1" 2>/dev/null) &&
		[ -f "$obj/drivers/virtio-video/virtio_video.ko" ]
}

# video_clip NAME CODEC ENCODER-ARGS...: make $VA_RUN/clips/NAME.mkv (a
# container, so that FFmpeg has timestamps), NAME.codec, and the reference
# NAME.md5 (the host's decode, one NV12 frame MD5 a line) and NAME.size
# (bytes of one NV12 frame), once a run.
video_clip() {
	local name=$1 codec=$2 dir=$VA_RUN/clips
	shift 2
	[ -f "$dir/$name.md5" ] && return 0
	mkdir -p "$dir"
	ffmpeg -hide_banner -loglevel error -nostdin -y "$@" -f matroska "$dir/$name.mkv" &&
	echo "$codec" >"$dir/$name.codec" &&
	video_ref "$dir/$name.mkv" "$dir/$name"
}

# video_ref FILE OUT: OUT.md5 and OUT.size of a clip's software decode.
video_ref() {
	ffmpeg -hide_banner -loglevel error -nostdin -i "$1" \
		-autoscale 0 -f framemd5 -pix_fmt nv12 - |
		awk -F, '!/^#/ { gsub(/ /, "", $6); print $6 }' >"$2.md5" &&
	ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
		-of csv=p=0 "$1" | awk -F, '{ print $1 * $2 * 3 / 2 }' >"$2.size"
}

video_clips() {
	local x264="-c:v libx264 -pix_fmt yuv420p" dir=$VA_RUN/clips
	# shellcheck disable=SC2086
	video_clip small h264 -f lavfi -i testsrc2=size=176x144:rate=25 \
		-frames:v 30 $x264 -g 10 &&
	video_clip odd h264 -f lavfi -i testsrc2=size=200x120:rate=25 \
		-frames:v 20 $x264 -bf 2 &&
	video_clip hevc hevc -f lavfi -i testsrc2=size=320x240:rate=25 \
		-frames:v 20 -c:v libx265 -x265-params log-level=error \
		-pix_fmt yuv420p &&
	video_clip vp8 vp8 -f lavfi -i testsrc2=size=320x240:rate=25 \
		-frames:v 20 -c:v libvpx &&
	video_clip vp9 vp9 -f lavfi -i testsrc2=size=320x240:rate=25 \
		-frames:v 20 -c:v libvpx-vp9 -pix_fmt yuv420p &&
	# Long enough to close its stream in the middle of the decode.
	video_clip long h264 -f lavfi -i testsrc2=size=176x144:rate=25 \
		-frames:v 300 $x264 -g 30 &&
	# A resolution change mid-stream: two H.264 streams one after the
	# other in one elementary stream (no B-frames, so that the raw
	# stream's timestamps can be made up). The second is long enough
	# that the client cannot reach the end of the file, and drain, before
	# the change is handled: GStreamer 1.26 takes a LAST buffer that
	# comes during its drain for the end of the drain, even when a source
	# change event came with it.
	if [ ! -f "$dir/drc.md5" ]; then
		ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi \
			-i testsrc2=size=176x144:rate=25 -frames:v 10 $x264 -bf 0 \
			-f h264 "$dir/drc-a.h264" &&
		ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi \
			-i testsrc2=size=320x240:rate=25 -frames:v 30 $x264 -bf 0 \
			-f h264 "$dir/drc-b.h264" &&
		cat "$dir/drc-a.h264" "$dir/drc-b.h264" >"$dir/drc.h264" &&
		echo h264 >"$dir/drc.codec" &&
		video_ref "$dir/drc.h264" "$dir/drc"
	fi &&
	# Raw H.264 for v4l2-compliance's --stream-from.
	ffmpeg -hide_banner -loglevel error -nostdin -y -i "$dir/small.mkv" \
		-c copy -bsf:v h264_mp4toannexb -f h264 "$dir/small.h264"
}

suite_video() {
	local lane=$1 transport=$2 t=video-$1-$2 out obj tools mpids devs f caps rc tests=$VIDEO_TESTS
	local timeout=900
	if [ "$(lane_flavour "$lane")" = debug ]; then
		tests=$VIDEO_DEBUG_TESTS timeout=1800
	elif [ "$transport" = mmio ]; then
		tests=$VIDEO_MMIO_TESTS
	elif [ "$lane" != mainline ]; then
		tests=$VIDEO_LTS_TESTS
	fi
	out=$VA_RUN/$t
	mkdir -p "$out/ko" "$out/video-ctl"
	video_clips >"$out/clips.log" 2>&1 || {
		va_fail "$t: test clips" "$(tail -n 3 "$out/clips.log")"
		return 1
	}
	cp -r "$VA_RUN/clips" "$out/"
	obj=$("$VA_TESTING/scripts/modules.sh" "$lane" 2>"$out/modules.log") || {
		va_fail "$t: modules build" "$(tail -n 3 "$out/modules.log")"
		return 1
	}
	cp "$obj"/drivers/virtio-video/virtio_video.ko "$out/ko/"
	tools=$("$VA_TESTING/scripts/host-tools.sh")
	"$tools/va-video-model" --socket "$out/video0.sock" \
		--ctl-dir "$out/video-ctl" >"$out/model.log" 2>&1 &
	mpids=$!
	devs=(-B "31:2:8:$out/video0.sock")
	# One more device for each malformed capability set the model can
	# answer with, for hostile_caps: the driver must refuse them at probe.
	# (Only where that test runs: microvm has eight virtio-mmio slots.)
	case " $(echo $tests) " in
	*" hostile_caps "*) caps=$VIDEO_CAPS_FAULTS ;;
	*) caps= ;;
	esac
	for f in $caps; do
		"$tools/va-video-model" --socket "$out/caps-$f.sock" --caps-fault "$f" \
			>"$out/model-caps-$f.log" 2>&1 &
		mpids+=" $!"
		devs+=(-B "31:2:8:$out/caps-$f.sock")
	done
	# shellcheck disable=SC2086
	guest "$t" "$lane" "$transport" -T "$timeout" "${devs[@]}" -- "
		VIDEO_CAPS_FAULTS=$(echo $caps | wc -w) \
		sh /mnt/src/tools/testing/guest/video-test.sh $(echo $tests) >video.ktap
		$leak_scan"
	rc=$?
	# shellcheck disable=SC2086
	kill $mpids 2>/dev/null
	# shellcheck disable=SC2086
	wait $mpids 2>/dev/null
	va_check "$t: guest ran the tests" "guest exit status $rc" test $rc = 0
	va_ktap "$t" "$GUEST_OUT/video.ktap"
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}
