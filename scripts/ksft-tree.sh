#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ksft-tree.sh [OUTDIR]
#
# Unpack from Debian's kernel source tarball the kselftest framework, so that
# OUTDIR (default build/linux-src, where ksft-headers.sh put the harness
# headers) works as a kernel tree for `make -C tools/testing/selftests`:
#   tools/testing/selftests/{Makefile,lib.mk,run_kselftest.sh,gen_kselftest_tar.sh}
#   tools/testing/selftests/kselftest/{runner.sh,module.sh,prefix.pl}
#   scripts/subarch.include (read by the selftests Makefile)
# Files already in OUTDIR stay (this only adds). One xz pass (~10-15 s); a
# stamp (tarball path, size, mtime) makes later runs instant. The tarball:
# $SRC_TARBALL, else the one recorded by deps.sh, else the newest
# /usr/src/linux-source-*.tar.xz (as ksft-headers.sh).

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build/linux-src}"
S=tools/testing/selftests
FILES=("$S/Makefile" "$S/lib.mk" "$S/run_kselftest.sh" "$S/gen_kselftest_tar.sh"
       "$S/kselftest/runner.sh" "$S/kselftest/module.sh" "$S/kselftest/prefix.pl"
       scripts/subarch.include)

tarball="${SRC_TARBALL:-}"
envf="${MAGENTA_CACHE:-/var/cache/magenta-linux}/kernel.env"
if [ -z "$tarball" ] && [ -r "$envf" ]; then
	tarball=$(sed -n 's/^SRC_TARBALL=//p' "$envf")
fi
if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
	echo "ksft-tree: no /usr/src/linux-source-*.tar.xz (run scripts/deps.sh)" >&2
	exit 1
fi

stamp="$OUT/.stamp-ksft-tree"
want="$tarball $(stat -c '%s %Y' "$tarball")"
all_there() {
	local f
	for f in "${FILES[@]}"; do [ -s "$OUT/$f" ] || return 1; done
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && all_there; then
	exit 0
fi

echo "ksft-tree: unpacking the kselftest framework (${#FILES[@]} files) from $tarball" >&2
mkdir -p "$OUT"
tmp=$(mktemp -d "${OUT%/*}/.ksft-tree.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pats=()
for f in "${FILES[@]}"; do pats+=("linux-source-*/$f"); done
xz -T0 -dc "$tarball" |
	tar -x -C "$tmp" --strip-components=1 --wildcards --no-wildcards-match-slash "${pats[@]}"
for f in "${FILES[@]}"; do
	[ -s "$tmp/$f" ] || { echo "ksft-tree: $f not in $tarball" >&2; exit 1; }
	mkdir -p "$OUT/$(dirname "$f")"
	cp -p "$tmp/$f" "$OUT/$f"
done
echo "$want" >"$stamp"
