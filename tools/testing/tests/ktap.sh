# SPDX-License-Identifier: GPL-2.0
# va_ktap PREFIX FILE: count KTAP results (KUnit suites, kselftests) into
# the run's totals. Each leaf test is one result: a test with subtests is
# represented by them, a test without subtests by its own line.

va_ktap() {
	local prefix=$1 file=$2 line
	if [ ! -s "$file" ]; then
		va_fail "$prefix" "no KTAP output in $file"
		return
	fi
	while IFS=$'\t' read -r verdict name detail; do
		case $verdict in
		PASS) va_pass "$prefix: $name" ;;
		SKIP) va_skip "$prefix: $name" "$detail" ;;
		*)
			known_reason=
			for k in "$@"; do
				[ "${k%%|*}" = "$name" ] && known_reason="known failure: ${k#*|}"
			done
			if [ -z "$known_reason" ] && [ -n "${VA_KTAP_TOLERATE:-}" ]; then
				known_reason=$("$VA_KTAP_TOLERATE" "$name" "$detail")
			fi
			if [ -n "$known_reason" ]; then
				va_skip "$prefix: $name" "$known_reason"
			else
				va_fail "$prefix: $name" "$detail"
			fi
			;;
		esac
	done < <(python3 "$VA_TESTING/scripts/ktap.py" "$file")
}
