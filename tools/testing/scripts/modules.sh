#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build our modules for a lane's guest kernel, out of the repository: the
# sources are mirrored into $VA_CACHE/obj/LANE and built there, so lanes do
# not trample each other's objects. Prints that directory.
# Usage: modules.sh LANE [--sync]   (--sync: mirror only, do not build)
set -euo pipefail
. "$(dirname "$0")/common.sh"

# VA_SRC (a tree laid out like the repository) and VA_OBJ override the
# source and the build directory; the check suite's self-test uses them.
# LANE may name a flavour: mainline-debug builds against the debug kernel.
lane=${1:?usage: modules.sh LANE [--sync]}
case $lane in
*-debug) kdir=$("$VA_TESTING/scripts/kernel.sh" "${lane%-debug}" debug) ;;
*) kdir=$("$VA_TESTING/scripts/kernel.sh" "$lane") ;;
esac
src=${VA_SRC:-$VA_TOP}
obj=${VA_OBJ:-$VA_CACHE/obj/$lane}
mkdir -p "$obj"
rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
	--exclude='Module.symvers' --exclude='.*.d' \
	"$src/Kbuild" "$src/Makefile" "$src/drivers" "$src/include" "$obj/"
# A new build of the lane's kernel (another configuration) needs a clean
# build: kbuild did not see it here. On 7.3, objects built before
# CONFIG_PM_SLEEP was set kept the old struct device layout and the
# module oopsed in probe.
key=$(cat "$kdir/.va-key" 2>/dev/null || true)
if [ "$(cat "$obj/.va-kernel" 2>/dev/null || true)" != "$key" ]; then
	make -s -C "$obj" KDIR="$kdir" clean >/dev/null 2>&1 || true
	echo "$key" >"$obj/.va-kernel"
fi
# QEMU 11.1 cannot present virtio device ID 50 (its table of device names
# ends before it), so the rig gives the virtio-video model ID 31 and builds
# the driver to also match that (see Documentation/testing.rst).
if [ "${2:-}" != --sync ]; then
	make -s -C "$obj" KDIR="$kdir" VIRTIO_VIDEO_RIG_ID=31 modules >&2
fi
echo "$obj"
