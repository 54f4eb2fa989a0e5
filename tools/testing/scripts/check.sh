#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: the static checks upstream reviewers run, on every lane.
# Any finding fails.
#   - a W=1 build of every driver the lane's kernel can build
#   - sparse over the same (C=2)
#   - checkpatch.pl --strict on the driver and UAPI sources (and, with the
#     few type rules that only fit kernel code left out, on the rig's C code)
#   - coccicheck (M=) in report mode
#   - kernel-doc -Wall on the driver and UAPI sources
# LANE=... (space or comma separated) selects lanes; default: all.
# VA_SRC=DIR checks another tree laid out like this repository (the check
# suite's self-test plants findings in one).
set -uo pipefail
. "$(dirname "$0")/common.sh"

lanes=${LANE:-$VA_LANES}
lanes=${lanes//,/ }
va_host_setup

src_top=${VA_SRC:-$VA_TOP}
export VA_SRC=$src_top
mapfile -t kfiles < <(cd "$src_top" && find drivers include/uapi -name '*.[ch]' \
	! -name '*.mod.c' ! -name '*_compat.h' 2>/dev/null | sort)
# A driver's compat header is where its kernel-version tests live (and the
# one file the upstream submission drops): checkpatch's rule against
# LINUX_VERSION_CODE is left out there, and only there.
mapfile -t cfiles < <(cd "$src_top" && find drivers -name '*_compat.h' 2>/dev/null | sort)
COMPAT_IGNORE=LINUX_VERSION_CODE,CONSTANT_COMPARISON
mapfile -t tfiles < <(cd "$src_top" && find tools/testing -name '*.[ch]' 2>/dev/null | sort)
# Userspace test code has the C library's types, attributes and names
# (uint32_t, __attribute__, PRIx64, cmocka's CMUnitTest, usleep) and no
# BIT(), and its messages stay unsplit; the rules about those are left out
# for it. Everything else checkpatch --strict says applies to it too.
TOOLS_IGNORE=PREFER_KERNEL_TYPES,SPLIT_STRING,LONG_LINE_STRING,PREFER_PR_LEVEL,NEW_TYPEDEFS,BIT_MACRO,CAMELCASE,PREFER_DEFINED_ATTRIBUTE_MACRO,MSLEEP,EMBEDDED_FUNCTION_NAME

findings=0
report() { # TOOL LANE FILE-WITH-FINDINGS
	if [ -s "$3" ]; then
		echo "FAIL  $1 ($2):"
		sed 's/^/    /' "$3"
		findings=$((findings + 1))
	else
		echo "ok    $1 ($2)"
	fi
}

for lane in $lanes; do
	kdir=$("$VA_TESTING/scripts/kernel.sh" "$lane") || va_die "no kernel for lane $lane"
	src=$(readlink -f "$kdir/source")
	log=$VA_CACHE/check/$lane
	if [ "$src_top" != "$VA_TOP" ]; then
		export VA_OBJ=$VA_CACHE/obj/check-$lane
		log=$VA_CACHE/check/other-$lane
	fi
	obj=$("$VA_TESTING/scripts/modules.sh" "$lane" --sync)
	mkdir -p "$log"
	echo "== $lane ($(basename "$src"))"

	# W=1 and sparse: build from scratch so every file is seen.
	make -s -C "$obj" KDIR="$kdir" clean >/dev/null 2>&1
	make -C "$obj" KDIR="$kdir" W=1 modules >"$log/w1.out" 2>&1 || echo "build failed" >>"$log/w1.out"
	grep -E 'warning:|error:|failed' "$log/w1.out" >"$log/w1" || true
	report "W=1 build [$(grep -o 'skipping.*' "$log/w1.out" | wc -l) driver(s) skipped]" "$lane" "$log/w1"
	make -C "$obj" KDIR="$kdir" C=2 CHECK=sparse modules >"$log/sparse.out" 2>&1 ||
		echo "build failed" >>"$log/sparse.out"
	grep -E 'warning:|error:|failed' "$log/sparse.out" >"$log/sparse" || true
	report "sparse C=2 ($(sparse --version 2>/dev/null))" "$lane" "$log/sparse"

	: >"$log/checkpatch"
	if [ ${#kfiles[@]} -gt 0 ]; then
		(cd "$src_top" && "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
			--show-types -f "${kfiles[@]}") | grep -E '(ERROR|WARNING|CHECK):' >>"$log/checkpatch"
	fi
	if [ ${#cfiles[@]} -gt 0 ]; then
		(cd "$src_top" && "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
			--show-types --ignore "$COMPAT_IGNORE" -f "${cfiles[@]}") |
			grep -E '(ERROR|WARNING|CHECK):' >>"$log/checkpatch"
	fi
	if [ ${#tfiles[@]} -gt 0 ]; then
		(cd "$src_top" && "$src/scripts/checkpatch.pl" --strict --no-tree --terse \
			--show-types --ignore "$TOOLS_IGNORE" -f "${tfiles[@]}") |
			grep -E '(ERROR|WARNING|CHECK):' >>"$log/checkpatch"
	fi
	report "checkpatch --strict ($((${#kfiles[@]} + ${#cfiles[@]})) driver, ${#tfiles[@]} rig files)" "$lane" "$log/checkpatch"

	make -C "$kdir" M="$obj" VA_DRIVERS= coccicheck MODE=report \
		SPFLAGS="--very-quiet" >"$log/cocci.out" 2>&1 || echo "coccicheck failed" >>"$log/cocci.out"
	grep -E '^[^ ]+\.[ch]:[0-9]+:|coccicheck failed' "$log/cocci.out" >"$log/cocci" || true
	report "coccicheck ($(spatch --version 2>/dev/null | head -n 1 | awk '{ print $3 }'), $(ls "$src"/scripts/coccinelle/*/*.cocci | wc -l) scripts)" \
		"$lane" "$log/cocci"

	: >"$log/kerneldoc"
	if [ ${#kfiles[@]} -gt 0 ]; then
		# 6.1's kernel-doc has no -Wall (it warns about what it checks).
		kdwall=-Wall
		grep -q -- '-Wall' "$src/scripts/kernel-doc" || kdwall=
		(cd "$src_top" && "$src/scripts/kernel-doc" -none $kdwall "${kfiles[@]}" "${cfiles[@]}") \
			>>"$log/kerneldoc" 2>&1
	fi
	report "kernel-doc -Wall (${#kfiles[@]} files)" "$lane" "$log/kerneldoc"
done

if [ $findings -gt 0 ]; then
	echo "make check: $findings check(s) with findings"
	exit 1
fi
echo "make check: clean"
