# SPDX-License-Identifier: GPL-2.0
# DKMS: the source tree as a DKMS user has it (dkms.conf and the Makefile),
# added and built by the host's dkms (Debian 12's 3.0.10) against each
# lane's kernel, in trees of the run's own: the host's /var/lib/dkms and
# /lib/modules are not touched. Each build must make the modules the
# kernel's configuration calls for (`make modules-list`), the same set the
# rig's own build makes, and they must load in a guest of that kernel.

suite_dkms_host() {
	local dir=$VA_RUN/dkms ver src tree lane kdir kver built want rig first= rc
	ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$VA_TOP/dkms.conf")
	tree=(--sourcetree "$dir/src" --dkmstree "$dir/tree")
	src=$dir/src/virtio-automotive-$ver
	rm -rf "$dir"
	mkdir -p "$src" "$dir/tree"
	# What a release tarball would hold: the tracked files (and new ones
	# not yet committed), not build products.
	(cd "$VA_TOP" && git ls-files -z -co --exclude-standard |
		rsync -a --from0 --files-from=- ./ "$src/")
	dkms add -m virtio-automotive -v "$ver" "${tree[@]}" >"$dir/add.log" 2>&1
	va_check "dkms: add" "$(tail -n 3 "$dir/add.log")" test -L "$dir/tree/virtio-automotive/$ver/source"

	for lane in $lanes; do
		[ "$(lane_flavour "$lane")" = release ] || continue
		kdir=$("$VA_TESTING/scripts/kernel.sh" "$lane") || continue
		kver=$(cat "$kdir/include/config/kernel.release")
		dkms build -m virtio-automotive -v "$ver" -k "$kver" --kernelsourcedir "$kdir" \
			"${tree[@]}" >"$dir/build-$lane.log" 2>&1
		rc=$?
		va_check "dkms: build against $lane ($kver)" \
			"exit status $rc: $(tail -n 3 "$dir/build-$lane.log")" test $rc = 0
		built=$(cd "$dir/tree/virtio-automotive/$ver/$kver/x86_64/module" 2>/dev/null &&
			ls -- *.ko | sort | tr '\n' ' ')
		want=$(make -s -C "$src" KDIR="$kdir" modules-list | sed 's|.*/||; s/$/.ko/' |
			sort | tr '\n' ' ')
		va_check "dkms: $lane: the modules its configuration calls for" \
			"built: $built; modules-list: $want" test -n "$want" -a "$built" = "$want"
		rig=$(cd "$("$VA_TESTING/scripts/modules.sh" "$lane" 2>/dev/null)" &&
			find drivers -name '*.ko' -printf '%f\n' | sort | tr '\n' ' ')
		va_check "dkms: $lane: the same modules as the rig's build" \
			"dkms: $built; rig: $rig" test "$built" = "$rig"
		[ -n "$first" ] || first=$lane:$kver
	done
	[ -n "$first" ] && dkms_load "${first%%:*}" "${first#*:}" "$ver"

	dkms remove -m virtio-automotive -v "$ver" --all "${tree[@]}" >"$dir/remove.log" 2>&1
	va_check "dkms: remove" "$(tail -n 3 "$dir/remove.log")" \
		test ! -e "$dir/tree/virtio-automotive/$ver"
}

# dkms_load LANE KVER VERSION: DKMS's modules (the KUnit suites aside, which
# run when loaded) load in a guest of the kernel they were built for, their
# dependencies from the kernel's own modules, and unload.
dkms_load() {
	local lane=$1 kver=$2 ver=$3 t=dkms-$1 rc
	mkdir -p "$VA_RUN/$t/ko"
	cp "$VA_RUN/dkms/tree/virtio-automotive/$ver/$kver/x86_64/module/"*.ko "$VA_RUN/$t/ko/"
	rm -f "$VA_RUN/$t/ko/"*_kunit.ko
	guest "$t" "$lane" pci -T 240 -- "
		loaded() { for m in *.ko; do grep -q \"^\${m%.ko} \" /proc/modules && echo \${m%.ko}; done; }
		cd ko
		for m in *.ko; do
			for d in \$(modinfo -F depends ./\$m | tr , ' '); do
				[ -e ./\$d.ko ] || modprobe \$d || echo \"modprobe \$d for \$m failed\"
			done
		done
		# ours in any order: each pass loads those whose own are loaded
		left=\$(ls *.ko) pass=0
		while [ -n \"\$left\" ] && [ \$pass -lt 5 ]; do
			next=
			for m in \$left; do insmod ./\$m 2>/dev/null || next=\"\$next \$m\"; done
			left=\$next pass=\$((pass + 1))
		done
		loaded >../loaded
		# twice: the first pass leaves what the others still use
		for _ in 1 2; do
			for m in \$(cat ../loaded); do rmmod \$m 2>/dev/null; done
		done
		loaded >../left
		$leak_scan
		exit 0"
	rc=$?
	va_check "$t: guest ran" "guest exit status $rc" test $rc = 0
	va_check "$t: every module DKMS built loads" \
		"loaded: $(tr '\n' ' ' <"$GUEST_OUT/loaded" 2>/dev/null); built: $(ls "$GUEST_OUT/ko" | tr '\n' ' ')" \
		test "$(wc -l <"$GUEST_OUT/loaded" 2>/dev/null)" = "$(ls "$GUEST_OUT/ko" | wc -l)"
	va_check "$t: and unloads" "left: $(tr '\n' ' ' <"$GUEST_OUT/left" 2>/dev/null)" \
		test -f "$GUEST_OUT/left" -a ! -s "$GUEST_OUT/left"
	va_check "$t: kernel log clean" "$(head -n 3 "$GUEST_OUT/kernel-reports.txt" 2>/dev/null)" kernel_log_clean
}
