#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make deb`: the Debian packages magenta-dkms, libmx1 and libmx-dev, and the
# source package, with Debian's own tools (dpkg-buildpackage, debhelper,
# dh_dkms; debian/ in the tree), then lintian on the result.
#
#   mkdeb.sh OUTDIR
#
# The build runs in a copy of the tree (OUTDIR/magenta-linux-VERSION/): the
# files git knows, plus new ones it does not ignore, as they are in the work
# tree now (or, outside a git checkout, the tree without build/ and objects).
# So the source package holds no build output and the build never cleans
# the work tree that others are building in. The .deb, .dsc, .tar.xz and
# .changes land in OUTDIR. lintian must report no error and no warning
# (debian/*lintian-overrides explain each tag that remains); its
# informational tags are shown.
#
# Environment: LINTIAN=0 skips lintian; DEB_BUILD_OPTIONS as usual.

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export LC_ALL=C.UTF-8

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
die() { echo "mkdeb: $*" >&2; exit 1; }

[ $# = 1 ] || die "usage: mkdeb.sh OUTDIR"
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for t in dpkg-buildpackage dh dh_dkms pandoc; do
	command -v "$t" >/dev/null ||
		die "$t not found: apt-get install dpkg-dev debhelper dh-dkms pandoc (or make install-test, which installs them)"
done

VERSION=$(cat "$ROOT/VERSION")
CLVERSION=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
[ "$VERSION" = "$CLVERSION" ] ||
	die "VERSION says $VERSION but debian/changelog says $CLVERSION (dch -v $VERSION, or fix VERSION)"
SRC=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Source)

T0=$SECONDS
rm -rf "$OUT/$SRC-$VERSION" "$OUT"/*.deb "$OUT"/*.ddeb "$OUT"/*.dsc "$OUT"/*.tar.* \
	"$OUT"/*.changes "$OUT"/*.buildinfo
mkdir -p "$OUT/$SRC-$VERSION"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# deleted in the work tree but still in the index: skip
			if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
		done | tar --null -T - -cf -) | tar -xf - -C "$OUT/$SRC-$VERSION"
else
	(cd "$ROOT" && tar --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='*.a' --exclude='*.so' --exclude='*.so.*' --exclude='.*.cmd' -cf - .) |
		tar -xf - -C "$OUT/$SRC-$VERSION"
fi

echo "mkdeb: dpkg-buildpackage in $OUT/$SRC-$VERSION (log: $OUT/build.log)"
if ! (cd "$OUT/$SRC-$VERSION" && dpkg-buildpackage -us -uc -j2) >"$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log"
	die "dpkg-buildpackage failed (full log: $OUT/build.log)"
fi
CHANGES=$(ls "$OUT"/*.changes)
(cd "$OUT" && ls -1 -- *.deb *.dsc *.tar.* | sed 's/^/mkdeb: built /')
echo "mkdeb: packages built in $((SECONDS - T0)) s"

if [ "${LINTIAN:-1}" = 1 ]; then
	command -v lintian >/dev/null || die "lintian not found: apt-get install lintian"
	echo "mkdeb: lintian --display-info $(basename "$CHANGES")"
	if ! lintian --display-info --fail-on error,warning "$CHANGES" | tee "$OUT/lintian.log"; then
		die "lintian found errors or warnings (see above; $OUT/lintian.log)"
	fi
	[ -s "$OUT/lintian.log" ] && echo "mkdeb: lintian: no error or warning (informational tags above)" ||
		echo "mkdeb: lintian: clean"
fi
echo "mkdeb: done in $((SECONDS - T0)) s"
