#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run qemu-system-x86_64 >= 10.2: the host's when it is new enough, otherwise
# the one in the rig's trixie tree, started through that tree's own dynamic
# loader and libraries (no chroot needed).
# Usage: qemu.sh QEMU-ARGS...   |   qemu.sh --which
set -euo pipefail
. "$(dirname "$0")/common.sh"

host_ok() {
	local v
	v=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\.[0-9]*\).*/\1/p')
	[ -n "$v" ] && printf '%s\n10.2\n' "$v" | sort -V -C -r 2>/dev/null
}

if [ "${VA_HOST_QEMU:-auto}" != no ] && host_ok; then
	[ "${1:-}" = --which ] && { echo "host: $(command -v qemu-system-x86_64)"; exit 0; }
	exec qemu-system-x86_64 "$@"
fi
root=$VA_CACHE/trixie-root
lib=$root/usr/lib/x86_64-linux-gnu
[ -x "$root/usr/bin/qemu-system-x86_64" ] || root=$("$VA_TESTING/scripts/chroot.sh")
[ "${1:-}" = --which ] && { echo "trixie tree: $root/usr/bin/qemu-system-x86_64"; exit 0; }
export QEMU_MODULE_DIR=$lib/qemu
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/pulseaudio" \
	"$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu" \
	-L "$root/usr/share/seabios" "$@"
