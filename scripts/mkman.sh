#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Man pages from docs/api/*.md, the one source of the API documentation.
#
#   mkman.sh build SRCDIR OUTDIR VERSION   write OUTDIR/man3/*.3, OUTDIR/man7/magenta.7
#   mkman.sh list SRCDIR                   the pages build writes (man3/NAME.3 ...)
#   mkman.sh check DIR...                  every page under DIR renders with no
#                                          groff warning (-ww) and lexgrog parses
#                                          its NAME; man -l shows it
#
# Each page's level-1 heading names its calls: "# mx_msgpipe_write" gives
# man3/mx_msgpipe_write.3; "# mx_handle_export, mx_handle_import" gives
# mx_handle_export.3 and mx_handle_import.3 as a `.so` link to it. README.md,
# the page all calls share, is magenta(7). pandoc (Debian's) does the
# conversion, through scripts/man.lua (titles, NAME lines, cross references).
# The date is SOURCE_DATE_EPOCH's if set (Debian builds set it from
# debian/changelog), else that of the last commit to SRCDIR, else today.

set -euo pipefail
export LC_ALL=C.UTF-8

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
die() { echo "mkman: $*" >&2; exit 1; }

# The one-line description of magenta(7), which README.md has no NAME for.
OVERVIEW_NAME="magenta - Magenta message pipes and handles on Linux: /dev/magenta and libmx"

# names FILE: the C names its level-1 heading lists (magenta for README.md).
names() {
	if [ "$(basename "$1")" = README.md ]; then
		echo magenta
		return
	fi
	sed -n '1{s/^# //p;q}' "$1" | grep -o 'mx_[a-z_]*'
}

build() {
	local src=$1 out=$2 version=$3 pages="" f n sec first date epoch
	command -v pandoc >/dev/null || die "pandoc not found (apt-get install pandoc)"
	[ -f "$src/README.md" ] || die "no $src/README.md"
	for f in "$src"/*.md; do
		n=$(names "$f" | head -n1)
		[ -n "$n" ] || die "$f: no mx_* name in its first line (# mx_call)"
		sec=3
		[ "$n" = magenta ] && sec=7
		pages="$pages $(basename "$f")=$n($sec)"
	done
	if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
		epoch=$SOURCE_DATE_EPOCH
	else
		epoch=$(git -C "$src" log -1 --format=%ct -- . 2>/dev/null || true)
		[ -n "$epoch" ] || epoch=$(date +%s)
	fi
	date=$(date -u -d "@$epoch" +%Y-%m-%d)
	rm -rf "$out/man3" "$out/man7"
	mkdir -p "$out/man3" "$out/man7"
	for f in "$src"/*.md; do
		first=""
		for n in $(names "$f"); do
			sec=3
			[ "$n" = magenta ] && sec=7
			if [ -z "$first" ]; then
				first=$n
				pandoc -f gfm -t man -s --lua-filter "$HERE/man.lua" \
					-M pages="${pages# }" -M name="$n" \
					-M name_line="$OVERVIEW_NAME" -M date="$date" \
					-V section="$sec" -V adjusting=l -V hyphenate=false \
					-V header="libmx Manual" \
					-V footer="libmx $version" \
					"$f" -o "$out/man$sec/$n.$sec"
			else
				echo ".so man3/$first.3" >"$out/man3/$n.3"
			fi
		done
	done
	n=$(find "$out"/man3 "$out"/man7 -name '*.[37]' | wc -l)
	echo "mkman: $n pages in $out (pandoc $(pandoc --version | sed -n '1s/^pandoc //p'))"
}

check() {
	local d p err bad=0 n=0
	for d in "$@"; do
		for p in $(find "$d" -name '*.[1-9]' -o -name '*.[1-9].gz' | sort); do
			n=$((n + 1))
			# .so links: the target must exist next to them.
			if zcat -f "$p" | grep -q '^\.so '; then
				local t
				t=$(zcat -f "$p" | sed -n 's/^\.so //p')
				if ! ls "$(dirname "$(dirname "$p")")/$t"* >/dev/null 2>&1; then
					echo "mkman: $p: .so target $t missing" >&2
					bad=$((bad + 1))
				fi
				continue
			fi
			err=$(zcat -f "$p" | groff -t -man -Tutf8 -ww -z 2>&1) || err="$err (groff failed)"
			if [ -n "$err" ]; then
				echo "mkman: $p: groff -ww: $err" >&2
				bad=$((bad + 1))
			fi
			# As lintian runs it (its groff-message check): a clean
			# environment, 120 columns, paged (-Z) output.
			err=$(env -i PATH="$PATH" LC_ALL=C.UTF-8 MANROFFSEQ= MANWIDTH=120 \
				man --warnings -E UTF-8 -l -Tutf8 -Z "$p" 2>&1 >/dev/null) ||
				err="$err (man -l failed)"
			if [ -n "$err" ]; then
				echo "mkman: $p: man -l: $err" >&2
				bad=$((bad + 1))
			fi
			if ! lexgrog "$p" >/dev/null 2>&1; then
				echo "mkman: $p: lexgrog cannot parse its NAME section: $(lexgrog "$p" 2>&1)" >&2
				bad=$((bad + 1))
			fi
		done
	done
	[ "$n" -gt 0 ] || die "no man pages under $*"
	[ "$bad" = 0 ] || die "$bad problem(s) in $n pages"
	echo "mkman: $n pages: groff -ww, man -l and lexgrog clean"
}

# list SRCDIR: the pages build writes, as man3/NAME.3 and man7/magenta.7
list() {
	local f n
	for f in "$1"/*.md; do
		for n in $(names "$f"); do
			if [ "$n" = magenta ]; then echo "man7/$n.7"; else echo "man3/$n.3"; fi
		done
	done
}

case "${1:-}" in
list) [ $# = 2 ] || die "usage: mkman.sh list SRCDIR"; list "$2" ;;
build) [ $# = 4 ] || die "usage: mkman.sh build SRCDIR OUTDIR VERSION"; build "$2" "$3" "$4" ;;
check) [ $# -ge 2 ] || die "usage: mkman.sh check DIR..."; shift; check "$@" ;;
*) sed -n '3,18s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
