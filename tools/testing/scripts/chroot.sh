#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) and update (when the package list changes) the Debian trixie
# tree the rig uses for two things:
#   - the VMM: QEMU >= 10.2 from trixie-backports (bookworm's is too old for
#     vhost-user-test-device), run from the host through the tree's own
#     dynamic loader, so no chroot or bind mount is needed at run time;
#   - the guest's root file system, shared read-only over 9p, with the
#     user-space tools the tests run (alsa-utils, can-utils, ...).
# Also fetches kernel source packages that only trixie-backports has,
# without touching the host's apt sources.
#
# Usage: chroot.sh            make sure the tree is ready, print its path
#        chroot.sh download PATTERN DIR
#                             download the newest package whose name matches
#                             PATTERN (an apt regex) into DIR, print the file
set -euo pipefail
. "$(dirname "$0")/common.sh"

ROOT=$VA_CACHE/trixie-root
MIRROR=${VA_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# Guest tools and the VMM. Changing this list updates the tree on next use.
GUEST_PKGS="busybox kmod alsa-utils iproute2 can-utils procps ethtool
	v4l-utils ffmpeg gstreamer1.0-tools gstreamer1.0-plugins-base
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
	python3-av python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
	lm-sensors libiio-utils"
VMM_PKGS="qemu-system-x86 seabios"
# Version 2 of the tree layout: bump to force a rebuild.
LAYOUT=2
STAMP_KEY=$(printf '%s\n' "$LAYOUT" "$GUEST_PKGS" "$VMM_PKGS" | va_hash)

in_root() {
	va_root mount -t proc proc "$ROOT/proc" 2>/dev/null || true
	local rc=0
	va_root chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive LANG=C "$@" || rc=$?
	va_root umount "$ROOT/proc" 2>/dev/null || true
	return $rc
}

bootstrap() {
	va_host_setup
	local tmp=$ROOT.tmp
	va_log "debootstrap trixie into $tmp"
	va_root rm -rf "$tmp"
	va_root mkdir -p "$(dirname "$tmp")"
	va_root debootstrap --variant=minbase trixie "$tmp" "$MIRROR" \
		>"$VA_CACHE/debootstrap.log" 2>&1 ||
		va_die "debootstrap failed, see $VA_CACHE/debootstrap.log"
	va_root rm -f "$tmp/etc/apt/sources.list"
	va_root tee "$tmp/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $MIRROR
Suites: trixie trixie-updates trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	# Mount points the guest uses on its read-only root.
	va_root mkdir -p "$tmp/mnt/work" "$tmp/mnt/src" "$tmp/lib/modules"
	va_root mv "$tmp" "$ROOT"
}

update() {
	va_log "trixie tree: installing $VMM_PKGS (backports) and $GUEST_PKGS"
	in_root apt-get update -q >/dev/null
	# shellcheck disable=SC2086
	in_root apt-get install -y -q --no-install-recommends \
		-t trixie-backports $VMM_PKGS >/dev/null
	# shellcheck disable=SC2086
	in_root apt-get install -y -q --no-install-recommends $GUEST_PKGS >/dev/null
	in_root apt-get clean
	echo "$STAMP_KEY" | va_root tee "$ROOT/.va-stamp" >/dev/null
}

ensure() {
	[ -x "$ROOT/usr/bin/apt-get" ] || bootstrap
	[ "$(cat "$ROOT/.va-stamp" 2>/dev/null)" = "$STAMP_KEY" ] || update
}

case "${1:-}" in
download)
	pattern=$2 dir=$3
	ensure
	name=$(in_root apt-cache search --names-only "$pattern" | cut -d' ' -f1 |
		sort -V | tail -n 1)
	[ -n "$name" ] || va_die "no package matches $pattern in trixie"
	mkdir -p "$dir"
	ver=$(in_root apt-cache policy "$name" | awk '/Candidate:/ { print $2 }')
	file=$(ls "$dir/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$file" ]; then
		va_log "downloading $name $ver"
		in_root sh -c "cd /tmp && apt-get download -q $name >/dev/null"
		va_root sh -c "mv '$ROOT'/tmp/${name}_*.deb '$dir'/"
		file=$(ls "$dir/${name}_"*.deb | sort -V | tail -n 1)
	fi
	echo "$file"
	;;
"")
	ensure
	echo "$ROOT"
	;;
*)
	va_die "usage: chroot.sh [download PATTERN DIR]"
	;;
esac
