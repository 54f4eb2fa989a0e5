#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Make sure a lane's guest kernel is built, print its build directory.
#
# Usage: kernel.sh LANE [FLAVOUR]
#   LANE     mainline | 6.12 | 6.1
#   FLAVOUR  release (default) | debug
#
# The source is the lane's Debian linux-source package (mainline: the newest
# linux-source-7.x of trixie-backports, fetched through the rig's trixie tree
# so the host's apt sources stay as they are). The kernel is tinyconfig plus
# the fragments in tools/testing/kconfig/, built with ccache out of tree in
# $VA_CACHE/kernels/LANE-FLAVOUR. It is rebuilt only when the source package,
# the fragments or the compiler change; a rebuild is incremental.
#
# The build directory holds:
#   arch/x86/boot/bzImage   the kernel
#   modroot/lib/modules/    its modules, for the guest's /lib/modules
#   source                  link to the source tree (for M= builds)
# The body is one block, so bash reads all of it before running any: the
# file can be edited while a (long) build runs.
{
set -euo pipefail
. "$(dirname "$0")/common.sh"

va_host_setup
lane=${1:?usage: kernel.sh LANE [FLAVOUR]}
flavour=${2:-release}
[ -f "$VA_TESTING/kconfig/$flavour.config" ] || va_die "unknown flavour $flavour"

debs=$VA_CACHE/debs
mkdir -p "$debs"

# Print the path of the lane's source .deb, downloading it when missing.
source_deb() {
	local pkg file
	case "$lane" in
	mainline)
		# Asking trixie-backports costs a few seconds: do it at most every
		# six hours (VA_REFRESH=1 forces it).
		local memo=$debs/mainline.current
		if [ -z "${VA_REFRESH:-}" ] && [ -f "$(cat "$memo" 2>/dev/null)" ] &&
		   [ -z "$(find "$memo" -mmin +360)" ]; then
			cat "$memo"
			return
		fi
		"$VA_TESTING/scripts/chroot.sh" download '^linux-source-7\.[0-9]+$' "$debs" >"$memo.tmp"
		mv "$memo.tmp" "$memo"
		cat "$memo"
		return
		;;
	6.1 | 6.12)
		pkg=linux-source-$lane
		;;
	*)
		va_die "unknown lane $lane (lanes: $VA_LANES)"
		;;
	esac
	local ver
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		va_root apt-get update -q >/dev/null
		ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	fi
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || va_die "no package $pkg"
	file=$debs/${pkg}_${ver//:/%3a}_all.deb
	if [ ! -f "$file" ]; then
		va_log "downloading $pkg $ver"
		(cd "$debs" && apt-get download -q "$pkg=$ver" >/dev/null) ||
			va_die "apt-get download $pkg failed"
	fi
	echo "$file"
}

# Unpack the kernel tarball of a source .deb once; print the tree's path.
source_tree() {
	local deb=$1 key tree tmp
	key=$(basename "$deb" .deb)
	tree=$VA_CACHE/src/$key
	if [ ! -f "$tree/.va-unpacked" ]; then
		va_log "unpacking $key"
		tmp=$tree.tmp
		rm -rf "$tmp" "$tree"
		mkdir -p "$tmp"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.*'
		tar -x -C "$tmp" -f "$tmp"/usr/src/linux-source-*.tar.*
		mv "$tmp"/linux-source-* "$tree"
		rm -rf "$tmp"
		touch "$tree/.va-unpacked"
	fi
	echo "$tree"
}

deb=$(source_deb)
src=$(source_tree "$deb")
out=$VA_CACHE/kernels/$lane-$flavour
frags=("$VA_TESTING/kconfig/base.config" "$VA_TESTING/kconfig/$flavour.config")
key=$( (basename "$deb"; cat "${frags[@]}"; gcc --version | head -n 1) | va_hash)

# One build per directory at a time; a second caller waits and then finds
# the kernel built.
mkdir -p "$VA_CACHE/kernels"
exec 9>"$out.lock"
flock 9

if [ "$(cat "$out/.va-key" 2>/dev/null)" = "$key" ] &&
   [ -f "$out/arch/x86/boot/bzImage" ]; then
	echo "$out"
	exit 0
fi

# A different source version needs a clean build directory.
if [ "$(readlink "$out/source" 2>/dev/null)" != "$src" ]; then
	rm -rf "$out"
fi
mkdir -p "$out"

export CCACHE_DIR=${CCACHE_DIR:-$VA_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
export CCACHE_COMPILERCHECK=content
# Stable build identity, so ccache hits across rebuilds.
export KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=va KBUILD_BUILD_HOST=rig
kmake() {
	make -s -C "$src" O="$out" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" "$@"
}

va_log "building $lane-$flavour kernel from $(basename "$src") in $out"
start=$SECONDS
kmake tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" \
	>"$out/merge_config.log" 2>&1
kmake olddefconfig >/dev/null

# Every option the fragments ask for must have survived olddefconfig, unless
# the option does not exist on this kernel.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	opt=${line%%=*} val=${line#*=}
	[ "$val" = n ] && continue
	grep -qx "$opt=$val" "$out/.config" && continue
	sym=${opt#CONFIG_}
	if grep -rqsE "^(menu)?config $sym\$" --include='Kconfig*' "$src"; then
		va_log "error: $lane-$flavour: $opt=$val did not survive olddefconfig (unmet dependencies)"
		missing=$((missing + 1))
	fi
done < <(cat "${frags[@]}")
[ $missing = 0 ] || va_die "$missing option(s) of the fragments cannot be set on $lane; fix tools/testing/kconfig/"

kmake -j"$VA_JOBS" bzImage modules 2>"$out/build.err" || {
	tail -n 40 "$out/build.err" >&2
	va_die "kernel build failed for $lane-$flavour"
}
rm -rf "$out/modroot"
kmake INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 modules_install >/dev/null
echo "$key" >"$out/.va-key"
va_log "built $lane-$flavour in $((SECONDS - start)) s"
echo "$out"
exit 0
}
