#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side measurements of what a guest produced, shared by the tests and
the demo. Each prints what it measured and exits non-zero with the reason
when the expectation is not met.

  measure.py stream GUEST MODEL LENGTH
      GUEST (LENGTH bytes) is one contiguous run of MODEL (a device model's
      log of every byte it handed out)
  measure.py freq WAV HZ
      the non-silent part of a 16-bit WAV recording is a tone of HZ within
      1 %, over at least 1.5 s, with at most 10 % of its cycles broken
"""
import struct
import sys


def stream(guest_path, model_path, length):
    guest = open(guest_path, "rb").read()
    model = open(model_path, "rb").read()
    if len(guest) != int(length):
        sys.exit("guest read %d bytes, expected %s" % (len(guest), length))
    at = model.find(guest)
    if at < 0:
        # Say where the run breaks, to tell a lost buffer from garbage.
        head = model.find(guest[:64])
        sys.exit("not a contiguous run of the %d model bytes (first 64 bytes %s)"
                 % (len(model), "found at %d" % head if head >= 0 else "not found"))
    print("the guest's %d bytes are model bytes %d..%d, in order"
          % (len(guest), at, at + len(guest) - 1))


def freq(wav_path, hz):
    data = open(wav_path, "rb").read()
    want = float(hz)
    if len(data) < 44 or data[:4] != b"RIFF":
        sys.exit("no wav recording (%d bytes)" % len(data))
    channels, rate = struct.unpack_from("<HI", data, 22)
    bits = struct.unpack_from("<H", data, 34)[0]
    if bits != 16:
        sys.exit("recording is %d-bit, expected 16" % bits)
    # QEMU fills in the sizes only on a clean exit: read the samples after
    # the canonical header rather than trusting them.
    raw = data[44:]
    n = len(raw) // (2 * channels)
    left = struct.unpack_from("<%dh" % (n * channels), raw)[::channels]
    loud = [i for i, v in enumerate(left) if abs(v) > 1000]
    if not loud:
        sys.exit("recording is silent (%d frames at %d Hz)" % (n, rate))
    seg = left[loud[0]:loud[-1] + 1]
    secs = len(seg) / rate
    ups = [i for i in range(1, len(seg)) if seg[i - 1] < 0 <= seg[i]]
    if secs < 1.5 or len(ups) < 3:
        sys.exit("only %.2f s of signal" % secs)
    # The tone's frequency is what the cycles between two rising zero
    # crossings say. A stream that lost or repeated a period (a guest too
    # slow for real time under TCG, on the KASAN lane) has a few broken
    # cycles where the waveform jumps: those are counted and left out,
    # and more than 10 % of them fails.
    cycles = sorted(b - a for a, b in zip(ups, ups[1:]))
    mid = cycles[len(cycles) // 2]
    whole = [c for c in cycles if abs(c - mid) <= mid * 0.05]
    broken = len(cycles) - len(whole)
    got = rate * len(whole) / sum(whole)
    print("%.2f Hz over %.2f s at %d Hz, %d channel(s), %d of %d cycles broken"
          % (got, secs, rate, channels, broken, len(cycles)))
    if broken * 10 > len(cycles):
        sys.exit("%d of %d cycles broken: the stream has gaps" % (broken, len(cycles)))
    if abs(got - want) > want * 0.01:
        sys.exit("measured %.2f Hz, expected %.0f Hz" % (got, want))

if __name__ == "__main__":
    cmds = {"stream": stream, "freq": freq}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
