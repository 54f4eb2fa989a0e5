#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A system sleep cycle with virtio_scmi_ext bound, in a rig guest.

The kernel suspends every device and resumes it (/sys/power/pm_test
"devices", then "freeze"): virtio resets the SCMI device, the driver's
freeze callback stops the transport, its restore callback sets the queues
up again and the front-ends renew their subscriptions, which the device
model forgets on a reset. This program checks, after the resume, that a
hwmon read still reaches the platform and that an IIO buffer streaming
before the sleep streams again.

The rig's root and work directories are virtio-9p, whose driver has no
freeze/restore: after the resume they are gone. So this program does
everything itself once started (no process start, no file on 9p): it
writes its KTAP lines to the console, prefixed "va-pm: ", on the debug
flavour runs the kmemleak scan, and says "done"; the rig then ends the
guest. Right after the resume it says "resumed", and stays up at least
RIG_WINDOW seconds more, in which the rig asks the device model whether
it saw the reset and the renewed subscriptions.
"""
import glob
import os
import select
import struct
import sys
import time

SAMPLE = struct.Struct("<qqqq")  # x, y, z, timestamp
RIG_WINDOW = 3
results = []
resumed_at = None


def console(line):
    with open("/dev/console", "w") as f:
        f.write("va-pm: %s\n" % line)


def check(name, ok, detail=""):
    results.append((name, ok, detail))


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def hwmon():
    for h in glob.glob("/sys/class/hwmon/hwmon*"):
        if read(h + "/name") == "vscmi_sensors":
            return h
    return None


def iio(name):
    for d in glob.glob("/sys/bus/iio/devices/iio:device*"):
        if read(d + "/name") == name:
            return d
    return None


def samples(fd, seconds, want):
    """Up to @want whole samples read within @seconds."""
    data = b""
    end = time.monotonic() + seconds
    while len(data) < want * SAMPLE.size:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        data += os.read(fd, want * SAMPLE.size - len(data))
    n = len(data) // SAMPLE.size
    return [SAMPLE.unpack_from(data, SAMPLE.size * k) for k in range(n)]


def one_update_each(got):
    """Every sample is one SENSOR_UPDATE: axis a holds update * 8 + a."""
    return all(x % 8 == 0 and y == x + 1 and z == x + 2 for x, y, z, _ in got)


def main():
    temp_want = sys.argv[1]
    h, a = hwmon(), iio("imu-accel")
    check("sensors found", h is not None and a is not None, "hwmon %s, imu-accel %s" % (h, a))
    if h is None or a is None:
        return
    temp = h + "/temp1_input"
    check("hwmon read before", read(temp) == temp_want, read(temp))

    write(a + "/sampling_frequency", "100")
    for ch in ("in_accel_x_en", "in_accel_y_en", "in_accel_z_en", "in_timestamp_en"):
        write(a + "/scan_elements/" + ch, "1")
    write(a + "/buffer/length", "128")
    write(a + "/buffer/enable", "1")
    fd = os.open("/dev/" + os.path.basename(a), os.O_RDONLY | os.O_NONBLOCK)
    before = samples(fd, 10, 20)
    check("IIO stream before", len(before) == 20 and one_update_each(before),
          "%d samples" % len(before))

    write("/sys/power/pm_test", "devices")
    t0 = time.monotonic()
    try:
        write("/sys/power/state", "freeze")
        err = ""
    except OSError as e:
        err = str(e)
    global resumed_at
    resumed_at = time.monotonic()
    console("resumed")
    check("suspend and resume", not err, err)
    console("# the sleep cycle took %.1f s" % (resumed_at - t0))

    check("hwmon read after", read(temp) == temp_want, read(temp))
    # what was queued before the sleep, then what came after it
    old = samples(fd, 0.5, 1000)
    after = samples(fd, 10, 20)
    last = (old or before)[-1][0] // 8
    check("IIO stream after", len(after) == 20 and one_update_each(after)
          and after[0][0] // 8 > last,
          "%d samples, first update %s, last before %d"
          % (len(after), after[0][0] // 8 if after else "-", last))
    write(a + "/buffer/enable", "0")
    os.close(fd)


def leak_scan():
    path = "/sys/kernel/debug/kmemleak"
    if not os.path.exists(path):
        return
    time.sleep(6)
    write(path, "scan")
    time.sleep(1)
    write(path, "scan")
    for line in read(path).splitlines():
        console(line)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # report it, and still end the guest
        check("no exception", False, repr(e))
    for n, (name, ok, detail) in enumerate(results, 1):
        console("%s %d %s%s" % ("ok" if ok else "not ok", n, name,
                                "" if ok else " # " + detail))
    console("1..%d" % len(results))
    leak_scan()
    if resumed_at is not None:
        time.sleep(max(0, resumed_at + RIG_WINDOW - time.monotonic()))
    console("done")
    time.sleep(3600)
