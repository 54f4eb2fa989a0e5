#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench SUITE=...`: benchmarks, each reporting ratios measured side by
# side in one run (see ../shared/DESIGN.md, section 4). Suites arrive with
# their drivers: can, video, scmi.
set -euo pipefail
. "$(dirname "$0")/common.sh"

suite=${SUITE:-}
avail=$(ls "$VA_TESTING"/bench/*.sh 2>/dev/null | xargs -r -n1 basename | sed 's/\.sh$//' | tr '\n' ' ' || true)
[ -n "$suite" ] || va_die "usage: make bench SUITE=<name>; available: ${avail:-none yet, they arrive with the drivers}"
[ -x "$VA_TESTING/bench/$suite.sh" ] || va_die "no benchmark suite '$suite' yet"
exec "$VA_TESTING/bench/$suite.sh"
