#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""va-video-client.py - decode a clip through a V4L2 stateful decoder with
FFmpeg (libavcodec's *_v4l2m2m, through PyAV) or GStreamer (v4l2*dec,
through PyGObject), the way an application does, and check every frame
against the host's software decode.

    va-video-client.py {av|gst} CLIP CODEC REF.md5 [--fps N]
                       [--seek-after K --seek-to S] [--replay] [--verbose]

CLIP is a Matroska file or, for a .h264 name, an Annex B elementary
stream (frames are then identified by order).  REF.md5 has one MD5 per frame of packed NV12 in
display order.

Default: decode to the end (the client drains the decoder: FFmpeg sends
V4L2_DEC_CMD_STOP and waits for the LAST buffer, GStreamer does the same on
EOS) and require exactly the reference frames, in order.

--seek-after K --seek-to S: after K frames, seek to frame S (a key frame),
then decode to the end: the frames before the seek must be the reference's
first frames, the frames after it exactly frames S to the end.  GStreamer
seeks with a flushing key-unit seek, which its decoder turns into
STREAMOFF/STREAMON of the OUTPUT queue (the driver's QUEUE_RESET).
FFmpeg's *_v4l2m2m decoders have no flush (avcodec_flush_buffers leaves
the V4L2 queues as they are), so an FFmpeg application seeks by closing
the decoder, buffers still in flight, and opening a new one: that is what
this does.

A resolution change in the middle of the stream needs nothing of the
client with GStreamer.  FFmpeg's decoders, on the source change event,
stream CAPTURE off and wait until every frame they handed out has been
released before they reallocate their buffers: the FFmpeg client here
lets go of each frame as soon as it has checked it.  (The ffmpeg program
keeps frames in its filter graph, and so cannot follow such a change.)

--replay: decode to the end, seek back to the start and decode everything
again: a seek after the drain (GStreamer only, for the reason above).

Frames are identified by timestamp (frame index = pts * fps) where the
container has timestamps, else by order.  Prints one line per check and
"ok" or "FAIL: reason"; exit status 0 when every check passed.
"""

import argparse
import hashlib
import sys


def nv12_md5(planes, width, height):
    """MD5 of a packed NV12 frame from (bytes, stride) of its two planes."""
    h = hashlib.md5()
    rows = ((width, height), (2 * ((width + 1) // 2), (height + 1) // 2))
    for (data, stride), (row, count) in zip(planes, rows):
        if stride == row:
            h.update(data[:row * count])
            continue
        for y in range(count):
            h.update(data[y * stride:y * stride + row])
    return h.hexdigest()


class Result:
    def __init__(self, ref, fps):
        self.ref = ref
        self.fps = fps
        self.frames = []        # (index or None, md5, width, height)
        self.errors = []
        self.base = None        # the first frame's timestamp
        self.verbose = False

    def add(self, pts_seconds, md5, width, height):
        if self.verbose:
            where = [i for i, r in enumerate(self.ref) if r == md5]
            print("# frame %d: pts %s, %dx%d, is reference frame %s"
                  % (len(self.frames), pts_seconds, width, height,
                     where or "none"))
        idx = None
        if pts_seconds is not None and self.fps:
            if self.base is None:
                self.base = pts_seconds
            idx = int(round((pts_seconds - self.base) * self.fps))
        self.frames.append((idx, md5, width, height))

    def time_of(self, frame):
        """Stream time in seconds of frame index frame."""
        return (self.base or 0.0) + frame / self.fps

    def check_run(self, what, frames, first, complete=True):
        """frames must be the reference from index first on: all of it
        to the end when complete, else a prefix."""
        want = self.ref[first:]
        got = [f[1] for f in frames]
        for i, (idx, md5, w, h) in enumerate(frames):
            if idx is not None and idx != first + i:
                self.errors.append("%s: frame %d has timestamp of frame %d"
                                   % (what, first + i, idx))
                return
            if i >= len(want) or md5 != want[i]:
                self.errors.append("%s: frame %d (%dx%d) differs from the "
                                   "reference" % (what, first + i, w, h))
                return
        if complete and len(got) != len(want):
            self.errors.append("%s: %d frames, %d expected"
                               % (what, len(got), len(want)))


# ---- FFmpeg (PyAV) ---------------------------------------------------------

def av_decoder(av, stream, codec):
    ctx = av.CodecContext.create("%s_v4l2m2m" % codec, "r")
    par = stream.codec_context
    if par.extradata:
        ctx.extradata = par.extradata
    ctx.width = par.width
    ctx.height = par.height
    return ctx


def av_frame(res, frame, tb):
    if frame.format.name != "nv12":
        raise RuntimeError("decoder output is %s, not nv12" % frame.format.name)
    planes = [(bytes(p), p.line_size) for p in frame.planes[:2]]
    pts = frame.pts * tb if frame.pts is not None else None
    res.add(pts, nv12_md5(planes, frame.width, frame.height),
            frame.width, frame.height)


def run_av(args, res):
    import av

    con = av.open(args.clip)
    stream = con.streams.video[0]
    if not args.clip.endswith(".mkv"):
        res.fps = 0             # an elementary stream: frames by order
    tb = float(stream.time_base) if stream.time_base else None
    ctx = av_decoder(av, stream, args.codec)

    def decode_all(limit=None):
        for pkt in con.demux(stream):
            # the demuxer's last packet is empty: decode(None) drains
            for fr in ctx.decode(None if pkt.size == 0 else pkt):
                av_frame(res, fr, tb)
                # Let go of the frame at once: on a source change the
                # decoder waits for every frame it handed out to be
                # released before it reallocates its buffers.
                del fr
            if limit is not None and len(res.frames) >= limit:
                return False
            if pkt.size == 0:
                break
        return True

    if args.replay:
        raise RuntimeError("--replay needs a decoder that can flush")
    if args.seek_after is not None:
        decode_all(args.seek_after)
        before = list(res.frames)
        res.frames.clear()
        con.seek(int(round(res.time_of(args.seek_to) / tb)), stream=stream,
                 backward=True)
        ctx = av_decoder(av, stream, args.codec)
        decode_all()
        res.check_run("before the seek", before, 0, complete=False)
        res.check_run("after the seek", res.frames, args.seek_to)
        return
    decode_all()
    res.check_run("decode", res.frames, 0)


# ---- GStreamer (PyGObject) -------------------------------------------------

def run_gst(args, res):
    import gi

    gi.require_version("Gst", "1.0")
    from gi.repository import Gst

    Gst.init(None)
    dec = "v4l2%sdec" % args.codec
    if not Gst.ElementFactory.find(dec):
        raise RuntimeError("no %s element" % dec)
    parse = {"h264": "h264parse", "hevc": "h265parse", "vp8": "",
             "vp9": "vp9parse"}[args.codec]
    if args.clip.endswith(".mkv"):
        demux = "matroskademux ! "
    else:
        demux = ""
        res.fps = 0             # an elementary stream: frames by order
    desc = ("filesrc location=%s ! %s%s%s ! video/x-raw,format=NV12 ! "
            "appsink name=sink sync=false max-buffers=4"
            % (args.clip, demux, parse + " ! " if parse else "", dec))
    pipe = Gst.parse_launch(desc)
    sink = pipe.get_by_name("sink")
    bus = pipe.get_bus()
    pipe.set_state(Gst.State.PLAYING)

    def pull_all(limit=None):
        while limit is None or len(res.frames) < limit:
            sample = sink.emit("pull-sample")
            if sample is None:
                return
            st = sample.get_caps().get_structure(0)
            w, h = st.get_value("width"), st.get_value("height")
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            if not ok:
                raise RuntimeError("cannot map a buffer")
            try:
                data = bytes(info.data)
            finally:
                buf.unmap(info)
            # appsink offers no video meta: the decoder hands over packed
            # planes (the chroma plane at width * height)
            if len(data) < w * h * 3 // 2:
                raise RuntimeError("a %dx%d buffer of %d bytes" % (w, h, len(data)))
            planes = [(data[:w * h], w), (data[w * h:], 2 * ((w + 1) // 2))]
            pts = None
            if buf.pts != Gst.CLOCK_TIME_NONE:
                seg = sample.get_segment()
                pts = seg.to_stream_time(Gst.Format.TIME, buf.pts) / Gst.SECOND
            res.add(pts, nv12_md5(planes, w, h), w, h)

    def seek(frame):
        ok = pipe.seek_simple(Gst.Format.TIME,
                              Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT,
                              int(res.time_of(frame) * Gst.SECOND))
        if not ok:
            raise RuntimeError("the pipeline refused the seek")

    try:
        if args.seek_after is not None:
            pull_all(args.seek_after)
            before = list(res.frames)
            res.frames.clear()
            seek(args.seek_to)
            pull_all()
            res.check_run("before the seek", before, 0, complete=False)
            res.check_run("after the seek", res.frames, args.seek_to)
        else:
            pull_all()
            res.check_run("decode", res.frames, 0)
            if args.replay:
                res.frames.clear()
                seek(0)
                pull_all()
                res.check_run("decode after EOS and a seek to 0",
                              res.frames, 0)
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        if msg:
            err, dbg = msg.parse_error()
            res.errors.append("GStreamer: %s (%s)" % (err.message, dbg))
    finally:
        pipe.set_state(Gst.State.NULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("api", choices=("av", "gst"))
    ap.add_argument("clip")
    ap.add_argument("codec", choices=("h264", "hevc", "vp8", "vp9"))
    ap.add_argument("ref")
    ap.add_argument("--fps", type=float, default=25.0)
    ap.add_argument("--seek-after", type=int)
    ap.add_argument("--seek-to", type=int, default=0)
    ap.add_argument("--replay", action="store_true")
    ap.add_argument("--verbose", action="store_true",
                    help="a line per frame: which reference frame it is")
    args = ap.parse_args()
    with open(args.ref) as f:
        ref = [line.strip() for line in f if line.strip()]
    res = Result(ref, args.fps)
    res.verbose = args.verbose
    try:
        (run_av if args.api == "av" else run_gst)(args, res)
    except Exception as e:      # report, do not trace back
        res.errors.append("%s: %s" % (type(e).__name__, e))
    if res.errors:
        for e in res.errors:
            print("FAIL: %s" % e)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
