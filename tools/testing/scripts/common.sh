# SPDX-License-Identifier: GPL-2.0
# Shared shell helpers for the test rig. Source it; do not run it.
#
# Everything the rig installs or builds goes below $VA_CACHE, outside the
# repository, so a second run reuses it and a fresh machine rebuilds it.

VA_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VA_TESTING=$VA_TOP/tools/testing
VA_CACHE=${VA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-automotive}
VA_JOBS=${VA_JOBS:-$(($(nproc) + 1))}
export VA_TOP VA_TESTING VA_CACHE

# Lanes: name -> how the kernel source is obtained. See README.md.
VA_LANES="mainline 6.12 6.1"

va_log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
va_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root, through sudo when we are not root already.
va_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	else
		sudo -n "$@" || va_die "needs root (sudo without a password): $*"
	fi
}

# Install Debian packages that are missing on the host. Idempotent and quiet
# when everything is there already.
va_apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	va_log "apt: installing ${missing[*]}"
	local stamp=/var/lib/apt/periodic/va-update-stamp
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
		va_root apt-get update -q >/dev/null || va_die "apt-get update failed"
		va_root mkdir -p "$(dirname "$stamp")"
		va_root touch "$stamp"
	fi
	va_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		va_die "apt-get install ${missing[*]} failed"
}

# The host packages every target needs. Checked once an hour at most.
VA_HOST_PKGS="build-essential bc bison flex libelf-dev libssl-dev ccache
	xz-utils cpio kmod python3 debootstrap util-linux procps rsync sox
	libcmocka-dev pkg-config libasound2-dev sparse coccinelle ocaml-nox perl
	libavcodec-dev libavutil-dev ffmpeg dkms device-tree-compiler"
va_host_setup() {
	local stamp=$VA_CACHE/.host-packages key
	key=$(echo $VA_HOST_PKGS | va_hash)
	if [ "$(cat "$stamp" 2>/dev/null)" = "$key" ] && [ -z "$(find "$stamp" -mmin +60)" ]; then
		return 0
	fi
	# shellcheck disable=SC2086
	va_apt_install $VA_HOST_PKGS
	mkdir -p "$VA_CACHE"
	echo "$key" >"$stamp"
}

# Content hash of files and strings, used as a cache key.
va_hash() { sha256sum | cut -c1-16; }

# Kill a process and all its descendants (TERM, then KILL after a grace).
va_kill_tree() {
	local pid=$1 kids k
	kill -STOP "$pid" 2>/dev/null || return 0
	kids=$(pgrep -P "$pid" 2>/dev/null || true)
	for k in $kids; do va_kill_tree "$k"; done
	kill -TERM "$pid" 2>/dev/null || true
	kill -CONT "$pid" 2>/dev/null || true
}

# va_bench_prepare NAME: what every `make bench` suite needs first: the
# host, the trixie tree, the host tools and the mainline guest kernel; our
# modules built for it; and a new output directory $VA_CACHE/bench/NAME-DATE
# (linked as NAME-latest) with ko/ and NAME-ctl/. Sets tools, obj and out.
va_bench_prepare() {
	va_host_setup
	"$VA_TESTING/scripts/chroot.sh" >/dev/null
	tools=$("$VA_TESTING/scripts/host-tools.sh")
	"$VA_TESTING/scripts/kernel.sh" mainline >/dev/null
	obj=$("$VA_TESTING/scripts/modules.sh" mainline)
	out=$VA_CACHE/bench/$1-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$out/ko" "$out/$1-ctl"
	ln -sfn "$out" "$VA_CACHE/bench/$1-latest"
}
