#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the rig's host-side programs (the vhost-user library, the device
# models, their unit tests) into $VA_CACHE/tools; print that directory.
# Incremental: make rebuilds only what changed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

out=$VA_CACHE/tools
make -s -C "$VA_TESTING" O="$out" -j"$VA_JOBS" >&2 || va_die "host tools build failed"
echo "$out"
