#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ksft-headers.sh [OUTDIR]
#
# Unpack from Debian's kernel source tarball only the few files the project
# uses from the kernel tree, keeping their relative paths, into OUTDIR
# (default build/linux-src):
#   tools/testing/selftests/kselftest_harness.h, tools/testing/selftests/kselftest.h,
#   scripts/checkpatch.pl, scripts/spelling.txt, scripts/const_structs.checkpatch
# xz has no random access, so this costs one full decompression (~8 s with
# -T0); a stamp (tarball path, size, mtime) makes later runs instant.
# The tarball: $SRC_TARBALL, else the one recorded by deps.sh, else the
# newest /usr/src/linux-source-*.tar.xz.

set -euo pipefail
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build/linux-src}"
FILES=(tools/testing/selftests/kselftest_harness.h
       tools/testing/selftests/kselftest.h
       scripts/checkpatch.pl
       scripts/spelling.txt
       scripts/const_structs.checkpatch)

tarball="${SRC_TARBALL:-}"
envf="${MAGENTA_CACHE:-/var/cache/magenta-linux}/kernel.env"
if [ -z "$tarball" ] && [ -r "$envf" ]; then
	tarball=$(sed -n 's/^SRC_TARBALL=//p' "$envf")
fi
if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
	echo "ksft-headers: no /usr/src/linux-source-*.tar.xz (run scripts/deps.sh)" >&2
	exit 1
fi

stamp="$OUT/.stamp"
want="$tarball $(stat -c '%s %Y' "$tarball")"
all_there() {
	local f
	for f in "${FILES[@]}"; do [ -s "$OUT/$f" ] || return 1; done
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && all_there; then
	exit 0
fi

echo "ksft-headers: unpacking ${#FILES[@]} files from $tarball" >&2
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
pats=()
for f in "${FILES[@]}"; do pats+=("linux-source-*/$f"); done
xz -T0 -dc "$tarball" |
	tar -x -C "$OUT.tmp" --strip-components=1 --wildcards --no-wildcards-match-slash "${pats[@]}"
for f in "${FILES[@]}"; do
	[ -s "$OUT.tmp/$f" ] || { echo "ksft-headers: $f not in $tarball" >&2; exit 1; }
done
chmod +x "$OUT.tmp/scripts/checkpatch.pl"
echo "$want" >"$OUT.tmp/.stamp"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
